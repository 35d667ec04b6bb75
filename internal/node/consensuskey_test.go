package node_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/dii-net/dii/internal/node"
)

// TestConsensusKey reads the validator key Prepare made, and refuses a key
// file whose public key is not ed25519 or is malformed.
func TestConsensusKey(t *testing.T) {
	home := t.TempDir()
	if _, err := node.Prepare(home, "n"); err != nil {
		t.Fatal(err)
	}
	pub, err := node.ConsensusKey(home)
	if err != nil || len(pub) != 32 {
		t.Fatalf("key %x: %v", pub, err)
	}
	file := filepath.Join(home, "config", "priv_validator_key.json")
	orig, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"another key type": bytes.Replace(orig, []byte("tendermint/PubKeyEd25519"), []byte("cometbft/PubKeyBls12_381"), 1),
		"not JSON":         []byte("{"),
	} {
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := node.ConsensusKey(home); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

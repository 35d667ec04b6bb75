package dnssec

import (
	"path/filepath"
	"testing"

	"github.com/dii-net/dii/internal/registry"
)

func TestKeySaveLoad(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dns.private")
	if err := k.Save(path); err != nil {
		t.Fatal(err)
	}
	l, err := LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.KeyTag() != k.KeyTag() || string(l.RData()) != string(k.RData()) {
		t.Fatalf("loaded key differs: tag %d vs %d", l.KeyTag(), k.KeyTag())
	}
	if _, err := registry.CheckDNSKEY(k.RData()); err != nil {
		t.Fatalf("the ledger refuses our own key: %v", err)
	}
}

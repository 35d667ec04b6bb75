package tx_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dii-net/dii/internal/tx"
)

var update = flag.Bool("update", false, "rewrite testdata/golden and the generated seeds in testdata/fuzz/FuzzDecode")

const goldenDir = "testdata/golden"

// TestGolden pins the wire format: every sample transaction, signed with
// the fixed test key, must encode to the bytes in testdata/golden. A
// difference means the format changed, which breaks every signed
// transaction and every node: update the files (go test -run TestGolden
// -update ./internal/tx/) only on purpose.
func TestGolden(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			raw := encoded(t, s.seq, s.ops...)
			bin := filepath.Join(goldenDir, s.name+".bin")
			txt := filepath.Join(goldenDir, s.name+".txt")
			dump := hexDump(s.name, raw)
			if *update {
				writeFile(t, bin, raw)
				writeFile(t, txt, dump)
				writeFile(t, filepath.Join(fuzzDir, "golden-"+s.name), fuzzFile(raw))
				return
			}
			want, err := os.ReadFile(bin)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(raw, want) {
				t.Fatalf("encoding differs from %s\n got:\n%s\nwant:\n%s", bin, hex.Dump(raw), hex.Dump(want))
			}
			wantTxt, err := os.ReadFile(txt)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(dump, wantTxt) {
				t.Fatalf("%s is stale (run with -update)", txt)
			}
			// The golden bytes decode, verify and re-encode unchanged.
			x, err := tx.Decode(want)
			if err != nil {
				t.Fatalf("Decode(%s): %v", bin, err)
			}
			if err := x.VerifySignature(); err != nil {
				t.Fatalf("VerifySignature(%s): %v", bin, err)
			}
			again, err := x.Encode()
			if err != nil || !bytes.Equal(again, want) {
				t.Fatalf("re-encoding %s: %v", bin, err)
			}
		})
	}
	if *update {
		for name, b := range brokenSeeds(t) {
			writeFile(t, filepath.Join(fuzzDir, "broken-"+name), fuzzFile(b))
		}
	}
}

// TestGoldenHeader checks the fields of one golden file by offset, so a
// reader of the layout in the package documentation can trust it.
func TestGoldenHeader(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(goldenDir, "delete.bin"))
	if err != nil {
		t.Fatal(err)
	}
	pub := testKey().Public().(ed25519.PublicKey)
	off := 0
	next := func(n int) []byte {
		t.Helper()
		if off+n > len(raw) {
			t.Fatalf("golden file is %d bytes, too short", len(raw))
		}
		b := raw[off : off+n]
		off += n
		return b
	}
	checks := []struct {
		field string
		got   []byte
		want  []byte
	}{
		{"magic", next(2), []byte("dT")},
		{"version", next(1), []byte{1}},
		{"chain id", next(1 + len(testChainID)), append([]byte{byte(len(testChainID))}, testChainID...)},
		{"signer", next(tx.PubKeyLen), pub},
		{"sequence", next(8), []byte{0, 0, 0, 0, 0, 0, 0, 7}},
		{"op count", next(2), []byte{0, 1}},
		{"op kind", next(1), []byte{byte(tx.KindDelete)}},
		{"name", next(1 + len("example.dii")), append([]byte{11}, "example.dii"...)},
	}
	for _, c := range checks {
		if !bytes.Equal(c.got, c.want) {
			t.Errorf("%s = %x, want %x", c.field, c.got, c.want)
		}
	}
	if rest := len(raw) - off; rest != tx.SignatureLen {
		t.Errorf("%d bytes after the op, want the %d-byte signature", rest, tx.SignatureLen)
	}
}

func hexDump(name string, raw []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s: %d bytes, sha256 %X\n", name, len(raw), tx.Hash(raw))
	fmt.Fprintf(&b, "# signed with ed25519 seed 0x01 x 32, chain id %q\n", testChainID)
	b.WriteString(hex.Dump(raw))
	return b.Bytes()
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

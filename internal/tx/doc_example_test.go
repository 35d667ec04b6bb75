package tx_test

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/tx"
)

// TestDocWorkedExample keeps the worked example of docs/transactions.md
// true: the hex dump there must be the encoding of the transaction it
// describes, and the hash and address it states must be this one's.
func TestDocWorkedExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/transactions.md")
	if err != nil {
		t.Skipf("docs/transactions.md not found: %v", err)
	}
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x01}, ed25519.SeedSize))
	x := &tx.Tx{ChainID: "dii-example-1", Sequence: 0, Ops: []tx.Op{
		&tx.Register{Name: "shop.dii", PeriodDays: 365},
		&tx.SetRRset{Name: "shop.dii", Type: 1, TTL: 3600, Records: [][]byte{{192, 0, 2, 7}}},
	}}
	if err := x.Sign(key); err != nil {
		t.Fatal(err)
	}
	raw, err := x.Encode()
	if err != nil {
		t.Fatal(err)
	}

	dumped := docHexDump(t, string(doc), "## Worked example")
	if !bytes.Equal(dumped, raw) {
		t.Fatalf("the hex dump in docs/transactions.md is not the example's encoding:\n doc %x\ngot %x", dumped, raw)
	}
	for _, want := range []string{
		fmt.Sprintf("%d bytes", len(raw)),
		fmt.Sprintf("%X", tx.Hash(raw)),
		x.SignerAddress().String(),
	} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("docs/transactions.md does not state %q", want)
		}
	}
}

// docHexDump returns the bytes of the first hexdump -C style code block
// after the heading.
func docHexDump(t *testing.T, doc, heading string) []byte {
	t.Helper()
	i := strings.Index(doc, heading)
	if i < 0 {
		t.Fatalf("heading %q not found", heading)
	}
	var out []byte
	in := false
	sc := bufio.NewScanner(strings.NewReader(doc[i:]))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			if in {
				return out
			}
			in = true
			continue
		}
		if !in {
			continue
		}
		// "00000000  64 54 01 ...  |dT..|": the hex columns sit between
		// the offset and the ASCII column.
		f := strings.Fields(strings.SplitN(line, "|", 2)[0])
		if len(f) < 2 {
			continue
		}
		for _, h := range f[1:] {
			b, err := hex.DecodeString(h)
			if err != nil || len(b) != 1 {
				t.Fatalf("bad hex %q in line %q", h, line)
			}
			out = append(out, b[0])
		}
	}
	t.Fatal("no code block after the heading")
	return nil
}

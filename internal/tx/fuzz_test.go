package tx_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/dii-net/dii/internal/tx"
)

// fuzzDir holds the committed seed corpus of FuzzDecode: golden-* files
// (valid encodings, one per sample) and broken-* files are written by
// TestGolden -update; anything else is a crasher found by fuzzing, kept
// as a regression seed.
const fuzzDir = "testdata/fuzz/FuzzDecode"

// fuzzFile formats one []byte input in the "go test fuzz v1" corpus format.
func fuzzFile(b []byte) []byte {
	return fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", b)
}

// brokenSeeds are invalid encodings close to valid ones.
func brokenSeeds(t testing.TB) map[string][]byte {
	t.Helper()
	reg := encoded(t, 0, &tx.Register{Name: "example.dii", Owner: addr(1), PeriodDays: 1, Open: false})
	set := encoded(t, 0, &tx.SetRRset{Name: "example.dii", Type: 1, TTL: 5, Records: [][]byte{{1, 2, 3, 4}, {5, 6, 7, 8}}})
	cp := func(b []byte) []byte { return append([]byte(nil), b...) }
	m := map[string][]byte{}
	m["empty"] = nil
	m["magic-only"] = []byte("dT")
	b := cp(reg)
	b[0] = 'x'
	m["bad-magic"] = b
	b = cp(reg)
	b[2] = 2
	m["version-2"] = b
	m["truncated-half"] = cp(reg[:len(reg)/2])
	m["truncated-signature"] = cp(reg[:len(reg)-1])
	m["trailing"] = append(cp(reg), 0)
	b = cp(reg)
	binary.BigEndian.PutUint16(b[opCountOffset():], 0)
	m["op-count-0"] = b
	b = cp(reg)
	binary.BigEndian.PutUint16(b[opCountOffset():], tx.MaxOps+1)
	m["op-count-max+1"] = b
	b = cp(reg)
	b[opsOffset()] = 9
	m["unknown-op"] = b
	b = cp(reg)
	b[len(reg)-tx.SignatureLen-1] = 2
	m["bool-2"] = b
	b = cp(reg)
	b[4] = ' '
	m["chain-id-space"] = b
	b = cp(set)
	b[opsOffset()+1+1+len("example.dii")+2+4] = 3
	m["record-count-over"] = b
	return m
}

// FuzzDecode: Decode never panics, and whatever it accepts is canonical:
// encoding the result gives back the input exactly.
func FuzzDecode(f *testing.F) {
	for _, s := range samples() {
		f.Add(encoded(f, s.seq, s.ops...))
	}
	for _, b := range brokenSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := tx.Decode(in)
		if err != nil {
			if x != nil {
				t.Fatalf("Decode returned a transaction and the error %v", err)
			}
			return
		}
		out, err := x.Encode()
		if err != nil {
			t.Fatalf("Encode of a decoded transaction: %v\ninput %x", err, in)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("not canonical:\n in %x\nout %x", in, out)
		}
		if _, err := x.SignBytes(); err != nil {
			t.Fatalf("SignBytes of a decoded transaction: %v", err)
		}
		_ = x.VerifySignature() // must not panic
		for _, op := range x.Ops {
			_ = op.Kind().String()
			_ = op.Target()
		}
	})
}

package registry_test

import (
	"bytes"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/tx"
)

var update = flag.Bool("update", false, "rewrite the generated seeds in testdata/fuzz/FuzzDecodeRecord")

// fuzzDir holds the committed seed corpus of FuzzDecodeRecord: valid-* and
// broken-* files are written by TestFuzzSeeds -update; anything else is an
// input found by fuzzing, kept as a regression seed.
const fuzzDir = "testdata/fuzz/FuzzDecodeRecord"

func seedInputs() map[string][]byte {
	m := map[string][]byte{}
	for name, rec := range sampleRecords() {
		m["valid-"+name] = rec.Encode()
	}
	full := sampleRecords()["full"].Encode()
	m["broken-empty"] = nil
	m["broken-version"] = append([]byte{2}, full[1:]...)
	m["broken-truncated"] = full[:len(full)-3]
	m["broken-trailing"] = append(append([]byte(nil), full...), 0)
	r := sampleRecords()["full"]
	r.Delegates[0], r.Delegates[1] = r.Delegates[1], r.Delegates[0]
	m["broken-delegates-order"] = r.Encode()
	r = sampleRecords()["full"]
	r.RRsets[0], r.RRsets[1] = r.RRsets[1], r.RRsets[0]
	m["broken-rrsets-order"] = r.Encode()
	return m
}

// TestFuzzSeeds checks that the committed seeds are the generated ones and
// that each decodes as its name says.
func TestFuzzSeeds(t *testing.T) {
	for name, b := range seedInputs() {
		path := filepath.Join(fuzzDir, name)
		file := fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", b)
		if *update {
			if err := os.MkdirAll(fuzzDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, file, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		have, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(have, file) {
			t.Errorf("%s is stale (run with -update)", path)
		}
		_, err = registry.DecodeRecord(b)
		if valid := name[:6] == "valid-"; valid != (err == nil) {
			t.Errorf("%s: DecodeRecord error %v", name, err)
		}
	}
}

// FuzzDecodeRecord: DecodeRecord never panics, and whatever it accepts is
// canonical: Encode gives back the input exactly.
func FuzzDecodeRecord(f *testing.F) {
	for _, b := range seedInputs() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		rec, err := registry.DecodeRecord(in)
		if err != nil {
			if rec != nil {
				t.Fatalf("DecodeRecord returned a record and the error %v", err)
			}
			return
		}
		if out := rec.Encode(); !bytes.Equal(out, in) {
			t.Fatalf("not canonical:\n in %x\nout %x", in, out)
		}
		if out := rec.Clone().Encode(); !bytes.Equal(out, in) {
			t.Fatalf("Clone changes the encoding:\n in %x\nout %x", in, out)
		}
		// The accessors must not panic on any decoded record.
		_ = rec.IsTLD()
		_ = rec.DataSize()
		_ = rec.MayEdit(alice)
		for _, s := range rec.RRsets {
			if got, ok := rec.Lookup(s.Name, s.Type); !ok || got.Name != s.Name || got.Type != s.Type {
				t.Fatalf("Lookup(%q, %d) does not find a decoded RRset", s.Name, s.Type)
			}
			_ = rec.TypesAt(s.Name)
		}
	})
}

// FuzzDecodeNameserver: root name server entries decode strictly and only
// from their one canonical encoding; DNSKEY RDATA from a transaction is
// checked without panicking.
func FuzzDecodeNameserver(f *testing.F) {
	f.Add((&registry.Nameserver{Operator: tx.Address{1}, Name: "ns1.dii-nic", Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}).Encode())
	f.Add((&registry.Nameserver{Operator: tx.Address{2}, Name: "ns2.dii-nic", Addrs: []netip.Addr{netip.MustParseAddr("2001:db8::53")}, DNSKEY: []byte{1, 1, 3, 13, 9}}).Encode())
	f.Add([]byte{1, 1, 3, 13})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = registry.CheckDNSKEY(b)
		n, err := registry.DecodeNameserver(b)
		if err != nil {
			return
		}
		if string(n.Encode()) != string(b) {
			t.Fatalf("not canonical: %x", b)
		}
	})
}

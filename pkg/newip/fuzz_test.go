package newip_test

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dii-net/dii/pkg/newip"
)

var update = flag.Bool("update", false, "rewrite the generated seeds in testdata/fuzz")

// Seeds, by fuzz target: valid-* inputs decode, broken-* do not. Files in
// testdata/fuzz/FuzzX that TestFuzzSeeds did not write are inputs found
// by fuzzing, kept as regression seeds.
func seedBytes(t testing.TB) map[string]map[string][]byte {
	g := map[string][]byte{}
	names := []string{"nitk_v4", "nitk_8bit_ping", "dii_v6_mdf", "dii_flex_lbf_ping", "dii_general", "dii_chunked"}
	for _, n := range names {
		g[n] = readHex(t, filepath.Join("testdata", "golden", n+".hex"))
	}
	parse := map[string][]byte{}
	for n, b := range g {
		parse["valid-"+n] = b
	}
	r := rand.New(rand.NewPCG(7, 7))
	for i := 0; len(parse) < len(g)+6; i++ {
		if b, err := encode(randDesc(r)); err == nil {
			parse[fmt.Sprintf("valid-random-%d", i)] = b
		}
	}
	parse["broken-empty"] = nil
	parse["broken-version"] = mut(g["dii_v6_mdf"], func(b []byte) []byte { b[3] = 9; return b })
	parse["broken-nonminimal"] = mut(g["dii_flex_lbf_ping"], func(b []byte) []byte { b[12], b[13] = 0, 0; return b })
	parse["broken-contract"] = mut(g["dii_v6_mdf"], func(b []byte) []byte { b[32] = 9; return b })
	parse["broken-truncated"] = g["dii_general"][:40]

	contracts := map[string][]byte{"valid-empty": nil}
	chunks := map[string][]byte{"valid-empty": nil}
	blocks := map[string][]byte{}
	for n, b := range g {
		p, err := newip.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if c := p.ContractBytes(); len(c) > 0 {
			contracts["valid-"+n] = c
		}
		if p.Chunked() {
			chunks["valid-"+n] = p.Payload()
		}
		it := p.Contracts()
		for blk, ok := it.NextBlock(); ok; blk, ok = it.NextBlock() {
			blocks["valid-"+n] = blk.Bytes()
		}
	}
	contracts["broken-unknown"] = []byte{0, 9, 0, 0}
	contracts["broken-cut"] = []byte{0, 2, 0, 0}
	chunks["broken-cut"] = []byte{1, 0, 0, 9, 1}
	blocks["valid-empty"] = block(0, 0, 0, 0)
	blocks["broken-subject"] = block(0, 1, 0, 0, 9, 1, 0, 0, 0, 0, 0, 0)

	flex := map[string][]byte{}
	for _, v := range []uint64{0, 221, 5120, 65536, 1 << 32, 1 << 48} {
		a, _ := newip.FlexAddr(v)
		flex[fmt.Sprintf("valid-%d", v)] = a.AppendTo(nil)
	}
	flex["valid-wellknown"] = []byte{0xFF, 0x09}
	flex["broken-nonminimal"] = []byte{0xF1, 0x00, 0x01}
	flex["broken-unassigned"] = []byte{0xF7}
	return map[string]map[string][]byte{
		"FuzzParse":           parse,
		"FuzzDecodeContracts": contracts,
		"FuzzDecodeChunks":    chunks,
		"FuzzDecodeBlock":     blocks,
		"FuzzDecodeFlex":      flex,
	}
}

func seedStrings() map[string]map[string]string {
	return map[string]map[string]string{
		"FuzzParseAddress": {
			"valid-ipv4": "10.0.0.1", "valid-ipv6": "2001:db8::1", "valid-8bit": "8bit:7",
			"valid-flex": "f:f20a000001", "valid-flex-value": "f=5000",
			"broken-flex": "f:f10001", "broken-zone": "fe80::1%eth0",
			"valid-ipv6-f": "f::", "valid-ipv6-f-full": "f:0:0:0:0:0:0:1",
		},
		"FuzzParsePrefix": {
			"valid-ipv4": "10.0.0.0/8", "valid-ipv6": "2001:db8::/32", "valid-8bit": "8bit:16/4",
			"valid-flex": "f:f20a/16", "valid-flex-all": "f:/0",
			"broken-bits": "10.0.0.0/33", "broken-flex": "f:f2/16", "valid-ipv6-f": "f::/16",
		},
	}
}

// TestFuzzSeeds checks the committed seeds are the generated ones and
// decode as their names say. -update rewrites them.
func TestFuzzSeeds(t *testing.T) {
	files := map[string][]byte{}
	valid := map[string]error{}
	for target, seeds := range seedBytes(t) {
		for name, b := range seeds {
			path := filepath.Join("testdata", "fuzz", target, name)
			files[path] = fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", b)
			valid[path] = decodeFor(target, b)
		}
	}
	for target, seeds := range seedStrings() {
		for name, s := range seeds {
			path := filepath.Join("testdata", "fuzz", target, name)
			files[path] = fmt.Appendf(nil, "go test fuzz v1\nstring(%q)\n", s)
			var err error
			if target == "FuzzParseAddress" {
				_, err = newip.ParseAddress(s)
			} else {
				_, err = newip.ParsePrefix(s)
			}
			valid[path] = err
		}
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, path := range paths {
		file := files[path]
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
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
		if isValid := strings.HasPrefix(filepath.Base(path), "valid-"); isValid != (valid[path] == nil) {
			t.Errorf("%s: decode error %v", path, valid[path])
		}
	}
}

func decodeFor(target string, b []byte) error {
	var err error
	switch target {
	case "FuzzParse":
		_, err = newip.Parse(b)
	case "FuzzDecodeContracts":
		_, err = newip.DecodeContracts(b)
	case "FuzzDecodeChunks":
		_, err = newip.DecodeChunks(b)
	case "FuzzDecodeBlock":
		_, err = newip.DecodeBlock(b)
	case "FuzzDecodeFlex":
		_, _, err = newip.DecodeFlex(b)
	}
	return err
}

func addSeeds(f *testing.F, target string) {
	for _, b := range seedBytes(f)[target] {
		f.Add(b)
	}
}

// FuzzParse: Parse never panics; what it accepts is canonical (encoding
// its description gives back its bytes); every accessor and mutator is
// safe on it and leaves a packet that parses again.
func FuzzParse(f *testing.F) {
	addSeeds(f, "FuzzParse")
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := newip.Parse(in)
		if err != nil {
			return
		}
		enc, err := encode(describe(&p))
		if err != nil {
			t.Fatalf("encode of a parsed packet: %v", err)
		}
		if !bytes.Equal(enc, p.Bytes()) {
			t.Fatalf("not canonical:\nin  % x\nenc % x", p.Bytes(), enc)
		}
		exercise(t, bytes.Clone(p.Bytes()), in)
	})
}

// exercise runs the forwarding-path mutators on pkt and re-parses it.
func exercise(t *testing.T, pkt, seed []byte) {
	p, err := newip.Parse(pkt)
	if err != nil {
		t.Fatalf("copy does not parse: %v", err)
	}
	_ = p.String()
	p.DecHopLimit()
	p.AddExperiencedDelay(0xFFF0)
	p.DecPingHops()
	it := p.Contracts()
	for g, ok := it.NextBlock(); ok; g, ok = it.NextBlock() {
		p.Match(g, newip.Vars{QueueDepth: 3})
		acts := g.Actions()
		for a, ok := acts.Next(); ok; a, ok = acts.Next() {
			if a.Type == newip.ActRewriteMeta && !g.SetMeta(a.Key, a.Value) {
				t.Fatalf("rewrite action %d not applicable", a.Key)
			}
		}
	}
	chunks := p.NumChunks()
	var removed int
	if len(seed) > 0 && seed[0]&1 == 0 {
		removed = p.Wash(seed[0])
	} else {
		removed = p.WashBytes(len(seed))
	}
	q, err := newip.Parse(p.Bytes())
	if err != nil {
		t.Fatalf("packet does not parse after the mutators: %v", err)
	}
	if q.NumChunks() != p.NumChunks() || (removed == 0) != (p.NumChunks() == chunks) {
		t.Fatalf("wash: %d → %d chunks, %d bytes removed", chunks, q.NumChunks(), removed)
	}
}

// wrap places a contract spec or a chunk list in a packet from 8bit:1 to
// 8bit:2 (13 header bytes).
func wrap(contracts, chunks []byte, chunked bool) ([]byte, bool) {
	co, po := 0, 13+len(contracts)
	if len(contracts) > 0 {
		co = 13
	}
	total := po + len(chunks)
	if po > newip.MaxHeaderLen || total > newip.MaxPacketLen {
		return nil, false
	}
	flags := byte(0)
	if chunked {
		flags = newip.FlagChunked
	}
	b := []byte{8, byte(co), byte(po), 1, 64, flags, byte(total >> 8), byte(total), 2, 2, 0, 1, 2}
	b = append(b, contracts...)
	return append(b, chunks...), true
}

// FuzzDecodeContracts: DecodeContracts never panics and agrees with
// Parse on the same bytes in a packet, which re-encode exactly.
func FuzzDecodeContracts(f *testing.F) {
	addSeeds(f, "FuzzDecodeContracts")
	f.Fuzz(func(t *testing.T, in []byte) {
		n, err := newip.DecodeContracts(in)
		pkt, ok := wrap(in, nil, false)
		if !ok {
			return
		}
		p, perr := newip.Parse(pkt)
		if (err == nil) != (perr == nil) || (err != nil && err != perr) {
			t.Fatalf("DecodeContracts %v, Parse %v", err, perr)
		}
		if err != nil {
			return
		}
		count := 0
		it := p.Contracts()
		for _, ok := it.Next(); ok; _, ok = it.Next() {
			count++
		}
		if count != n || !bytes.Equal(p.ContractBytes(), nilIfEmpty(in)) {
			t.Fatalf("%d contracts, iterator %d; bytes % x", n, count, p.ContractBytes())
		}
		enc, err := encode(describe(&p))
		if err != nil || !bytes.Equal(enc, pkt) {
			t.Fatalf("re-encode: %v\n% x\n% x", err, enc, pkt)
		}
	})
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// FuzzDecodeBlock: DecodeBlock never panics; an accepted block encodes
// back to itself and its views are safe.
func FuzzDecodeBlock(f *testing.F) {
	addSeeds(f, "FuzzDecodeBlock")
	f.Fuzz(func(t *testing.T, in []byte) {
		g, err := newip.DecodeBlock(in)
		if err != nil {
			return
		}
		gen := g.General()
		var b newip.Builder
		b.Reset(nil)
		b.Start(newip.Header{HopLimit: 1, Src: newip.Addr8(1), Dst: newip.Addr8(2)})
		b.General(&gen)
		pkt, err := b.Finish()
		if err != nil {
			if err == newip.ErrTooLong {
				return
			}
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(pkt[13:], in) {
			t.Fatalf("re-encoded block\n% x\nwant\n% x", pkt[13:], in)
		}
		for i := range g.NumMeta() {
			g.SetMetaUint(uint8(i+1), uint64(i))
		}
		if _, err := newip.DecodeBlock(in); err != nil {
			t.Fatalf("block invalid after metadata rewrites: %v", err)
		}
	})
}

// FuzzDecodeChunks: DecodeChunks never panics and agrees with Parse; a
// wash keeps the packet valid.
func FuzzDecodeChunks(f *testing.F) {
	addSeeds(f, "FuzzDecodeChunks")
	f.Fuzz(func(t *testing.T, in []byte) {
		n, err := newip.DecodeChunks(in)
		pkt, ok := wrap(nil, in, true)
		if !ok {
			return
		}
		p, perr := newip.Parse(pkt)
		if (err == nil) != (perr == nil) {
			t.Fatalf("DecodeChunks %v, Parse %v", err, perr)
		}
		if err != nil {
			return
		}
		if p.NumChunks() != n {
			t.Fatalf("%d chunks, Parse says %d", n, p.NumChunks())
		}
		enc, err := encode(describe(&p))
		if err != nil || !bytes.Equal(enc, pkt) {
			t.Fatalf("re-encode: %v", err)
		}
		exercise(t, pkt, in)
	})
}

// FuzzDecodeFlex: DecodeFlex never panics; an accepted address is its
// own minimal encoding and survives the text form.
func FuzzDecodeFlex(f *testing.F) {
	addSeeds(f, "FuzzDecodeFlex")
	f.Fuzz(func(t *testing.T, in []byte) {
		a, n, err := newip.DecodeFlex(in)
		if err != nil {
			return
		}
		if n != a.Len() || n != newip.FlexLen(in[0]) || !bytes.Equal(a.AppendTo(nil), in[:n]) {
			t.Fatalf("decoded %s from % x, n %d", a, in, n)
		}
		if v, ok := a.FlexValue(); ok {
			b, err := newip.FlexAddr(v)
			if err != nil || b != a {
				t.Fatalf("FlexAddr(%d) = %s, decoded %s", v, b, a)
			}
		}
		b, err := newip.ParseAddress(a.String())
		if err != nil || b != a {
			t.Fatalf("ParseAddress(%q) = %s, %v", a.String(), b, err)
		}
	})
}

// FuzzParseAddress: ParseAddress never panics; String gives back an
// address that parses to the same value.
func FuzzParseAddress(f *testing.F) {
	for _, s := range seedStrings()["FuzzParseAddress"] {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := newip.ParseAddress(s)
		if err != nil {
			return
		}
		b, err := newip.ParseAddress(a.String())
		if err != nil || b != a {
			t.Fatalf("%q → %s → %s, %v", s, a, b, err)
		}
	})
}

// FuzzParsePrefix: ParsePrefix never panics; an accepted prefix is
// canonical, round-trips through String and contains its own address.
func FuzzParsePrefix(f *testing.F) {
	for _, s := range seedStrings()["FuzzParsePrefix"] {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := newip.ParsePrefix(s)
		if err != nil {
			return
		}
		q, err := newip.ParsePrefix(p.String())
		if err != nil || q != p || !p.IsValid() || !p.Contains(p.Addr) {
			t.Fatalf("%q → %v → %v, %v", s, p, q, err)
		}
	})
}

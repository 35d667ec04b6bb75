package zone

import (
	"encoding/binary"
	"fmt"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
)

// benchName is the i-th second-level name of the benchmark state.
func benchName(i int) string { return fmt.Sprintf("n%07d.dii", i) }

func ipv4(i int) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, 0x0a000000|uint32(i&0xffffff))
	return b
}

func wireName(s string) []byte {
	b := make([]byte, 256)
	n, err := dns.PackDomainName(dns.Fqdn(s), b, 0, nil, false)
	if err != nil {
		panic(err)
	}
	return b[:n]
}

// benchRecord is name i: an A and an AAAA record at the apex and a www
// CNAME; every tenth name is delegated out, with NS, DS and glue.
func benchRecord(i int, variant byte) *registry.Record {
	name := benchName(i)
	rec := &registry.Record{Name: name, Expiry: 1 << 40}
	a := ipv4(i)
	a[3] ^= variant
	aaaa := make([]byte, 16)
	copy(aaaa, []byte{0x20, 0x01, 0x0d, 0xb8})
	copy(aaaa[12:], ipv4(i))
	rec.RRsets = []registry.RRset{
		{Name: name, Type: dns.TypeA, TTL: 300, Records: [][]byte{a}},
		{Name: name, Type: dns.TypeAAAA, TTL: 300, Records: [][]byte{aaaa}},
	}
	if i%10 == 0 {
		ds := append([]byte{0x30, 0x39, 13, 2}, make([]byte, 32)...)
		rec.RRsets = []registry.RRset{
			{Name: name, Type: dns.TypeNS, TTL: 3600, Records: [][]byte{wireName("ns1." + name), wireName("ns2." + name)}},
			{Name: name, Type: dns.TypeDS, TTL: 3600, Records: [][]byte{ds}},
			{Name: "ns1." + name, Type: dns.TypeA, TTL: 3600, Records: [][]byte{a}},
			{Name: "ns2." + name, Type: dns.TypeA, TTL: 3600, Records: [][]byte{ipv4(i + 1)}},
		}
	} else {
		rec.RRsets = append(rec.RRsets, registry.RRset{Name: "www." + name, Type: dns.TypeCNAME, TTL: 300, Records: [][]byte{wireName(name)}})
	}
	return rec
}

var benchStates sync.Map // int -> *state.Version

// benchVersion is a state at height 1 with the TLD dii and n names below.
func benchVersion(n int) *state.Version {
	if v, ok := benchStates.Load(n); ok {
		return v.(*state.Version)
	}
	ch := []state.Change{put(&registry.Record{Name: "dii", Expiry: 1 << 40})}
	for i := 0; i < n; i++ {
		ch = append(ch, put(benchRecord(i, 0)))
	}
	v := state.Empty().Next(1, ch)
	benchStates.Store(n, v)
	return v
}

func benchSnapshot(b *testing.B, n int) *Snapshot {
	s, err := Build(benchVersion(n), testConfig())
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{1000, 100000, 1000000} {
		s := benchSnapshot(b, n)
		for _, c := range []struct {
			name  string
			qname func(i int) string
			check func(*Result) bool
		}{
			{"hit", func(i int) string { return benchName(i%n|1) + "." }, func(r *Result) bool { return len(r.Answer) == 1 }},
			{"cname", func(i int) string { return "www." + benchName(i%n|1) + "." }, func(r *Result) bool { return len(r.Answer) == 2 }},
			{"nxdomain", func(i int) string { return fmt.Sprintf("x%07d.dii.", i%n) }, func(r *Result) bool { return r.Rcode == dns.RcodeNameError }},
			{"referral", func(i int) string { return "www." + benchName(i%n/10*10) + "." }, func(r *Result) bool { return r.Referral && len(r.Extra) == 2 }},
		} {
			// Query names are made up front so the loop measures Lookup only.
			qs := make([]string, 1024)
			for i := range qs {
				qs[i] = c.qname(i * 7919)
			}
			if r := s.Lookup(qs[0], dns.TypeA); !c.check(r) {
				b.Fatalf("%s: unexpected result:\n%s", c.name, render(r))
			}
			b.Run(fmt.Sprintf("names=%d/%s", n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					s.Lookup(qs[i&1023], dns.TypeA)
				}
			})
		}
	}
}

// BenchmarkApply applies a block of 1,000 changes (600 records changed,
// 200 names registered, 200 deleted) to a snapshot of 100,000 and of
// 1,000,000 names.
func BenchmarkApply(b *testing.B) {
	for _, n := range []int{100000, 1000000} {
		prev := benchVersion(n)
		s := benchSnapshot(b, n)
		var ch []state.Change
		for i := 0; i < 600; i++ {
			ch = append(ch, put(benchRecord(i*97%n, 1)))
		}
		for i := 0; i < 200; i++ {
			ch = append(ch, put(benchRecord(n+i, 0)))
		}
		for i := 0; i < 200; i++ {
			ch = append(ch, del(benchName(n-1-i*13)))
		}
		next := prev.Next(2, ch)
		b.Run(fmt.Sprintf("names=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Apply(prev, next, ch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBuild(b *testing.B) {
	v := benchVersion(100000)
	cfg := testConfig()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(v, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompact merges a trie of 1/64 of a million keys (the most a
// node's hash index holds before merging) into a flat table of a million:
// "patch" copies the table and changes it, "rebuild" builds one afresh
// (when the table has no room left).
func BenchmarkCompact(b *testing.B) {
	const n = 1_000_000
	var base hashIndex
	gen := genCounter.Add(1)
	for i := range n {
		k := fmt.Sprintf("bench\x00name%07d", i)
		base.set(probe(k), hashKey(k), gen)
	}
	base.base, base.over, base.recent = base.base.merge(&base.over, base.len), trie{}, nil
	changed := base
	gen = genCounter.Add(1)
	for i := range n / 64 {
		k := fmt.Sprintf("bench\x00name%07d", i*64)
		if i%4 == 0 {
			changed.del(k, hashKey(k), gen)
			continue
		}
		changed.set(probe(k), hashKey(k), gen)
	}
	b.Run("patch", func(b *testing.B) {
		for b.Loop() {
			_ = changed.base.patched(&changed.over)
		}
	})
	b.Run("rebuild", func(b *testing.B) {
		for b.Loop() {
			_ = changed.base.rebuilt(&changed.over, changed.len)
		}
	})
}

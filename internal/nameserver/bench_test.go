package nameserver

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
	"github.com/dii-net/dii/internal/zone"
)

// The benchmark zone is bench/dns's: the open TLD "bench" and n names
// nameNNNNNNN.bench, each a hosted zone with one A record.
func benchHit(i int) string  { return fmt.Sprintf("name%07d.bench.", i) }
func benchMiss(i int) string { return fmt.Sprintf("nx%07d.bench.", i) }

var benchSnaps sync.Map // benchKey -> *zone.Snapshot

type benchKey struct{ n, recent int }

// benchSnapshot returns the snapshot of the benchmark zone of n names
// after a block that changed the A record of recent of them (0: the zone
// as built), so that the hash index has as many recent changes in front
// of its flat table as a node has at worst (up to 1/64 of the names).
func benchSnapshot(b *testing.B, n, recent int) *zone.Snapshot {
	b.Helper()
	if z, ok := benchSnaps.Load(benchKey{n, recent}); ok {
		return z.(*zone.Snapshot)
	}
	owner := tx.Address{1}
	record := func(i, a int) state.Change {
		name := benchHit(i)
		name = name[:len(name)-1]
		rd, err := names.ParseRData(dns.TypeA, fmt.Sprintf("10.%d.%d.%d", a>>16&255, a>>8&255, a&255))
		if err != nil {
			b.Fatal(err)
		}
		rec := &registry.Record{Name: name, Owner: owner, Expiry: 1 << 40,
			RRsets: []registry.RRset{{Name: name, Type: dns.TypeA, TTL: 3600, Records: [][]byte{rd}}}}
		return state.Change{Key: registry.Key(name), Value: rec.Encode()}
	}
	changes := make([]state.Change, 0, n+1)
	tld := &registry.Record{Name: "bench", Owner: owner, Expiry: 1 << 40, Open: true}
	changes = append(changes, state.Change{Key: registry.Key("bench"), Value: tld.Encode()})
	for i := 0; i < n; i++ {
		changes = append(changes, record(i, i))
	}
	v := state.Empty().Next(1, changes)
	z, err := zone.Build(v, zone.Config{Nameservers: []zone.Nameserver{{Name: "ns1.dii-nic.", IPv4: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}}})
	if err != nil {
		b.Fatal(err)
	}
	if recent > 0 {
		changes = changes[:0]
		for i := 0; i < recent; i++ {
			j := i * (n / recent)
			changes = append(changes, record(j, j+1))
		}
		next := v.Next(2, changes)
		if z, err = z.Apply(v, next, changes); err != nil {
			b.Fatal(err)
		}
	}
	benchSnaps.Store(benchKey{n, recent}, z)
	return z
}

// benchQueries packs queries of the bench/dns mix: 90% A queries for
// loaded names, 10% for names that do not exist, no EDNS; the i-th query
// is a miss when i%10 == 9. There are max(4096, n) of them, in a random
// order, so that at a million names every name is asked once a round, as
// dnsperf's uniform draw does, and the caches hold no more than they
// would under that load.
func benchQueries(b *testing.B, n int) [][]byte {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][]byte, max(4096, n))
	for i := range out {
		j := rng.IntN(n)
		name := benchHit(j)
		if i%10 == 9 {
			name = benchMiss(j)
		}
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeA)
		m.Id = uint16(i)
		raw, err := m.Pack()
		if err != nil {
			b.Fatal(err)
		}
		out[i] = raw
	}
	return out
}

// answerUDP answers one datagram as serveUDP does, without the socket:
// the fast path, else the slow one.
func (s *Server) answerUDP(raw, buf []byte) []byte {
	var q wireQuery
	if parseQuery(raw, &q) {
		if out, _, ok := s.answerFast(raw, &q, s.snap.Load(), buf); ok {
			return out
		}
	}
	resp, _ := s.answerSlow(raw, netip.MustParseAddrPort("127.0.0.1:53"))
	if resp == nil {
		return nil
	}
	out, _ := resp.PackBuffer(buf)
	return out
}

// benchBatch answers a batch of datagrams as serveUDP does, without the
// sockets: parse all, prefetch their names, answer each.
type benchBatch struct {
	qs     [udpBatch]wireQuery
	lnames [][]byte
	bufs   [udpBatch][]byte
}

func (bb *benchBatch) answer(s *Server, raws [][]byte) int {
	z := s.snap.Load()
	bb.lnames = bb.lnames[:0]
	for i, raw := range raws {
		if parseQuery(raw, &bb.qs[i]) {
			bb.lnames = append(bb.lnames, bb.qs[i].name())
		}
	}
	z.Prefetch(bb.lnames)
	answered := 0
	for i, raw := range raws {
		if out, _, ok := s.answerFast(raw, &bb.qs[i], z, bb.bufs[i][:0]); ok {
			bb.bufs[i] = out
			answered++
		}
	}
	return answered
}

// BenchmarkAnswerWire measures the UDP hot path from the bytes of a query
// to the bytes of its answer, without the sockets: parse, look up, build
// the answer. "single" answers one query at a time; "batch" answers
// batches of 32 as serveUDP does, with the names prefetched (ns/op is
// still per query). Every answer is checked once before timing.
func BenchmarkAnswerWire(b *testing.B) {
	for _, c := range []struct{ n, recent int }{{1000, 0}, {1000000, 0}, {1000000, 15000}} {
		n := c.n
		z := benchSnapshot(b, n, c.recent)
		s := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		s.SetSnapshot(z)
		qs := benchQueries(b, n)
		buf := make([]byte, 0, 65535)
		for i, raw := range qs {
			out := s.answerUDP(raw, buf)
			var m dns.Msg
			if err := m.Unpack(out); err != nil {
				b.Fatalf("answer %d does not unpack: %v", i, err)
			}
			want, wantAns := dns.RcodeSuccess, 1
			if i%10 == 9 {
				want, wantAns = dns.RcodeNameError, 0
			}
			if m.Rcode != want || len(m.Answer) != wantAns || !m.Authoritative {
				b.Fatalf("answer %d: %v", i, &m)
			}
		}
		name := fmt.Sprintf("names=%d", n)
		if c.recent > 0 {
			name += fmt.Sprintf(",recent=%d", c.recent)
		}
		b.Run(name+"/single", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				s.answerUDP(qs[i%len(qs)], buf)
			}
		})
		b.Run(name+"/batch", func(b *testing.B) {
			const batch = 32
			var bb benchBatch
			for i := range bb.bufs {
				bb.bufs[i] = make([]byte, 0, 512)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i%batch == 0 {
					j := i % (len(qs) - batch)
					if got := bb.answer(s, qs[j:j+batch]); got != batch {
						b.Fatalf("%d of %d answered", got, batch)
					}
				}
				i++
			}
		})
	}
}

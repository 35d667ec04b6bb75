package newip_test

import (
	"testing"

	"github.com/dii-net/dii/pkg/newip"
)

// lbfPacket is the forwarding benchmark's packet: flexible addresses, an
// LBF contract and a 100-byte payload.
func lbfPacket(tb testing.TB) []byte {
	var b newip.Builder
	b.Reset(make([]byte, 0, 256))
	buildLBF(&b, make([]byte, 100))
	pkt, err := b.Finish()
	if err != nil {
		tb.Fatal(err)
	}
	return pkt
}

var (
	benchSrc, _ = newip.FlexAddr(70000)
	benchDst, _ = newip.FlexAddr(5000)
)

func buildLBF(b *newip.Builder, payload []byte) {
	b.Start(newip.Header{HopLimit: 64, Src: benchSrc, Dst: benchDst})
	b.LBF(newip.LBF{MaxDelay: 100, FibToDelay: 20, FibToHops: 4})
	b.Payload(payload)
}

// forward is a forwarding decision: decode, read the destination, take
// one off the hop limit, add this hop's delay to the LBF contract.
func forward(p *newip.Packet, pkt []byte) (newip.Address, bool) {
	if err := p.Decode(pkt); err != nil {
		return newip.Address{}, false
	}
	dst := p.Dst()
	if _, ok := p.DecHopLimit(); !ok {
		return dst, false
	}
	p.AddExperiencedDelay(3)
	return dst, true
}

// TestZeroAlloc: the hot paths allocate nothing.
func TestZeroAlloc(t *testing.T) {
	pkt := lbfPacket(t)
	general := readHex(t, "testdata/golden/dii_general.hex")
	chunkedPkt := readHex(t, "testdata/golden/dii_chunked.hex")
	work := make([]byte, len(chunkedPkt))
	buf := make([]byte, 0, 256)
	payload := make([]byte, 100)
	var p newip.Packet
	cases := map[string]func(){
		"Decode": func() { _ = p.Decode(general) },
		"forward": func() {
			pkt[4] = 64
			forward(&p, pkt)
		},
		"Build": func() {
			var b newip.Builder
			b.Reset(buf[:0])
			buildLBF(&b, payload)
			_, _ = b.Finish()
		},
		"Match and actions": func() {
			_ = p.Decode(general)
			it := p.Contracts()
			for g, ok := it.NextBlock(); ok; g, ok = it.NextBlock() {
				p.Match(g, newip.Vars{QueueDepth: 20})
				acts := g.Actions()
				for a, ok := acts.Next(); ok; a, ok = acts.Next() {
					if a.Type == newip.ActRewriteMeta {
						g.SetMeta(a.Key, a.Value)
					}
				}
			}
		},
		"Wash": func() {
			copy(work, chunkedPkt)
			_ = p.Decode(work)
			p.Wash(100)
		},
		"WashBytes": func() {
			copy(work, chunkedPkt)
			_ = p.Decode(work)
			p.WashBytes(5)
		},
		"Parse error": func() { _ = p.Decode(general[:20]) },
	}
	for name, f := range cases {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations per run", name, n)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"nitk_v4", "dii_v6_mdf", "dii_flex_lbf_ping", "dii_general", "dii_chunked"} {
		pkt := readHex(b, "testdata/golden/"+name+".hex")
		b.Run(name, func(b *testing.B) {
			var p newip.Packet
			b.ReportAllocs()
			b.SetBytes(int64(len(pkt)))
			for b.Loop() {
				if err := p.Decode(pkt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkForward(b *testing.B) {
	pkt := lbfPacket(b)
	var p newip.Packet
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		pkt[4] = 64 // keep the hop limit from running out
		if _, ok := forward(&p, pkt); !ok {
			b.Fatal("dropped")
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	buf := make([]byte, 0, 256)
	payload := make([]byte, 100)
	b.Run("lbf", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var bl newip.Builder
			bl.Reset(buf[:0])
			buildLBF(&bl, payload)
			if _, err := bl.Finish(); err != nil {
				b.Fatal(err)
			}
		}
	})
	g := &newip.General{
		Conditions: []newip.Condition{{Subject: newip.SubjQueueDepth, Op: newip.OpGt, Value: 10}},
		Actions:    []newip.Action{{Type: newip.ActSetPriority, Priority: 6}, {Type: newip.ActRewriteMeta, Key: 1, Value: []byte{1}}},
		Meta:       []newip.Meta{{Key: 1, Type: newip.MetaUint, Value: []byte{0}}},
	}
	b.Run("general", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var bl newip.Builder
			bl.Reset(buf[:0])
			bl.Start(newip.Header{HopLimit: 64, Src: benchSrc, Dst: benchDst})
			bl.General(g)
			bl.Payload(payload)
			if _, err := bl.Finish(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWash includes copying the 31-byte packet back each time.
func BenchmarkWash(b *testing.B) {
	chunkedPkt := readHex(b, "testdata/golden/dii_chunked.hex")
	work := make([]byte, len(chunkedPkt))
	var p newip.Packet
	b.ReportAllocs()
	for b.Loop() {
		copy(work, chunkedPkt)
		if err := p.Decode(work); err != nil {
			b.Fatal(err)
		}
		p.Wash(100)
	}
}

func BenchmarkDecodeFlex(b *testing.B) {
	enc := benchSrc.AppendTo(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := newip.DecodeFlex(enc); err != nil {
			b.Fatal(err)
		}
	}
}

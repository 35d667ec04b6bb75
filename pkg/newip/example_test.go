package newip_test

import (
	"fmt"

	"github.com/dii-net/dii/pkg/newip"
)

// Build a packet with a Latency-Based Forwarding contract, then decode it
// as a router would.
func ExampleBuilder() {
	src, _ := newip.ParseAddress("10.0.0.1")
	dst, _ := newip.ParseAddress("f=5000")

	var b newip.Builder
	b.Reset(make([]byte, 0, 128))
	b.Start(newip.Header{HopLimit: newip.DefaultHopLimit, Src: src, Dst: dst})
	b.LBF(newip.LBF{MinDelay: 0, MaxDelay: 50, FibToDelay: 20, FibToHops: 3})
	b.Payload([]byte("hello"))
	pkt, err := b.Finish()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("% x\n", pkt)

	p, err := newip.Parse(pkt)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.String())
	// Output:
	// 08 11 1d 01 40 00 00 22 00 03 00 0a 00 00 01 f0 88 00 02 00 00 00 32 00 00 00 14 00 03 68 65 6c 6c 6f
	// 10.0.0.1 > f:f088 unicast hop 64 lbf(0,50,0,20,3) payload 5B
}

// The forwarding-path steps: read the destination, take one off the hop
// limit, add this hop's queueing delay to the LBF contract.
func ExamplePacket_DecHopLimit() {
	src, _ := newip.ParseAddress("8bit:1")
	dst, _ := newip.ParseAddress("8bit:9")
	var b newip.Builder
	b.Reset(nil)
	b.Start(newip.Header{HopLimit: 2, Src: src, Dst: dst})
	b.LBF(newip.LBF{MaxDelay: 50, FibToHops: 2})
	pkt, _ := b.Finish()

	var p newip.Packet
	for hop := 1; ; hop++ {
		if err := p.Decode(pkt); err != nil {
			fmt.Println("drop:", err)
			return
		}
		left, ok := p.DecHopLimit()
		if !ok {
			fmt.Println("hop", hop, "drops the packet: hop limit exceeded")
			return
		}
		d, _ := p.AddExperiencedDelay(7)
		fmt.Println("hop", hop, "forwards to", p.Dst(), "hop limit", left, "experienced delay", d)
	}
	// Output:
	// hop 1 forwards to 8bit:9 hop limit 1 experienced delay 7
	// hop 2 drops the packet: hop limit exceeded
}

// Flexible addresses are self-delimiting and minimal: the first byte
// gives the length.
func ExampleFlexAddr() {
	for _, v := range []uint64{7, 221, 5120, 70000, 1 << 40, 1 << 50} {
		a, _ := newip.FlexAddr(v)
		fmt.Println(v, a, a.Len())
	}
	_, _, err := newip.DecodeFlex([]byte{0xF1, 0x00, 0x07}) // 7 fits in one byte
	fmt.Println(err)
	// Output:
	// 7 f:07 1
	// 221 f:dddd 2
	// 5120 f:f11400 3
	// 70000 f:f200011170 5
	// 1099511627776 f:f3010000000000 7
	// 1125899906842624 f:fe04000000000000 8
	// newip: flexible address not minimally encoded
}

// Longest-prefix match over flexible addresses: the first byte fixes the
// length class, the rest is the value.
func ExamplePrefix_Contains() {
	all5, _ := newip.ParsePrefix("f:f2/8")
	net10, _ := newip.ParsePrefix("f:f20a/16")
	a, _ := newip.ParseAddress("f:f20a000001")
	b, _ := newip.ParseAddress("f:f20b000001")
	fmt.Println(all5.Contains(a), net10.Contains(a), net10.Contains(b))
	// Output: true true false
}

// Wash a chunked payload: drop the chunks below significance 100.
func ExamplePacket_Wash() {
	src, _ := newip.ParseAddress("f=1")
	dst, _ := newip.ParseAddress("f=2")
	var b newip.Builder
	b.Reset(nil)
	b.Start(newip.Header{HopLimit: 64, Src: src, Dst: dst})
	b.Chunk(newip.Chunk{Significance: newip.Essential, Seq: 0, Data: []byte("base layer")})
	b.Chunk(newip.Chunk{Significance: 50, Seq: 1, Data: []byte("enhancement")})
	b.Chunk(newip.Chunk{Significance: 150, Seq: 2, Data: []byte("detail")})
	pkt, _ := b.Finish()

	p, _ := newip.Parse(pkt)
	fmt.Println("before:", p.Len(), "bytes")
	removed := p.Wash(100)
	fmt.Println("removed:", removed, "after:", p.Len(), "washed:", p.Washed())
	it := p.Chunks()
	for c, ok := it.Next(); ok; c, ok = it.Next() {
		fmt.Printf("chunk %d (significance %d): %s\n", c.Seq, c.Significance, c.Data)
	}
	// Output:
	// before: 52 bytes
	// removed: 15 after: 37 washed: true
	// chunk 0 (significance 255): base layer
	// chunk 2 (significance 150): detail
}

// A general contract block: when the queue is deeper than 10 packets,
// raise the priority and record it in the block's metadata.
func ExamplePacket_Match() {
	src, _ := newip.ParseAddress("f=1")
	dst, _ := newip.ParseAddress("f=2")
	var b newip.Builder
	b.Reset(nil)
	b.Start(newip.Header{HopLimit: 64, Src: src, Dst: dst})
	b.General(&newip.General{
		Conditions: []newip.Condition{{Subject: newip.SubjQueueDepth, Op: newip.OpGt, Value: 10}},
		Actions: []newip.Action{
			{Type: newip.ActSetPriority, Priority: 6},
			{Type: newip.ActRewriteMeta, Key: 1, Value: []byte{1}},
		},
		Meta: []newip.Meta{{Key: 1, Type: newip.MetaUint, Value: []byte{0}}},
	})
	pkt, err := b.Finish()
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := newip.Parse(pkt)
	it := p.Contracts()
	for g, ok := it.NextBlock(); ok; g, ok = it.NextBlock() {
		fmt.Println("queue 3 matches:", p.Match(g, newip.Vars{QueueDepth: 3}))
		if !p.Match(g, newip.Vars{QueueDepth: 30}) {
			continue
		}
		acts := g.Actions()
		for a, ok := acts.Next(); ok; a, ok = acts.Next() {
			switch a.Type {
			case newip.ActSetPriority:
				fmt.Println("priority", a.Priority)
			case newip.ActRewriteMeta:
				g.SetMeta(a.Key, a.Value)
			}
		}
		m, _ := g.Meta(1)
		v, _ := m.Uint()
		fmt.Println("metadata 1 =", v)
	}
	// Output:
	// queue 3 matches: false
	// priority 6
	// metadata 1 = 1
}

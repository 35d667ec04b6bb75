package newip_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"

	"github.com/dii-net/dii/pkg/newip"
)

// randAddr returns a random valid address of a random type.
func randAddr(r *rand.Rand) newip.Address {
	switch r.IntN(5) {
	case 0:
		var b [4]byte
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return newip.AddrFrom4(b)
	case 1:
		var b [16]byte
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return newip.AddrFrom16(b)
	case 2:
		return newip.Addr8(uint8(r.Uint32()))
	case 3:
		return newip.FlexWellKnown(uint8(r.Uint32()))
	}
	// Flexible values spread over every length class.
	v := r.Uint64() >> (8 + r.IntN(56))
	a, err := newip.FlexAddr(v)
	if err != nil {
		panic(err)
	}
	return a
}

// randGeneral returns a random valid general block.
func randGeneral(r *rand.Rand) newip.General {
	var g newip.General
	g.Final = r.IntN(2) == 0
	for k := 1; k <= r.IntN(3); k++ {
		if r.IntN(2) == 0 {
			n := []int{1, 2, 4, 8}[r.IntN(4)]
			g.Meta = append(g.Meta, newip.MetaUintValue(uint8(k), r.Uint64(), n))
		} else {
			v := make([]byte, r.IntN(6))
			for i := range v {
				v[i] = byte(r.Uint32())
			}
			if len(v) == 0 {
				v = nil
			}
			g.Meta = append(g.Meta, newip.Meta{Key: uint8(k), Type: newip.MetaBytes, Value: v})
		}
	}
	for range r.IntN(3) {
		c := newip.Condition{Subject: newip.Subject(1 + r.IntN(5)), Op: newip.Op(1 + r.IntN(6)), Value: r.Uint32()}
		if c.Subject == newip.SubjMeta {
			c.Key = 0
			for _, m := range g.Meta {
				if m.Type == newip.MetaUint {
					c.Key = m.Key
				}
			}
			if c.Key == 0 {
				c.Subject = newip.SubjQueueDepth
			}
		}
		g.Conditions = append(g.Conditions, c)
	}
	for range r.IntN(4) {
		a := newip.Action{Type: newip.ActionType(1 + r.IntN(5))}
		switch a.Type {
		case newip.ActSetPriority:
			a.Priority = uint8(r.IntN(8))
		case newip.ActNextHop:
			a.NextHop = randAddr(r)
		case newip.ActWash:
			a.Threshold = uint8(r.Uint32())
		case newip.ActRewriteMeta:
			if len(g.Meta) == 0 {
				a.Type = newip.ActDrop
				break
			}
			m := g.Meta[r.IntN(len(g.Meta))]
			a.Key = m.Key
			if len(m.Value) > 0 {
				a.Value = make([]byte, len(m.Value))
				for i := range a.Value {
					a.Value[i] = byte(r.Uint32())
				}
			}
		}
		g.Actions = append(g.Actions, a)
	}
	return g
}

// randDesc returns a random packet description.
func randDesc(r *rand.Rand) desc {
	d := desc{Header: newip.Header{
		NITK:     r.IntN(5) == 0,
		HopLimit: uint8(r.Uint32()),
		Cast:     newip.Cast(r.IntN(5)),
		Src:      randAddr(r),
		Dst:      randAddr(r),
	}}
	if d.Header.NITK {
		d.Header.HopLimit = 0
	}
	fixed := []any{
		newip.MaxDelay{MaxAllowedDelay: uint16(r.Uint32()), DelayExp: uint16(r.Uint32())},
		newip.LBF{MinDelay: uint16(r.Uint32()), MaxDelay: uint16(r.Uint32()), ExperiencedDelay: uint16(r.Uint32()), FibToDelay: uint16(r.Uint32()), FibToHops: uint16(r.Uint32())},
		newip.Ping{Code: uint16(r.IntN(4)), Hops: uint16(r.Uint32()), Timestamp: r.Uint64()},
	}
	for _, c := range fixed {
		if r.IntN(2) == 0 {
			d.Contracts = append(d.Contracts, c)
		}
	}
	for range r.IntN(3) {
		d.Contracts = append(d.Contracts, randGeneral(r))
	}
	r.Shuffle(len(d.Contracts), func(i, j int) { d.Contracts[i], d.Contracts[j] = d.Contracts[j], d.Contracts[i] })
	if !d.Header.NITK && r.IntN(2) == 0 {
		d.Header.Chunked = true
		d.Header.Washed = r.IntN(3) == 0
		for i := range r.IntN(5) {
			c := newip.Chunk{Significance: uint8(r.Uint32()), Seq: uint8(i)}
			if n := r.IntN(40); n > 0 {
				c.Data = make([]byte, n)
				for j := range c.Data {
					c.Data[j] = byte(r.Uint32())
				}
			}
			d.Chunks = append(d.Chunks, c)
		}
		return d
	}
	if n := r.IntN(100); n > 0 {
		d.Payload = make([]byte, n)
		for j := range d.Payload {
			d.Payload[j] = byte(r.Uint32())
		}
	}
	return d
}

// TestRoundTrip is the property parse(encode(x)) == x, and
// encode(parse(b)) == b, over many random packets.
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	built := 0
	for i := range 5000 {
		d := randDesc(r)
		pkt, err := encode(d)
		if errors.Is(err, newip.ErrTooLong) {
			continue // the headers outgrew the one-byte payload offset
		}
		if err != nil {
			t.Fatalf("case %d: encode: %v\n%+v", i, err, d)
		}
		built++
		p, err := newip.Parse(pkt)
		if err != nil {
			t.Fatalf("case %d: Parse: %v\n% x", i, err, pkt)
		}
		got := describe(&p)
		if !reflect.DeepEqual(got, d) {
			t.Fatalf("case %d: decoded\n%+v\nwant\n%+v", i, got, d)
		}
		again, err := encode(got)
		if err != nil || !bytes.Equal(again, pkt) {
			t.Fatalf("case %d: re-encoded (%v)\n% x\nwant\n% x", i, err, again, pkt)
		}
	}
	if built < 4000 {
		t.Fatalf("only %d of 5000 random packets fit; the generator is too big", built)
	}
}

func TestHopLimit(t *testing.T) {
	pkt, err := newip.AppendPacket(nil, newip.Header{HopLimit: 2, Src: newip.Addr8(1), Dst: newip.Addr8(2)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := newip.Parse(pkt)
	for _, want := range []struct {
		left uint8
		ok   bool
	}{{1, true}, {0, false}, {0, false}} {
		left, ok := p.DecHopLimit()
		if left != want.left || ok != want.ok {
			t.Fatalf("DecHopLimit = %d, %v; want %d, %v", left, ok, want.left, want.ok)
		}
	}
	if !p.SetHopLimit(200) || pkt[4] != 200 {
		t.Fatalf("SetHopLimit did not write byte 4: % x", pkt)
	}
}

func TestContractMutators(t *testing.T) {
	raw := readHex(t, "testdata/golden/dii_flex_lbf_ping.hex")
	p, _ := newip.Parse(raw)
	if v, ok := p.AddExperiencedDelay(100); !ok || v != 125 {
		t.Fatalf("AddExperiencedDelay = %d, %v", v, ok)
	}
	if v, _ := p.AddExperiencedDelay(65535); v != 65535 {
		t.Fatalf("experienced delay did not saturate: %d", v)
	}
	l := newip.LBF{MinDelay: 1, MaxDelay: 2, ExperiencedDelay: 3, FibToDelay: 4, FibToHops: 5}
	if !p.SetLBF(l) {
		t.Fatal("SetLBF")
	}
	if got, _ := p.LBF(); got != l {
		t.Fatalf("LBF after SetLBF = %+v", got)
	}
	if h, ok := p.DecPingHops(); !ok || h != 249 {
		t.Fatalf("DecPingHops = %d, %v", h, ok)
	}
	g := newip.Ping{Code: newip.PingTimeExceeded, Hops: 0, Timestamp: 42}
	if !p.SetPing(g) {
		t.Fatal("SetPing")
	}
	if h, _ := p.DecPingHops(); h != 0 {
		t.Fatalf("ping hops went below 0: %d", h)
	}
	if p.SetMaxDelay(newip.MaxDelay{}) {
		t.Fatal("SetMaxDelay on a packet without one")
	}
	// The changes are in the buffer: a fresh parse sees them.
	q, err := newip.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := q.LBF(); got != l {
		t.Errorf("re-parsed LBF %+v", got)
	}
	if got, _ := q.Ping(); got != g {
		t.Errorf("re-parsed Ping %+v", got)
	}

	m, _ := newip.Parse(readHex(t, "testdata/golden/dii_v6_mdf.hex"))
	if !m.SetMaxDelay(newip.MaxDelay{MaxAllowedDelay: 7, DelayExp: 3}) {
		t.Fatal("SetMaxDelay")
	}
	if got, _ := m.MaxDelay(); got != (newip.MaxDelay{MaxAllowedDelay: 7, DelayExp: 3}) {
		t.Errorf("MaxDelay %+v", got)
	}
	if _, ok := m.AddExperiencedDelay(1); ok {
		t.Error("AddExperiencedDelay without LBF")
	}
	if _, ok := m.DecPingHops(); ok || m.SetPing(g) || m.SetLBF(l) {
		t.Error("Ping/LBF mutators on a packet without them")
	}
}

func TestGeneralBlock(t *testing.T) {
	raw := readHex(t, "testdata/golden/dii_general.hex")
	p, _ := newip.Parse(raw)
	if p.NumBlocks() != 1 {
		t.Fatalf("NumBlocks %d", p.NumBlocks())
	}
	it := p.Contracts()
	g, ok := it.NextBlock()
	if !ok || !g.Final() {
		t.Fatal("no final block")
	}
	if _, ok := it.NextBlock(); ok {
		t.Fatal("a second block")
	}
	// Conditions: queue depth > 10 and metadata 1 == 0.
	if p.Match(g, newip.Vars{QueueDepth: 10}) || !p.Match(g, newip.Vars{QueueDepth: 11}) {
		t.Error("queue depth condition")
	}
	if !g.SetMetaUint(1, 5) {
		t.Fatal("SetMetaUint")
	}
	if p.Match(g, newip.Vars{QueueDepth: 11}) {
		t.Error("metadata condition ignored the rewrite")
	}
	if g.SetMetaUint(1, 256) || g.SetMetaUint(2, 1) || g.SetMetaUint(9, 1) {
		t.Error("SetMetaUint accepted a value too wide, a bytes item or a missing key")
	}
	if g.SetMeta(2, []byte("ab")) || !g.SetMeta(2, []byte("xyz")) {
		t.Error("SetMeta length rule")
	}
	if m, _ := g.Meta(2); string(m.Value) != "xyz" || !bytes.Contains(raw, []byte("xyz")) {
		t.Error("SetMeta did not write the packet")
	}
	if _, ok := g.Meta(3); ok {
		t.Error("Meta of a missing key")
	}
	if g.Condition(5) != (newip.Condition{}) {
		t.Error("Condition out of range")
	}
	// The packet still parses after the in-place rewrites.
	if _, err := newip.Parse(raw); err != nil {
		t.Fatal(err)
	}
	if _, err := newip.DecodeBlock(g.Bytes()); err != nil {
		t.Errorf("DecodeBlock of a parsed block: %v", err)
	}
	if _, err := newip.DecodeBlock(append(append([]byte(nil), g.Bytes()...), 0)); err != newip.ErrBadContract {
		t.Errorf("DecodeBlock with a trailing byte: %v", err)
	}
}

// TestMatchSubjects covers every condition subject and operator.
func TestMatchSubjects(t *testing.T) {
	build := func(nitk, lbf bool, conds ...newip.Condition) (*newip.Packet, newip.Block) {
		var b newip.Builder
		b.Reset(nil)
		b.Start(newip.Header{NITK: nitk, HopLimit: 10, Src: newip.Addr8(1), Dst: newip.Addr8(2)})
		if lbf {
			b.LBF(newip.LBF{ExperiencedDelay: 30})
		}
		b.General(&newip.General{Conditions: conds, Meta: []newip.Meta{newip.MetaUintValue(1, 1000, 2)}})
		pkt, err := b.Finish()
		if err != nil {
			t.Fatal(err)
		}
		p, err := newip.Parse(pkt)
		if err != nil {
			t.Fatal(err)
		}
		it := p.Contracts()
		g, _ := it.NextBlock()
		return &p, g
	}
	c := func(s newip.Subject, op newip.Op, v uint32) newip.Condition {
		k := uint8(0)
		if s == newip.SubjMeta {
			k = 1
		}
		return newip.Condition{Subject: s, Op: op, Key: k, Value: v}
	}
	tests := []struct {
		name      string
		nitk, lbf bool
		cond      newip.Condition
		want      bool
	}{
		{"hop limit eq", false, false, c(newip.SubjHopLimit, newip.OpEq, 10), true},
		{"hop limit ne", false, false, c(newip.SubjHopLimit, newip.OpNe, 10), false},
		{"hop limit in NITK form", true, false, c(newip.SubjHopLimit, newip.OpGe, 0), false},
		{"experienced delay lt", false, true, c(newip.SubjExperiencedDelay, newip.OpLt, 31), true},
		{"experienced delay le", false, true, c(newip.SubjExperiencedDelay, newip.OpLe, 29), false},
		{"experienced delay without LBF", false, false, c(newip.SubjExperiencedDelay, newip.OpGe, 0), false},
		{"queue depth gt", false, false, c(newip.SubjQueueDepth, newip.OpGt, 4), true},
		{"metadata ge", false, false, c(newip.SubjMeta, newip.OpGe, 1000), true},
		{"metadata gt", false, false, c(newip.SubjMeta, newip.OpGt, 1000), false},
		{"length", false, false, c(newip.SubjLength, newip.OpLt, 100), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, g := build(tc.nitk, tc.lbf, tc.cond)
			if got := p.Match(g, newip.Vars{QueueDepth: 5}); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
		})
	}
	if p, g := build(false, false); !p.Match(g, newip.Vars{}) {
		t.Error("a block without conditions must match")
	}
}

// chunked builds a chunked packet with the given significances; chunk i
// holds i+1 bytes of value i.
func chunked(t *testing.T, sigs ...uint8) []byte {
	t.Helper()
	var b newip.Builder
	b.Reset(nil)
	b.Start(newip.Header{HopLimit: 9, Src: newip.Addr8(1), Dst: newip.Addr8(2)})
	b.Ping(newip.Ping{Hops: 3})
	for i, s := range sigs {
		b.Chunk(newip.Chunk{Significance: s, Seq: uint8(i), Data: bytes.Repeat([]byte{byte(i)}, i+1)})
	}
	pkt, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return pkt
}

// seqs lists the sequence numbers of the chunks left, checking their data.
func seqs(t *testing.T, p *newip.Packet) []int {
	t.Helper()
	var out []int
	it := p.Chunks()
	for c, ok := it.Next(); ok; c, ok = it.Next() {
		if !bytes.Equal(c.Data, bytes.Repeat([]byte{c.Seq}, int(c.Seq)+1)) {
			t.Fatalf("chunk %d data % x", c.Seq, c.Data)
		}
		out = append(out, int(c.Seq))
	}
	return out
}

func TestWash(t *testing.T) {
	sigs := []uint8{255, 10, 200, 10, 50, 0}
	tests := []struct {
		threshold   uint8
		wantSeqs    []int
		wantRemoved int
	}{
		{0, []int{0, 1, 2, 3, 4, 5}, 0},
		{1, []int{0, 1, 2, 3, 4}, 4 + 6},
		{11, []int{0, 2, 4}, 4 + 6 + 4 + 2 + 4 + 4},
		{255, []int{0}, 4 + 6 + 4 + 2 + 4 + 3 + 4 + 4 + 4 + 5},
	}
	for _, tc := range tests {
		pkt := chunked(t, sigs...)
		p, _ := newip.Parse(pkt)
		before := p.Len()
		removed := p.Wash(tc.threshold)
		if removed != tc.wantRemoved || p.Len() != before-removed {
			t.Errorf("Wash(%d) removed %d (len %d→%d), want %d", tc.threshold, removed, before, p.Len(), tc.wantRemoved)
		}
		if got := seqs(t, &p); !reflect.DeepEqual(got, tc.wantSeqs) {
			t.Errorf("Wash(%d) left %v, want %v", tc.threshold, got, tc.wantSeqs)
		}
		if p.Washed() != (removed > 0) || p.NumChunks() != len(tc.wantSeqs) {
			t.Errorf("Wash(%d): washed %v, %d chunks", tc.threshold, p.Washed(), p.NumChunks())
		}
		// The washed packet is a valid packet with the contracts intact.
		q, err := newip.Parse(p.Bytes())
		if err != nil {
			t.Fatalf("Wash(%d): re-parse: %v", tc.threshold, err)
		}
		if g, ok := q.Ping(); !ok || g.Hops != 3 || q.Len() != p.Len() {
			t.Errorf("Wash(%d): re-parsed %s", tc.threshold, q.String())
		}
	}
}

func TestWashBytes(t *testing.T) {
	// Chunk sizes with headers: 5, 6, 7, 8, 9, 10.
	sigs := []uint8{255, 10, 200, 10, 50, 0}
	tests := []struct {
		n           int
		wantSeqs    []int
		wantRemoved int
	}{
		{0, []int{0, 1, 2, 3, 4, 5}, 0},
		{1, []int{0, 1, 2, 3, 4}, 10},        // the least significant chunk covers it
		{11, []int{0, 1, 2, 4}, 10 + 8},      // then the later of the two at 10
		{19, []int{0, 2, 4}, 10 + 8 + 6},     // then the earlier one
		{25, []int{0, 2}, 10 + 8 + 6 + 9},    // then significance 50
		{1000, []int{0}, 10 + 8 + 6 + 9 + 7}, // everything but the essential chunk
	}
	for _, tc := range tests {
		pkt := chunked(t, sigs...)
		p, _ := newip.Parse(pkt)
		removed := p.WashBytes(tc.n)
		if removed != tc.wantRemoved {
			t.Errorf("WashBytes(%d) removed %d, want %d", tc.n, removed, tc.wantRemoved)
		}
		if got := seqs(t, &p); !reflect.DeepEqual(got, tc.wantSeqs) {
			t.Errorf("WashBytes(%d) left %v, want %v", tc.n, got, tc.wantSeqs)
		}
		if _, err := newip.Parse(p.Bytes()); err != nil {
			t.Fatalf("WashBytes(%d): re-parse: %v", tc.n, err)
		}
	}
	// A plain payload is never washed.
	p, _ := newip.Parse(readHex(t, "testdata/golden/dii_v6_mdf.hex"))
	if p.Wash(255) != 0 || p.WashBytes(100) != 0 || p.Washed() {
		t.Error("washed a plain payload")
	}
}

func TestAddresses(t *testing.T) {
	for _, s := range []string{"10.0.0.1", "2001:db8::1", "::ffff:10.0.0.1", "8bit:0", "8bit:255",
		"f:00", "f:dc", "f:dddd", "f:de00", "f:f0ff", "f:f11400", "f:f1ffff", "f:f200010000", "f:f2ffffffff",
		"f:f3000100000000", "f:fe01000000000000", "f:feffffffffffffff", "f:ff00", "f:ff09",
		"f::", "f::1", "f:1::2", "fe80::1"} {
		a, err := newip.ParseAddress(s)
		if err != nil {
			t.Errorf("ParseAddress(%q): %v", s, err)
			continue
		}
		if a.String() != s {
			t.Errorf("ParseAddress(%q).String() = %q", s, a.String())
		}
		if v, ok := a.FlexValue(); ok {
			b, err := newip.FlexAddr(v)
			if err != nil || b != a {
				t.Errorf("%s: FlexAddr(%d) = %s, %v", s, v, b, err)
			}
		}
	}
	// Value boundaries of every length class.
	for _, tc := range []struct {
		v uint64
		n int
	}{{0, 1}, {220, 1}, {221, 2}, {5119, 2}, {5120, 3}, {65535, 3}, {65536, 5}, {1<<32 - 1, 5}, {1 << 32, 7}, {1<<48 - 1, 7}, {1 << 48, 8}, {newip.MaxFlexValue, 8}} {
		a, err := newip.FlexAddr(tc.v)
		if err != nil || a.Len() != tc.n {
			t.Errorf("FlexAddr(%d) = %s (%d bytes), %v; want %d bytes", tc.v, a, a.Len(), err, tc.n)
			continue
		}
		enc := a.AppendTo(nil)
		if newip.FlexLen(enc[0]) != tc.n {
			t.Errorf("FlexLen(%#x) = %d, want %d", enc[0], newip.FlexLen(enc[0]), tc.n)
		}
		b, n, err := newip.DecodeFlex(enc)
		if err != nil || n != tc.n || b != a {
			t.Errorf("DecodeFlex(% x) = %s, %d, %v", enc, b, n, err)
		}
		if v, ok := b.FlexValue(); !ok || v != tc.v {
			t.Errorf("FlexValue of %s = %d", b, v)
		}
	}
	if a, _ := newip.ParseAddress("f=5000"); a.String() != "f:f088" {
		t.Errorf("f=5000 is %s", a)
	}
	if _, ok := newip.FlexWellKnown(9).FlexValue(); ok {
		t.Error("a well-known address has no value")
	}
	if (newip.Address{}).String() != "invalid" || (newip.Address{}).IsValid() {
		t.Error("zero Address")
	}
	ip, ok := mustAddr(t, "2001:db8::1").Netip()
	if !ok || ip.String() != "2001:db8::1" {
		t.Error("Netip of IPv6")
	}
	if _, ok := newip.Addr8(1).Netip(); ok {
		t.Error("Netip of an 8-bit address")
	}
	// Addresses are map keys: equal values, one key.
	m := map[newip.Address]int{}
	m[mustAddr(t, "f=300")]++
	m[mustAddr(t, "f:de2c")]++
	m[mustAddr(t, "10.0.0.1")]++
	m[newip.AddrFrom4([4]byte{10, 0, 0, 1})]++
	if len(m) != 2 || m[mustAddr(t, "f=300")] != 2 {
		t.Errorf("map: %v", m)
	}
	if newip.Addr8(1) == mustAddr(t, "f:01") {
		t.Error("an 8-bit and a flexible address compare equal")
	}
}

func TestPrefix(t *testing.T) {
	tests := []struct {
		prefix string
		addr   string
		want   bool
	}{
		{"10.0.0.0/8", "10.9.9.9", true},
		{"10.0.0.0/8", "11.0.0.1", false},
		{"10.0.0.0/8", "f:0a", false}, // another type
		{"2001:db8::/32", "2001:db8:1::1", true},
		{"8bit:16/4", "8bit:31", true},
		{"8bit:16/4", "8bit:32", false},
		{"f:/0", "f:07", true},
		{"f:/0", "8bit:7", false},
		{"f:f2/8", "f:f20a000001", true},
		{"f:f2/8", "f:f11400", false},
		{"f:f20a/16", "f:f20a000001", true},
		{"f:f20a/16", "f:f20b000001", false},
		{"f:de/7", "f:dfff", true},
		{"f:de/8", "f:dfff", false},
		{"f:f20a000001/40", "f:f20a000001", true},
		{"f::/16", "f::1", true}, // IPv6, not flexible
		{"f::/16", "f:0f", false},
		{"f:f20a000001/40", "f:f20a000002", false},
		{"f:f20a00000102/41", "f:f20a000001", false}, // longer than the address
	}
	for _, tc := range tests {
		p, err := newip.ParsePrefix(tc.prefix)
		if err != nil {
			t.Errorf("ParsePrefix(%q): %v", tc.prefix, err)
			continue
		}
		if got := p.Contains(mustAddr(t, tc.addr)); got != tc.want {
			t.Errorf("%s contains %s = %v, want %v", tc.prefix, tc.addr, got, tc.want)
		}
	}
	// Canonical prefixes are equal map keys; String round-trips.
	a := mustAddr(t, "f:f20a0b0c0d")
	p1, _ := newip.PrefixFrom(a, 12)
	p2, _ := newip.ParsePrefix("f:f20f/12")
	if p1 != p2 || p1.String() != "f:f200/12" || !p1.IsValid() {
		t.Errorf("PrefixFrom = %v, ParsePrefix = %v", p1, p2)
	}
	q, _ := newip.ParsePrefix("10.1.2.3/8")
	if q.String() != "10.0.0.0/8" {
		t.Errorf("host bits kept: %s", q)
	}
	// Longest-prefix match the way a router does it: probe from the
	// longest prefix down with PrefixFrom as the map key.
	table := map[newip.Prefix]string{}
	for _, s := range []string{"f:f2/8", "f:f20a/16", "f:f20a0b/24"} {
		p, _ := newip.ParsePrefix(s)
		table[p] = s
	}
	lookup := func(a newip.Address) string {
		for bits := a.Len() * 8; bits >= 0; bits-- {
			p, _ := newip.PrefixFrom(a, bits)
			if r, ok := table[p]; ok {
				return r
			}
		}
		return ""
	}
	for addr, want := range map[string]string{"f:f20a0b0c0d": "f:f20a0b/24", "f:f20a0c0000": "f:f20a/16", "f:f2ff000000": "f:f2/8", "f:07": ""} {
		if got := lookup(mustAddr(t, addr)); got != want {
			t.Errorf("lookup %s = %q, want %q", addr, got, want)
		}
	}
}

// TestZeroPacket: the zero Packet, and one left by a failed Decode, is
// empty and safe to use.
func TestZeroPacket(t *testing.T) {
	var p newip.Packet
	_ = p.Decode([]byte{8})
	if p.Len() != 0 || p.Src().IsValid() || p.Dst().IsValid() || len(p.Payload()) != 0 || p.ContractBytes() != nil ||
		p.ShippingBytes() != nil || p.String() != "newip(empty)" || p.Wash(255) != 0 || p.SetHopLimit(1) {
		t.Errorf("zero packet: %s", p.String())
	}
	if _, ok := p.LBF(); ok {
		t.Error("LBF on an empty packet")
	}
	it := p.Contracts()
	if _, ok := it.Next(); ok {
		t.Error("contracts on an empty packet")
	}
	ci := p.Chunks()
	if _, ok := ci.Next(); ok {
		t.Error("chunks on an empty packet")
	}
}

func TestNames(t *testing.T) {
	names := map[string]string{
		newip.AddrIPv4.String(): "ipv4", newip.AddrIPv6.String(): "ipv6", newip.Addr8bit.String(): "8bit",
		newip.AddrFlex.String(): "flex", newip.AddrType(9).String(): "addrtype(9)",
		newip.Coordcast.String(): "coordcast", newip.Cast(7).String(): "cast(7)",
		newip.ContractMaxDelay.String(): "mdf", newip.ContractGeneral.String(): "general", newip.ContractType(99).String(): "contract(99)",
	}
	for got, want := range names {
		if got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
	a := mustAddr(t, "f:f20a000001")
	if a.Type() != newip.AddrFlex || a.Byte(1) != 0x0a || a.Byte(9) != 0 || a.Byte(-1) != 0 {
		t.Errorf("Type/Byte of %s", a)
	}
	if b := newip.AddrFromNetip(ip4(t, "10.0.0.1")); b.Type() != newip.AddrIPv4 || b.String() != "10.0.0.1" {
		t.Errorf("AddrFromNetip: %s", b)
	}
}

func ip4(t *testing.T, s string) netip.Addr {
	t.Helper()
	ip, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return ip
}

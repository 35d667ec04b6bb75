package router

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/dii-net/dii/pkg/newip"
)

func TestForwardDecrementsHopLimitAndFillsLBF(t *testing.T) {
	r, w, clk := testRouter(t, threeLinks())
	in := pkt{hop: 9, dst: "10.2.0.5", lbf: &newip.LBF{MaxDelay: 50}, payload: []byte("hello")}.build(t)
	r.handle(w, r.byName["a"], in, clk.Now())
	out := w.sent(t, "b")
	if len(out) != 1 {
		t.Fatalf("sent %d on b, want 1", len(out))
	}
	p := parse(t, out[0])
	if p.HopLimit() != 8 {
		t.Fatalf("hop limit %d, want 8", p.HopLimit())
	}
	l, _ := p.LBF()
	if l.FibToDelay != 10 || l.FibToHops != 2 {
		t.Fatalf("lbf %+v: want fib_todelay 10 (ms), fib_tohops 2", l)
	}
	if !bytes.Equal(p.Payload(), []byte("hello")) {
		t.Fatalf("payload %q", p.Payload())
	}
}

func TestLongestPrefixMatchOnFlexibleAddresses(t *testing.T) {
	cfg := threeLinks()
	cfg.Routes = append(cfg.Routes, RouteConfig{Prefix: "f:f20a/16", Link: "a"})
	r, w, clk := testRouter(t, cfg)
	for _, tc := range []struct{ dst, link string }{
		{"f:f20a000001", "a"}, // the /16
		{"f:f20b000001", "b"}, // only f:f2/8
		{"f=70001", "b"},      // f:f200011171
		{"10.1.77.3", "a"},
	} {
		r.handle(w, r.byName["h"], pkt{dst: tc.dst}.build(t), clk.Now())
		if n := len(w.sent(t, tc.link)); n != 1 {
			t.Errorf("%s: %d packets on %s, want 1", tc.dst, n, tc.link)
		}
	}
}

// mutate returns a copy of b changed by fn.
func mutate(b []byte, fn func([]byte) []byte) []byte {
	return fn(append([]byte(nil), b...))
}

func TestBadInputIsDroppedAndCounted(t *testing.T) {
	good := pkt{dst: "10.2.0.5", lbf: &newip.LBF{MaxDelay: 50}, payload: []byte("data")}.build(t)
	flexSrc := pkt{src: "f=70000", dst: "10.2.0.5"}.build(t)
	flexDst := pkt{dst: "f=70000"}.build(t)
	co := int(good[1])
	for _, tc := range []struct {
		name string
		in   []byte
		link string
		why  Reason
	}{
		{"empty", nil, "a", DropTruncated},
		{"truncated header", good[:5], "a", DropTruncated},
		{"truncated payload", good[:len(good)-2], "a", DropTruncated},
		{"shipping offset nonsense", mutate(good, func(b []byte) []byte { b[0] = 200; return b }), "a", DropBadOffset},
		{"contract offset past payload", mutate(good, func(b []byte) []byte { b[1] = b[2] + 4; return b }), "a", DropBadOffset},
		{"payload offset past the end", mutate(good, func(b []byte) []byte { b[2] = 250; return b }), "a", DropBadHeader},
		{"address length lies", mutate(flexDst, func(b []byte) []byte { b[newip.HeaderLen+3+4] = 0xFE; return b }), "a", DropBadAddrLength},
		{"unassigned flexible length byte", mutate(flexSrc, func(b []byte) []byte { b[newip.HeaderLen+3] = 0xF5; return b }), "a", DropBadAddress},
		{"unknown address type", mutate(good, func(b []byte) []byte { b[newip.HeaderLen] = 9; return b }), "a", DropBadAddress},
		{"unknown contract", mutate(good, func(b []byte) []byte { binary.BigEndian.PutUint16(b[co:], 99); return b }), "a", DropUnknownContract},
		{"unknown version", mutate(good, func(b []byte) []byte { b[3] = 7; return b }), "a", DropBadHeader},
		{"hop limit spent", pkt{hop: 1, dst: "10.2.0.5"}.build(t), "a", DropHopLimit},
		{"no route", pkt{dst: "10.7.0.5"}.build(t), "a", DropNoRoute},
		{"loop back where it came from", pkt{dst: "10.2.0.5"}.build(t), "b", DropLoop},
		{"not a ping to the router", pkt{dst: "10.0.0.2"}.build(t), "a", DropNoService},
		{"LBF budget already spent", pkt{dst: "10.2.0.5", lbf: &newip.LBF{MaxDelay: 12, ExperiencedDelay: 30}}.build(t), "a", DropLBFBudget},
		{"MDF budget already spent", pkt{dst: "10.2.0.5", mdf: &newip.MaxDelay{MaxAllowedDelay: 2, DelayExp: 21}}.build(t), "a", DropMaxDelay},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, w, clk := testRouter(t, threeLinks())
			r.handle(w, r.byName[tc.link], tc.in, clk.Now())
			for _, l := range r.links {
				if n := len(w.sent(t, l.name)); n != 0 {
					t.Fatalf("%d packets sent on %s", n, l.name)
				}
			}
			st := r.Stats()
			if got := st.Drops(tc.why); got != 1 {
				t.Fatalf("drops: %v, want one %s", st.Links, tc.why)
			}
		})
	}
}

func TestRouterAnswersPing(t *testing.T) {
	r, w, clk := testRouter(t, threeLinks())
	req := pkt{dst: "f=70000", ping: &newip.Ping{Code: newip.PingRequest, Hops: 250, Timestamp: 123456}, payload: []byte("probe")}.build(t)
	r.handle(w, r.byName["a"], req, clk.Now())
	out := w.sent(t, "a")
	if len(out) != 1 {
		t.Fatalf("%d replies, want 1", len(out))
	}
	p := parse(t, out[0])
	g, _ := p.Ping()
	if g.Code != newip.PingReply || g.Hops != 250 || g.Timestamp != 123456 {
		t.Fatalf("reply %+v", g)
	}
	if p.Src() != addr(t, "f=70000") || p.Dst() != addr(t, "10.1.0.1") {
		t.Fatalf("reply %s", p.String())
	}
	if !bytes.Equal(p.Payload(), []byte("probe")) {
		t.Fatalf("payload %q", p.Payload())
	}
	if r.Stats().Pings != 1 {
		t.Fatal("ping not counted")
	}
}

func TestPingRequestAnswersForTrace(t *testing.T) {
	r, w, clk := testRouter(t, threeLinks())
	ping := &newip.Ping{Code: newip.PingRequest, Hops: 255, Timestamp: 1}
	// Hop limit runs out here: a time-exceeded reply from 10.0.0.2.
	r.handle(w, r.byName["a"], pkt{hop: 1, dst: "10.2.0.5", ping: ping, payload: []byte("p1")}.build(t), clk.Now())
	// No route: an unreachable reply.
	r.handle(w, r.byName["a"], pkt{dst: "10.7.0.5", ping: ping, payload: []byte("p2")}.build(t), clk.Now())
	// Forwarded: one hop taken off.
	r.handle(w, r.byName["a"], pkt{dst: "10.2.0.5", ping: ping, payload: []byte("p3")}.build(t), clk.Now())
	back := w.sent(t, "a")
	if len(back) != 2 {
		t.Fatalf("%d replies, want 2", len(back))
	}
	for i, code := range []uint16{newip.PingTimeExceeded, newip.PingUnreachable} {
		p := parse(t, back[i])
		g, _ := p.Ping()
		if g.Code != code || p.Src() != addr(t, "10.0.0.2") {
			t.Fatalf("reply %d: %s, want code %d from 10.0.0.2", i, p.String(), code)
		}
	}
	fwd := w.sent(t, "b")
	if len(fwd) != 1 {
		t.Fatalf("%d forwarded, want 1", len(fwd))
	}
	p := parse(t, fwd[0])
	if g, _ := p.Ping(); g.Hops != 254 {
		t.Fatalf("hops %d, want 254", g.Hops)
	}
	if r.Stats().HopLimits != 1 {
		t.Fatal("hop-limit reply not counted")
	}
}

func TestPingToSilentHostLinkIsUnreachable(t *testing.T) {
	r, w, clk := testRouter(t, threeLinks())
	r.byName["h"].peer.Store(nil) // the host has not said hello
	r.handle(w, r.byName["a"], pkt{dst: "10.9.0.7", ping: &newip.Ping{Code: newip.PingRequest, Hops: 255}, payload: []byte("p")}.build(t), clk.Now())
	back := w.sent(t, "a")
	if len(back) != 1 {
		t.Fatalf("%d replies, want 1", len(back))
	}
	p := parse(t, back[0])
	if g, _ := p.Ping(); g.Code != newip.PingUnreachable {
		t.Fatalf("reply %s", p.String())
	}
	if r.Stats().Links["h"].Drops[DropLinkDown.String()] != 1 {
		t.Fatalf("drops %v", r.Stats().Links)
	}
}

func TestGeneralContractBlocks(t *testing.T) {
	nextHop := addr(t, "10.1.0.9")
	for _, tc := range []struct {
		name   string
		blocks []newip.General
		link   string
		why    Reason
	}{
		{"no condition, drop", []newip.General{{Actions: []newip.Action{{Type: newip.ActDrop}}}}, "", DropContractRule},
		{"condition false, no action", []newip.General{{
			Conditions: []newip.Condition{{Subject: newip.SubjHopLimit, Op: newip.OpLt, Value: 5}},
			Actions:    []newip.Action{{Type: newip.ActDrop}},
		}}, "b", ok},
		{"next hop changes the route", []newip.General{{Actions: []newip.Action{{Type: newip.ActNextHop, NextHop: nextHop}}}}, "a", ok},
		{"a final block stops evaluation", []newip.General{
			{Final: true, Actions: []newip.Action{{Type: newip.ActSetPriority, Priority: 3}}},
			{Actions: []newip.Action{{Type: newip.ActDrop}}},
		}, "b", ok},
		{"unknown next hop", []newip.General{{Actions: []newip.Action{{Type: newip.ActNextHop, NextHop: addr(t, "10.7.0.1")}}}}, "", DropNoRoute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, w, clk := testRouter(t, threeLinks())
			r.handle(w, r.byName["h"], pkt{dst: "10.2.0.5", general: tc.blocks}.build(t), clk.Now())
			for _, l := range r.links {
				n := len(w.sent(t, l.name))
				want := 0
				if l.name == tc.link {
					want = 1
				}
				if n != want {
					t.Fatalf("%d packets on %s, want %d", n, l.name, want)
				}
			}
			if tc.why != ok && r.Stats().Drops(tc.why) != 1 {
				t.Fatalf("drops %v, want %s", r.Stats().Links, tc.why)
			}
		})
	}
}

func TestWashUnderCongestion(t *testing.T) {
	cfg := threeLinks()
	// b is a slow link that washes above 2 KiB queued.
	cfg.Links[1].Rate = 1e6
	cfg.Links[1].Queue = 8 << 10
	cfg.Links[1].Wash = 2 << 10
	r, w, clk := testRouter(t, cfg)
	chunks := []newip.Chunk{
		{Significance: newip.Essential, Seq: 0, Data: bytes.Repeat([]byte{1}, 300)},
		{Significance: 10, Seq: 1, Data: bytes.Repeat([]byte{2}, 300)},
		{Significance: 1, Seq: 2, Data: bytes.Repeat([]byte{3}, 300)},
	}
	var sizes []int
	for i := 0; i < 4; i++ {
		r.handle(w, r.byName["a"], pkt{dst: "10.2.0.5", chunks: chunks}.build(t), clk.Now())
	}
	l := r.byName["b"]
	l.port.run(clk.Now() + 1e9)
	for f := l.port.due(clk.Now() + 1e9); f != nil; f = l.port.due(clk.Now() + 1e9) {
		p := parse(t, f.data)
		sizes = append(sizes, p.NumChunks())
		if p.NumChunks() < 3 && !p.Washed() {
			t.Fatal("trimmed packet not marked washed")
		}
		freeFrame(f)
	}
	// Two fit under 2 KiB; the next ones lose chunks, the least
	// significant first, never the essential one.
	if len(sizes) != 4 || sizes[0] != 3 || sizes[1] != 3 || sizes[2] >= 3 || sizes[3] >= 3 || sizes[3] < 1 {
		t.Fatalf("chunks per packet %v", sizes)
	}
	if st := r.Stats().Links["b"]; st.WashedPackets != 2 || st.WashedBytes == 0 {
		t.Fatalf("wash counters %+v", st)
	}
}

func TestHelloTeachesLinkOnly(t *testing.T) {
	r, w, clk := testRouter(t, threeLinks())
	r.handle(w, r.byName["h"], pkt{src: "10.9.0.1", dst: "10.9.0.1", hop: 1}.build(t), clk.Now())
	for _, l := range r.links {
		if n := len(w.sent(t, l.name)); n != 0 {
			t.Fatalf("hello forwarded on %s", l.name)
		}
	}
	if st := r.Stats(); st.Links["h"].Drops[DropHopLimit.String()] != 0 || st.Links["h"].Drops[DropLoop.String()] != 0 {
		t.Fatalf("hello counted as a drop: %v", st.Links["h"].Drops)
	}
}

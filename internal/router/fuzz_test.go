package router

import (
	"testing"

	"github.com/dii-net/dii/pkg/newip"
)

// FuzzHandle feeds arbitrary datagrams to the packet path: it must never
// panic, and whatever it sends must be a well-formed packet, from a
// datagram that was one.
func FuzzHandle(f *testing.F) {
	seeds := []pkt{
		{dst: "10.2.0.5", payload: []byte("x")},
		{dst: "10.2.0.5", lbf: &newip.LBF{MaxDelay: 50, MinDelay: 1}},
		{dst: "10.2.0.5", mdf: &newip.MaxDelay{MaxAllowedDelay: 5}},
		{dst: "10.0.0.2", ping: &newip.Ping{Code: newip.PingRequest, Hops: 255}, payload: []byte("p")},
		{hop: 1, dst: "10.2.0.5", ping: &newip.Ping{Code: newip.PingRequest, Hops: 255}},
		{src: "f=70000", dst: "f:f20a000001", chunks: []newip.Chunk{{Significance: 1, Data: []byte("abc")}}},
		{dst: "10.2.0.5", general: []newip.General{{
			Conditions: []newip.Condition{{Subject: newip.SubjQueueDepth, Op: newip.OpGe, Value: 0}},
			Actions:    []newip.Action{{Type: newip.ActNextHop, NextHop: newip.Addr8(3)}, {Type: newip.ActWash, Threshold: 2}},
			Meta:       []newip.Meta{newip.MetaUintValue(1, 7, 2)},
		}}},
	}
	for _, s := range seeds {
		f.Add(s.build(f))
	}
	f.Add([]byte{3, 0, 6, 0, 0, 2})
	cfg := threeLinks()
	cfg.Links[1].Rate = 1e6
	cfg.Links[1].Wash = 4096
	r, w, clk := testRouter(f, cfg)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, perr := newip.Parse(b)
		r.handle(w, r.byName["a"], append([]byte(nil), b...), clk.Now())
		for _, l := range r.links {
			sent := w.sent(t, l.name)
			if l.port != nil {
				l.port.run(clk.Now() + 1e12)
				for fr := l.port.due(clk.Now() + 1e12); fr != nil; fr = l.port.due(clk.Now() + 1e12) {
					sent = append(sent, append([]byte(nil), fr.data...))
					freeFrame(fr)
				}
			}
			for _, s := range sent {
				if _, err := newip.Parse(s); err != nil {
					t.Fatalf("sent a malformed packet on %s: %v", l.name, err)
				}
				if perr != nil {
					t.Fatalf("sent a packet for a malformed datagram (%v)", perr)
				}
			}
		}
	})
}

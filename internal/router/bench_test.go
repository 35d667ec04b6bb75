package router

import (
	"testing"

	"github.com/dii-net/dii/pkg/newip"
)

// BenchmarkForwardDecision measures the per-packet decision: decode,
// hop limit, longest-prefix match, contracts, and queueing the packet
// for a batch send (the system call is not included).
func BenchmarkForwardDecision(b *testing.B) {
	for _, tc := range []struct {
		name string
		p    pkt
	}{
		{"ipv4-64B", pkt{dst: "10.2.0.5", payload: make([]byte, 64)}},
		{"ipv4-1000B", pkt{dst: "10.2.0.5", payload: make([]byte, 1000)}},
		{"flex-lbf-64B", pkt{src: "f=70001", dst: "f:f20a000001", lbf: &newip.LBF{MaxDelay: 100}, payload: make([]byte, 64)}},
		{"ipv6-mdf-64B", pkt{src: "2001:db8::1", dst: "2001:db8:2::9", mdf: &newip.MaxDelay{MaxAllowedDelay: 100}, payload: make([]byte, 64)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := threeLinks()
			cfg.Routes = append(cfg.Routes, RouteConfig{Prefix: "2001:db8:2::/48", Link: "b"})
			r, w, clk := testRouter(b, cfg)
			in := tc.p.build(b)
			a, out := r.byName["a"], r.byName["b"]
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				in[4] = 64 // the hop limit the last round took one off
				r.handle(w, a, in, clk.T)
				w.count[out.idx] = 0
			}
			b.StopTimer()
			for name, l := range r.Stats().Links {
				if len(l.Drops) != 0 {
					b.Fatalf("drops on %s: %v", name, l.Drops)
				}
			}
		})
	}
}

// BenchmarkFIBLookup measures longest-prefix match alone.
func BenchmarkFIBLookup(b *testing.B) {
	f := newFIB()
	for _, p := range []string{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/23", "2001:db8::/32", "2001:db8:1:2::/64", "f:f2/8", "f:f20a/16"} {
		pr, _ := newip.ParsePrefix(p)
		f.insert(&route{prefix: pr})
	}
	for _, a := range []string{"10.1.3.4", "2001:db8:1:2::77", "f:f20a000001"} {
		addr := addr(b, a)
		b.Run(addr.Type().String(), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if f.lookup(addr) == nil {
					b.Fatal("no route")
				}
			}
		})
	}
}

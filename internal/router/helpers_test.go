package router

import (
	"testing"

	"github.com/dii-net/dii/pkg/newip"
)

// pkt describes a packet for tests.
type pkt struct {
	hop      uint8
	src, dst string
	mdf      *newip.MaxDelay
	lbf      *newip.LBF
	ping     *newip.Ping
	general  []newip.General
	payload  []byte
	chunks   []newip.Chunk
}

func addr(t testing.TB, s string) newip.Address {
	t.Helper()
	a, err := newip.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (o pkt) build(t testing.TB) []byte {
	t.Helper()
	if o.hop == 0 {
		o.hop = 64
	}
	if o.src == "" {
		o.src = "10.1.0.1"
	}
	var b newip.Builder
	b.Reset(nil)
	b.Start(newip.Header{HopLimit: o.hop, Src: addr(t, o.src), Dst: addr(t, o.dst)})
	if o.mdf != nil {
		b.MaxDelay(*o.mdf)
	}
	if o.lbf != nil {
		b.LBF(*o.lbf)
	}
	if o.ping != nil {
		b.Ping(*o.ping)
	}
	for i := range o.general {
		b.General(&o.general[i])
	}
	if o.chunks != nil {
		for _, c := range o.chunks {
			b.Chunk(c)
		}
	} else {
		b.Payload(o.payload)
	}
	out, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// testRouter builds a router whose links have no sockets: what it sends
// stays in the worker's batches for the test to read.
func testRouter(t testing.TB, cfg *Config) (*Router, *worker, *ManualClock) {
	t.Helper()
	clk := &ManualClock{T: 1e9}
	open := func(r *Router, c *LinkConfig, idx int) (*link, error) {
		l := newLink(r, c, idx)
		l.learn = c.Remote == ""
		sa := sockaddr{n: 16}
		sa.b[0] = byte(idx)
		l.peer.Store(&sa)
		return l, nil
	}
	for i := range cfg.Links {
		if cfg.Links[i].Listen == "" {
			cfg.Links[i].Listen = "127.0.0.1:0"
		}
	}
	r, err := build(cfg, open, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	return r, r.newWorker(), clk
}

// sent returns the packets pushed on the named link since the last
// call, and forgets them.
func (w *worker) sent(t testing.TB, name string) [][]byte {
	t.Helper()
	l := w.r.byName[name]
	if l == nil {
		t.Fatalf("no link %s", name)
	}
	var out [][]byte
	for i := 0; i < w.count[l.idx]; i++ {
		out = append(out, append([]byte(nil), w.out[l.idx].bufs[i]...))
		w.out[l.idx].bufs[i] = nil
	}
	w.count[l.idx] = 0
	for _, f := range w.owned {
		freeFrame(f)
	}
	w.owned = w.owned[:0]
	return out
}

func parse(t testing.TB, b []byte) newip.Packet {
	t.Helper()
	p, err := newip.Parse(b)
	if err != nil {
		t.Fatalf("parse %x: %v", b, err)
	}
	return p
}

// threeLinks is a router 10.0.0.2 with links a (towards 10.1/16), b
// (towards 10.2/16 and flexible addresses) and host h (learning).
func threeLinks() *Config {
	return &Config{
		Name:      "r",
		Addresses: []string{"10.0.0.2", "f=70000"},
		Links: []LinkConfig{
			{Name: "a", Remote: "127.0.0.1:1"},
			{Name: "b", Remote: "127.0.0.1:2"},
			{Name: "h"},
		},
		Routes: []RouteConfig{
			{Prefix: "10.1.0.0/16", Link: "a"},
			{Prefix: "10.2.0.0/16", Link: "b", Delay: Duration(10e6), Hops: 2},
			{Prefix: "f:f2/8", Link: "b"},
			{Prefix: "10.9.0.0/16", Link: "h"},
		},
	}
}

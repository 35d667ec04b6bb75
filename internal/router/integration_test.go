package router_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dii-net/dii/internal/newiphost"
	"github.com/dii-net/dii/internal/router"
	"github.com/dii-net/dii/pkg/newip"
)

// line is three routers on loopback with two hosts at each end:
//
//	h1 10.1.0.1 ┐                                      ┌ h2 f=70000
//	            ├ r1 ──fast── r2 ──bottleneck── r3 ──┤
//	h3 10.1.0.3 ┘                                      └ h4 f=70001
type line struct {
	r              [3]*router.Router
	h1, h2, h3, h4 *newiphost.Host
}

func listen(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ap(c *net.UDPConn) string { return c.LocalAddr().String() }

// startLine builds the line; bottleneck configures r2's link to r3.
func startLine(t *testing.T, bottleneck router.LinkConfig) *line {
	t.Helper()
	// Sockets first, so each router can be told its neighbours' ports.
	r1h1, r1h3, r1r2, r2r1, r2r3, r3r2, r3h2, r3h4 := listen(t), listen(t), listen(t), listen(t), listen(t), listen(t), listen(t), listen(t)
	fast := func(name string, c, peer *net.UDPConn) router.LinkConfig {
		return router.LinkConfig{Name: name, Conn: c, Remote: ap(peer), Rate: 100e6, Delay: router.Duration(time.Millisecond)}
	}
	host := func(name string, c *net.UDPConn) router.LinkConfig { return router.LinkConfig{Name: name, Conn: c} }
	bottleneck.Name, bottleneck.Conn, bottleneck.Remote = "r3", r2r3, ap(r3r2)
	cfgs := []*router.Config{
		{
			Name: "r1", Addresses: []string{"10.0.0.1"},
			Links: []router.LinkConfig{host("h1", r1h1), host("h3", r1h3), fast("r2", r1r2, r2r1)},
			Routes: []router.RouteConfig{
				{Prefix: "10.1.0.1/32", Link: "h1"}, {Prefix: "10.1.0.3/32", Link: "h3"},
				{Prefix: "10.0.0.0/8", Link: "r2"},
				{Prefix: "f:f2/8", Link: "r2", Delay: router.Duration(3 * time.Millisecond), Hops: 2},
			},
		},
		{
			Name: "r2", Addresses: []string{"10.0.0.2"},
			Links: []router.LinkConfig{fast("r1", r2r1, r1r2), bottleneck},
			Routes: []router.RouteConfig{
				{Prefix: "10.1.0.0/16", Link: "r1"}, {Prefix: "10.0.0.1/32", Link: "r1"},
				{Prefix: "10.0.0.3/32", Link: "r3"}, {Prefix: "f:f2/8", Link: "r3"},
			},
		},
		{
			Name: "r3", Addresses: []string{"10.0.0.3"},
			Links: []router.LinkConfig{fast("r2", r3r2, r2r3), host("h2", r3h2), host("h4", r3h4)},
			Routes: []router.RouteConfig{
				{Prefix: "f:f200011170/40", Link: "h2"}, {Prefix: "f:f200011171/40", Link: "h4"},
				{Prefix: "10.0.0.0/8", Link: "r2"},
			},
		},
	}
	l := &line{}
	for i, c := range cfgs {
		r, err := router.New(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		l.r[i] = r
	}
	mk := func(a string, link *net.UDPConn) *newiphost.Host {
		addr, err := newip.ParseAddress(a)
		if err != nil {
			t.Fatal(err)
		}
		h, err := newiphost.Listen(netip.MustParseAddrPort("127.0.0.1:0"), addr, link.LocalAddr().(*net.UDPAddr).AddrPort())
		if err != nil {
			t.Fatal(err)
		}
		h.Start()
		t.Cleanup(func() { h.Close() })
		if err := h.Hello(); err != nil {
			t.Fatal(err)
		}
		return h
	}
	l.h1, l.h3 = mk("10.1.0.1", r1h1), mk("10.1.0.3", r1h3)
	l.h2, l.h4 = mk("f=70000", r3h2), mk("f=70001", r3h4)
	// The far hosts' hellos must reach r3 before anyone sends to them.
	waitFor(t, 2*time.Second, "hosts to say hello", func() bool {
		st := l.r[2].Stats()
		return st.Links["h2"].RxPackets > 0 && st.Links["h4"].RxPackets > 0 &&
			l.r[0].Stats().Links["h1"].RxPackets > 0 && l.r[0].Stats().Links["h3"].RxPackets > 0
	})
	return l
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPingAndTraceAcrossThreeRouters(t *testing.T) {
	l := startLine(t, router.LinkConfig{Rate: 100e6, Delay: router.Duration(time.Millisecond)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var replies []newiphost.Reply
	st, err := l.h1.Ping(ctx, l.h2.Addr(), newiphost.PingOptions{Count: 3, Interval: 20 * time.Millisecond, Size: 56},
		func(r newiphost.Reply) { replies = append(replies, r) })
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 3 || st.Received != 3 {
		t.Fatalf("ping: %+v", st)
	}
	for _, r := range replies {
		// Three routers there, each took one off the hops; the reply
		// crossed three routers back, each took one off its hop limit.
		if r.From != l.h2.Addr() || newiphost.ProbeHops-r.Hops != 3 || r.HopLimit != newip.DefaultHopLimit-3 {
			t.Fatalf("reply %+v", r)
		}
		// Two router links of 1 ms each way (host links have none).
		if r.RTT() < 4*time.Millisecond {
			t.Fatalf("rtt %v, under the links' delay", r.RTT())
		}
	}
	if l.h2.Answered() != 3 {
		t.Fatalf("h2 answered %d", l.h2.Answered())
	}

	// Ping a router's own address.
	st, err = l.h1.Ping(ctx, newip.AddrFrom4([4]byte{10, 0, 0, 3}), newiphost.PingOptions{Count: 1, Interval: 10 * time.Millisecond}, nil)
	if err != nil || st.Received != 1 {
		t.Fatalf("ping r3: %+v %v", st, err)
	}
	if l.r[2].Stats().Pings != 1 {
		t.Fatal("r3 did not count the ping it answered")
	}

	var hops []newiphost.TraceHop
	err = l.h1.Trace(ctx, l.h2.Addr(), newiphost.TraceOptions{Queries: 2, Timeout: time.Second},
		func(h newiphost.TraceHop) { hops = append(hops, h) })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hops {
		got = append(got, fmt.Sprintf("%d:%s:%d", h.TTL, h.From, len(h.RTTs)))
	}
	want := "1:10.0.0.1:2 2:10.0.0.2:2 3:10.0.0.3:2 4:f:f200011170:2"
	if strings.Join(got, " ") != want {
		t.Fatalf("trace %v, want %s", got, want)
	}
	if !hops[3].Reached {
		t.Fatal("trace did not reach the destination")
	}
}

// TestLBFMeetsDeadlineUnderCrossTraffic sends one flow twice over the
// line, once under a Latency-Based Forwarding contract and once best
// effort, while cross traffic overloads the 2 Mbit/s bottleneck. The
// contract's packets arrive within their 50 ms budget; the best-effort
// copies queue behind the cross traffic and miss it.
func TestLBFMeetsDeadlineUnderCrossTraffic(t *testing.T) {
	l := startLine(t, router.LinkConfig{Rate: 2e6, Delay: router.Duration(2 * time.Millisecond), Queue: 64 << 10})
	const budget = 50 * time.Millisecond

	// h2 records each flow packet's one-way delay: the payload carries
	// the flow tag and the send time (same process, same clock).
	var mu sync.Mutex
	delays := map[byte][]time.Duration{}
	l.h2.Handle(func(p *newip.Packet, at time.Time) {
		pl := p.Payload()
		if len(pl) < 9 {
			return
		}
		sent := time.Unix(0, int64(binary.BigEndian.Uint64(pl[1:9])))
		mu.Lock()
		delays[pl[0]] = append(delays[pl[0]], at.Sub(sent))
		mu.Unlock()
	})
	var crossGot atomic.Int64
	l.h4.Handle(func(*newip.Packet, time.Time) { crossGot.Add(1) })

	build := func(src, dst newip.Address, tag byte, size int, lbf *newip.LBF) []byte {
		var b newip.Builder
		b.Reset(make([]byte, 0, size+64))
		b.Start(newip.Header{HopLimit: 64, Src: src, Dst: dst})
		if lbf != nil {
			b.LBF(*lbf)
		}
		pl := make([]byte, size)
		pl[0] = tag
		binary.BigEndian.PutUint64(pl[1:], uint64(time.Now().UnixNano()))
		b.Payload(pl)
		out, err := b.Finish()
		if err != nil {
			t.Error(err)
		}
		return out
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	// Cross traffic: 1,000-byte packets at 3 Mbit/s, in bursts of 3
	// every 8 ms, from h3 to h4.
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(8 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				for i := 0; i < 3; i++ {
					l.h3.Send(build(l.h3.Addr(), l.h4.Addr(), 'x', 1000, nil))
				}
			}
		}
	}()
	// Let the bottleneck queue build before the flow starts.
	waitFor(t, 5*time.Second, "the bottleneck queue to fill", func() bool {
		return l.r[1].Stats().Links["r3"].QueueBytes > 32<<10
	})
	const n = 100
	tick := time.NewTicker(10 * time.Millisecond)
	for i := 0; i < n; i++ {
		<-tick.C
		l.h1.Send(build(l.h1.Addr(), l.h2.Addr(), 'L', 200, &newip.LBF{MaxDelay: uint16(budget / time.Millisecond)}))
		l.h1.Send(build(l.h1.Addr(), l.h2.Addr(), 'B', 200, nil))
	}
	tick.Stop()
	// Wait until every LBF packet is in or dropped; best-effort copies
	// still queued count as late.
	waitFor(t, 5*time.Second, "the LBF flow to finish", func() bool {
		mu.Lock()
		got := len(delays['L'])
		mu.Unlock()
		st := l.r[1].Stats().Links["r3"]
		return uint64(got)+st.Drops["lbf_late"]+st.Drops["lbf_budget"] >= n
	})
	cancel()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	inTime := func(tag byte) int {
		c := 0
		for _, d := range delays[tag] {
			if d <= budget {
				c++
			}
		}
		return c
	}
	lbf, be := inTime('L'), inTime('B')
	t.Logf("in time: LBF %d/%d, best effort %d/%d; cross traffic delivered %d; r2→r3 %+v",
		lbf, n, be, n, crossGot.Load(), l.r[1].Stats().Links["r3"])
	if lbf < n*85/100 {
		t.Errorf("LBF: %d of %d within %v, want at least 85%%", lbf, n, budget)
	}
	if be > n*20/100 {
		t.Errorf("best effort: %d of %d within %v, want at most 20%%", be, n, budget)
	}
}

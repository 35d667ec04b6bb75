package nameserver

import (
	"io"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestRRL(t *testing.T) {
	l := newRRL(5, 2)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	a := netip.MustParseAddr("192.0.2.7")
	same := netip.MustParseAddr("192.0.2.200") // same /24
	other := netip.MustParseAddr("198.51.100.7")
	var sent, slipped, dropped int
	for i := 0; i < 20; i++ {
		c := a
		if i%2 == 1 {
			c = same
		}
		switch l.check(c, "Hello.dii.", dns.TypeA, 0) {
		case rrlSend:
			sent++
		case rrlSlip:
			slipped++
		case rrlDrop:
			dropped++
		}
	}
	if sent != 5 || slipped != 7 || dropped != 8 {
		t.Fatalf("sent %d slipped %d dropped %d, want 5/7/8", sent, slipped, dropped)
	}
	if got := l.check(other, "hello.dii.", dns.TypeA, 0); got != rrlSend {
		t.Fatal("another network was limited")
	}
	if got := l.check(a, "hello.dii.", dns.TypeAAAA, 0); got != rrlSend {
		t.Fatal("another response was limited")
	}
	now = now.Add(time.Second)
	if got := l.check(a, "hello.dii.", dns.TypeA, 0); got != rrlSend {
		t.Fatal("the limit did not reset after a second")
	}
	if newRRL(0, 2) != nil {
		t.Fatal("rate 0 must disable RRL")
	}
}

// TestRRLServer floods one UDP query and sees answers limited while TCP
// stays unlimited. The limiter's clock is fixed, so the whole flood falls
// in one second however slowly the machine runs it.
func TestRRLServer(t *testing.T) {
	s := New(Config{Addr: "127.0.0.1:0", RRLRate: 3, RRLSlip: 0, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	fixed := time.Unix(1000, 0)
	s.rrl.now = func() time.Time { return fixed }
	s.SetSnapshot(testSnapshot(t))
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	answered := 0
	for i := 0; i < 10; i++ {
		if _, _, err := c.Exchange(q("hello.dii.", dns.TypeA), s.Addr()); err == nil {
			answered++
		}
	}
	if answered != 3 {
		t.Fatalf("%d of 10 identical UDP queries answered with a limit of 3 a second", answered)
	}
	for i := 0; i < 10; i++ {
		query(t, s.Addr(), "tcp", q("hello.dii.", dns.TypeA))
	}
}

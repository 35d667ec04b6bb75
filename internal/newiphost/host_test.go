package newiphost

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/dii-net/dii/pkg/newip"
)

// pair makes two hosts whose "router" is each other: what one sends,
// the other receives.
func pair(t *testing.T) (*Host, *Host) {
	t.Helper()
	ca, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	cb, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	ap := func(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }
	a := New(ca, newip.AddrFrom4([4]byte{10, 0, 0, 1}), ap(cb))
	b := New(cb, newip.Addr8(9), ap(ca))
	a.Start()
	b.Start()
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func TestHostAnswersPing(t *testing.T) {
	a, b := pair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []Reply
	st, err := a.Ping(ctx, b.Addr(), PingOptions{Count: 3, Interval: 10 * time.Millisecond, Size: 100},
		func(r Reply) { got = append(got, r) })
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 3 || st.Received != 3 || st.Loss() != 0 || st.Min <= 0 || st.Max < st.Min || st.Avg < st.Min {
		t.Fatalf("stats %+v", st)
	}
	for i, r := range got {
		if r.From != b.Addr() || r.Code != newip.PingReply || int(r.Seq) != i || r.Hops != ProbeHops {
			t.Fatalf("reply %d: %+v", i, r)
		}
	}
	if b.Answered() != 3 {
		t.Fatalf("b answered %d", b.Answered())
	}
}

func TestPingTimesOutWithoutAnswer(t *testing.T) {
	a, _ := pair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Nobody has this address: b ignores packets not for it.
	st, err := a.Ping(ctx, newip.Addr8(200), PingOptions{Count: 2, Interval: 10 * time.Millisecond, Timeout: 50 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 2 || st.Received != 0 || st.Loss() != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestHandleGetsOtherPackets(t *testing.T) {
	a, b := pair(t)
	got := make(chan string, 1)
	b.Handle(func(p *newip.Packet, _ time.Time) { got <- string(p.Payload()) })
	pkt, err := newip.AppendPacket(nil, newip.Header{HopLimit: 5, Src: a.Addr(), Dst: b.Addr()}, []byte("data"))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Send(pkt); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "data" {
			t.Fatalf("got %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no packet")
	}
}

func TestProbeIDs(t *testing.T) {
	if _, _, ok := probeIDs([]byte("short")); ok {
		t.Fatal("short payload taken for a probe")
	}
	if _, _, ok := probeIDs([]byte("xxxxyyzz")); ok {
		t.Fatal("payload without the magic taken for a probe")
	}
	id, seq, ok := probeIDs([]byte{'d', 'i', 'i', 'p', 0, 7, 0, 9})
	if !ok || id != 7 || seq != 9 {
		t.Fatalf("%d %d %v", id, seq, ok)
	}
}

package router_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/dii-net/dii/internal/netns"
	"github.com/dii-net/dii/internal/newiphost"
	"github.com/dii-net/dii/internal/router"
	"github.com/dii-net/dii/pkg/newip"
)

// TestRawEthernetLink joins two routers by a veth pair in a namespace of
// the test's own, speaking New IP straight on Ethernet (EtherType
// 0x88B6), and pings across from a host on each side.
func TestRawEthernetLink(t *testing.T) {
	if err := netns.Available(); err != nil {
		// A missing tool fails in CI; not being root only skips.
		if os.Getenv("CI") == "true" && errors.Is(err, netns.ErrNoTool) {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ns, err := netns.New("dii-ether")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Close() })
	for _, args := range [][]string{
		{"link", "add", "nip0", "address", "02:00:00:00:00:01", "type", "veth", "peer", "name", "nip1", "address", "02:00:00:00:00:02"},
		{"link", "set", "nip0", "up"},
		{"link", "set", "nip1", "up"},
	} {
		if err := ns.IP(args...); err != nil {
			t.Fatal(err)
		}
	}
	hostA, hostB := listen(t), listen(t) // host links, on the host's loopback
	cfgA := &router.Config{
		Name: "ra", Addresses: []string{"8bit:1"},
		Links: []router.LinkConfig{
			{Name: "h", Conn: hostA},
			{Name: "eth", Kind: router.KindEther, Interface: "nip0", PeerMAC: "02:00:00:00:00:02"},
		},
		Routes: []router.RouteConfig{{Prefix: "10.1.0.0/16", Link: "h"}, {Prefix: "10.2.0.0/16", Link: "eth"}, {Prefix: "8bit:2/8", Link: "eth"}},
	}
	cfgB := &router.Config{
		Name: "rb", Addresses: []string{"8bit:2"},
		Links: []router.LinkConfig{
			{Name: "h", Conn: hostB},
			// No peer MAC: frames go to the broadcast address.
			{Name: "eth", Kind: router.KindEther, Interface: "nip1", Rate: 100e6},
		},
		Routes: []router.RouteConfig{{Prefix: "10.2.0.0/16", Link: "h"}, {Prefix: "10.1.0.0/16", Link: "eth"}, {Prefix: "8bit:1/8", Link: "eth"}},
	}
	var ra, rb *router.Router
	// The raw sockets open inside the namespace; they stay there.
	if err := ns.Do(func() error {
		var err error
		if ra, err = router.New(cfgA); err != nil {
			return err
		}
		rb, err = router.New(cfgB)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*router.Router{ra, rb} {
		if err := r.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
	}
	mk := func(a string, link *net.UDPConn) *newiphost.Host {
		h, err := newiphost.Listen(netip.MustParseAddrPort("127.0.0.1:0"), newip.AddrFrom4(netip.MustParseAddr(a).As4()),
			link.LocalAddr().(*net.UDPAddr).AddrPort())
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
	h1, h2 := mk("10.1.0.1", hostA), mk("10.2.0.1", hostB)
	waitFor(t, 2*time.Second, "hellos", func() bool { return rb.Stats().Links["h"].RxPackets > 0 })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Small probes: Ethernet pads them to 46 bytes, which the total
	// length field lets the router ignore.
	st, err := h1.Ping(ctx, h2.Addr(), newiphost.PingOptions{Count: 3, Interval: 20 * time.Millisecond, Size: 8}, nil)
	if err != nil || st.Received != 3 {
		t.Fatalf("ping across Ethernet: %+v %v", st, err)
	}
	st, err = h2.Ping(ctx, newip.Addr8(1), newiphost.PingOptions{Count: 1, Size: 1000}, nil)
	if err != nil || st.Received != 1 {
		t.Fatalf("ping router A from B's side: %+v %v", st, err)
	}
	// The router counts its reply to h2 once the send returns, which may
	// be after h2 has it: poll.
	waitFor(t, 2*time.Second, "router A's ether link to count 4 packets each way", func() bool {
		got := ra.Stats().Links["eth"]
		return got.RxPackets >= 4 && got.TxPackets >= 4
	})
}

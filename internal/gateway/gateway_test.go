package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dii-net/dii/internal/gateway"
	"github.com/dii-net/dii/internal/netns"
	"github.com/dii-net/dii/internal/newiphost"
	"github.com/dii-net/dii/internal/newiplab"
	"github.com/dii-net/dii/pkg/newip"
)

func ci() bool { return os.Getenv("CI") == "true" }

// core starts three routers in a line with two attach points: gwa at r1
// (10.1.0.0/24) and gwb at r3 (10.2.0.0/24), and a New IP host n at r3.
func core(t *testing.T) *newiplab.Lab {
	t.Helper()
	top, err := newiplab.Parse([]byte(`
[[router]]
name = "r1"
address = "10.0.0.1"
[[router]]
name = "r2"
address = "10.0.0.2"
[[router]]
name = "r3"
address = "10.0.0.3"
[[link]]
a = "r1"
b = "r2"
delay = "1ms"
[[link]]
a = "r2"
b = "r3"
delay = "1ms"
[[host]]
name = "gwa"
address = "10.1.0.254"
router = "r1"
prefixes = ["10.1.0.0/24"]
attach = true
[[host]]
name = "gwb"
address = "10.2.0.254"
router = "r3"
prefixes = ["10.2.0.0/24"]
attach = true
[[host]]
name = "n"
address = "f=80000"
router = "r3"
`))
	if err != nil {
		t.Fatal(err)
	}
	lab, err := newiplab.Start(top)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lab.Close)
	return lab
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

func startGateway(t *testing.T, lab *newiplab.Lab, host string, cfg *gateway.Config, opts ...gateway.Option) *gateway.Gateway {
	t.Helper()
	link, _ := lab.HostLink(host)
	cfg.Router = link.String()
	gw, err := gateway.New(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	router := map[string]string{"gwa": "r1", "gwb": "r3"}[host]
	waitFor(t, 2*time.Second, host+"'s hello", func() bool {
		return lab.Routers[router].Stats().Links[host].RxPackets > 0
	})
	return gw
}

// TestUDPExchangeAcrossNewIPCore: an IPv6 UDP client talks to an IPv6
// UDP server through two gateways in udp mode and three New IP routers.
func TestUDPExchangeAcrossNewIPCore(t *testing.T) {
	server, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		if ci() {
			t.Fatal(err)
		}
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer server.Close()
	go func() { // an upper-casing echo service
		buf := make([]byte, 1500)
		for {
			n, from, err := server.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			server.WriteToUDPAddrPort(bytes.ToUpper(buf[:n]), from)
		}
	}()
	lab := core(t)
	gwa := startGateway(t, lab, "gwa", &gateway.Config{Name: "gwa", Mode: gateway.ModeUDP,
		Imports: []gateway.ImportConfig{{Listen: "[::1]:0", To: "10.2.0.7", Port: 7, From: "10.1.0.9"}}})
	gwb := startGateway(t, lab, "gwb", &gateway.Config{Name: "gwb", Mode: gateway.ModeUDP,
		Exports: []gateway.ExportConfig{{Address: "10.2.0.7", Port: 7, Target: server.LocalAddr().String()}}})
	if gwa.Mode() != gateway.ModeUDP {
		t.Fatalf("mode %s", gwa.Mode())
	}

	client, err := net.DialUDP("udp6", nil, net.UDPAddrFromAddrPort(gwa.ImportAddr(0)))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	buf := make([]byte, 1500)
	for i, msg := range []string{"hello over new ip", "and back again"} {
		if _, err := client.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		client.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, err := client.Read(buf)
		if err != nil {
			t.Fatalf("message %d: %v (gwa %+v, gwb %+v)", i, err, gwa.Stats(), gwb.Stats())
		}
		if got := string(buf[:n]); got != strings.ToUpper(msg) {
			t.Fatalf("got %q", got)
		}
	}
	// The exchange crossed all three routers, four packets each, and gwb
	// sent its hello and two answers into New IP and two requests to the
	// server. A router or gateway counts a packet once its send returns,
	// which may be after the answer has already arrived here, so the
	// counters are polled up to a deadline.
	sent := func(r string) (tx uint64) {
		for _, l := range lab.Routers[r].Stats().Links {
			tx += l.TxPackets
		}
		return tx
	}
	waitFor(t, 5*time.Second, "each router to count the exchange's 4 packets and gwb {ToIPv6:2 ToNewIP:3}", func() bool {
		s := gwb.Stats()
		return sent("r1") >= 4 && sent("r2") >= 4 && sent("r3") >= 4 && s.ToIPv6 >= 2 && s.ToNewIP >= 3
	})
	if s := gwb.Stats(); s.ToIPv6 != 2 || s.ToNewIP != 3 {
		t.Errorf("gwb %+v, want 2 to IPv6 and 3 (its hello, two answers) to New IP", s)
	}
}

// TestTUNGateway: two IPv6 hosts (the kernels of two network namespaces)
// reach each other and a New IP router through TUN gateways and three
// New IP routers: ping, and a UDP exchange. A New IP host pings an IPv6
// host too.
func TestTUNGateway(t *testing.T) {
	if err := netns.Available(); err != nil {
		// A missing tool fails in CI; not being root only skips.
		if ci() && errors.Is(err, netns.ErrNoTool) {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skip("no /dev/net/tun: the TUN gateway cannot run here")
	}
	if _, err := exec.LookPath("ping"); err != nil {
		if ci() {
			t.Fatal("ping is missing (Debian package iputils-ping)")
		}
		t.Skip("ping is missing (Debian package iputils-ping)")
	}
	lab := core(t)
	maps := []gateway.MapConfig{
		{IPv6: "fd00:a::1", NewIP: "10.1.0.1"},
		{IPv6: "fd00:b::1", NewIP: "10.2.0.1"},
		{IPv6: "fd00:c::3", NewIP: "10.0.0.3"},
		{IPv6: "fd00:c::80", NewIP: "f=80000"},
	}
	type side struct {
		ns  *netns.NS
		gw  *gateway.Gateway
		own string
	}
	mk := func(host, tun, own string, peers ...string) side {
		ns, err := netns.New("dii-gw")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ns.Close() })
		// The New IP side's socket is on the host's loopback, with the
		// routers; the TUN device opens inside the namespace.
		conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		var gw *gateway.Gateway
		link, _ := lab.HostLink(host)
		cfg := &gateway.Config{Name: host, Mode: gateway.ModeTUN, TUN: tun, Map: maps, Router: link.String()}
		if err := ns.Do(func() error {
			var err error
			gw, err = gateway.New(cfg, gateway.WithConn(conn))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { gw.Close() })
		for _, args := range [][]string{
			{"link", "set", "lo", "up"},
			{"addr", "add", own + "/128", "dev", tun, "nodad"},
			{"link", "set", tun, "up"},
		} {
			if err := ns.IP(args...); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range peers {
			if err := ns.IP("route", "add", p, "dev", tun); err != nil {
				t.Fatal(err)
			}
		}
		if err := gw.Start(); err != nil {
			t.Fatal(err)
		}
		r := map[string]string{"gwa": "r1", "gwb": "r3"}[host]
		waitFor(t, 2*time.Second, host+"'s hello", func() bool { return lab.Routers[r].Stats().Links[host].RxPackets > 0 })
		return side{ns, gw, own}
	}
	a := mk("gwa", "diia", "fd00:a::1", "fd00:b::/64", "fd00:c::/64")
	b := mk("gwb", "diib", "fd00:b::1", "fd00:a::/64", "fd00:c::/64")
	if a.gw.Mode() != gateway.ModeTUN {
		t.Fatalf("mode %s", a.gw.Mode())
	}

	ping := func(from side, dst string) {
		t.Helper()
		out, err := from.ns.Command("ping", "-6", "-c", "3", "-i", "0.2", "-W", "3", dst).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "3 received") {
			t.Fatalf("ping %s: %v\n%s\ngateway a %+v\ngateway b %+v", dst, err, out, a.gw.Stats(), b.gw.Stats())
		}
	}
	ping(a, "fd00:b::1")  // IPv6 host to IPv6 host across New IP
	ping(a, "fd00:c::3")  // IPv6 host to a New IP router
	ping(a, "fd00:c::80") // IPv6 host to a New IP host
	if lab.Routers["r3"].Stats().Pings < 3 {
		t.Errorf("r3 answered %d pings", lab.Routers["r3"].Stats().Pings)
	}
	if lab.Hosts["n"].Answered() < 3 {
		t.Errorf("host n answered %d pings", lab.Hosts["n"].Answered())
	}

	// A New IP host pings the IPv6 host behind gwb; its kernel answers.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dst, _ := newip.ParseAddress("10.2.0.1")
	st, err := lab.Hosts["n"].Ping(ctx, dst, newiphost.PingOptions{Count: 2, Interval: 50 * time.Millisecond}, nil)
	if err != nil || st.Received != 2 {
		t.Fatalf("New IP host pinging the IPv6 host: %+v %v", st, err)
	}

	// UDP between the two namespaces' sockets.
	var srv, cli *net.UDPConn
	if err := b.ns.Do(func() error {
		var err error
		srv, err = net.ListenUDP("udp6", &net.UDPAddr{IP: net.ParseIP("fd00:b::1"), Port: 7007})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := srv.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			srv.WriteToUDPAddrPort(bytes.ToUpper(buf[:n]), from)
		}
	}()
	if err := a.ns.Do(func() error {
		var err error
		cli, err = net.DialUDP("udp6", &net.UDPAddr{IP: net.ParseIP("fd00:a::1")}, &net.UDPAddr{IP: net.ParseIP("fd00:b::1"), Port: 7007})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.Write([]byte("through a tun")); err != nil {
		t.Fatal(err)
	}
	cli.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 1500)
	n, err := cli.Read(buf)
	if err != nil || string(buf[:n]) != "THROUGH A TUN" {
		t.Fatalf("udp across: %q %v (gateway a %+v, b %+v)", buf[:n], err, a.gw.Stats(), b.gw.Stats())
	}
}

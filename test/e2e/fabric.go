package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/testnet"
)

// Fabric is the network the nodes talk over: where they listen, how a
// node is started, and how it is cut off and reconnected.
type Fabric interface {
	// Name says which fabric this is, for logs.
	Name() string
	// Hosts are the addresses for n nodes (node i on the i-th).
	Hosts(n int) []string
	// Wrap is the command prefix a node is started under (nil: none).
	Wrap(nd *testnet.Node) []string
	// Cut separates the node from every other; Heal reconnects it.
	Cut(nd *testnet.Node) error
	Heal(nd *testnet.Node) error
	// Client is an API client that reaches the node even while it is
	// cut off, to show that it stopped moving on.
	Client(nd *testnet.Node) *client.Client
	// Close removes what the fabric set up.
	Close() error
}

// Loopback is every node on 127.0.0.1; a cut restarts the node with no
// peers on another P2P port.
type Loopback struct{ StopTimeout time.Duration }

// Name implements Fabric.
func (Loopback) Name() string { return "loopback (partition by restart without peers)" }

// Hosts implements Fabric.
func (Loopback) Hosts(int) []string { return nil }

// Wrap implements Fabric.
func (Loopback) Wrap(*testnet.Node) []string { return nil }

// Cut implements Fabric.
func (l Loopback) Cut(nd *testnet.Node) error {
	return nd.Restart(l.StopTimeout, testnet.StartOptions{Isolated: true})
}

// Heal implements Fabric.
func (l Loopback) Heal(nd *testnet.Node) error {
	return nd.Restart(l.StopTimeout, testnet.StartOptions{})
}

// Client implements Fabric: a node restarted without peers still
// listens where it did.
func (Loopback) Client(nd *testnet.Node) *client.Client { return nd.Client() }

// Close implements Fabric.
func (Loopback) Close() error { return nil }

// Netns runs node i in network namespace <prefix>-i with the address
// 10.a.b.(i+1), joined by a veth pair to a bridge in the test's namespace,
// which holds 10.a.b.254. A cut takes the host end of the node's veth
// down.
type Netns struct {
	prefix string // short: interface names have at most 15 bytes
	subnet string // "10.a.b."
	n      int
}

// NewNetns sets up namespaces, veth pairs and a bridge for n nodes, or
// fails (and removes what it made) when this process may not.
func NewNetns(n int) (*Netns, error) {
	if n > 250 {
		return nil, fmt.Errorf("%d nodes: at most 250", n)
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, fmt.Errorf("ip not installed (Debian package iproute2): %w", err)
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("network namespaces need root")
	}
	var r [3]byte
	if _, err := rand.Read(r[:]); err != nil {
		return nil, err
	}
	f := &Netns{prefix: "dii" + hex.EncodeToString(r[:2]), subnet: fmt.Sprintf("10.%d.%d.", 200+int(r[2])%50, r[0])}
	br := f.prefix + "b"
	steps := [][]string{
		{"link", "add", br, "type", "bridge"},
		{"addr", "add", f.subnet + "254/24", "dev", br},
		{"link", "set", br, "up"},
	}
	if err := ipAll(steps); err != nil {
		_ = f.Close()
		return nil, err
	}
	for i := 0; i < n; i++ {
		f.n = i + 1
		ns, h, c := f.ns(i), f.hostIf(i), f.prefix+fmt.Sprintf("c%d", i)
		steps := [][]string{
			{"netns", "add", ns},
			{"link", "add", h, "type", "veth", "peer", "name", c},
			{"link", "set", c, "netns", ns},
			{"link", "set", h, "master", br},
			{"link", "set", h, "up"},
			{"netns", "exec", ns, "ip", "addr", "add", f.addr(i) + "/24", "dev", c},
			{"netns", "exec", ns, "ip", "link", "set", c, "up"},
			{"netns", "exec", ns, "ip", "link", "set", "lo", "up"},
		}
		if err := ipAll(steps); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return f, nil
}

func (f *Netns) ns(i int) string     { return fmt.Sprintf("%s-%d", f.prefix, i) }
func (f *Netns) hostIf(i int) string { return fmt.Sprintf("%sh%d", f.prefix, i) }
func (f *Netns) addr(i int) string   { return fmt.Sprintf("%s%d", f.subnet, i+1) }

func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput() //nolint:gosec // ip with the fabric's own arguments
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

func ipAll(steps [][]string) error {
	for _, s := range steps {
		if err := ip(s...); err != nil {
			return err
		}
	}
	return nil
}

// Name implements Fabric.
func (f *Netns) Name() string { return "network namespaces " + f.prefix + "-* on " + f.subnet + "0/24" }

// Hosts implements Fabric.
func (f *Netns) Hosts(n int) []string {
	var hs []string
	for i := 0; i < n; i++ {
		hs = append(hs, f.addr(i))
	}
	return hs
}

// Wrap implements Fabric.
func (f *Netns) Wrap(nd *testnet.Node) []string {
	return []string{"ip", "netns", "exec", f.ns(nd.Index)}
}

// Cut implements Fabric.
func (f *Netns) Cut(nd *testnet.Node) error { return ip("link", "set", f.hostIf(nd.Index), "down") }

// Heal implements Fabric.
func (f *Netns) Heal(nd *testnet.Node) error { return ip("link", "set", f.hostIf(nd.Index), "up") }

// Client implements Fabric: its connections are made from inside the
// node's namespace, where the node's address answers even with the link
// down.
func (f *Netns) Client(nd *testnet.Node) *client.Client {
	ns := f.ns(nd.Index)
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialIn(ctx, ns, network, addr)
	}}
	return client.NewHTTP(nd.API, &http.Client{Transport: tr, Timeout: 10 * time.Second})
}

// dialIn dials addr from inside network namespace ns: the socket is made
// on a thread that entered the namespace. That thread stays locked and
// ends with its goroutine, so no other goroutine runs in the namespace.
func dialIn(ctx context.Context, ns, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the runtime ends the thread with the goroutine
		fd, err := unix.Open("/var/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- result{nil, fmt.Errorf("namespace %s: %w", ns, err)}
			return
		}
		defer func() { _ = unix.Close(fd) }()
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, fmt.Errorf("enter namespace %s: %w", ns, err)}
			return
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// Close implements Fabric: namespaces (and with them the veth pairs) and
// the bridge go.
func (f *Netns) Close() error {
	var errs []error
	for i := 0; i < f.n; i++ {
		if err := ip("netns", "del", f.ns(i)); err != nil && !strings.Contains(err.Error(), "No such file") {
			errs = append(errs, err)
		}
		_ = ip("link", "del", f.hostIf(i)) // gone with the namespace unless set-up stopped half-way
	}
	if err := ip("link", "del", f.prefix+"b"); err != nil && !strings.Contains(err.Error(), "Cannot find device") {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

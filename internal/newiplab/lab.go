package newiplab

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"time"

	"github.com/dii-net/dii/internal/newiphost"
	"github.com/dii-net/dii/internal/router"
	"github.com/dii-net/dii/pkg/newip"
)

// Lab is a running lab network.
type Lab struct {
	Topo    *Topology
	Routers map[string]*router.Router
	Hosts   map[string]*newiphost.Host // the lab's own hosts (not attached ones)
	Configs map[string]*router.Config  // what each router was given
	links   map[string]netip.AddrPort  // host name → its router link
}

// cost orders paths: least delay, then fewest links.
type cost struct {
	delay int64
	links int
	queue int // links on the path with a rate or a delay
}

func (a cost) less(b cost) bool {
	if a.delay != b.delay {
		return a.delay < b.delay
	}
	return a.links < b.links
}

const unreachable = int64(1) << 62

// paths returns the least-cost path between every pair of routers.
func (t *Topology) paths() map[[2]string]cost {
	d := map[[2]string]cost{}
	for _, a := range t.Routers {
		for _, b := range t.Routers {
			if a.Name == b.Name {
				d[[2]string{a.Name, b.Name}] = cost{}
			} else {
				d[[2]string{a.Name, b.Name}] = cost{delay: unreachable}
			}
		}
	}
	for _, l := range t.Links {
		c := cost{delay: int64(l.Delay), links: 1}
		if l.Rate != 0 || l.Delay != 0 {
			c.queue = 1
		}
		d[[2]string{l.A, l.B}], d[[2]string{l.B, l.A}] = c, c
	}
	for _, k := range t.Routers {
		for _, i := range t.Routers {
			ik := d[[2]string{i.Name, k.Name}]
			if ik.delay == unreachable {
				continue
			}
			for _, j := range t.Routers {
				kj := d[[2]string{k.Name, j.Name}]
				if kj.delay == unreachable {
					continue
				}
				via := cost{ik.delay + kj.delay, ik.links + kj.links, ik.queue + kj.queue}
				if via.less(d[[2]string{i.Name, j.Name}]) {
					d[[2]string{i.Name, j.Name}] = via
				}
			}
		}
	}
	return d
}

// nextHop returns the neighbour of from on a least-cost path to to
// (the first by name among equals), or "".
func (t *Topology) nextHop(d map[[2]string]cost, from, to string) string {
	best := ""
	for _, l := range t.Links {
		var n string
		switch from {
		case l.A:
			n = l.B
		case l.B:
			n = l.A
		default:
			continue
		}
		w := d[[2]string{from, n}]
		rest := d[[2]string{n, to}]
		if rest.delay == unreachable {
			continue
		}
		via := cost{w.delay + rest.delay, w.links + rest.links, 0}
		if via == (cost{d[[2]string{from, to}].delay, d[[2]string{from, to}].links, 0}) && (best == "" || n < best) {
			best = n
		}
	}
	return best
}

// fullPrefix returns the prefix holding exactly a.
func fullPrefix(s string) string {
	a, _ := newip.ParseAddress(s)
	p, _ := newip.PrefixFrom(a, a.Len()*8)
	return p.String()
}

// Configs builds every router's configuration, with the sockets the
// links use already open. It returns the host-side link addresses.
func (t *Topology) configs() (map[string]*router.Config, map[string]*net.UDPConn, error) {
	open := func() (*net.UDPConn, error) {
		return net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	}
	var conns []*net.UDPConn
	fail := func(err error) (map[string]*router.Config, map[string]*net.UDPConn, error) {
		for _, c := range conns {
			_ = c.Close()
		}
		return nil, nil, err
	}
	cfgs := map[string]*router.Config{}
	for _, r := range t.Routers {
		cfgs[r.Name] = &router.Config{Name: r.Name, Addresses: []string{r.Address}, Metrics: r.Metrics}
	}
	for _, l := range t.Links {
		ca, err := open()
		if err != nil {
			return fail(err)
		}
		conns = append(conns, ca)
		cb, err := open()
		if err != nil {
			return fail(err)
		}
		conns = append(conns, cb)
		lc := router.LinkConfig{Rate: l.Rate, Delay: l.Delay, Queue: l.Queue, Wash: l.Wash}
		la, lb := lc, lc
		la.Name, la.Conn, la.Remote = l.B, ca, cb.LocalAddr().String()
		lb.Name, lb.Conn, lb.Remote = l.A, cb, ca.LocalAddr().String()
		cfgs[l.A].Links = append(cfgs[l.A].Links, la)
		cfgs[l.B].Links = append(cfgs[l.B].Links, lb)
	}
	hostLinks := map[string]*net.UDPConn{}
	for _, h := range t.Hosts {
		c, err := open()
		if err != nil {
			return fail(err)
		}
		conns = append(conns, c)
		hostLinks[h.Name] = c
		cfgs[h.Router].Links = append(cfgs[h.Router].Links, router.LinkConfig{Name: h.Name, Conn: c, Rate: h.Rate, Delay: h.Delay})
	}
	d := t.paths()
	route := func(at, prefix, dest string, extraDelay int64, extraQueue int, last string) {
		c := cfgs[at]
		if at == dest {
			c.Routes = append(c.Routes, router.RouteConfig{Prefix: prefix, Link: last,
				Delay: router.Duration(extraDelay), Hops: max(extraQueue, 1)})
			return
		}
		pc := d[[2]string{at, dest}]
		if pc.delay == unreachable {
			return
		}
		c.Routes = append(c.Routes, router.RouteConfig{Prefix: prefix, Link: t.nextHop(d, at, dest),
			Delay: router.Duration(pc.delay + extraDelay), Hops: max(pc.queue+extraQueue, 1)})
	}
	for _, r := range t.Routers {
		for _, dst := range t.Routers {
			if r.Name != dst.Name {
				route(r.Name, fullPrefix(dst.Address), dst.Name, 0, 0, "")
			}
		}
		for _, h := range t.Hosts {
			q := 0
			if h.Rate != 0 || h.Delay != 0 {
				q = 1
			}
			for _, p := range append([]string{fullPrefix(h.Address)}, h.Prefixes...) {
				route(r.Name, p, h.Router, int64(h.Delay), q, h.Name)
			}
		}
	}
	return cfgs, hostLinks, nil
}

// Start builds and starts the lab's routers and hosts.
func Start(t *Topology) (*Lab, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	cfgs, hostLinks, err := t.configs()
	if err != nil {
		return nil, err
	}
	l := &Lab{Topo: t, Routers: map[string]*router.Router{}, Hosts: map[string]*newiphost.Host{}, Configs: cfgs,
		links: map[string]netip.AddrPort{}}
	for name, c := range hostLinks {
		l.links[name] = c.LocalAddr().(*net.UDPAddr).AddrPort()
	}
	names := make([]string, 0, len(cfgs))
	for n := range cfgs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r, err := router.New(cfgs[n])
		if err == nil {
			err = r.Start()
		}
		if err != nil {
			l.Close()
			for _, m := range names {
				if l.Routers[m] == nil {
					for _, c := range cfgs[m].Links {
						_ = c.Conn.Close()
					}
				}
			}
			return nil, fmt.Errorf("router %s: %w", n, err)
		}
		l.Routers[n] = r
	}
	for _, hs := range t.Hosts {
		if hs.Attach {
			continue
		}
		a, _ := newip.ParseAddress(hs.Address)
		h, err := newiphost.Listen(netip.MustParseAddrPort("127.0.0.1:0"), a, l.links[hs.Name])
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("host %s: %w", hs.Name, err)
		}
		h.Start()
		l.Hosts[hs.Name] = h
		if err := h.Hello(); err != nil {
			l.Close()
			return nil, fmt.Errorf("host %s: %w", hs.Name, err)
		}
	}
	// Wait until every router has heard its hosts' hellos.
	deadline := time.Now().Add(3 * time.Second)
	for _, hs := range t.Hosts {
		if hs.Attach {
			continue
		}
		for l.Routers[hs.Router].Stats().Links[hs.Name].RxPackets == 0 {
			if time.Now().After(deadline) {
				l.Close()
				return nil, errors.New("hosts' hellos did not reach their routers")
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return l, nil
}

// HostLink returns the UDP address of the router link of host name.
func (l *Lab) HostLink(name string) (netip.AddrPort, bool) {
	ap, ok := l.links[name]
	return ap, ok
}

// Close stops every host and router.
func (l *Lab) Close() {
	for _, h := range l.Hosts {
		_ = h.Close()
	}
	for _, r := range l.Routers {
		_ = r.Close()
	}
}

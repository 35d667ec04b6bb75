package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dii-net/dii/pkg/newip"
)

// batchSize is how many datagrams one system call moves; groBatch how
// many messages one receive takes when each may hold many datagrams.
const (
	batchSize = 64
	groBatch  = 16
)

// Router is a running New IP router.
type Router struct {
	cfg    *Config
	clock  Clock
	log    *slog.Logger
	links  []*link
	byName map[string]*link
	fib    *fib
	local  []newip.Address // own addresses
	hop    uint8           // hop limit of packets the router sends

	reg     *prometheus.Registry
	metrics *http.Server
	mln     net.Listener
	stats   routerStats

	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// Option changes how New builds a router.
type Option func(*Router)

// WithClock makes the router read c instead of the wall clock.
func WithClock(c Clock) Option { return func(r *Router) { r.clock = c } }

// WithLogger sets the router's logger.
func WithLogger(l *slog.Logger) Option { return func(r *Router) { r.log = l } }

// New checks cfg, opens the router's links and builds its forwarding
// table. Start sets it forwarding.
func New(cfg *Config, opts ...Option) (*Router, error) {
	return build(cfg, openLink, opts...)
}

// build makes a router whose links open.
func build(cfg *Config, open func(*Router, *LinkConfig, int) (*link, error), opts ...Option) (*Router, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	r := &Router{
		cfg:    cfg,
		byName: map[string]*link{},
		fib:    newFIB(),
		hop:    uint8(cfg.HopLimit),
		stop:   make(chan struct{}),
		reg:    prometheus.NewRegistry(),
	}
	for _, o := range opts {
		o(r)
	}
	if r.clock == nil {
		r.clock = NewWallClock()
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.log = r.log.With("router", cfg.Name)
	for _, s := range cfg.Addresses {
		a, _ := newip.ParseAddress(s) // checked by Check
		r.local = append(r.local, a)
	}
	for i := range cfg.Links {
		l, err := open(r, &cfg.Links[i], len(r.links))
		if err != nil {
			r.closeLinks()
			return nil, fmt.Errorf("link %s: %w", cfg.Links[i].Name, err)
		}
		r.links = append(r.links, l)
		r.byName[l.name] = l
	}
	seen := map[newip.Prefix]int{}
	for i, rc := range cfg.Routes {
		p, _ := newip.ParsePrefix(rc.Prefix)
		if j, dup := seen[p]; dup {
			r.closeLinks()
			return nil, fmt.Errorf("route[%d].prefix %s: already routed by route[%d]", i, p, j)
		}
		seen[p] = i
		l := r.byName[rc.Link]
		d := int64(rc.Delay)
		if d == 0 {
			d = l.delay
		}
		r.fib.insert(&route{prefix: p, link: l, delay: d, hops: uint16(rc.Hops)})
	}
	if err := r.reg.Register(collector{r}); err != nil {
		r.closeLinks()
		return nil, err
	}
	return r, nil
}

// Registry returns the registry holding the router's metrics.
func (r *Router) Registry() *prometheus.Registry { return r.reg }

// Collector returns the router's metrics collector, to register
// elsewhere (the lab gathers many routers in one registry).
func (r *Router) Collector() prometheus.Collector { return collector{r} }

// Name returns the router's name.
func (r *Router) Name() string { return r.cfg.Name }

// LinkAddr returns the local address of a UDP link (useful when the
// configuration asked for port 0).
func (r *Router) LinkAddr(name string) (netip.AddrPort, bool) {
	l := r.byName[name]
	if l == nil || l.udp == nil {
		return netip.AddrPort{}, false
	}
	return l.udp.LocalAddr().(*net.UDPAddr).AddrPort(), true
}

// MetricsAddr returns the address the metrics listener is bound to, or
// "" when it has none.
func (r *Router) MetricsAddr() string {
	if r.mln == nil {
		return ""
	}
	return r.mln.Addr().String()
}

// Start sets the router forwarding: one reader per link, one sender per
// shaped link, and the metrics listener when configured.
func (r *Router) Start() error {
	if r.cfg.Metrics != "" {
		ln, err := net.Listen("tcp", r.cfg.Metrics)
		if err != nil {
			return fmt.Errorf("metrics listener: %w", err)
		}
		r.mln = ln
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{}))
		r.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		r.log.Info("metrics listening", "addr", ln.Addr().String())
		go func() {
			if err := r.metrics.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				r.log.Error("metrics listener stopped", "err", err)
			}
		}()
	}
	for _, l := range r.links {
		if l.udp != nil {
			r.log.Info("link up", "link", l.name, "listen", l.udp.LocalAddr().String(), "learn", l.learn)
		} else {
			r.log.Info("link up", "link", l.name, "ether", true)
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			l.readLoop()
		}()
		if l.port != nil {
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				l.sendLoop()
			}()
		}
	}
	r.log.Info("router started", "links", len(r.links), "routes", r.fib.n)
	return nil
}

// Run starts the router and stops it when ctx ends.
func (r *Router) Run(ctx context.Context) error {
	if err := r.Start(); err != nil {
		_ = r.Close()
		return err
	}
	<-ctx.Done()
	return r.Close()
}

// Close stops the router and closes its links.
func (r *Router) Close() error {
	r.once.Do(func() {
		close(r.stop)
		if r.metrics != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = r.metrics.Shutdown(ctx)
			cancel()
		}
		r.closeLinks()
		r.wg.Wait()
		for _, l := range r.links {
			if l.port != nil {
				l.mu.Lock()
				l.port.flush()
				l.mu.Unlock()
			}
		}
	})
	return nil
}

func (r *Router) closeLinks() {
	for _, l := range r.links {
		l.close()
	}
}

// isLocal reports whether a is one of the router's own addresses.
func (r *Router) isLocal(a newip.Address) bool {
	for _, l := range r.local {
		if l == a {
			return true
		}
	}
	return false
}

// reasonOf maps a decoding error to its drop reason.
func reasonOf(err error) Reason {
	switch err {
	case newip.ErrTruncated:
		return DropTruncated
	case newip.ErrBadOffset:
		return DropBadOffset
	case newip.ErrBadVersion, newip.ErrBadFlags, newip.ErrBadLength:
		return DropBadHeader
	case newip.ErrAddrLength:
		return DropBadAddrLength
	case newip.ErrAddrType, newip.ErrBadAddress, newip.ErrNonMinimal, newip.ErrBadCast:
		return DropBadAddress
	case newip.ErrUnknownContract:
		return DropUnknownContract
	case newip.ErrBadContract:
		return DropBadContract
	case newip.ErrBadChunk:
		return DropBadChunk
	}
	return DropBadHeader
}

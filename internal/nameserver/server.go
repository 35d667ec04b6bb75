package nameserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/zone"
)

// Defaults.
const (
	DefaultMaxUDPSize  = 1232
	DefaultTCPIdle     = 10 * time.Second
	DefaultMaxTCPConns = 1024
)

// Config configures a Server.
type Config struct {
	// Addr is the UDP and TCP listen address, host:port; port 0 picks one.
	Addr string
	// Sockets is the number of UDP sockets sharing Addr (SO_REUSEPORT);
	// 0 means one per CPU.
	Sockets int
	// MaxUDPSize caps EDNS0 UDP responses (default 1232).
	MaxUDPSize uint16
	// TCPIdle closes idle TCP connections (default 10 s).
	TCPIdle time.Duration
	// MaxTCPConns limits open TCP connections (default 1024).
	MaxTCPConns int
	// RRLRate limits identical UDP responses per client network per
	// second (0: no limit); every RRLSlip-th limited response is sent
	// truncated instead of dropped (0: drop them all).
	RRLRate int
	RRLSlip int
	// Upstream is a resolver (host:port) for names outside the ledger
	// namespace; empty: such names are REFUSED.
	Upstream string
	// Prefer decides who answers for a ledger TLD the upstream also has
	// (default PreferLedger).
	Prefer Prefer
	Logger *slog.Logger
	// Registerer receives the server's metrics (nil: not registered).
	Registerer prometheus.Registerer
	// Signer signs answers to queries with the DO bit while the ledger
	// publishes DNSKEYs (nil: answers are never signed). See dnssec.go.
	Signer *dnssec.Signer
}

// Server is a running name server.
type Server struct {
	cfg     Config
	snap    atomic.Pointer[zone.Snapshot]
	metrics *metrics
	addr    string
	log     *slog.Logger
	up      *upstream
	rrl     *rrl
	// listeners served by serveTCP, and the UDP sockets served by
	// serveUDP; Stop closes them.
	listeners []net.Listener
	pcs       []*net.UDPConn
	udpWG     sync.WaitGroup
	// slow holds a slot per UDP query being answered off the fast path.
	slow   chan struct{}
	slowWG sync.WaitGroup
}

// New returns a server that answers from nothing until SetSnapshot.
func New(cfg Config) *Server {
	if cfg.MaxUDPSize == 0 {
		cfg.MaxUDPSize = DefaultMaxUDPSize
	}
	if cfg.TCPIdle == 0 {
		cfg.TCPIdle = DefaultTCPIdle
	}
	if cfg.MaxTCPConns == 0 {
		cfg.MaxTCPConns = DefaultMaxTCPConns
	}
	if cfg.Sockets <= 0 {
		cfg.Sockets = runtime.GOMAXPROCS(0)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, metrics: newMetrics(cfg.Registerer), log: cfg.Logger, rrl: newRRL(cfg.RRLRate, cfg.RRLSlip),
		slow: make(chan struct{}, maxSlowUDP)}
	if cfg.Upstream != "" {
		if cfg.Prefer == "" {
			cfg.Prefer = PreferLedger
		}
		s.up = newUpstream(cfg.Upstream, cfg.Prefer, cfg.Registerer)
	}
	if cfg.Signer != nil && cfg.Registerer != nil {
		sig := cfg.Signer
		cfg.Registerer.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "dii", Subsystem: "dns", Name: "signature_cache_hits_total",
				Help: "RRset signatures served from the signature cache."},
				func() float64 { h, _ := sig.Stats(); return float64(h) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "dii", Subsystem: "dns", Name: "signature_cache_misses_total",
				Help: "RRset signatures made with ECDSA because the cache lacked them."},
				func() float64 { _, m := sig.Stats(); return float64(m) }))
	}
	return s
}

// SetSnapshot makes z the data every following query is answered from.
func (s *Server) SetSnapshot(z *zone.Snapshot) {
	s.snap.Store(z)
	s.metrics.height.Set(float64(z.Height()))
}

// Snapshot is the data queries are answered from now.
func (s *Server) Snapshot() *zone.Snapshot { return s.snap.Load() }

// Addr is the bound address (UDP and TCP share the port).
func (s *Server) Addr() string { return s.addr }

// Start binds the listeners and serves in the background.
func (s *Server) Start() error {
	lc := net.ListenConfig{Control: reusePort}
	ctx := context.Background()
	tcpLn, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("dns tcp listener: %w", err)
	}
	port := tcpLn.Addr().(*net.TCPAddr).Port
	host, _, _ := net.SplitHostPort(s.cfg.Addr)
	s.addr = net.JoinHostPort(host, strconv.Itoa(port))
	var pcs []*net.UDPConn
	for i := 0; i < s.cfg.Sockets; i++ {
		pc, err := lc.ListenPacket(ctx, "udp", s.addr)
		if err != nil {
			if i == 0 {
				_ = tcpLn.Close()
				return fmt.Errorf("dns udp listener: %w", err)
			}
			break // no SO_REUSEPORT: one socket it is
		}
		pcs = append(pcs, pc.(*net.UDPConn)) // a "udp" listener is a *net.UDPConn
	}
	s.listeners = append(s.listeners, tcpLn)
	s.pcs = pcs
	go s.serveTCP(&limitListener{Listener: tcpLn, slots: make(chan struct{}, s.cfg.MaxTCPConns), m: s.metrics}, "tcp")
	for _, pc := range pcs {
		s.udpWG.Add(1)
		go func() {
			defer s.udpWG.Done()
			s.serveUDP(pc)
		}()
	}
	return nil
}

// Stop closes the listeners.
func (s *Server) Stop() error {
	var errs []error
	for _, ln := range s.listeners {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	for _, pc := range s.pcs {
		if err := pc.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	s.udpWG.Wait()
	s.slowWG.Wait()
	return errors.Join(errs...)
}

// limitListener closes connections beyond a limit at once.
type limitListener struct {
	net.Listener
	slots chan struct{}
	m     *metrics
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &slotConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			l.m.dropped.WithLabelValues("tcp_conn_limit").Inc()
			_ = c.Close()
		}
	}
}

type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

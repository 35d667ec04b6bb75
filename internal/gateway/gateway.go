package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dii-net/dii/pkg/newip"
)

const maxPacket = 2048

// Gateway is a running IPv6 ↔ New IP gateway.
type Gateway struct {
	cfg    *Config
	log    *slog.Logger
	mode   string
	conn   *net.UDPConn // New IP side
	router netip.AddrPort
	hop    uint8

	tr  *translator
	tun *os.File

	imports []*importFlow
	exports map[exportKey]*exportConfig
	mu      sync.Mutex
	flows   map[flowKey]*exportFlow

	toNewIP, toIPv6 atomic.Uint64
	drops           [numReasons]atomic.Uint64

	reg     *prometheus.Registry
	metrics *http.Server
	stop    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
	closed  atomic.Bool
}

// Option changes how New builds a gateway.
type Option func(*Gateway)

// WithLogger sets the gateway's logger.
func WithLogger(l *slog.Logger) Option { return func(g *Gateway) { g.log = l } }

// WithConn gives the gateway an open socket for its New IP side instead
// of opening cfg.Listen.
func WithConn(c *net.UDPConn) Option { return func(g *Gateway) { g.conn = c } }

// importFlow is an import's IPv6 socket and its clients.
type importFlow struct {
	cfg      ImportConfig
	conn     *net.UDPConn
	to, from newip.Address
	mu       sync.Mutex
	byClient map[netip.AddrPort]uint16
	byPort   map[uint16]netip.AddrPort
	next     uint16
}

type exportKey struct {
	addr newip.Address
	port uint16
}

type exportConfig struct {
	key    exportKey
	target netip.AddrPort
}

// flowKey is a New IP peer talking to an export.
type flowKey struct {
	export exportKey
	peer   newip.Address
	port   uint16
}

// exportFlow is one peer's socket towards an export's target.
type exportFlow struct {
	key  flowKey
	conn *net.UDPConn
	last atomic.Int64 // unix seconds of the last datagram
}

// New checks cfg and opens the gateway's sockets and, in tun mode, its
// TUN device.
func New(cfg *Config, opts ...Option) (*Gateway, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	g := &Gateway{
		cfg: cfg, hop: uint8(cfg.HopLimit), exports: map[exportKey]*exportConfig{}, flows: map[flowKey]*exportFlow{},
		reg: prometheus.NewRegistry(), stop: make(chan struct{}),
	}
	for _, o := range opts {
		o(g)
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	g.log = g.log.With("gateway", cfg.Name)
	g.router = netip.MustParseAddrPort(cfg.Router)
	g.mode = cfg.Mode
	if g.mode == ModeAuto {
		g.mode = ModeUDP
		if tunAvailable() == nil && len(cfg.Map) > 0 {
			g.mode = ModeTUN
		}
	}
	ok := false
	defer func() {
		if !ok {
			g.closeAll()
		}
	}()
	if g.conn == nil {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(cfg.Listen)))
		if err != nil {
			return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
		}
		g.conn = c
	}
	if g.mode == ModeTUN {
		if err := tunAvailable(); err != nil {
			return nil, fmt.Errorf("tun mode: %w", err)
		}
		f, err := openTUN(cfg.TUN)
		if err != nil {
			return nil, err
		}
		g.tun = f
		g.tr = newTranslator(newMapper(cfg.Map))
	}
	for _, im := range cfg.Imports {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(im.Listen)))
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", im.Listen, err)
		}
		to, _ := newip.ParseAddress(im.To)
		from, _ := newip.ParseAddress(im.From)
		g.imports = append(g.imports, &importFlow{cfg: im, conn: c, to: to, from: from,
			byClient: map[netip.AddrPort]uint16{}, byPort: map[uint16]netip.AddrPort{}, next: 49152})
	}
	for _, ex := range cfg.Exports {
		a, _ := newip.ParseAddress(ex.Address)
		k := exportKey{a, ex.Port}
		g.exports[k] = &exportConfig{key: k, target: netip.MustParseAddrPort(ex.Target)}
	}
	if err := g.reg.Register(collector{g}); err != nil {
		return nil, err
	}
	ok = true
	return g, nil
}

// Mode returns the IPv6 side's mode: tun or udp.
func (g *Gateway) Mode() string { return g.mode }

// Registry returns the registry holding the gateway's metrics.
func (g *Gateway) Registry() *prometheus.Registry { return g.reg }

// LocalAddr returns the gateway's UDP address towards the router.
func (g *Gateway) LocalAddr() netip.AddrPort { return g.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// ImportAddr returns the address import i listens on.
func (g *Gateway) ImportAddr(i int) netip.AddrPort {
	return g.imports[i].conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// Start sets the gateway running and says hello to the router.
func (g *Gateway) Start() error {
	if g.cfg.Metrics != "" {
		ln, err := net.Listen("tcp", g.cfg.Metrics)
		if err != nil {
			return fmt.Errorf("metrics listener: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(g.reg, promhttp.HandlerOpts{}))
		g.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := g.metrics.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				g.log.Error("metrics listener stopped", "err", err)
			}
		}()
	}
	g.spawn(g.newipLoop)
	if g.tun != nil {
		g.spawn(g.tunLoop)
	}
	for _, im := range g.imports {
		g.spawn(func() { g.importLoop(im) })
	}
	g.spawn(g.reapLoop)
	if err := g.hello(); err != nil {
		return err
	}
	g.log.Info("gateway started", "mode", g.mode, "router", g.router, "maps", len(g.cfg.Map),
		"imports", len(g.imports), "exports", len(g.exports))
	return nil
}

// Run starts the gateway and stops it when ctx ends.
func (g *Gateway) Run(ctx context.Context) error {
	if err := g.Start(); err != nil {
		_ = g.Close()
		return err
	}
	<-ctx.Done()
	return g.Close()
}

func (g *Gateway) spawn(fn func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		fn()
	}()
}

// Close stops the gateway.
func (g *Gateway) Close() error {
	g.once.Do(func() {
		g.closed.Store(true)
		close(g.stop)
		if g.metrics != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = g.metrics.Shutdown(ctx)
			cancel()
		}
		g.closeAll()
		g.wg.Wait()
	})
	return nil
}

func (g *Gateway) closeAll() {
	// Closing is how the loops are told to stop; their errors say nothing more.
	if g.conn != nil {
		_ = g.conn.Close()
	}
	if g.tun != nil {
		_ = g.tun.Close()
	}
	for _, im := range g.imports {
		_ = im.conn.Close()
	}
	g.mu.Lock()
	for _, f := range g.flows {
		_ = f.conn.Close()
	}
	g.mu.Unlock()
}

func (g *Gateway) drop(r reason) { g.drops[r].Add(1) }

// hello tells the router the gateway's UDP address: a packet from one of
// the gateway's New IP addresses to itself.
func (g *Gateway) hello() error {
	var a newip.Address
	switch {
	case len(g.imports) > 0:
		a = g.imports[0].from
	case len(g.exports) > 0:
		for k := range g.exports {
			a = k.addr
			break
		}
	case len(g.cfg.Map) > 0:
		a, _ = newip.ParseAddress(g.cfg.Map[0].NewIP)
	default:
		return nil
	}
	pkt, err := newip.AppendPacket(nil, newip.Header{HopLimit: 1, Src: a, Dst: a}, nil)
	if err != nil {
		return err
	}
	return g.sendNewIP(pkt)
}

func (g *Gateway) sendNewIP(pkt []byte) error {
	_, err := g.conn.WriteToUDPAddrPort(pkt, g.router)
	if err != nil {
		g.drop(dropSendError)
		return err
	}
	g.toNewIP.Add(1)
	return nil
}

// newipLoop takes packets from the router and hands each to an import's
// client, an export's target or the TUN device.
func (g *Gateway) newipLoop() {
	buf := make([]byte, maxPacket)
	out := make([]byte, 0, maxPacket)
	var p newip.Packet
	for {
		n, err := g.conn.Read(buf)
		if err != nil {
			if g.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if p.Decode(buf[:n]) != nil {
			g.drop(dropMalformed)
			continue
		}
		if g.toSockets(&p) {
			continue
		}
		if g.tr == nil {
			g.drop(dropNoFlow)
			continue
		}
		pkt, why := g.tr.toIPv6(out[:0], &p)
		if why != fine {
			g.drop(why)
			continue
		}
		if _, err := g.tun.Write(pkt); err != nil {
			g.drop(dropSendError)
			continue
		}
		g.toIPv6.Add(1)
	}
}

// tunLoop takes IPv6 packets from the TUN device and sends them on as
// New IP.
func (g *Gateway) tunLoop() {
	buf := make([]byte, maxPacket)
	out := make([]byte, 0, maxPacket+newip.MaxHeaderLen)
	for {
		n, err := g.tun.Read(buf)
		if err != nil {
			if g.closed.Load() || errors.Is(err, os.ErrClosed) {
				return
			}
			continue
		}
		pkt, why := g.tr.fromIPv6(out[:0], buf[:n], uint64(time.Now().UnixMicro()))
		if why != fine {
			g.drop(why)
			continue
		}
		_ = g.sendNewIP(pkt) // counted as a send error when it fails
	}
}

// importLoop carries datagrams from an import's IPv6 clients to New IP.
func (g *Gateway) importLoop(im *importFlow) {
	buf := make([]byte, maxPacket)
	for {
		n, from, err := im.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if g.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		sport := im.portFor(from)
		var b newip.Builder
		b.Reset(make([]byte, 0, n+64))
		b.Start(newip.Header{HopLimit: g.hop, Src: im.from, Dst: im.to})
		b.Payload(udpFrame(nil, sport, im.cfg.Port, buf[:n]))
		pkt, err := b.Finish()
		if err != nil {
			g.drop(dropMalformed)
			continue
		}
		_ = g.sendNewIP(pkt) // counted as a send error when it fails
	}
}

// portFor gives each IPv6 client of an import a New IP source port.
func (im *importFlow) portFor(c netip.AddrPort) uint16 {
	im.mu.Lock()
	defer im.mu.Unlock()
	if p, ok := im.byClient[c]; ok {
		return p
	}
	p := im.next
	im.next++
	if im.next == 0 {
		im.next = 49152
	}
	if old, taken := im.byPort[p]; taken {
		delete(im.byClient, old)
	}
	im.byClient[c], im.byPort[p] = p, c
	return p
}

// toSockets delivers p to an import's client or an export's target; it
// reports false when p is for neither.
func (g *Gateway) toSockets(p *newip.Packet) bool {
	if len(g.imports) == 0 && len(g.exports) == 0 {
		return false
	}
	sport, dport, data, ok := parseUDPFrame(p.Payload())
	if !ok {
		return false
	}
	dst := p.Dst()
	for _, im := range g.imports {
		if im.from != dst || p.Src() != im.to || sport != im.cfg.Port {
			continue
		}
		im.mu.Lock()
		client, known := im.byPort[dport]
		im.mu.Unlock()
		if !known {
			g.drop(dropNoFlow)
			return true
		}
		if _, err := im.conn.WriteToUDPAddrPort(data, client); err != nil {
			g.drop(dropSendError)
			return true
		}
		g.toIPv6.Add(1)
		return true
	}
	ex := g.exports[exportKey{dst, dport}]
	if ex == nil {
		return false
	}
	f, err := g.flow(ex, p.Src(), sport)
	if err != nil {
		g.drop(dropSendError)
		return true
	}
	f.last.Store(time.Now().Unix())
	if _, err := f.conn.Write(data); err != nil {
		g.drop(dropSendError)
		return true
	}
	g.toIPv6.Add(1)
	return true
}

// flow returns the socket for a New IP peer of an export, opening it
// and its reader on first use.
func (g *Gateway) flow(ex *exportConfig, peer newip.Address, port uint16) (*exportFlow, error) {
	k := flowKey{ex.key, peer, port}
	g.mu.Lock()
	defer g.mu.Unlock()
	if f := g.flows[k]; f != nil {
		return f, nil
	}
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(ex.target))
	if err != nil {
		return nil, err
	}
	f := &exportFlow{key: k, conn: c}
	g.flows[k] = f
	g.spawn(func() { g.exportLoop(f) })
	return f, nil
}

// exportLoop carries a target's answers back to the New IP peer.
func (g *Gateway) exportLoop(f *exportFlow) {
	buf := make([]byte, maxPacket)
	for {
		n, err := f.conn.Read(buf)
		if err != nil {
			if g.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		f.last.Store(time.Now().Unix())
		var b newip.Builder
		b.Reset(make([]byte, 0, n+64))
		b.Start(newip.Header{HopLimit: g.hop, Src: f.key.export.addr, Dst: f.key.peer})
		b.Payload(udpFrame(nil, f.key.export.port, f.key.port, buf[:n]))
		pkt, err := b.Finish()
		if err != nil {
			g.drop(dropMalformed)
			continue
		}
		_ = g.sendNewIP(pkt) // counted as a send error when it fails
	}
}

// flowIdle is how long an export flow's socket lives without traffic.
const flowIdle = 2 * time.Minute

// reapLoop closes idle export flows.
func (g *Gateway) reapLoop() {
	t := time.NewTicker(flowIdle / 4)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-t.C:
		}
		cut := time.Now().Add(-flowIdle).Unix()
		g.mu.Lock()
		for k, f := range g.flows {
			if f.last.Load() < cut {
				_ = f.conn.Close()
				delete(g.flows, k)
			}
		}
		g.mu.Unlock()
	}
}

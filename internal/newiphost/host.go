package newiphost

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dii-net/dii/pkg/newip"
)

// MaxPacket is the largest packet a host receives.
const MaxPacket = 2048

// Host is a New IP endpoint on a UDP tunnel to a router.
type Host struct {
	addr     newip.Address
	conn     *net.UDPConn
	router   netip.AddrPort
	hopLimit uint8

	mu      sync.Mutex
	waiters map[uint16]chan<- Reply // ping replies by probe id
	handler func(p *newip.Packet, at time.Time)

	answered atomic.Uint64
	done     chan struct{}
	closed   atomic.Bool
}

// Reply is a Ping contract answer a probe received.
type Reply struct {
	From     newip.Address
	Code     uint16 // newip.PingReply, PingTimeExceeded or PingUnreachable
	Hops     uint16 // the Hops field: 255 less the routers the request crossed
	HopLimit uint8  // the reply's hop limit on arrival
	ID, Seq  uint16
	Sent     time.Time // from the echoed timestamp
	At       time.Time // when it arrived
	Size     int       // the reply's length in bytes
}

// RTT returns the round-trip time.
func (r Reply) RTT() time.Duration { return r.At.Sub(r.Sent) }

// Listen opens a host with address addr on the UDP address local, whose
// router link listens on router.
func Listen(local netip.AddrPort, addr newip.Address, router netip.AddrPort) (*Host, error) {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(local))
	if err != nil {
		return nil, err
	}
	return New(conn, addr, router), nil
}

// New makes a host on an open UDP socket.
func New(conn *net.UDPConn, addr newip.Address, router netip.AddrPort) *Host {
	return &Host{
		addr: addr, conn: conn, router: router, hopLimit: newip.DefaultHopLimit,
		waiters: map[uint16]chan<- Reply{}, done: make(chan struct{}),
	}
}

// Addr returns the host's New IP address.
func (h *Host) Addr() newip.Address { return h.addr }

// LocalAddr returns the host's UDP address.
func (h *Host) LocalAddr() netip.AddrPort { return h.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// SetHopLimit sets the hop limit of the packets the host builds.
func (h *Host) SetHopLimit(v uint8) { h.hopLimit = v }

// Answered returns how many ping requests the host has answered.
func (h *Host) Answered() uint64 { return h.answered.Load() }

// Handle sets the function that gets every packet addressed to the host
// other than Ping contract traffic. It runs on the receiving goroutine
// and must not keep p, which is reused.
func (h *Host) Handle(fn func(p *newip.Packet, at time.Time)) {
	h.mu.Lock()
	h.handler = fn
	h.mu.Unlock()
}

// Start runs the receiving goroutine until Close.
func (h *Host) Start() { go h.readLoop() }

// Close stops the host.
func (h *Host) Close() error {
	if h.closed.Swap(true) {
		return nil
	}
	err := h.conn.Close()
	return err
}

// Send sends one packet to the router.
func (h *Host) Send(pkt []byte) error {
	_, err := h.conn.WriteToUDPAddrPort(pkt, h.router)
	return err
}

// Hello sends an empty packet from the host's address to itself, so
// that the router learns the host's UDP address before anyone sends to
// it. A router takes such a packet on a learning link and goes no
// further with it.
func (h *Host) Hello() error {
	pkt, err := newip.AppendPacket(nil, newip.Header{HopLimit: 1, Src: h.addr, Dst: h.addr}, nil)
	if err != nil {
		return err
	}
	return h.Send(pkt)
}

func (h *Host) readLoop() {
	buf := make([]byte, MaxPacket)
	out := make([]byte, 0, MaxPacket)
	var p newip.Packet
	for {
		n, _, err := h.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if h.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		at := time.Now()
		if p.Decode(buf[:n]) != nil || p.Dst() != h.addr {
			continue
		}
		if g, ok := p.Ping(); ok {
			switch g.Code {
			case newip.PingRequest:
				out = h.echo(out[:0], &p, g)
				if len(out) > 0 {
					h.answered.Add(1) // before the reply, which may end the sender's wait
					_ = h.Send(out)   // a lost reply is a lost ping
				}
			default:
				h.reply(&p, g, at)
			}
			continue
		}
		h.mu.Lock()
		fn := h.handler
		h.mu.Unlock()
		if fn != nil {
			fn(&p, at)
		}
	}
}

// echo builds the reply to an echo request.
func (h *Host) echo(dst []byte, p *newip.Packet, g newip.Ping) []byte {
	var b newip.Builder
	b.Reset(dst)
	b.Start(newip.Header{HopLimit: h.hopLimit, Src: h.addr, Dst: p.Src()})
	b.Ping(newip.Ping{Code: newip.PingReply, Hops: g.Hops, Timestamp: g.Timestamp})
	if !p.Chunked() {
		b.Payload(p.Payload())
	}
	out, err := b.Finish()
	if err != nil {
		return nil
	}
	return out
}

// reply hands a ping answer to the probe waiting for it.
func (h *Host) reply(p *newip.Packet, g newip.Ping, at time.Time) {
	id, seq, ok := probeIDs(p.Payload())
	if !ok {
		return
	}
	r := Reply{
		From: p.Src(), Code: g.Code, Hops: g.Hops, HopLimit: p.HopLimit(), ID: id, Seq: seq,
		Sent: time.UnixMicro(int64(g.Timestamp)), At: at, Size: p.Len(),
	}
	h.mu.Lock()
	ch := h.waiters[id]
	h.mu.Unlock()
	if ch != nil {
		select {
		case ch <- r:
		default:
		}
	}
}

// subscribe registers a channel for the replies to probes with id.
func (h *Host) subscribe(id uint16, ch chan<- Reply) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, busy := h.waiters[id]; busy {
		return fmt.Errorf("probe id %d in use", id)
	}
	h.waiters[id] = ch
	return nil
}

func (h *Host) unsubscribe(id uint16) {
	h.mu.Lock()
	delete(h.waiters, id)
	h.mu.Unlock()
}

package handleserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/dii-net/dii/internal/handleproto"
)

// serveUDP runs one reader per CPU on pc; each answers the datagrams it
// reads. It returns when pc fails or is closed.
func (s *Server) serveUDP(ctx context.Context, pc net.PacketConn) error {
	n := max(1, min(runtime.GOMAXPROCS(0), 8))
	errs := make(chan error, n)
	for range n {
		go func() { errs <- s.udpReader(ctx, pc) }()
	}
	var first error
	for range n {
		if err := <-errs; first == nil {
			first = err
			_ = pc.Close() // stop the other readers
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return first
}

func (s *Server) udpReader(ctx context.Context, pc net.PacketConn) error {
	in := make([]byte, 64<<10)
	var out, pkt []byte
	for {
		n, addr, err := pc.ReadFrom(in)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("handle server: udp: %w", err)
		}
		out, pkt = s.handleDatagram(pc, addr, in[:n], out[:0], pkt[:0])
	}
}

// handleDatagram answers one datagram, reusing out and pkt as buffers.
func (s *Server) handleDatagram(pc net.PacketConn, addr net.Addr, d, out, pkt []byte) ([]byte, []byte) {
	env, err := handleproto.ParseEnvelope(d)
	if err != nil && len(d) < handleproto.EnvelopeSize {
		s.m.drop("short_datagram")
		return out, pkt
	}
	payload := d[handleproto.EnvelopeSize:]
	var msg []byte
	switch {
	case err != nil: // an announced length above the protocol's limit
		out = s.protocolError(out, "udp", err.Error())
	case int(env.MessageLength) > s.cfg.MaxRequestLength:
		out = s.protocolError(out, "udp", fmt.Sprintf("request of %d bytes above the %d this server accepts", env.MessageLength, s.cfg.MaxRequestLength))
	case env.Truncated(): // one packet of a multi-packet request
		full, ferr := s.frags.add(addr.String(), env, payload)
		if ferr != nil {
			s.m.drop("bad_fragment")
			s.log.Debug("handle udp fragment dropped", "from", addr, "err", ferr)
			return out, pkt
		}
		if full == nil {
			return out, pkt // more packets to come
		}
		msg = full
	case int(env.MessageLength) != len(payload):
		out = s.protocolError(out, "udp", fmt.Sprintf("envelope announces %d bytes, the datagram carries %d", env.MessageLength, len(payload)))
	default:
		msg = payload
	}
	if msg != nil {
		var drop bool
		out, drop = s.respond(out, env, msg, "udp")
		if drop {
			return out, pkt
		}
	}
	renv := responseEnvelope(env, len(out))
	for seq := range handleproto.UDPPacketCount(len(out)) {
		pkt = handleproto.AppendUDPPacket(pkt[:0], renv, out, seq)
		if _, err := pc.WriteTo(pkt, addr); err != nil {
			s.m.drop("udp_write")
			s.log.Debug("handle udp answer not sent", "to", addr, "err", err)
			break
		}
	}
	return out, pkt
}

// protocolError is the PROTOCOL_ERROR answer to a message that could not
// be read at all.
func (s *Server) protocolError(dst []byte, transport, text string) []byte {
	s.m.answered(transport, handleproto.OCReserved, handleproto.RCProtocolError)
	hdr := handleproto.Header{
		ResponseCode:   handleproto.RCProtocolError,
		OpFlags:        handleproto.FlagAT,
		SiteInfoSerial: s.site.Load().info.SerialNumber,
		ExpirationTime: uint32(s.cfg.Now().Add(ResponseLifetime).Unix()),
	}
	body := handleproto.AppendErrorBody(nil, &handleproto.ErrorBody{Message: text})
	return handleproto.AppendMessage(dst, &handleproto.Message{Header: hdr, Body: body})
}

// fragments holds the multi-packet UDP requests being reassembled, bounded
// in number, size and age.
type fragments struct {
	maxLen int
	now    func() time.Time

	mu      sync.Mutex
	pending map[fragKey]*fragEntry
}

type fragKey struct {
	from    string
	session uint32
	request uint32
}

type fragEntry struct {
	r       *handleproto.Reassembly
	expires time.Time
}

const (
	maxPendingFragments = 256
	fragmentLifetime    = 5 * time.Second
)

func newFragments(maxLen int, now func() time.Time) *fragments {
	return &fragments{maxLen: maxLen, now: now, pending: map[fragKey]*fragEntry{}}
}

// add files one packet; it returns the whole message once every packet
// arrived.
func (f *fragments) add(from string, env handleproto.Envelope, payload []byte) ([]byte, error) {
	k := fragKey{from, env.SessionID, env.RequestID}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.pending[k]
	if e == nil || now.After(e.expires) {
		if len(f.pending) >= maxPendingFragments {
			for key, old := range f.pending {
				if now.After(old.expires) {
					delete(f.pending, key)
				}
			}
			if len(f.pending) >= maxPendingFragments {
				return nil, errors.New("too many multi-packet requests in progress")
			}
		}
		r, err := handleproto.NewReassembly(env, f.maxLen)
		if err != nil {
			return nil, err
		}
		e = &fragEntry{r: r, expires: now.Add(fragmentLifetime)}
		f.pending[k] = e
	}
	done, err := e.r.Add(env, payload)
	if err != nil {
		delete(f.pending, k)
		return nil, err
	}
	if !done {
		return nil, nil
	}
	delete(f.pending, k)
	return e.r.Message(), nil
}

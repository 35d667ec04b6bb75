package handleserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/dii-net/dii/internal/handleproto"
	"github.com/prometheus/client_golang/prometheus"
)

// Value is a handle value as the protocol carries it.
type Value = handleproto.Value

// Source is the handle registry being served: the current ledger snapshot.
// Lookup is called once per request from many goroutines at once.
type Source interface {
	// Lookup returns every value of the handle, and false when the
	// registry has no such handle. The server does not modify the slice.
	Lookup(handle string) (values []Value, ok bool)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(handle string) ([]Value, bool)

// Lookup calls f.
func (f SourceFunc) Lookup(handle string) ([]Value, bool) { return f(handle) }

// Defaults of Config's limits.
const (
	DefaultMaxTCPConns      = 512
	DefaultIdleTimeout      = 30 * time.Second
	DefaultMaxRequestLength = 64 << 10
	// ResponseLifetime is how far ahead a response's expiration time is set.
	ResponseLifetime = 12 * time.Hour
)

// Config configures a Server. Only Source is required.
type Config struct {
	Source Source
	// SiteInfo is the record GET_SITEINFO answers. When nil, Serve builds
	// one: this site is primary, with one server (id 1) at the TCP
	// listener's address (else the UDP one's; an unspecified address is
	// written as all zeros) offering resolution on the listeners' ports,
	// with PublicKey, SiteSerial and Description.
	SiteInfo    *handleproto.SiteInfo
	PublicKey   []byte // HS_PUBKEY encoding of the server key; may be empty
	SiteSerial  uint16
	Description string // the site's "desc" attribute; default "dii ledger handle service"

	Logger     *slog.Logger
	Registerer prometheus.Registerer // nil: metrics are kept but not exported

	MaxTCPConns      int           // open TCP connections; more are closed at once
	IdleTimeout      time.Duration // a TCP connection's wait for the next (whole) message
	MaxRequestLength int           // largest request message accepted, either transport
	Now              func() time.Time
}

// Server answers the Handle protocol over UDP and TCP.
type Server struct {
	cfg  Config
	log  *slog.Logger
	m    *metrics
	site atomic.Pointer[siteState]

	frags *fragments

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// siteState is the site information and its encoding, answered as is.
type siteState struct {
	info handleproto.SiteInfo
	body []byte
}

func (s *Server) setSite(info *handleproto.SiteInfo) {
	s.site.Store(&siteState{info: *info, body: handleproto.AppendSiteInfo(nil, info)})
}

// New returns a server for cfg.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxTCPConns <= 0 {
		cfg.MaxTCPConns = DefaultMaxTCPConns
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxRequestLength <= 0 {
		cfg.MaxRequestLength = DefaultMaxRequestLength
	}
	cfg.MaxRequestLength = min(cfg.MaxRequestLength, handleproto.MaxMessageLength)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Description == "" {
		cfg.Description = "dii ledger handle service"
	}
	s := &Server{cfg: cfg, log: cfg.Logger, m: newMetrics(cfg.Registerer), conns: map[net.Conn]struct{}{}}
	s.frags = newFragments(cfg.MaxRequestLength, cfg.Now)
	if cfg.SiteInfo != nil {
		s.setSite(cfg.SiteInfo)
	} else {
		s.setSite(s.buildSite(nil, nil))
	}
	return s
}

// SiteInfo returns the site information record the server answers.
func (s *Server) SiteInfo() handleproto.SiteInfo { return s.site.Load().info }

func (s *Server) buildSite(udp, tcp net.Addr) *handleproto.SiteInfo {
	srv := handleproto.ServerInfo{ServerID: 1, PublicKey: s.cfg.PublicKey}
	var ip netip.Addr
	for _, a := range []net.Addr{tcp, udp} {
		if ap := addrPort(a); ap.IsValid() {
			if !ip.IsValid() {
				ip = ap.Addr()
			}
			proto := handleproto.TransportTCP
			if a == udp {
				proto = handleproto.TransportUDP
			}
			srv.Interfaces = append(srv.Interfaces, handleproto.Interface{
				Type: handleproto.ServiceResolution, Protocol: proto, Port: uint32(ap.Port()),
			})
		}
	}
	if ip.IsValid() && !ip.IsUnspecified() {
		srv.Address = handleproto.AddressFrom(ip)
	}
	return &handleproto.SiteInfo{
		DataFormatVersion: handleproto.SiteDataFormatVersion,
		ProtocolMajor:     handleproto.MajorVersion,
		ProtocolMinor:     handleproto.MinorVersion,
		SerialNumber:      s.cfg.SiteSerial,
		PrimaryMask:       handleproto.SitePrimary,
		HashOption:        handleproto.HashByAll,
		Attributes:        []handleproto.Attribute{{Name: "desc", Value: s.cfg.Description}},
		Servers:           []handleproto.ServerInfo{srv},
	}
}

func addrPort(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.UDPAddr:
		return a.AddrPort()
	case *net.TCPAddr:
		return a.AddrPort()
	}
	return netip.AddrPort{}
}

// ListenAndServe listens on addr (host:port) over UDP and TCP and serves
// until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, "udp", addr)
	if err != nil {
		return fmt.Errorf("handle server: %w", err)
	}
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		_ = pc.Close()
		return fmt.Errorf("handle server: %w", err)
	}
	return s.Serve(ctx, pc, ln)
}

// Serve answers on udp and tcp (either may be nil) until ctx ends, then
// closes them and every open connection, waits for the handlers and
// returns nil. A listener failing stops everything and is returned.
func (s *Server) Serve(ctx context.Context, udp net.PacketConn, tcp net.Listener) error {
	if udp == nil && tcp == nil {
		return errors.New("handle server: no listener")
	}
	if s.cfg.SiteInfo == nil {
		var ua, ta net.Addr
		if udp != nil {
			ua = udp.LocalAddr()
		}
		if tcp != nil {
			ta = tcp.Addr()
		}
		s.setSite(s.buildSite(ua, ta))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	if udp != nil {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- s.serveUDP(ctx, udp) }()
	}
	if tcp != nil {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- s.serveTCP(ctx, tcp, &wg) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	cancel()
	if udp != nil {
		_ = udp.Close()
	}
	if tcp != nil {
		_ = tcp.Close()
	}
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	wg.Wait()
	if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
		err = nil
	}
	return err
}

// opsNotServed is the message of OPERATION_NOT_SUPPORTED for administration.
const opsNotServed = "handle administration is not served over the Handle protocol here: " +
	"handles change by signed dii ledger transactions (HTTP PUT/DELETE on /api/handles/{handle}, or the dii handle command)"

const authNotServed = "authentication and sessions are not supported: this server answers public resolution only"

// respond builds the response message (without envelope) to one request
// message msg that arrived in env, appending it to dst. drop is true when
// no answer must be sent (the message was itself a response).
func (s *Server) respond(dst []byte, env handleproto.Envelope, msg []byte, transport string) (out []byte, drop bool) {
	site := s.site.Load()
	hdr := handleproto.Header{SiteInfoSerial: site.info.SerialNumber}
	hdr.ExpirationTime = uint32(s.cfg.Now().Add(ResponseLifetime).Unix())

	// digest is the request's digest, once known, for the answers that
	// must carry it.
	var digest *handleproto.RequestDigest
	fail := func(op handleproto.OpCode, rc handleproto.ResponseCode, text string) ([]byte, bool) {
		hdr.OpCode, hdr.ResponseCode = op, rc
		s.m.answered(transport, op, rc)
		var scratch [256]byte
		body := handleproto.AppendErrorBody(scratch[:0], &handleproto.ErrorBody{Message: text})
		return handleproto.AppendMessage(dst, &handleproto.Message{Header: hdr, Digest: digest, Body: body}), false
	}

	if env.Flags&handleproto.EnvCompressed != 0 {
		return fail(handleproto.OCReserved, handleproto.RCProtocolError, "compressed messages are not supported")
	}
	if env.Flags&handleproto.EnvEncrypted != 0 {
		return fail(handleproto.OCReserved, handleproto.RCSessionFailed, "encrypted messages need a session; "+authNotServed)
	}
	if env.MajorVersion != handleproto.MajorVersion {
		return fail(handleproto.OCReserved, handleproto.RCProtocolError,
			fmt.Sprintf("protocol version %d.%d is not supported; this server speaks 2.x", env.MajorVersion, env.MinorVersion))
	}
	m, err := handleproto.ParseMessage(msg)
	if m == nil {
		return fail(handleproto.OCReserved, handleproto.RCProtocolError, "malformed message: "+err.Error())
	}
	if m.Header.IsResponse() && m.Header.ResponseCode.Known() {
		// Answering a response invites two servers to trade errors forever.
		s.m.drop("response_received")
		return dst, true
	}
	op := m.Header.OpCode
	if !op.Known() {
		op = handleproto.OCReserved // so the client can decode the answer
	}
	hdr.RecursionCount = m.Header.RecursionCount
	hdr.OpFlags = handleproto.FlagAT | m.Header.OpFlags&(handleproto.FlagPO|handleproto.FlagREC|handleproto.FlagKC|handleproto.FlagDNR)
	if m.Header.OpFlags&handleproto.FlagRD != 0 && (err == nil || errors.Is(err, handleproto.ErrUnknownOpCode)) {
		alg := handleproto.DigestSHA1
		if env.MinorVersion >= 7 {
			alg = handleproto.DigestSHA256
		}
		digest, _ = handleproto.DigestRequest(alg, msg) // the header parsed and the body fits
	}
	answerErr := func(rc handleproto.ResponseCode, text string) ([]byte, bool) { return fail(op, rc, text) }
	if errors.Is(err, handleproto.ErrUnknownOpCode) {
		return answerErr(handleproto.RCProtocolError, fmt.Sprintf("unknown opcode %d", uint32(m.Header.OpCode)))
	}
	if err != nil {
		return answerErr(handleproto.RCProtocolError, "malformed message: "+err.Error())
	}

	switch {
	case op == handleproto.OCResolution:
		return s.resolve(dst, hdr, digest, m, transport, answerErr)
	case op == handleproto.OCGetSiteInfo:
		if _, err := handleproto.ParseGetSiteInfoRequest(m.Body); err != nil {
			return answerErr(handleproto.RCProtocolError, "malformed GET_SITEINFO body: "+err.Error())
		}
		hdr.OpCode, hdr.ResponseCode = op, handleproto.RCSuccess
		s.m.answered(transport, op, handleproto.RCSuccess)
		return handleproto.AppendMessage(dst, &handleproto.Message{Header: hdr, Digest: digest, Body: site.body}), false
	case op.IsAdmin():
		return answerErr(handleproto.RCOperationNotSupported, opsNotServed)
	case op == handleproto.OCReserved:
		return answerErr(handleproto.RCProtocolError, "opcode 0 is reserved")
	default: // challenge, verify, sessions
		return answerErr(handleproto.RCOperationNotSupported, authNotServed)
	}
}

func (s *Server) resolve(dst []byte, hdr handleproto.Header, digest *handleproto.RequestDigest, m *handleproto.Message,
	transport string, answerErr func(handleproto.ResponseCode, string) ([]byte, bool)) ([]byte, bool) {
	q, err := handleproto.ParseResolutionRequest(m.Body)
	if err != nil {
		return answerErr(handleproto.RCProtocolError, "malformed RESOLUTION body: "+err.Error())
	}
	if q.Handle == "" || !utf8.ValidString(q.Handle) {
		return answerErr(handleproto.RCInvalidHandle, "a handle is a non-empty UTF-8 string")
	}
	all, ok := s.cfg.Source.Lookup(q.Handle)
	if !ok {
		return answerErr(handleproto.RCHandleNotFound, "handle not found")
	}
	var buf [16]Value
	values := buf[:0]
	matched := 0
	for i := range all {
		v := &all[i]
		if !handleproto.Selected(v, q.Indexes, q.Types) {
			continue
		}
		matched++
		if v.PublicRead() {
			values = append(values, *v)
		}
	}
	switch {
	case matched == 0:
		return answerErr(handleproto.RCValueNotFound, "no value matches the requested indexes and types")
	case len(values) == 0 && m.Header.OpFlags&handleproto.FlagPO != 0:
		return answerErr(handleproto.RCValueNotFound, "no publicly readable value matches the requested indexes and types")
	case len(values) == 0:
		return answerErr(handleproto.RCAccessDenied, "the matching values are not publicly readable; "+authNotServed)
	case len(values) > handleproto.MaxValues:
		return answerErr(handleproto.RCError, fmt.Sprintf("the handle has %d matching values, more than a message carries (%d)", len(values), handleproto.MaxValues))
	}
	hdr.OpCode, hdr.ResponseCode = handleproto.OCResolution, handleproto.RCSuccess
	start := len(dst)
	dst = appendResolution(dst, hdr, digest, q.Handle, values)
	if len(dst)-start > handleproto.MaxMessageLength {
		return answerErr(handleproto.RCError, "the answer is larger than a message may be")
	}
	s.m.answered(transport, handleproto.OCResolution, handleproto.RCSuccess)
	return dst, false
}

// appendResolution writes a resolution response straight into dst: the
// header with a placeholder body length, then the body, then the length.
func appendResolution(dst []byte, hdr handleproto.Header, digest *handleproto.RequestDigest, handle string, values []Value) []byte {
	start := len(dst)
	dst = handleproto.AppendMessage(dst, &handleproto.Message{Header: hdr, Digest: digest})
	dst = dst[:len(dst)-4] // drop the empty credential; it goes after the body
	bodyStart := start + handleproto.HeaderSize
	dst = handleproto.AppendResolutionResponse(dst, handle, values)
	bodyLen := len(dst) - bodyStart
	dst[start+20], dst[start+21], dst[start+22], dst[start+23] = byte(bodyLen>>24), byte(bodyLen>>16), byte(bodyLen>>8), byte(bodyLen)
	return append(dst, 0, 0, 0, 0)
}

// responseEnvelope is the envelope of the answer to a request in env.
func responseEnvelope(env handleproto.Envelope, msgLen int) handleproto.Envelope {
	major, minor := uint8(handleproto.MajorVersion), uint8(handleproto.MinorVersion)
	if env.MajorVersion == handleproto.MajorVersion && env.MinorVersion < minor {
		minor = env.MinorVersion
	}
	return handleproto.Envelope{
		MajorVersion: major, MinorVersion: minor,
		SessionID: env.SessionID, RequestID: env.RequestID, MessageLength: uint32(msgLen),
	}
}

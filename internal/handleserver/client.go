package handleserver

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dii-net/dii/internal/handleproto"
)

// Transport says how a client reaches a server.
type Transport struct {
	TCPOnly bool          // never use UDP
	Timeout time.Duration // wait for one UDP answer, or for a whole TCP exchange; default 2 s
	Retries int           // UDP sends after the first before falling back to TCP; default 2
	// KeepAlive sets KC (keep connection) on requests and reuses TCP
	// connections: a Client keeps up to MaxIdleConns of them open.
	KeepAlive    bool
	MaxIdleConns int // default 4
}

// Client defaults.
const (
	DefaultTimeout = 2 * time.Second
	DefaultRetries = 2
)

// ResolveOptions shape a resolution request.
type ResolveOptions struct {
	Indexes []uint32 // values with these indexes...
	Types   []string // ...or of these types ("URL." for the URL family); both empty: all values
	// IncludeRestricted clears the PO (public only) flag. This server
	// never returns values that are not publicly readable; with the flag
	// clear it answers ACCESS_DENIED instead of VALUE_NOT_FOUND when those
	// are all that match.
	IncludeRestricted bool
	Authoritative     bool // set AT
	RequestDigest     bool // set RD and check the digest in the answer
	// Transport is used by the package-level functions; a Client uses the
	// Transport it was dialled with.
	Transport
}

// Response is a server's answer to a resolution.
type Response struct {
	Code    handleproto.ResponseCode
	Handle  string
	Values  []Value
	Message string // the error message of a response that is not SUCCESS
}

// ResponseError is a response whose code is not SUCCESS.
type ResponseError struct {
	Code    handleproto.ResponseCode
	Message string
}

func (e *ResponseError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("handle server answered %s (%d)", e.Code, uint32(e.Code))
	}
	return fmt.Sprintf("handle server answered %s (%d): %s", e.Code, uint32(e.Code), e.Message)
}

// Client errors.
var (
	ErrTimeout  = errors.New("no answer from the handle server")
	ErrMismatch = errors.New("answer does not match the request")
	ErrClosed   = errors.New("handle client closed")
)

// Client talks to one handle server. It is safe for concurrent use: UDP
// requests share one socket and are matched to answers by request id.
type Client struct {
	addr string
	t    Transport

	udp    *net.UDPConn
	nextID atomic.Uint32

	mu      sync.Mutex
	pending map[uint32]*call
	closed  bool
	done    chan struct{}

	idle chan net.Conn // reusable TCP connections, with KeepAlive
}

type call struct {
	env handleproto.Envelope
	re  *handleproto.Reassembly
	ch  chan []byte
}

// Dial returns a client for the server at addr (host:port). Unless
// t.TCPOnly, it opens the UDP socket now.
func Dial(addr string, t Transport) (*Client, error) {
	if t.Timeout <= 0 {
		t.Timeout = DefaultTimeout
	}
	if t.Retries < 0 {
		t.Retries = 0
	} else if t.Retries == 0 {
		t.Retries = DefaultRetries
	}
	if t.MaxIdleConns <= 0 {
		t.MaxIdleConns = 4
	}
	c := &Client{addr: addr, t: t, pending: map[uint32]*call{}, done: make(chan struct{})}
	if t.KeepAlive {
		c.idle = make(chan net.Conn, t.MaxIdleConns)
	}
	var seed [4]byte
	_, _ = rand.Read(seed[:])
	c.nextID.Store(binary.BigEndian.Uint32(seed[:]) & 0x3fffffff)
	if !t.TCPOnly {
		ua, err := net.ResolveUDPAddr("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("handle client: %w", err)
		}
		c.udp, err = net.DialUDP("udp", nil, ua)
		if err != nil {
			return nil, fmt.Errorf("handle client: %w", err)
		}
		go c.readUDP()
	}
	return c, nil
}

// Close releases the client's socket; requests in flight fail.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.done)
	c.mu.Unlock()
	for c.idle != nil {
		select {
		case conn := <-c.idle:
			_ = conn.Close()
			continue
		default:
		}
		break
	}
	if c.udp != nil {
		return c.udp.Close()
	}
	return nil
}

// requestID returns a fresh id in 1..2^31-1 (Handle.Net servers refuse
// ids that are negative as Java ints).
func (c *Client) requestID() uint32 {
	return c.nextID.Add(1)%0x7fffffff + 1
}

// Exchange sends one request and returns the server's answer, decoded.
// The request's envelope carries version 2.1 and a fresh request id. When
// the request sets RD, the answer must carry the matching digest.
func (c *Client) Exchange(ctx context.Context, req *handleproto.Message) (*handleproto.Message, error) {
	if c.t.KeepAlive {
		r := *req
		r.Header.OpFlags |= handleproto.FlagKC
		req = &r
	}
	msg := handleproto.AppendMessage(nil, req)
	if len(msg) > handleproto.MaxMessageLength {
		return nil, fmt.Errorf("handle client: request of %d bytes: %w", len(msg), handleproto.ErrTooLarge)
	}
	env := handleproto.Envelope{
		MajorVersion: handleproto.MajorVersion, MinorVersion: handleproto.MinorVersion,
		RequestID: c.requestID(), MessageLength: uint32(len(msg)),
	}
	var (
		raw []byte
		err error
	)
	if c.udp != nil {
		raw, err = c.exchangeUDP(ctx, env, msg)
	}
	if c.udp == nil || errors.Is(err, ErrTimeout) {
		raw, err = c.exchangeTCP(ctx, env, msg)
	}
	if err != nil {
		return nil, err
	}
	resp, err := handleproto.ParseMessage(raw)
	if err != nil {
		return nil, fmt.Errorf("handle client: answer: %w", err)
	}
	if !resp.Header.IsResponse() || resp.Header.OpCode != req.Header.OpCode && resp.Header.OpCode != handleproto.OCReserved {
		return nil, fmt.Errorf("handle client: answer for opcode %s, response code %s: %w", resp.Header.OpCode, resp.Header.ResponseCode, ErrMismatch)
	}
	if req.Header.OpFlags&handleproto.FlagRD != 0 {
		if resp.Digest == nil || !resp.Digest.Matches(msg) {
			return nil, fmt.Errorf("handle client: request digest missing or wrong: %w", ErrMismatch)
		}
	}
	return resp, nil
}

func (c *Client) exchangeUDP(ctx context.Context, env handleproto.Envelope, msg []byte) ([]byte, error) {
	cl := &call{env: env, ch: make(chan []byte, 1)}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	c.pending[env.RequestID] = cl
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, env.RequestID)
		c.mu.Unlock()
	}()
	var pkt []byte
	timer := time.NewTimer(c.t.Timeout)
	defer timer.Stop()
	for try := 0; try <= c.t.Retries; try++ {
		for seq := range handleproto.UDPPacketCount(len(msg)) {
			pkt = handleproto.AppendUDPPacket(pkt[:0], env, msg, seq)
			if _, err := c.udp.Write(pkt); err != nil {
				return nil, fmt.Errorf("handle client: udp: %w", err)
			}
		}
		if try > 0 {
			timer.Reset(c.t.Timeout)
		}
		select {
		case raw := <-cl.ch:
			return raw, nil
		case <-timer.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.done:
			return nil, ErrClosed
		}
	}
	return nil, fmt.Errorf("handle client: udp %s after %d tries: %w", c.addr, c.t.Retries+1, ErrTimeout)
}

// readUDP dispatches datagrams to the calls waiting for them.
func (c *Client) readUDP() {
	buf := make([]byte, 64<<10)
	for {
		n, err := c.udp.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-c.done:
				return
			default:
				continue // e.g. ICMP port unreachable; the caller times out or falls back
			}
		}
		env, err := handleproto.ParseEnvelope(buf[:n])
		if err != nil {
			continue
		}
		payload := buf[handleproto.EnvelopeSize:n]
		c.mu.Lock()
		cl := c.pending[env.RequestID]
		if cl == nil {
			c.mu.Unlock()
			continue
		}
		var full []byte
		if !env.Truncated() && int(env.MessageLength) == len(payload) {
			full = append([]byte(nil), payload...)
		} else {
			if cl.re == nil || cl.re.Envelope().MessageLength != env.MessageLength {
				cl.re, err = handleproto.NewReassembly(env, handleproto.MaxMessageLength)
			}
			if err == nil {
				var done bool
				if done, err = cl.re.Add(env, payload); done {
					full = cl.re.Message()
				}
			}
			if err != nil {
				cl.re = nil
			}
		}
		if full != nil {
			delete(c.pending, env.RequestID)
			cl.ch <- full
		}
		c.mu.Unlock()
	}
}

func (c *Client) exchangeTCP(ctx context.Context, env handleproto.Envelope, msg []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.t.Timeout)
	defer cancel()
	env.Flags &^= handleproto.EnvTruncated
	env.SequenceNumber = 0
	for {
		conn, reused := c.idleConn()
		if conn == nil {
			var d net.Dialer
			var err error
			if conn, err = d.DialContext(ctx, "tcp", c.addr); err != nil {
				if ctx.Err() != nil {
					return nil, fmt.Errorf("handle client: tcp %s: %w", c.addr, ErrTimeout)
				}
				return nil, fmt.Errorf("handle client: %w", err)
			}
		}
		raw, answered, err := c.roundTrip(ctx, conn, env, msg)
		if err == nil {
			if c.idle != nil {
				select {
				case <-c.done:
				case c.idle <- conn:
					return raw, nil
				default:
				}
			}
			_ = conn.Close()
			return raw, nil
		}
		_ = conn.Close()
		// A kept connection the server has since closed fails before any
		// answer: try again on a new one.
		if reused && !answered && ctx.Err() == nil {
			continue
		}
		return nil, err
	}
}

// idleConn takes a kept connection, if any.
func (c *Client) idleConn() (net.Conn, bool) {
	if c.idle == nil {
		return nil, false
	}
	select {
	case conn := <-c.idle:
		return conn, true
	default:
		return nil, false
	}
}

// roundTrip writes one request on conn and reads until its answer.
// answered reports whether any answer bytes arrived.
func (c *Client) roundTrip(ctx context.Context, conn net.Conn, env handleproto.Envelope, msg []byte) (raw []byte, answered bool, err error) {
	dl, _ := ctx.Deadline()
	_ = conn.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	e := handleproto.AppendEnvelope(nil, env)
	if _, err := (&net.Buffers{e, msg}).WriteTo(conn); err != nil {
		return nil, false, tcpErr(ctx, c.addr, err)
	}
	var rb [handleproto.EnvelopeSize]byte
	for {
		if n, err := io.ReadFull(conn, rb[:]); err != nil {
			return nil, answered || n > 0, tcpErr(ctx, c.addr, err)
		}
		answered = true
		renv, err := handleproto.ParseEnvelope(rb[:])
		if err != nil {
			return nil, true, fmt.Errorf("handle client: answer envelope: %w", err)
		}
		raw := make([]byte, renv.MessageLength)
		if _, err := io.ReadFull(conn, raw); err != nil {
			return nil, true, tcpErr(ctx, c.addr, err)
		}
		if renv.RequestID == env.RequestID {
			return raw, true, nil
		}
	}
}

func tcpErr(ctx context.Context, addr string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("handle client: tcp %s: %w", addr, ErrTimeout)
	}
	return fmt.Errorf("handle client: tcp %s: %w", addr, err)
}

// Resolve asks for the values of handle. A response that is not SUCCESS
// is returned with a *ResponseError.
func (c *Client) Resolve(ctx context.Context, handle string, o ResolveOptions) (*Response, error) {
	var flags handleproto.OpFlags
	if !o.IncludeRestricted {
		flags |= handleproto.FlagPO
	}
	if o.Authoritative {
		flags |= handleproto.FlagAT
	}
	if o.RequestDigest {
		flags |= handleproto.FlagRD
	}
	req := &handleproto.Message{
		Header: handleproto.Header{
			OpCode: handleproto.OCResolution, OpFlags: flags,
			ExpirationTime: uint32(time.Now().Add(ResponseLifetime).Unix()),
		},
		Body: handleproto.AppendResolutionRequest(nil, &handleproto.ResolutionRequest{Handle: handle, Indexes: o.Indexes, Types: o.Types}),
	}
	resp, err := c.Exchange(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &Response{Code: resp.Header.ResponseCode, Handle: handle}
	if out.Code != handleproto.RCSuccess {
		e, err := handleproto.ParseErrorBody(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("handle client: %s answer: %w", out.Code, err)
		}
		out.Message = e.Message
		return out, &ResponseError{Code: out.Code, Message: e.Message}
	}
	body, err := handleproto.ParseResolutionResponse(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("handle client: resolution answer: %w", err)
	}
	out.Handle, out.Values = body.Handle, body.Values
	return out, nil
}

// GetSiteInfo asks the server for its site information.
func (c *Client) GetSiteInfo(ctx context.Context) (*handleproto.SiteInfo, error) {
	req := &handleproto.Message{
		Header: handleproto.Header{OpCode: handleproto.OCGetSiteInfo, ExpirationTime: uint32(time.Now().Add(ResponseLifetime).Unix())},
		Body:   handleproto.AppendGetSiteInfoRequest(nil, "/"),
	}
	resp, err := c.Exchange(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.Header.ResponseCode != handleproto.RCSuccess {
		e, _ := handleproto.ParseErrorBody(resp.Body)
		return nil, &ResponseError{Code: resp.Header.ResponseCode, Message: e.Message}
	}
	site, err := handleproto.ParseSiteInfo(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("handle client: site information: %w", err)
	}
	return &site, nil
}

// Resolve asks the server at addr for the values of handle. It returns the
// values and the response code; a code other than SUCCESS comes with a
// *ResponseError, a failure to get any answer with another error.
func Resolve(ctx context.Context, addr, handle string, o ResolveOptions) ([]Value, handleproto.ResponseCode, error) {
	c, err := Dial(addr, o.Transport)
	if err != nil {
		return nil, 0, err
	}
	defer func() { _ = c.Close() }()
	resp, err := c.Resolve(ctx, handle, o)
	if resp == nil {
		return nil, 0, err
	}
	return resp.Values, resp.Code, err
}

// GetSiteInfo asks the server at addr for its site information.
func GetSiteInfo(ctx context.Context, addr string, t Transport) (*handleproto.SiteInfo, error) {
	c, err := Dial(addr, t)
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.Close() }()
	return c.GetSiteInfo(ctx)
}

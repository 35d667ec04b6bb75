package nameserver

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// maxInFlight bounds the queries of one TCP connection being answered at
// once; the connection's reader waits when it is reached.
const maxInFlight = 32

// serveTCP accepts DNS connections on ln (TCP or TLS) until it is closed.
// Each connection is read in its own goroutine; each query on it is
// answered in a goroutine of its own and written back as soon as it is
// ready, so pipelined queries get out-of-order answers (RFC 7766 §6.2.1.1)
// and one slow answer does not hold the others.
func (s *Server) serveTCP(ln net.Listener, transport string) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.log.Error("dns accept", "transport", transport, "err", err)
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveConn(c, transport)
		}()
	}
}

func (s *Server) serveConn(c net.Conn, transport string) {
	defer func() { _ = c.Close() }()
	var (
		wmu      sync.Mutex
		inflight = make(chan struct{}, maxInFlight)
		wg       sync.WaitGroup
	)
	defer wg.Wait()
	write := func(b []byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 2+len(b))
		binary.BigEndian.PutUint16(buf, uint16(len(b)))
		copy(buf[2:], b)
		_, err := c.Write(buf)
		return err
	}
	var lenBuf [2]byte
	for {
		// Idle timeout between queries (RFC 7766 §6.2.3).
		_ = c.SetReadDeadline(time.Now().Add(s.cfg.TCPIdle))
		if _, err := io.ReadFull(c, lenBuf[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint16(lenBuf[:]))
		if n < 12 {
			s.metrics.dropped.WithLabelValues("tcp_short").Inc()
			return
		}
		msg := make([]byte, n)
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := io.ReadFull(c, msg); err != nil {
			s.metrics.dropped.WithLabelValues("tcp_truncated").Inc()
			return
		}
		inflight <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-inflight; wg.Done() }()
			start := time.Now()
			var req dns.Msg
			var resp *dns.Msg
			if err := req.Unpack(msg); err != nil {
				// The header was read (n >= 12): answer FORMERR to its id.
				s.metrics.dropped.WithLabelValues("malformed").Inc()
				resp = new(dns.Msg)
				resp.Id = binary.BigEndian.Uint16(msg)
				resp.Response = true
				resp.Rcode = dns.RcodeFormatError
			} else if req.Response {
				s.metrics.dropped.WithLabelValues("rejected_header").Inc()
				return
			} else {
				resp = s.Answer(&req, true)
			}
			out, err := resp.Pack()
			if err != nil {
				s.metrics.dropped.WithLabelValues("pack_error").Inc()
				return
			}
			if err := write(out); err != nil {
				s.metrics.dropped.WithLabelValues("write_error").Inc()
				_ = c.Close()
				return
			}
			s.metrics.observe(transport, resp.Rcode, time.Since(start))
		}()
	}
}

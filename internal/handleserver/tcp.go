package handleserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/dii-net/dii/internal/handleproto"
)

// serveTCP accepts connections until ln fails or closes; handlers join wg.
func (s *Server) serveTCP(ctx context.Context, ln net.Listener, wg *sync.WaitGroup) error {
	slots := make(chan struct{}, s.cfg.MaxTCPConns)
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("handle server: tcp: %w", err)
		}
		select {
		case slots <- struct{}{}:
		default:
			s.m.drop("tcp_connection_limit")
			_ = c.Close()
			continue
		}
		s.mu.Lock()
		if ctx.Err() != nil {
			s.mu.Unlock()
			_ = c.Close()
			<-slots
			continue
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.m.conns.Inc()
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveConn(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			_ = c.Close()
			s.m.conns.Dec()
			<-slots
		}()
	}
}

// serveConn answers the messages of one connection: each an envelope and
// the message it announces. It returns on EOF, idle timeout, an error, or
// after an answer to a request that did not ask to keep the connection.
func (s *Server) serveConn(c net.Conn) {
	br := bufio.NewReaderSize(c, 4096)
	var envb [handleproto.EnvelopeSize]byte
	var msg, out []byte
	for {
		if err := c.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout)); err != nil {
			return
		}
		if _, err := io.ReadFull(br, envb[:]); err != nil {
			if err != io.EOF {
				s.m.drop(readFailure(err))
			}
			return
		}
		env, err := handleproto.ParseEnvelope(envb[:])
		if err == nil && int(env.MessageLength) > s.cfg.MaxRequestLength {
			err = fmt.Errorf("request of %d bytes above the %d this server accepts", env.MessageLength, s.cfg.MaxRequestLength)
		}
		if err != nil {
			// The rest of the stream cannot be framed: answer and close.
			s.writeTCP(c, env, s.protocolError(out[:0], "tcp", err.Error()))
			return
		}
		if cap(msg) < int(env.MessageLength) {
			msg = make([]byte, env.MessageLength)
		}
		msg = msg[:env.MessageLength]
		if _, err := io.ReadFull(br, msg); err != nil {
			s.m.drop(readFailure(err))
			return
		}
		var drop bool
		out, drop = s.respond(out[:0], env, msg, "tcp")
		if drop {
			continue
		}
		if !s.writeTCP(c, env, out) {
			return
		}
		if !keepAlive(msg) {
			return
		}
	}
}

func (s *Server) writeTCP(c net.Conn, env handleproto.Envelope, out []byte) bool {
	if err := c.SetWriteDeadline(time.Now().Add(s.cfg.IdleTimeout)); err != nil {
		return false
	}
	var eb [handleproto.EnvelopeSize]byte
	e := handleproto.AppendEnvelope(eb[:0], responseEnvelope(env, len(out)))
	if _, err := (&net.Buffers{e, out}).WriteTo(c); err != nil {
		s.m.drop("tcp_write")
		return false
	}
	return true
}

// keepAlive reports whether the request set KC.
func keepAlive(msg []byte) bool {
	h, err := handleproto.ParseHeader(msg)
	return err == nil && h.OpFlags&handleproto.FlagKC != 0
}

func readFailure(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "tcp_idle_timeout"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "tcp_truncated"
	default:
		return "tcp_read"
	}
}

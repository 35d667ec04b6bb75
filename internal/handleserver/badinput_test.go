package handleserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/dii-net/dii/internal/handleproto"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// rawUDP sends one datagram and returns the answer's envelope and message,
// or ok false when nothing came back within wait.
func rawUDP(t *testing.T, addr string, d []byte, wait time.Duration) (handleproto.Envelope, []byte, bool) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if _, err := c.Write(d); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 65536)
	n, err := c.Read(buf)
	if err != nil {
		return handleproto.Envelope{}, nil, false
	}
	env, err := handleproto.ParseEnvelope(buf[:n])
	if err != nil {
		t.Fatalf("answer envelope: %v", err)
	}
	return env, buf[handleproto.EnvelopeSize:n], true
}

func envelope(reqID uint32, msg []byte) []byte {
	return handleproto.AppendEnvelope(nil, handleproto.Envelope{MajorVersion: 2, MinorVersion: 1, RequestID: reqID, MessageLength: uint32(len(msg))})
}

func resolutionMsg(handle string, flags handleproto.OpFlags) []byte {
	return handleproto.AppendMessage(nil, &handleproto.Message{
		Header: handleproto.Header{OpCode: handleproto.OCResolution, OpFlags: flags},
		Body:   handleproto.AppendResolutionRequest(nil, &handleproto.ResolutionRequest{Handle: handle}),
	})
}

// TestBadInputUDP sends malformed datagrams: those with an envelope are
// answered PROTOCOL_ERROR (or the fitting code) with the request id echoed;
// the rest are dropped and counted.
func TestBadInputUDP(t *testing.T) {
	ts := startServer(t, testSource(), nil)
	good := resolutionMsg("10.1000/1", 0)
	withHeader := func(op, rc uint32, body []byte) []byte {
		return handleproto.AppendMessage(nil, &handleproto.Message{Header: handleproto.Header{OpCode: handleproto.OpCode(op), ResponseCode: handleproto.ResponseCode(rc)}, Body: body})
	}
	lyingBody := bytes.Clone(good)
	lyingBody[23] += 50 // header BodyLength beyond the message
	truncValue := bytes.Clone(good)
	truncValue = truncValue[:len(truncValue)-6] // cut inside the type list and credential
	cases := []struct {
		name string
		d    []byte
		rc   handleproto.ResponseCode // 0: no answer expected
		drop string
	}{
		{"garbage shorter than an envelope", []byte("hello"), 0, "short_datagram"},
		{"envelope length lies", append(envelope(11, make([]byte, 200)), good...), handleproto.RCProtocolError, ""},
		{"envelope length above the limit", func() []byte {
			e := envelope(12, good)
			e[16], e[17] = 0x7f, 0xff
			return append(e, good...)
		}(), handleproto.RCProtocolError, ""},
		{"header body length lies", append(envelope(13, lyingBody), lyingBody...), handleproto.RCProtocolError, ""},
		{"truncated body", append(envelope(14, truncValue), truncValue...), handleproto.RCProtocolError, ""},
		{"unknown opcode", func() []byte { m := withHeader(77, 0, nil); return append(envelope(15, m), m...) }(), handleproto.RCProtocolError, ""},
		{"reserved opcode", func() []byte { m := withHeader(0, 0, nil); return append(envelope(16, m), m...) }(), handleproto.RCProtocolError, ""},
		{"random bytes after an envelope", func() []byte {
			m := bytes.Repeat([]byte{0xff}, 40)
			return append(envelope(17, m), m...)
		}(), handleproto.RCProtocolError, ""},
		{"header only", func() []byte { m := good[:handleproto.HeaderSize]; return append(envelope(18, m), m...) }(), handleproto.RCProtocolError, ""},
		{"wrong major version", func() []byte {
			e := envelope(19, good)
			e[0] = 3
			return append(e, good...)
		}(), handleproto.RCProtocolError, ""},
		{"compressed", func() []byte {
			e := envelope(20, good)
			e[2] = 0x80
			return append(e, good...)
		}(), handleproto.RCProtocolError, ""},
		{"encrypted", func() []byte {
			e := envelope(21, good)
			e[2] = 0x40
			return append(e, good...)
		}(), handleproto.RCSessionFailed, ""},
		{"a response sent to the server", func() []byte { m := withHeader(1, 1, nil); return append(envelope(22, m), m...) }(), 0, "response_received"},
		{"bad fragment", func() []byte {
			e := handleproto.AppendEnvelope(nil, handleproto.Envelope{MajorVersion: 2, Flags: handleproto.EnvTruncated, RequestID: 23, MessageLength: 2000, SequenceNumber: 9})
			return append(e, good...)
		}(), 0, "bad_fragment"},
		{"invalid UTF-8 handle", func() []byte { m := resolutionMsg("10.1000/\xff", 0); return append(envelope(24, m), m...) }(), handleproto.RCInvalidHandle, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before float64
			if c.drop != "" {
				before = testutil.ToFloat64(ts.srv.m.dropped.WithLabelValues(c.drop))
			}
			wait := 2 * time.Second
			if c.rc == 0 {
				wait = 200 * time.Millisecond // only to show nothing comes back
			}
			env, msg, ok := rawUDP(t, ts.addr, c.d, wait)
			if c.rc == 0 {
				if ok {
					t.Fatalf("answered %x", msg)
				}
				deadline := time.Now().Add(5 * time.Second)
				for testutil.ToFloat64(ts.srv.m.dropped.WithLabelValues(c.drop)) == before {
					if time.Now().After(deadline) {
						t.Fatalf("drop %q not counted", c.drop)
					}
					time.Sleep(5 * time.Millisecond)
				}
				return
			}
			if !ok {
				t.Fatal("no answer")
			}
			m, err := handleproto.ParseMessage(msg)
			if err != nil {
				t.Fatalf("answer does not decode: %v", err)
			}
			e, _ := handleproto.ParseErrorBody(m.Body)
			if m.Header.ResponseCode != c.rc || e.Message == "" {
				t.Fatalf("answered %s %q, want %s", m.Header.ResponseCode, e.Message, c.rc)
			}
			want, _ := handleproto.ParseEnvelope(c.d)
			if env.RequestID != want.RequestID {
				t.Fatalf("request id %d, want %d", env.RequestID, want.RequestID)
			}
			t.Logf("%s: %s", m.Header.ResponseCode, e.Message)
		})
	}
	// The server still answers after all that.
	if _, code, err := Resolve(context.Background(), ts.addr, "10.1000/1", ResolveOptions{}); err != nil || code != handleproto.RCSuccess {
		t.Fatalf("after bad input: %v %v", code, err)
	}
}

// TestBadInputTCP: an oversized or lying envelope on TCP is answered and
// the connection closed; a truncated message is dropped when the peer
// leaves.
func TestBadInputTCP(t *testing.T) {
	ts := startServer(t, testSource(), func(c *Config) { c.MaxRequestLength = 1024 })
	good := resolutionMsg("10.1000/1", 0)
	t.Run("oversized", func(t *testing.T) {
		c := dialTCP(t, ts.addr)
		e := envelope(5, make([]byte, 5000))
		if _, err := c.Write(e); err != nil {
			t.Fatal(err)
		}
		env, m := readTCP(t, c)
		if env.RequestID != 5 || m.Header.ResponseCode != handleproto.RCProtocolError {
			t.Fatalf("answer %+v %+v", env, m.Header)
		}
		expectClosed(t, c)
	})
	t.Run("lying header", func(t *testing.T) {
		c := dialTCP(t, ts.addr)
		bad := bytes.Clone(good)
		bad[23] = 0xff
		if _, err := c.Write(append(envelope(6, bad), bad...)); err != nil {
			t.Fatal(err)
		}
		_, m := readTCP(t, c)
		if m.Header.ResponseCode != handleproto.RCProtocolError {
			t.Fatalf("answered %s", m.Header.ResponseCode)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		before := testutil.ToFloat64(ts.srv.m.dropped.WithLabelValues("tcp_truncated"))
		c := dialTCP(t, ts.addr)
		if _, err := c.Write(append(envelope(7, good), good[:10]...)); err != nil {
			t.Fatal(err)
		}
		_ = c.(*net.TCPConn).CloseWrite()
		expectClosed(t, c)
		deadline := time.Now().Add(5 * time.Second)
		for testutil.ToFloat64(ts.srv.m.dropped.WithLabelValues("tcp_truncated")) == before {
			if time.Now().After(deadline) {
				t.Fatal("truncated message not counted")
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

func dialTCP(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

func readTCP(t *testing.T, c net.Conn) (handleproto.Envelope, *handleproto.Message) {
	t.Helper()
	var eb [handleproto.EnvelopeSize]byte
	if _, err := io.ReadFull(c, eb[:]); err != nil {
		t.Fatalf("reading answer: %v", err)
	}
	env, err := handleproto.ParseEnvelope(eb[:])
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, env.MessageLength)
	if _, err := io.ReadFull(c, raw); err != nil {
		t.Fatal(err)
	}
	m, err := handleproto.ParseMessage(raw)
	if err != nil {
		t.Fatal(err)
	}
	return env, m
}

func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	var b [1]byte
	if _, err := c.Read(b[:]); !errors.Is(err, io.EOF) {
		t.Fatalf("connection not closed by the server: %v", err)
	}
}

// TestTCPKeepAlive sends several requests on one connection: with KC the
// server keeps answering, without it the server closes after the answer.
func TestTCPKeepAlive(t *testing.T) {
	ts := startServer(t, testSource(), nil)
	c := dialTCP(t, ts.addr)
	for i := range 5 {
		m := resolutionMsg("10.1000/1", handleproto.FlagKC|handleproto.FlagPO)
		if _, err := c.Write(append(envelope(uint32(100+i), m), m...)); err != nil {
			t.Fatal(err)
		}
		env, a := readTCP(t, c)
		if env.RequestID != uint32(100+i) || a.Header.ResponseCode != handleproto.RCSuccess || a.Header.OpFlags&handleproto.FlagKC == 0 {
			t.Fatalf("answer %d: %+v %+v", i, env, a.Header)
		}
	}
	m := resolutionMsg("10.1000/1", 0)
	if _, err := c.Write(append(envelope(200, m), m...)); err != nil {
		t.Fatal(err)
	}
	readTCP(t, c)
	expectClosed(t, c)
}

// TestTCPIdleTimeout: a connection that sends nothing is closed.
func TestTCPIdleTimeout(t *testing.T) {
	ts := startServer(t, testSource(), func(c *Config) { c.IdleTimeout = 100 * time.Millisecond })
	c := dialTCP(t, ts.addr)
	expectClosed(t, c)
}

// TestTCPFlood opens more idle connections than the server allows; the
// extra ones are closed at once, and resolution over UDP and over a fresh
// TCP connection (once the idle ones time out) keeps working.
func TestTCPFlood(t *testing.T) {
	const limit = 20
	ts := startServer(t, testSource(), func(c *Config) { c.MaxTCPConns = limit; c.IdleTimeout = 2 * time.Second })
	var conns []net.Conn
	for range limit * 3 {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(ts.srv.m.dropped.WithLabelValues("tcp_connection_limit")) < limit*2 {
		if time.Now().After(deadline) {
			t.Fatalf("connections over the limit not refused: %v", testutil.ToFloat64(ts.srv.m.dropped.WithLabelValues("tcp_connection_limit")))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, code, err := Resolve(context.Background(), ts.addr, "10.1000/1", ResolveOptions{}); err != nil || code != handleproto.RCSuccess {
		t.Fatalf("UDP during the flood: %v %v", code, err)
	}
	// TCP answers again once the idle connections are timed out.
	for testutil.ToFloat64(ts.srv.m.conns) > 0 {
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatal("idle connections not timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, code, err := Resolve(context.Background(), ts.addr, "10.1000/1", ResolveOptions{Transport: Transport{TCPOnly: true, Timeout: 8 * time.Second}}); err != nil || code != handleproto.RCSuccess {
		t.Fatalf("TCP after the flood: %v %v", code, err)
	}
}

// TestMultiPacketRequest sends a request longer than one datagram; the
// server reassembles it and answers.
func TestMultiPacketRequest(t *testing.T) {
	ts := startServer(t, testSource(), nil)
	c := dial(t, ts.addr, Transport{})
	var types []string
	for i := range 100 {
		types = append(types, "TYPE-NUMBER-"+string(rune('A'+i%26)))
	}
	types = append(types, "EMAIL")
	resp, err := c.Resolve(context.Background(), "10.1000/1", ResolveOptions{Types: types})
	if err != nil || len(resp.Values) != 1 || resp.Values[0].Index != 3 {
		t.Fatalf("%+v %v", resp, err)
	}
	if n := testutil.ToFloat64(ts.srv.m.requests.WithLabelValues("udp", "RESOLUTION", "SUCCESS")); n != 1 {
		t.Fatalf("answered over UDP %v times, want 1 (no TCP fallback)", n)
	}
}

// TestConcurrentClient shares one client among many goroutines.
func TestConcurrentClient(t *testing.T) {
	ts := startServer(t, testSource(), nil)
	c := dial(t, ts.addr, Transport{})
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				h := "10.1000/1"
				if (g+i)%3 == 0 {
					h = "10.1000/big"
				}
				if _, err := c.Resolve(context.Background(), h, ResolveOptions{}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestClientKeepAlive reuses one TCP connection for many requests, and
// dials again when the server has closed the kept one.
func TestClientKeepAlive(t *testing.T) {
	ts := startServer(t, testSource(), func(c *Config) { c.IdleTimeout = 300 * time.Millisecond })
	c := dial(t, ts.addr, Transport{TCPOnly: true, KeepAlive: true})
	for range 5 {
		if _, err := c.Resolve(context.Background(), "10.1000/1", ResolveOptions{}); err != nil {
			t.Fatal(err)
		}
		if n := testutil.ToFloat64(ts.srv.m.conns); n != 1 {
			t.Fatalf("%v connections open, want the one kept", n)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(ts.srv.m.conns) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("kept connection not timed out by the server")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := c.Resolve(context.Background(), "10.1000/1", ResolveOptions{}); err != nil {
		t.Fatalf("after the server closed the kept connection: %v", err)
	}
}

package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/handleserver"
	"github.com/dii-net/dii/internal/state"
)

// DefaultHandleAddr is where a node serves the Handle protocol by
// default: the protocol's port 2641, on loopback.
const DefaultHandleAddr = "127.0.0.1:2641"

// HandleSource serves the handle registry of the latest committed state:
// each lookup reads the Version current at that moment, without a lock.
type HandleSource struct{ Store *state.Store }

// Lookup implements handleserver.Source. A handle that does not parse is
// not on the ledger.
func (s HandleSource) Lookup(h string) ([]handleproto.Value, bool) {
	rec, err := handle.Get(s.Store.Latest(), h)
	if err != nil {
		return nil, false
	}
	return rec.Wire(), true
}

// handleService is the running Handle protocol server.
type handleService struct {
	addr   string
	cancel context.CancelFunc
	done   chan error
}

// startHandle serves the Handle protocol over UDP and TCP on addr (one
// port for both; port 0 picks one free for both).
func startHandle(c Config, store *state.Store, reg prometheus.Registerer) (*handleService, error) {
	tcp, udp, err := listenBoth(c.Handle)
	if err != nil {
		return nil, fmt.Errorf("handle listener: %w", err)
	}
	srv := handleserver.New(handleserver.Config{Source: HandleSource{Store: store}, Logger: c.Logger.With("service", "handle"), Registerer: reg})
	ctx, cancel := context.WithCancel(context.Background())
	hs := &handleService{addr: tcp.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { hs.done <- srv.Serve(ctx, udp, tcp) }()
	c.Logger.Info("handle: serving the ledger's handles", "addr", hs.addr, "transports", "udp+tcp")
	return hs, nil
}

// listenBoth opens a TCP listener and a UDP socket on the same port.
func listenBoth(addr string) (net.Listener, net.PacketConn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	for try := 0; ; try++ {
		tcp, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, nil, err
		}
		p := strconv.Itoa(tcp.Addr().(*net.TCPAddr).Port)
		udp, err := net.ListenPacket("udp", net.JoinHostPort(host, p))
		if err == nil {
			return tcp, udp, nil
		}
		_ = tcp.Close()
		// With port 0 the UDP port the kernel gave TCP may be taken: try
		// another.
		if port != "0" || try == 10 {
			return nil, nil, err
		}
	}
}

func (h *handleService) stop() error {
	h.cancel()
	err := <-h.done
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

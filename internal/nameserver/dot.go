package nameserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"
)

// StartDoT serves DNS over TLS (RFC 7858) on addr with cert, through the
// same Answer path, and returns the bound address.
func (s *Server) StartDoT(addr string, cert tls.Certificate) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("dot listener: %w", err)
	}
	tl := tls.NewListener(&limitListener{Listener: ln, slots: make(chan struct{}, s.cfg.MaxTCPConns), m: s.metrics},
		&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"dot"}})
	srv := &dns.Server{Listener: tl, Net: "tcp-tls", Handler: dns.HandlerFunc(s.ServeDNS),
		IdleTimeout: func() time.Duration { return s.cfg.TCPIdle }, ReadTimeout: 2 * time.Second, MaxTCPQueries: -1}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() {
		if err := srv.ActivateAndServe(); err != nil && !errors.Is(err, net.ErrClosed) {
			s.log.Error("dot server stopped", "err", err)
		}
	}()
	<-started
	s.servers = append(s.servers, srv)
	return ln.Addr().String(), nil
}

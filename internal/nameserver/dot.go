package nameserver

import (
	"crypto/tls"
	"fmt"
	"net"
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
	s.listeners = append(s.listeners, ln)
	go s.serveTCP(tl, "dot")
	return ln.Addr().String(), nil
}

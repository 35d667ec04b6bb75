package nameserver

import (
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/miekg/dns"
)

// dohMaxMessage bounds a DoH request body (a DNS message).
const dohMaxMessage = 65535

// DoH returns the DNS-over-HTTPS handler (RFC 8484) for GET with ?dns=
// (base64url, no padding) and POST of application/dns-message. Answers go
// through the same Answer path as UDP and TCP, with no size limit, and
// carry a Cache-Control max-age of the smallest TTL in the answer.
func (s *Server) DoH() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var raw []byte
		switch r.Method {
		case http.MethodGet:
			q := r.URL.Query().Get("dns")
			if q == "" {
				http.Error(w, "missing dns= parameter (RFC 8484 §4.1)", http.StatusBadRequest)
				return
			}
			var err error
			if raw, err = base64.RawURLEncoding.DecodeString(q); err != nil {
				http.Error(w, "dns= is not base64url without padding", http.StatusBadRequest)
				return
			}
		case http.MethodPost:
			if ct := r.Header.Get("Content-Type"); ct != "application/dns-message" {
				http.Error(w, "Content-Type must be application/dns-message", http.StatusUnsupportedMediaType)
				return
			}
			var err error
			if raw, err = io.ReadAll(http.MaxBytesReader(w, r.Body, dohMaxMessage)); err != nil {
				http.Error(w, "body too large for a DNS message", http.StatusRequestEntityTooLarge)
				return
			}
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "use GET or POST", http.StatusMethodNotAllowed)
			return
		}
		var m dns.Msg
		if err := m.Unpack(raw); err != nil {
			s.metrics.dropped.WithLabelValues("doh_malformed").Inc()
			http.Error(w, "not a DNS message: "+err.Error(), http.StatusBadRequest)
			return
		}
		resp := s.Answer(&m, true)
		out, err := resp.Pack()
		if err != nil {
			http.Error(w, "could not encode the answer", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/dns-message")
		w.Header().Set("Cache-Control", "max-age="+strconv.Itoa(int(minTTL(resp))))
		_, _ = w.Write(out)
		s.metrics.observe("doh", resp.Rcode, time.Since(start))
	})
}

// minTTL is the smallest TTL in a response, or, for a negative answer, the
// SOA's negative TTL; 0 when there is nothing to cache.
func minTTL(m *dns.Msg) uint32 {
	var ttl uint32
	first := true
	for _, sec := range [][]dns.RR{m.Answer, m.Ns} {
		for _, rr := range sec {
			if t := rr.Header().Ttl; first || t < ttl {
				ttl, first = t, false
			}
		}
	}
	return ttl
}

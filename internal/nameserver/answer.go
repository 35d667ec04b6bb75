package nameserver

import (
	"strings"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/zone"
)

// Answer turns a query into a response. It is the single query-to-answer
// path of every transport; tcp lifts the UDP size limit.
func (s *Server) Answer(r *dns.Msg, tcp bool) *dns.Msg {
	m := new(dns.Msg)
	m.Id = r.Id
	m.Response = true
	m.Opcode = r.Opcode
	m.RecursionDesired = r.RecursionDesired
	m.CheckingDisabled = r.CheckingDisabled
	m.Question = r.Question

	if r.Response {
		m.Rcode = dns.RcodeFormatError
		return m
	}
	if r.Opcode != dns.OpcodeQuery {
		m.Question = nil
		m.Rcode = dns.RcodeNotImplemented
		return m
	}
	if len(r.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		return m
	}

	// EDNS0 (RFC 6891).
	size := 512
	do := false
	opt := r.IsEdns0()
	if opt != nil {
		do = opt.Do()
		ro := new(dns.OPT)
		ro.Hdr.Name = "."
		ro.Hdr.Rrtype = dns.TypeOPT
		ro.SetUDPSize(s.cfg.MaxUDPSize)
		if opt.Do() {
			ro.SetDo()
		}
		m.Extra = append(m.Extra, ro)
		if opt.Version() != 0 {
			m.Rcode = dns.RcodeBadVers // extended rcode: the library splits it into the OPT
			ro.SetExtendedRcode(dns.RcodeBadVers)
			return m
		}
		size = int(opt.UDPSize())
		if size < 512 {
			size = 512
		}
		if size > int(s.cfg.MaxUDPSize) {
			size = int(s.cfg.MaxUDPSize)
		}
	}

	q := r.Question[0]
	if q.Qclass != dns.ClassINET {
		m.Rcode = dns.RcodeRefused
		return m
	}
	switch q.Qtype {
	case dns.TypeAXFR, dns.TypeIXFR:
		m.Rcode = dns.RcodeRefused
		return m
	case dns.TypeOPT, dns.TypeTSIG, dns.TypeTKEY, dnssec.TypeNXNAME:
		// NXNAME is never queried (RFC 9824 §3.5).
		m.Rcode = dns.RcodeFormatError
		return m
	}

	z := s.snap.Load()
	if z == nil {
		m.Rcode = dns.RcodeServerFailure
		return m
	}
	// Signed answers for the DO bit (RFC 3225, RFC 4035 §3.1), when the
	// server has a key and the ledger publishes keys; see dnssec.go.
	secure := do && s.cfg.Signer != nil && z.Signed()
	var res *zone.Result
	if secure {
		res = z.LookupDNSSEC(q.Name, q.Qtype)
	} else {
		res = z.Lookup(q.Name, q.Qtype)
	}
	// The seam between namespaces: a name whose TLD is not on the ledger
	// is forwarded when an upstream is set and refused otherwise; a ledger
	// TLD the upstream also has is answered as the policy prefers.
	if q.Name != "." && res.Zone == "." && res.Rcode == dns.RcodeNameError {
		if s.up == nil {
			m.Rcode = dns.RcodeRefused
			s.metrics.refused.Inc()
			return m
		}
		return s.up.forward(r, tcp)
	}
	// Only an answer from a ledger zone can collide: not the root zone's
	// own data (its glue names), nor the ORS zone, whose TLD is not the
	// ledger's.
	if s.up != nil && res.Zone != "." && res.Zone != z.ORSZone() {
		if tld := tldOf(strings.ToLower(q.Name)); s.up.collides(tld) {
			if s.up.prefer == PreferUpstream {
				s.up.collisions.WithLabelValues(tld, "upstream").Inc()
				return s.up.forward(r, tcp)
			}
			s.up.collisions.WithLabelValues(tld, "ledger").Inc()
		}
	}
	m.Rcode = res.Rcode
	m.Authoritative = res.Authoritative
	m.Answer = res.Answer
	m.Ns = res.Ns
	if secure {
		s.sign(m, res, q.Qtype)
	}
	m.Extra = append(res.Extra, m.Extra...)
	if !tcp {
		m.Truncate(size)
	}
	return m
}

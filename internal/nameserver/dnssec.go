package nameserver

import (
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/zone"
)

// timeNow is the clock signatures are made by; tests set it.
var timeNow = time.Now

// Signer is the server's signer (nil: it does not sign).
func (s *Server) Signer() *dnssec.Signer { return s.cfg.Signer }

// sign turns the answer to a DO query into a signed one, from the result
// of LookupDNSSEC:
//
//   - every RRset of the answer section gets its RRSIG, made for the zone
//     it belongs to (a chain may cross zones);
//   - in the authority section the SOA of a negative answer and the DS of
//     a referral are signed; the NS RRset of a referral is not (it is the
//     child's), nor is anything in the additional section (glue);
//   - a negative answer, or a referral without DS, gets the NSEC of
//     compact denial of existence (RFC 9824) with its RRSIG, and NXDOMAIN
//     becomes NOERROR: the NSEC says the name "exists" with no types but
//     RRSIG, NSEC and NXNAME;
//   - a query for NSEC at a name that is denied is answered with that
//     NSEC, the only RRset the name claims to have.
//
// The result's RRs and slices are shared with the zone snapshot: new
// slices are made, nothing is changed in place.
func (s *Server) sign(m *dns.Msg, res *zone.Result, qtype uint16) {
	sg := s.cfg.Signer
	now := timeNow()
	d := res.Denial
	if qtype == dns.TypeNSEC && d != nil && !d.Cut && len(res.Answer) == 0 {
		nsec := denialNSEC(d)
		m.Rcode = dns.RcodeSuccess
		m.Answer = appendSigned(make([]dns.RR, 0, 2), sg, []dns.RR{nsec}, res.AuthZone, now)
		m.Ns = nil
		return
	}
	if len(res.Answer) > 0 {
		out := make([]dns.RR, 0, len(res.Answer)+2)
		eachRRset(res.Answer, func(i, j int) {
			out = appendSigned(out, sg, res.Answer[i:j], res.AnswerZone(i), now)
		})
		m.Answer = out
	}
	if len(res.Ns) == 0 && d == nil {
		return
	}
	out := make([]dns.RR, 0, len(res.Ns)+4)
	eachRRset(res.Ns, func(i, j int) {
		if res.Ns[i].Header().Rrtype == dns.TypeNS {
			out = append(out, res.Ns[i:j]...) // a referral's NS: not ours to sign
			return
		}
		out = appendSigned(out, sg, res.Ns[i:j], res.AuthZone, now)
	})
	if d != nil {
		out = appendSigned(out, sg, []dns.RR{denialNSEC(d)}, res.AuthZone, now)
		if d.NXName && m.Rcode == dns.RcodeNameError {
			m.Rcode = dns.RcodeSuccess
		}
	}
	m.Ns = out
}

// appendSigned appends the RRset and its RRSIG (when signing works: it
// fails only on records that do not pack, which the zone never holds).
func appendSigned(out []dns.RR, sg *dnssec.Signer, rrset []dns.RR, zone string, now time.Time) []dns.RR {
	out = append(out, rrset...)
	if sig, err := sg.Sign(rrset, zone, now); err == nil {
		out = append(out, sig)
	}
	return out
}

// denialNSEC is the compact-denial NSEC a Denial describes.
func denialNSEC(d *zone.Denial) *dns.NSEC {
	switch {
	case d.NXName:
		return dnssec.NXNameNSEC(d.Owner, d.TTL)
	case d.Cut:
		return dnssec.CutNSEC(d.Owner, d.Types, d.TTL)
	default:
		return dnssec.NoDataNSEC(d.Owner, d.Types, d.TTL)
	}
}

// eachRRset calls fn with the bounds of each run of RRs of one owner,
// type and class.
func eachRRset(rrs []dns.RR, fn func(i, j int)) {
	for i := 0; i < len(rrs); {
		h := rrs[i].Header()
		j := i + 1
		for j < len(rrs) {
			g := rrs[j].Header()
			if g.Rrtype != h.Rrtype || g.Class != h.Class || !strings.EqualFold(g.Name, h.Name) {
				break
			}
			j++
		}
		fn(i, j)
		i = j
	}
}

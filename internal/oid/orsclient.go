package oid

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/dnssec"
)

// ErrORSNotFound means ORS has no such OID: the DNS answer was NXDOMAIN,
// or its compact-denial equivalent (RFC 9824).
var ErrORSNotFound = errors.New("no such OID in ORS")

// maxORSHops bounds the queries and chain links one resolution follows.
const maxORSHops = 16

// ORSClient resolves OIDs as an X.672 ORS client does, with nothing but
// DNS: it maps an OID or OID-IRI to its FQDN, asks a DNS server (an
// authoritative one such as a dii node, or a recursive resolver) for
// NAPTR records with the DO bit, follows the DNAME and CNAME chain, and
// interprets the records by their service field.
type ORSClient struct {
	// Server is the DNS server, host:port.
	Server string
	// Domain is the ORS domain (default DefaultORSDomain).
	Domain string
	// Services are the service strings to recognise (default
	// DefaultORSServices).
	Services *ORSServices
	// TCP asks over TCP; otherwise UDP, and TCP after a truncated answer.
	TCP bool
	// Timeout of each query (default 5 s).
	Timeout time.Duration
}

// ORSRecord is one NAPTR record of an answer, interpreted.
type ORSRecord struct {
	// Service is the ORS service type (COID, CINF, RINF, MINF, UINF,
	// LINF) the service field maps to, or the field itself when unknown.
	Service     string `json:"service"`
	Field       string `json:"field"` // the services field as served
	Order       uint16 `json:"order"`
	Preference  uint16 `json:"preference"`
	Flags       string `json:"flags"`
	Regexp      string `json:"regexp"`
	Replacement string `json:"replacement"`
	// Result is the regexp applied to the query (the URI, for flag "U");
	// empty when it does not apply (Error says why).
	Result string `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
}

// ORSLink is one step of the alias chain from the queried FQDN.
type ORSLink struct {
	Owner  string `json:"owner"`
	Type   string `json:"type"` // DNAME or CNAME
	Target string `json:"target"`
}

// ORSResult is what one resolution found.
type ORSResult struct {
	Query string `json:"query"` // the OID or OID-IRI asked for
	FQDN  string `json:"fqdn"`  // its ORS name
	// Chain is the DNAME and CNAME links followed from FQDN.
	Chain []ORSLink `json:"chain,omitempty"`
	// Name is the owner of the records: the arc's canonical ORS name when
	// the COID record gave one, else the end of the chain.
	Name string `json:"name"`
	// OID is the canonical OID, from the COID record ("" without one).
	OID     string      `json:"oid,omitempty"`
	Records []ORSRecord `json:"records"`
	// Signed: every NAPTR RRset came with an RRSIG; SignedBy is the
	// signer and KeyTag its key; Verified: the signatures check out with
	// the DNSKEY RRset the same server serves at the signer (integrity,
	// not a chain of trust from a trust anchor).
	Signed   bool   `json:"signed"`
	SignedBy string `json:"signed_by,omitempty"`
	KeyTag   uint16 `json:"key_tag,omitempty"`
	Verified bool   `json:"verified"`
	Server   string `json:"server"`
}

// ORSQueryName is the FQDN an ORS client asks for s, a dotted OID or an
// OID-IRI (starting with "/").
func ORSQueryName(s, domain string) (string, error) {
	if strings.HasPrefix(s, "/") {
		return ORSIRIName(s, domain)
	}
	o, err := Parse(s)
	if err != nil {
		return "", err
	}
	name := ORSName(o, domain)
	if !validName(name) {
		return "", fmt.Errorf("%w: the ORS name of %s is longer than a domain name may be", ErrInvalidOID, o)
	}
	return name, nil
}

// Resolve resolves s, a dotted OID or an OID-IRI.
func (c *ORSClient) Resolve(ctx context.Context, s string) (*ORSResult, error) {
	fqdn, err := ORSQueryName(s, c.Domain)
	if err != nil {
		return nil, err
	}
	res := &ORSResult{Query: s, FQDN: fqdn, Server: c.Server}
	cur := fqdn
	var msg *dns.Msg
	for hop := 0; ; hop++ {
		if hop == maxORSHops {
			return nil, fmt.Errorf("resolve %s: more than %d queries", s, maxORSHops)
		}
		if msg, err = c.query(ctx, cur, dns.TypeNAPTR); err != nil {
			return nil, err
		}
		end, links := followChain(msg.Answer, cur)
		res.Chain = append(res.Chain, links...)
		if len(res.Chain) > maxORSHops {
			return nil, fmt.Errorf("resolve %s: an alias chain of over %d links", s, maxORSHops)
		}
		if notFound(msg, end) {
			return nil, fmt.Errorf("%w: %s (%s)", ErrORSNotFound, s, end)
		}
		if msg.Rcode != dns.RcodeSuccess {
			return nil, fmt.Errorf("resolve %s: %s answered %s", s, c.Server, dns.RcodeToString[msg.Rcode])
		}
		got := c.records(msg.Answer, end, s)
		if len(got) > 0 || end == cur {
			res.Name, res.Records = end, got
			break
		}
		cur = end // the server stopped at an alias: ask for its target
	}
	// An alias (a label or identifier) carries only COID: the canonical
	// name carries every service.
	for _, r := range res.Records {
		if r.Service == "COID" && strings.HasPrefix(r.Result, "urn:oid:") {
			res.OID = strings.TrimPrefix(r.Result, "urn:oid:")
		}
	}
	if res.OID != "" {
		if o, err := Parse(res.OID); err == nil {
			if canon := ORSName(o, c.Domain); !strings.EqualFold(canon, res.Name) {
				m, err := c.query(ctx, canon, dns.TypeNAPTR)
				if err != nil {
					return nil, err
				}
				if got := c.records(m.Answer, canon, s); m.Rcode == dns.RcodeSuccess && len(got) > 0 {
					res.Name, res.Records, msg = canon, got, m
				}
			}
		}
	}
	c.checkSigs(ctx, res, msg.Answer)
	return res, nil
}

// query asks one question with the DO bit, over TCP after truncation.
func (c *ORSClient) query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = true
	m.SetEdns0(1232, true)
	t := c.Timeout
	if t == 0 {
		t = 5 * time.Second
	}
	cl := &dns.Client{Timeout: t}
	if c.TCP {
		cl.Net = "tcp"
	}
	r, _, err := cl.ExchangeContext(ctx, m, c.Server)
	if err == nil && r.Truncated && cl.Net != "tcp" {
		cl.Net = "tcp"
		r, _, err = cl.ExchangeContext(ctx, m, c.Server)
	}
	if err != nil {
		return nil, fmt.Errorf("query %s %s at %s: %w", name, dns.TypeToString[qtype], c.Server, err)
	}
	return r, nil
}

// followChain follows the CNAME and DNAME records of an answer from name,
// as a resolver does (RFC 6672: a DNAME at an ancestor of the name
// rewrites it, whether or not the server sent the CNAME it implies).
func followChain(answer []dns.RR, name string) (string, []ORSLink) {
	var links []ORSLink
	for i := 0; i < maxORSHops; i++ {
		next := ""
		// A DNAME first: the CNAME a server synthesised from it is the
		// same step.
		for _, rr := range answer {
			d, ok := rr.(*dns.DNAME)
			if !ok || strings.EqualFold(d.Hdr.Name, name) || !dns.IsSubDomain(d.Hdr.Name, name) {
				continue
			}
			links = append(links, ORSLink{Owner: d.Hdr.Name, Type: "DNAME", Target: d.Target})
			next = name[:len(name)-len(d.Hdr.Name)] + d.Target
			break
		}
		if next == "" {
			for _, rr := range answer {
				if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, name) {
					links = append(links, ORSLink{Owner: c.Hdr.Name, Type: "CNAME", Target: c.Target})
					next = c.Target
					break
				}
			}
		}
		if next == "" {
			return name, links
		}
		name = next
	}
	return name, links
}

// notFound reports whether msg denies name: NXDOMAIN, or NOERROR with an
// NSEC at name whose bitmap holds NXNAME (RFC 9824).
func notFound(msg *dns.Msg, name string) bool {
	if msg.Rcode == dns.RcodeNameError {
		return true
	}
	for _, rr := range msg.Ns {
		if n, ok := rr.(*dns.NSEC); ok && strings.EqualFold(n.Hdr.Name, name) && slices.Contains(n.TypeBitMap, dnssec.TypeNXNAME) {
			return true
		}
	}
	return false
}

// records interprets the NAPTR records owned by name, in order and
// preference order; aus is the string their regexps apply to.
func (c *ORSClient) records(answer []dns.RR, name, aus string) []ORSRecord {
	sv := DefaultORSServices()
	if c.Services != nil {
		sv = *c.Services
	}
	types := map[string]string{}
	for t, f := range map[string]string{"COID": sv.COID, "CINF": sv.CINF, "RINF": sv.RINF, "MINF": sv.MINF, "UINF": sv.UINF, "LINF": sv.LINF} {
		if f != "" {
			types[strings.ToUpper(f)] = t
		}
	}
	var out []ORSRecord
	for _, rr := range answer {
		n, ok := rr.(*dns.NAPTR)
		if !ok || !strings.EqualFold(n.Hdr.Name, name) {
			continue
		}
		r := ORSRecord{Service: n.Service, Field: n.Service, Order: n.Order, Preference: n.Preference,
			Flags: n.Flags, Regexp: n.Regexp, Replacement: n.Replacement}
		if t, ok := types[strings.ToUpper(n.Service)]; ok {
			r.Service = t
		}
		if n.Regexp != "" {
			if u, err := ApplyNAPTRRegexp(n.Regexp, aus); err != nil {
				r.Error = err.Error()
			} else {
				r.Result = u
			}
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b ORSRecord) int {
		if a.Order != b.Order {
			return int(a.Order) - int(b.Order)
		}
		return int(a.Preference) - int(b.Preference)
	})
	return out
}

// ApplyNAPTRRegexp applies a NAPTR regexp field (RFC 3402 §3.2:
// delimiter, POSIX extended regular expression, delimiter, substitution,
// delimiter, optional flag "i") to aus and returns the substitution.
func ApplyNAPTRRegexp(field, aus string) (string, error) {
	if len(field) < 3 {
		return "", fmt.Errorf("regexp %q: too short", field)
	}
	d := field[0]
	if d == '\\' || d >= '0' && d <= '9' {
		return "", fmt.Errorf("regexp %q: bad delimiter", field)
	}
	var parts []string
	var cur strings.Builder
	for i := 1; i < len(field); i++ {
		switch c := field[i]; {
		case c == '\\' && i+1 < len(field) && field[i+1] == d:
			cur.WriteByte(d)
			i++
		case c == '\\' && i+1 < len(field):
			cur.WriteByte(c)
			cur.WriteByte(field[i+1])
			i++
		case c == d:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	flags := cur.String()
	if len(parts) != 2 || (flags != "" && flags != "i") {
		return "", fmt.Errorf("regexp %q: want %cERE%cSUBST%c[i]", field, d, d, d)
	}
	pat := parts[0]
	if flags == "i" {
		pat = "(?i)" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return "", fmt.Errorf("regexp %q: %v", field, err)
	}
	m := re.FindStringSubmatchIndex(aus)
	if m == nil {
		return "", fmt.Errorf("regexp %q does not match %q", field, aus)
	}
	// The substitution: \1..\9 are back-references, \\ a backslash; $ is
	// literal (escape it for Expand).
	var tmpl strings.Builder
	sub := parts[1]
	for i := 0; i < len(sub); i++ {
		c := sub[i]
		switch {
		case c == '\\' && i+1 < len(sub) && sub[i+1] >= '1' && sub[i+1] <= '9':
			fmt.Fprintf(&tmpl, "${%c}", sub[i+1])
			i++
		case c == '\\' && i+1 < len(sub):
			if sub[i+1] == '$' {
				tmpl.WriteString("$$")
			} else {
				tmpl.WriteByte(sub[i+1])
			}
			i++
		case c == '$':
			tmpl.WriteString("$$")
		default:
			tmpl.WriteByte(c)
		}
	}
	return string(re.ExpandString(nil, tmpl.String(), aus, m)), nil
}

// checkSigs records whether the NAPTR RRset is signed, and whether the
// signature verifies with the signer's DNSKEY RRset from the same server.
func (c *ORSClient) checkSigs(ctx context.Context, res *ORSResult, answer []dns.RR) {
	var set []dns.RR
	var sig *dns.RRSIG
	for _, rr := range answer {
		switch x := rr.(type) {
		case *dns.NAPTR:
			if strings.EqualFold(x.Hdr.Name, res.Name) {
				set = append(set, x)
			}
		case *dns.RRSIG:
			if x.TypeCovered == dns.TypeNAPTR && strings.EqualFold(x.Hdr.Name, res.Name) {
				sig = x
			}
		}
	}
	if sig == nil || len(set) == 0 {
		return
	}
	res.Signed, res.SignedBy, res.KeyTag = true, sig.SignerName, sig.KeyTag
	m, err := c.query(ctx, sig.SignerName, dns.TypeDNSKEY)
	if err != nil {
		return
	}
	for _, rr := range m.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok && k.KeyTag() == sig.KeyTag && sig.Verify(k, set) == nil && sig.ValidityPeriod(time.Now()) {
			res.Verified = true
			return
		}
	}
}

package oid

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// DefaultORSDomain is the ORS domain of the published X.672 edition.
const DefaultORSDomain = "oid-res.org"

// DefaultORSTTL is the TTL of ORS records when ORSConfig.TTL is zero.
const DefaultORSTTL = 3600

// DefaultLINF is the LINF template a dii node serves: the Merkle proof of
// the arc's ledger record, which "dii oid verify" checks offline.
const DefaultLINF = "{info}/v1/oids/{oid}/proof"

// ErrORSConfig means an ORSConfig cannot be used.
var ErrORSConfig = errors.New("bad ORS config")

// ORSServices are the strings of the NAPTR services field, one per ORS
// service. X.672 names the services; the exact strings are dii's choice
// and configurable. An empty string omits that service.
type ORSServices struct {
	COID string // canonical OID: "urn:oid:" and the dotted form
	CINF string // child information: where the arc's children are listed
	RINF string // registration information: where the arc's record is
	MINF string // the ASN.1 module the arc identifies (ORSConfig.MINF)
	UINF string // a URI associated with the arc (ORSConfig.UINF)
	LINF string // the registry holding the arc (ORSConfig.LINF)
}

// DefaultORSServices are the service strings dii uses unless configured:
// the service type names of X.672 themselves.
func DefaultORSServices() ORSServices {
	return ORSServices{COID: "COID", CINF: "CINF", RINF: "RINF", MINF: "MINF", UINF: "UINF", LINF: "LINF"}
}

// Preferences of the NAPTR records (all of order 100), one per service,
// so that every service's records sort in one fixed order.
const (
	orsOrder = 100
	prefCOID = 10
	prefRINF = 20
	prefCINF = 30
	prefMINF = 40
	prefUINF = 50
	prefLINF = 60
)

// ORSConfig says how ORS answers are built.
type ORSConfig struct {
	// Domain is the ORS domain (default DefaultORSDomain).
	Domain string
	// TTL of every record (default DefaultORSTTL).
	TTL uint32
	// InfoURL is the base URL of an HTTP API serving /v1/oids (e.g.
	// https://node.example); empty: no RINF or CINF records.
	InfoURL string
	// Services are the services field strings (default
	// DefaultORSServices; an empty string omits that service).
	Services *ORSServices
	// MINF, UINF and LINF are URI templates for the services the ledger
	// holds no data of its own for: "{oid}" stands for the dotted OID and
	// "{info}" for InfoURL (a template that uses {info} gives no record
	// without an InfoURL). Empty: the service is not served.
	MINF, UINF, LINF string
}

// Check validates the configuration: the domain is a domain name and not
// the root, and InfoURL and the templates are absolute http or https
// URLs (or, for the templates, other absolute URIs) holding no "!" or
// "\", the characters the NAPTR regexp field reserves.
func (c *ORSConfig) Check() error {
	d := strings.TrimSuffix(c.Domain, ".")
	if c.Domain != "" {
		if d == "" {
			return fmt.Errorf("%w: the ORS domain cannot be the root", ErrORSConfig)
		}
		if _, ok := dns.IsDomainName(d); !ok || strings.ContainsAny(d, `\ `) {
			return fmt.Errorf("%w: ORS domain %q is not a domain name", ErrORSConfig, c.Domain)
		}
	}
	if c.InfoURL != "" {
		u, err := url.Parse(c.InfoURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(c.InfoURL, `!\`) {
			return fmt.Errorf("%w: info URL %q is not an http or https URL without ! and \\", ErrORSConfig, c.InfoURL)
		}
	}
	for _, t := range []struct{ name, v string }{{"MINF", c.MINF}, {"UINF", c.UINF}, {"LINF", c.LINF}} {
		if t.v == "" {
			continue
		}
		probe := strings.NewReplacer("{oid}", "1.2", "{info}", "https://info.example").Replace(t.v)
		u, err := url.Parse(probe)
		if err != nil || u.Scheme == "" || strings.ContainsAny(t.v, `!\`) {
			return fmt.Errorf("%w: %s template %q is not an absolute URI without ! and \\", ErrORSConfig, t.name, t.v)
		}
	}
	return nil
}

// ORSName is the owner name ORS uses for o: its arcs reversed, then the
// ORS domain, fully qualified (2.16.156 -> 156.16.2.oid-res.org.).
func ORSName(o OID, domain string) string {
	if domain == "" {
		domain = DefaultORSDomain
	}
	var b strings.Builder
	for i := len(o) - 1; i >= 0; i-- {
		b.WriteString(strconv.FormatUint(o[i], 10))
		b.WriteByte('.')
	}
	b.WriteString(strings.TrimSuffix(strings.ToLower(domain), "."))
	return dns.Fqdn(b.String())
}

// ORSIRIName is the owner name an ORS client asks for an OID-IRI
// (X.672 7.3): the IRI's labels reversed, each Unicode label in its DNS
// form (LabelDNS) and each integer label as it is, then the ORS domain.
// The DNAME records of the labels lead from it to the arc's ORSName.
func ORSIRIName(iri, domain string) (string, error) {
	segs, err := ParseIRI(iri)
	if err != nil {
		return "", err
	}
	if domain == "" {
		domain = DefaultORSDomain
	}
	var b strings.Builder
	for i := len(segs) - 1; i >= 0; i-- {
		if isDigits(segs[i]) {
			b.WriteString(segs[i])
		} else {
			b.WriteString(LabelDNS(segs[i]))
		}
		b.WriteByte('.')
	}
	b.WriteString(strings.TrimSuffix(strings.ToLower(domain), "."))
	name := dns.Fqdn(b.String())
	if !validName(name) {
		return "", fmt.Errorf("%w: the ORS name of %s is longer than a domain name may be", ErrInvalidOID, iri)
	}
	return name, nil
}

// validName reports whether name is a fully qualified domain name that
// fits the wire limit of 255 octets.
func validName(name string) bool {
	n, ok := dns.IsDomainName(name)
	return ok && n > 0 && len(name) <= 254
}

// ORSAlias is one DNS label that aliases an arc below its superior's ORS
// name: the DNS form of a Unicode label, or a secondary identifier in
// lower case.
type ORSAlias struct {
	Label string
	// Identifier: a secondary identifier. Unicode labels are unique among
	// siblings; identifiers are not, so an ORS zone must decide what an
	// identifier that several siblings share resolves to.
	Identifier bool
}

// ORSAliases lists the aliases of a: the DNS forms of its Unicode labels,
// then its secondary identifiers in lower case that are not already in
// the list, in the arc's order.
func ORSAliases(a *Arc) []ORSAlias {
	out := make([]ORSAlias, 0, len(a.Labels)+len(a.Identifiers))
	seen := func(l string) bool {
		for _, x := range out {
			if x.Label == l {
				return true
			}
		}
		return false
	}
	for _, l := range a.Labels {
		if d := LabelDNS(l); d != "" && !seen(d) {
			out = append(out, ORSAlias{Label: d})
		}
	}
	for _, id := range a.Identifiers {
		if d := strings.ToLower(id); !seen(d) {
			out = append(out, ORSAlias{Label: d, Identifier: true})
		}
	}
	return out
}

// orsBuilder makes the records of one configuration.
type orsBuilder struct {
	cfg ORSConfig
	sv  ORSServices
	ttl uint32
}

func newORSBuilder(cfg ORSConfig) *orsBuilder {
	b := &orsBuilder{cfg: cfg, sv: DefaultORSServices(), ttl: cfg.TTL}
	if cfg.Services != nil {
		b.sv = *cfg.Services
	}
	if b.ttl == 0 {
		b.ttl = DefaultORSTTL
	}
	b.cfg.InfoURL = strings.TrimRight(cfg.InfoURL, "/")
	return b
}

// naptr appends a NAPTR record of flag "U" whose regexp yields u, unless
// the service is switched off or the regexp does not fit a DNS
// character-string (255 octets).
func (b *orsBuilder) naptr(out []dns.RR, name, service, u string, pref uint16) []dns.RR {
	if service == "" || u == "" {
		return out
	}
	re := "!^.*$!" + u + "!"
	if len(re) > 255 {
		return out
	}
	return append(out, &dns.NAPTR{
		Hdr:   dns.RR_Header{Name: name, Rrtype: dns.TypeNAPTR, Class: dns.ClassINET, Ttl: b.ttl},
		Order: orsOrder, Preference: pref, Flags: "U", Service: service, Regexp: re, Replacement: ".",
	})
}

// template fills a MINF, UINF or LINF template; "" when it needs an
// InfoURL there is none of.
func (b *orsBuilder) template(t string, o OID) string {
	if t == "" || (strings.Contains(t, "{info}") && b.cfg.InfoURL == "") {
		return ""
	}
	return strings.ReplaceAll(strings.ReplaceAll(t, "{oid}", o.String()), "{info}", b.cfg.InfoURL)
}

// arc returns the NAPTR records at the arc's own ORS name.
func (b *orsBuilder) arc(a *Arc, owner string, children int) []dns.RR {
	o := a.OID.String()
	out := make([]dns.RR, 0, 3)
	out = b.naptr(out, owner, b.sv.COID, "urn:oid:"+o, prefCOID)
	if base := b.cfg.InfoURL; base != "" {
		out = b.naptr(out, owner, b.sv.RINF, base+"/v1/oids/"+o, prefRINF)
		if children > 0 {
			out = b.naptr(out, owner, b.sv.CINF, base+"/v1/oids/"+o+"?children=1", prefCINF)
		}
	}
	out = b.naptr(out, owner, b.sv.MINF, b.template(b.cfg.MINF, a.OID), prefMINF)
	out = b.naptr(out, owner, b.sv.UINF, b.template(b.cfg.UINF, a.OID), prefUINF)
	out = b.naptr(out, owner, b.sv.LINF, b.template(b.cfg.LINF, a.OID), prefLINF)
	return out
}

// alias returns the records at an alias of the arc: a DNAME to the arc's
// ORS name and its COID record.
func (b *orsBuilder) alias(o OID, name, target string) []dns.RR {
	out := []dns.RR{&dns.DNAME{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeDNAME, Class: dns.ClassINET, Ttl: b.ttl}, Target: target}}
	return b.naptr(out, name, b.sv.COID, "urn:oid:"+o.String(), prefCOID)
}

// ORSOwner is the records ORS serves at one owner name.
type ORSOwner struct {
	Name  string // fully qualified, lower case
	Alias ORSAlias
	RRs   []dns.RR
}

// ORSArc gives what an ORS zone serves for the arc a, which has children
// children (counted by the caller): the NAPTR records at its own ORS name
// (ORSName) and, for each of its aliases (ORSAliases), the records at the
// alias below the superior's ORS name. See ORSRecords for the records.
// An alias owner that is not a valid domain name is left out; ORSArc
// fails when the arc's own name is not one (a very deep OID).
func ORSArc(a *Arc, children int, cfg ORSConfig) (own ORSOwner, aliases []ORSOwner, err error) {
	return newORSBuilder(cfg).build(a, children)
}

func (b *orsBuilder) build(a *Arc, children int) (own ORSOwner, aliases []ORSOwner, err error) {
	owner := ORSName(a.OID, b.cfg.Domain)
	if !validName(owner) {
		return own, nil, fmt.Errorf("%w: the ORS name of %s is longer than a domain name may be", ErrInvalidOID, a.OID)
	}
	own = ORSOwner{Name: owner, RRs: b.arc(a, owner, children)}
	parent, _ := a.OID.Parent()
	above := strings.TrimSuffix(ORSName(parent, b.cfg.Domain), ".")
	for _, al := range ORSAliases(a) {
		name := al.Label + "." + above + "."
		if !validName(name) {
			continue
		}
		aliases = append(aliases, ORSOwner{Name: name, Alias: al, RRs: b.alias(a.OID, name, owner)})
	}
	return own, aliases, nil
}

// ORSRecords returns the DNS records ORS would serve for the arc a, which
// has children children (counted by the caller): at the arc's ORS name,
// NAPTR records for COID and, with an InfoURL, RINF and CINF (CINF only
// when it has children), and MINF, UINF and LINF where their templates
// are configured; and for each Unicode label, at the label's DNS form
// below the superior's ORS name, a DNAME to the arc's ORS name (so names
// below the label resolve as below the number) and a NAPTR COID record
// (so the label itself resolves to the number). Every NAPTR record has
// the flag "U": its regexp yields a URI. A retired arc is served like an
// active one; its record says it is retired.
//
// Secondary identifiers are aliases too, but need not be unique among
// siblings: ORSArc lists them for an ORS zone to arbitrate; ORSRecords,
// the view of one arc alone, leaves them out.
//
// It fails when a name would be over 255 octets (a very deep OID).
func ORSRecords(a *Arc, children int, cfg ORSConfig) ([]dns.RR, error) {
	own, aliases, err := ORSArc(a, children, cfg)
	if err != nil {
		return nil, err
	}
	out := own.RRs
	labels := 0
	for _, al := range aliases {
		if !al.Alias.Identifier {
			out = append(out, al.RRs...)
			labels++
		}
	}
	if labels < len(a.Labels) {
		return nil, fmt.Errorf("%w: the ORS name of a label of %s is longer than a domain name may be", ErrInvalidOID, a.OID)
	}
	return out, nil
}

// ORSIdentity returns the NAPTR records at the ORS name of an X.677
// identity (any status: a revoked identity resolves, as revoked): COID
// and, with an InfoURL, RINF pointing at /v1/uav/{oid}.
func ORSIdentity(id *Identity, cfg ORSConfig) (ORSOwner, error) {
	b := newORSBuilder(cfg)
	owner := ORSName(id.OID, b.cfg.Domain)
	if !validName(owner) {
		return ORSOwner{}, fmt.Errorf("%w: the ORS name of %s is longer than a domain name may be", ErrInvalidOID, id.OID)
	}
	o := id.OID.String()
	out := b.naptr(nil, owner, b.sv.COID, "urn:oid:"+o, prefCOID)
	if b.cfg.InfoURL != "" {
		out = b.naptr(out, owner, b.sv.RINF, b.cfg.InfoURL+"/v1/uav/"+o, prefRINF)
	}
	return ORSOwner{Name: owner, RRs: out}, nil
}

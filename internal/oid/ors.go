package oid

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// DefaultORSDomain is the ORS domain of the published X.672 edition.
const DefaultORSDomain = "oid-res.org"

// ORSServices are the strings of the NAPTR services field, one per ORS
// service. X.672 names the services; the exact strings are dii's choice
// and configurable.
type ORSServices struct {
	COID string // canonical OID: "urn:oid:" and the dotted form
	CINF string // child information: where the arc's children are listed
	RINF string // registration information: where the arc's record is
}

// DefaultORSServices are the service strings dii uses unless configured.
func DefaultORSServices() ORSServices {
	return ORSServices{COID: "COID", CINF: "CINF", RINF: "RINF"}
}

// ORSConfig says how ORS answers are built.
type ORSConfig struct {
	// Domain is the ORS domain (default DefaultORSDomain).
	Domain string
	// TTL of every record (default 3600).
	TTL uint32
	// InfoURL is the base URL of an HTTP API serving /v1/oids (e.g.
	// https://node.example); empty: no RINF or CINF records.
	InfoURL string
	// Services are the services field strings (default
	// DefaultORSServices; an empty string omits that service).
	Services *ORSServices
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

// ORSRecords returns the DNS records ORS would serve for the arc a, which
// has children children (counted by the caller): at the arc's ORS name,
// NAPTR records for COID and, with an InfoURL, RINF and CINF (CINF only
// when it has children); and for each Unicode label, at the label's DNS
// form below the superior's ORS name, a DNAME to the arc's ORS name (so
// names below the label resolve as below the number) and a NAPTR COID
// record (so the label itself resolves to the number). Every NAPTR record
// has the flag "U": its regexp yields a URI. A retired arc is served
// like an active one; its record says it is retired.
//
// It fails when a name would be over 255 octets (a very deep OID).
func ORSRecords(a *Arc, children int, cfg ORSConfig) ([]dns.RR, error) {
	if cfg.TTL == 0 {
		cfg.TTL = 3600
	}
	sv := DefaultORSServices()
	if cfg.Services != nil {
		sv = *cfg.Services
	}
	owner := ORSName(a.OID, cfg.Domain)
	if _, ok := dns.IsDomainName(owner); !ok || len(owner) > 254 {
		return nil, fmt.Errorf("ORS name of %s is not a valid domain name (too long?)", a.OID)
	}
	hdr := func(name string, t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: cfg.TTL}
	}
	uri := func(name, service, u string, pref uint16) *dns.NAPTR {
		return &dns.NAPTR{Hdr: hdr(name, dns.TypeNAPTR), Order: 100, Preference: pref, Flags: "U",
			Service: service, Regexp: "!^.*$!" + u + "!", Replacement: "."}
	}
	coid := "urn:oid:" + a.OID.String()
	var out []dns.RR
	if sv.COID != "" {
		out = append(out, uri(owner, sv.COID, coid, 10))
	}
	if base := strings.TrimRight(cfg.InfoURL, "/"); base != "" {
		if sv.RINF != "" {
			out = append(out, uri(owner, sv.RINF, base+"/v1/oids/"+a.OID.String(), 20))
		}
		if sv.CINF != "" && children > 0 {
			out = append(out, uri(owner, sv.CINF, base+"/v1/oids/"+a.OID.String()+"?children=1", 30))
		}
	}
	parent, _ := a.OID.Parent()
	above := strings.TrimSuffix(ORSName(parent, cfg.Domain), ".")
	for _, l := range a.Labels {
		name := dns.Fqdn(LabelDNS(l) + "." + above)
		if _, ok := dns.IsDomainName(name); !ok || len(name) > 254 {
			return nil, fmt.Errorf("ORS name of label %q of %s is not a valid domain name", l, a.OID)
		}
		out = append(out, &dns.DNAME{Hdr: hdr(name, dns.TypeDNAME), Target: owner})
		if sv.COID != "" {
			out = append(out, uri(name, sv.COID, coid, 10))
		}
	}
	return out, nil
}

package zone

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/oid"
)

// Defaults for the Config fields left at zero.
const (
	DefaultRootHostmaster = "hostmaster.root-servers.dii."
	DefaultSOATTL         = 3600
	DefaultNSTTL          = 86400
	DefaultNegativeTTL    = 300
	DefaultKeyTTL         = 3600
	// DefaultORSDomain is the apex of the ORS zone (ITU-T X.672) when
	// Config.ORS is nil.
	DefaultORSDomain = oid.DefaultORSDomain + "."
)

// Timers of every derived SOA (RFC 1035 §3.3.13), in seconds.
const (
	soaRefresh = 1800
	soaRetry   = 900
	soaExpire  = 604800
)

// ErrConfig means a Config cannot be used.
var ErrConfig = errors.New("zone: bad config")

// Nameserver is one of the root zone's name servers, with its addresses.
type Nameserver struct {
	Name string
	IPv4 []netip.Addr
	IPv6 []netip.Addr
}

// Config describes the records the ledger does not hold: the name servers
// and the parameters of the derived SOA records.
type Config struct {
	// Nameservers is the root zone's NS set, also used for every hosted
	// zone; the first one is the SOA MNAME. At least one is required. Their
	// addresses are served as A and AAAA records at their names, with TTL
	// NSTTL, unless the ledger holds an RRset of that type there. When the
	// ledger holds name server entries (registry.Nameservers), those
	// replace this list: it is the fallback for a chain that has none.
	Nameservers []Nameserver
	// RootHostmaster is the RNAME of the root zone's SOA; default
	// DefaultRootHostmaster. Other zones use "hostmaster." + the zone.
	RootHostmaster string
	// SOATTL is the TTL of the SOA records (default DefaultSOATTL), NSTTL
	// that of the derived NS records and of the name server addresses
	// (default DefaultNSTTL), NegativeTTL the SOA MINIMUM field, which with
	// SOATTL bounds how long resolvers cache a negative answer (RFC 2308
	// §5; default DefaultNegativeTTL). Zero means the default.
	SOATTL, NSTTL, NegativeTTL uint32
	// KeyTTL is the TTL of the DNSKEY RRsets and of the DS records derived
	// from the published keys (default DefaultKeyTTL).
	KeyTTL uint32
	// ORS is the hosted zone of the OID resolution system (ITU-T X.672)
	// that serves the ledger's OID tree (see "ORS" in the package doc):
	// nil means DefaultORS(); an ORS with an empty Domain means no ORS
	// zone. Domain is the zone's apex, InfoURL the base of the HTTP API
	// that RINF, CINF and LINF records point at (empty: none), and
	// Services, TTL and the MINF, UINF and LINF templates are those of
	// oid.ORSConfig.
	ORS *oid.ORSConfig
}

// DefaultORS is the ORS zone when Config.ORS is nil: the apex
// DefaultORSDomain, the default services, and LINF records (the Merkle
// proof of an arc's ledger record) once an InfoURL is set.
func DefaultORS() *oid.ORSConfig {
	return &oid.ORSConfig{Domain: DefaultORSDomain, LINF: oid.DefaultLINF}
}

// nameserver is a validated Nameserver.
type nameserver struct {
	name string // canonical, fully qualified
	key  string
	a    []netip.Addr
	aaaa []netip.Addr
}

// config is a validated Config with its defaults applied.
type config struct {
	ns             []nameserver
	rootHostmaster string
	soaTTL, nsTTL  uint32
	negTTL         uint32
	keyTTL         uint32
	ors            *orsConfig // nil: no ORS zone
}

func (c *Config) normalize() (*config, error) {
	out := &config{
		rootHostmaster: DefaultRootHostmaster,
		soaTTL:         DefaultSOATTL,
		nsTTL:          DefaultNSTTL,
		negTTL:         DefaultNegativeTTL,
		keyTTL:         DefaultKeyTTL,
	}
	if c.SOATTL != 0 {
		out.soaTTL = c.SOATTL
	}
	if c.NSTTL != 0 {
		out.nsTTL = c.NSTTL
	}
	if c.NegativeTTL != 0 {
		out.negTTL = c.NegativeTTL
	}
	if c.KeyTTL != 0 {
		out.keyTTL = c.KeyTTL
	}
	if c.RootHostmaster != "" {
		h, err := names.ParseOwner(c.RootHostmaster)
		if err != nil {
			return nil, fmt.Errorf("%w: root hostmaster %q: %v", ErrConfig, c.RootHostmaster, err)
		}
		out.rootHostmaster = dns.Fqdn(h)
	}
	var err error
	if out.ors, err = normalizeORS(c.ORS); err != nil {
		return nil, err
	}
	if len(c.Nameservers) == 0 {
		return nil, fmt.Errorf("%w: no nameservers", ErrConfig)
	}
	seen := map[string]bool{}
	for _, n := range c.Nameservers {
		name, err := names.ParseDomain(n.Name)
		if err != nil {
			return nil, fmt.Errorf("%w: nameserver %q: %v", ErrConfig, n.Name, err)
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: nameserver %s listed twice", ErrConfig, name)
		}
		seen[name] = true
		ns := nameserver{name: name + ".", key: keyOf(name)}
		for _, a := range n.IPv4 {
			a = a.Unmap()
			if !a.Is4() {
				return nil, fmt.Errorf("%w: nameserver %s: %v is not an IPv4 address", ErrConfig, name, a)
			}
			ns.a = appendAddr(ns.a, a)
		}
		for _, a := range n.IPv6 {
			if !a.Is6() || a.Is4In6() {
				return nil, fmt.Errorf("%w: nameserver %s: %v is not an IPv6 address", ErrConfig, name, a)
			}
			ns.aaaa = appendAddr(ns.aaaa, a.WithZone(""))
		}
		out.ns = append(out.ns, ns)
	}
	return out, nil
}

// appendAddr appends a unless it is already present.
func appendAddr(list []netip.Addr, a netip.Addr) []netip.Addr {
	for _, b := range list {
		if a == b {
			return list
		}
	}
	return append(list, a)
}

// glue returns the RRsets the config contributes at a name server's name.
func (c *config) glue(ns *nameserver) []rrset {
	var out []rrset
	if len(ns.a) > 0 {
		rrs := make([]dns.RR, len(ns.a))
		for i, a := range ns.a {
			rrs[i] = &dns.A{Hdr: hdr(ns.name, dns.TypeA, c.nsTTL), A: a.AsSlice()}
		}
		out = append(out, newRRset(dns.TypeA, rrs))
	}
	if len(ns.aaaa) > 0 {
		rrs := make([]dns.RR, len(ns.aaaa))
		for i, a := range ns.aaaa {
			rrs[i] = &dns.AAAA{Hdr: hdr(ns.name, dns.TypeAAAA, c.nsTTL), AAAA: a.AsSlice()}
		}
		out = append(out, newRRset(dns.TypeAAAA, rrs))
	}
	return out
}

func hdr(owner string, t uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: owner, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
}

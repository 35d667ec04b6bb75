package dnssec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// DS returns the DS record (digest type 2, SHA-256) of key at owner, the
// apex of the zone the key signs, with the given TTL.
func DS(key *dns.DNSKEY, owner string, ttl uint32) *dns.DS {
	k := *key
	k.Hdr.Name = strings.ToLower(dns.Fqdn(owner))
	ds := k.ToDS(dns.SHA256)
	if ds == nil {
		return nil
	}
	ds.Hdr.Ttl = ttl
	return ds
}

// Anchor is what a validating resolver needs to trust a zone: its DNSKEY
// RRset (every published key) and the DS record of each key. Trusting any
// one of them is enough: each node signs with its own key.
type Anchor struct {
	Zone   string
	DNSKEY []*dns.DNSKEY
	DS     []*dns.DS
}

// NewAnchor makes the anchor of zone from its keys (owner and TTL taken
// from zone and ttl), sorted by key tag, repeats dropped.
func NewAnchor(zone string, keys []*dns.DNSKEY, ttl uint32) *Anchor {
	zone = strings.ToLower(dns.Fqdn(zone))
	a := &Anchor{Zone: zone}
	seen := map[string]bool{}
	for _, k := range keys {
		c := *k
		c.Hdr = dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: ttl}
		id := fmt.Sprintf("%d %d %d %s", c.Flags, c.Protocol, c.Algorithm, c.PublicKey)
		if seen[id] {
			continue
		}
		seen[id] = true
		a.DNSKEY = append(a.DNSKEY, &c)
	}
	slices.SortStableFunc(a.DNSKEY, func(x, y *dns.DNSKEY) int { return int(x.KeyTag()) - int(y.KeyTag()) })
	for _, k := range a.DNSKEY {
		if ds := DS(k, zone, ttl); ds != nil {
			a.DS = append(a.DS, ds)
		}
	}
	return a
}

// ZoneKeys returns the DNSKEY records at the apex zone of a master file
// (as "dii zone export" writes it), with their TTL.
func ZoneKeys(masterFile, zone string) ([]*dns.DNSKEY, error) {
	zone = strings.ToLower(dns.Fqdn(zone))
	zp := dns.NewZoneParser(strings.NewReader(masterFile), zone, "")
	var out []*dns.DNSKEY
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if k, isKey := rr.(*dns.DNSKEY); isKey && strings.EqualFold(k.Hdr.Name, zone) {
			out = append(out, k)
		}
	}
	if err := zp.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// String is the anchor in presentation form: the DNSKEY RRset, then the DS
// records, one per line.
func (a *Anchor) String() string {
	var b strings.Builder
	for _, k := range a.DNSKEY {
		fmt.Fprintf(&b, "%s ; key tag %d\n", k, k.KeyTag())
	}
	for _, d := range a.DS {
		fmt.Fprintln(&b, d)
	}
	return b.String()
}

// Unbound is the anchor as unbound.conf "trust-anchor:" lines, one per
// DS record, for the server: clause.
func (a *Anchor) Unbound() string {
	var b strings.Builder
	for _, d := range a.DS {
		fmt.Fprintf(&b, "trust-anchor: \"%s IN DS %d %d %d %s\"\n", a.Zone, d.KeyTag, d.Algorithm, d.DigestType, strings.ToUpper(d.Digest))
	}
	return b.String()
}

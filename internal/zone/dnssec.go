package zone

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
)

// fromLedger derives the name servers and the DNSKEY set from the root name
// server entries of v (registry.Nameservers): every entry's name (entries
// of one name pooling their addresses), in the entries' order, and every
// distinct published key. Without entries the name servers are the
// config's. An entry that does not decode is corrupt state; a name or key
// the ledger could not have accepted is skipped.
func (c *config) fromLedger(v state.Reader) ([]nameserver, []*dns.DNSKEY, error) {
	entries, err := registry.Nameservers(v)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: name server entries: %w", ErrState, err)
	}
	var ns []nameserver
	var keys []*dns.DNSKEY
	var seenKeys [][]byte
	for _, e := range entries {
		if name, err := names.ParseDomain(e.Name); err == nil {
			i := slices.IndexFunc(ns, func(n nameserver) bool { return n.name == name+"." })
			if i < 0 {
				ns = append(ns, nameserver{name: name + ".", key: keyOf(name)})
				i = len(ns) - 1
			}
			for _, a := range e.Addrs {
				switch {
				case a.Is4() || a.Is4In6():
					ns[i].a = appendAddr(ns[i].a, a.Unmap())
				case a.Is6():
					ns[i].aaaa = appendAddr(ns[i].aaaa, a.WithZone(""))
				}
			}
		}
		if len(e.DNSKEY) == 0 || slices.ContainsFunc(seenKeys, func(k []byte) bool { return bytes.Equal(k, e.DNSKEY) }) {
			continue
		}
		k, err := registry.CheckDNSKEY(e.DNSKEY)
		if err != nil {
			continue
		}
		seenKeys = append(seenKeys, e.DNSKEY)
		k.Hdr = hdr(".", dns.TypeDNSKEY, c.keyTTL)
		keys = append(keys, k)
	}
	if len(ns) == 0 {
		ns = c.ns
	}
	return ns, keys, nil
}

// setGlue replaces the name server addresses the snapshot contributes to
// the index: old's are taken out, s.ns's put in.
func (s *Snapshot) setGlue(b *builder, old []nameserver) {
	for i := range old {
		if n := b.mutable(old[i].key, old[i].name, false); n != nil {
			n.setContrib("", -1, nil)
		}
	}
	for i := range s.ns {
		if g := s.cfg.glue(&s.ns[i]); g != nil {
			b.mutable(s.ns[i].key, s.ns[i].name, true).setContrib("", -1, g)
		}
	}
}

// nsChanged reports whether changes touch a name server entry whose value
// differs between prev and next.
func nsChanged(prev, next *state.Version, changes []state.Change) bool {
	for _, c := range changes {
		if !bytes.HasPrefix(c.Key, []byte(registry.NameserverPrefix)) {
			continue
		}
		o, hadOld := prev.Get(c.Key)
		n, hasNew := next.Get(c.Key)
		if hadOld != hasNew || !bytes.Equal(o, n) {
			return true
		}
	}
	return false
}

// Signed reports whether the ledger publishes at least one DNSKEY: then
// every hosted zone has a DNSKEY RRset, and a name server with a key signs
// its answers.
func (s *Snapshot) Signed() bool { return len(s.keys) > 0 }

// DNSKEYs returns copies of the published DNSKEYs, owner ".", in the order
// of the name server entries.
func (s *Snapshot) DNSKEYs() []*dns.DNSKEY {
	out := make([]*dns.DNSKEY, len(s.keys))
	for i, k := range s.keys {
		c := *k
		out[i] = &c
	}
	return out
}

// Nameservers returns the name servers of every hosted zone, fully
// qualified, the first being the SOA MNAME.
func (s *Snapshot) Nameservers() []string {
	out := make([]string, len(s.ns))
	for i := range s.ns {
		out[i] = s.ns[i].name
	}
	return out
}

// zoneKeys returns the DNSKEY RRset at a hosted zone's apex (nil: the
// root), or nil when no key is published.
func (s *Snapshot) zoneKeys(zone *node) []dns.RR {
	if zone == nil || len(s.keys) == 0 {
		return s.rootKeys
	}
	out := make([]dns.RR, len(s.keys))
	for i, k := range s.keys {
		c := *k
		c.Hdr.Name = zone.name()
		out[i] = &c
	}
	return out
}

// dsKey is a published key as the DS records derived from it need it:
// its key tag, algorithm and RDATA in wire form.
type dsKey struct {
	tag   uint16
	alg   uint8
	rdata []byte
}

func dsKeysOf(keys []*dns.DNSKEY) []dsKey {
	var out []dsKey
	for _, k := range keys {
		set := newRRset(dns.TypeDNSKEY, []dns.RR{k})
		if set.n != 1 {
			continue
		}
		out = append(out, dsKey{tag: k.KeyTag(), alg: k.Algorithm, rdata: []byte(set.wire[rrHeaderLen:])})
	}
	return out
}

// digest is the SHA-256 digest of the DS for the key at owner (RFC 4509:
// over the owner name in canonical wire form and the DNSKEY RDATA). owner
// is canonical and made of stored labels; buf is scratch space.
func (k *dsKey) digest(owner string, buf []byte) ([sha256.Size]byte, []byte) {
	buf = appendWireName(buf[:0], owner)
	buf = append(buf, k.rdata...)
	return sha256.Sum256(buf), buf
}

// childDS returns the DS RRset the parent serves for a hosted child zone:
// one SHA-256 DS (RFC 4509) per published key.
func (s *Snapshot) childDS(name string) []dns.RR {
	out := make([]dns.RR, 0, len(s.dsKeys))
	var buf [512]byte
	for i := range s.dsKeys {
		k := &s.dsKeys[i]
		d, _ := k.digest(name, buf[:0])
		out = append(out, &dns.DS{Hdr: hdr(name, dns.TypeDS, s.cfg.keyTTL), KeyTag: k.tag, Algorithm: k.alg,
			DigestType: dns.SHA256, Digest: hex.EncodeToString(d[:])})
	}
	return out
}

// apexTypes lists the types at a hosted zone apex (nd nil: the root) for
// an NSEC bitmap: the derived SOA, NS and DNSKEY and the ledger's RRsets
// there, but not DS, which is the parent's.
func (s *Snapshot) apexTypes(nd *node) []uint16 {
	t := []uint16{dns.TypeNS, dns.TypeSOA}
	if len(s.keys) > 0 {
		t = append(t, dns.TypeDNSKEY)
	}
	if nd != nil {
		for _, set := range nd.rrsets() {
			if set.typ != dns.TypeDS {
				t = append(t, set.typ)
			}
		}
	}
	slices.Sort(t)
	return slices.Compact(t)
}

// nodeTypes lists the types of the RRsets at a node that is not an apex.
func nodeTypes(nd *node) []uint16 {
	if nd == nil {
		return nil
	}
	var t []uint16
	for _, set := range nd.rrsets() {
		t = append(t, set.typ)
	}
	return t
}

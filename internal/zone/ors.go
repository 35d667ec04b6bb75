package zone

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/google/btree"
	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/state"
)

// Contribution depths in the ORS index. A number owner has one source
// only; at an alias owner a Unicode label (unique among siblings) outranks
// secondary identifiers, and two identifiers tie (see node.recompute).
const (
	orsDepthOwn        = 3
	orsDepthLabel      = 2
	orsDepthIdentifier = 1
)

// orsConfig is the validated ORS part of a Config.
type orsConfig struct {
	apex string // canonical, fully qualified
	key  string
	rec  oid.ORSConfig // Domain is apex
}

// normalizeORS validates the ORS configuration (nil: DefaultORS()); it
// returns nil for an empty Domain, which means no ORS zone.
func normalizeORS(c *oid.ORSConfig) (*orsConfig, error) {
	if c == nil {
		c = DefaultORS()
	}
	if c.Domain == "" {
		return nil, nil
	}
	if strings.TrimSuffix(c.Domain, ".") == "" {
		return nil, fmt.Errorf("%w: ors domain %q: the root cannot be the ORS zone", ErrConfig, c.Domain)
	}
	apex, err := names.ParseDomain(c.Domain)
	if err != nil {
		return nil, fmt.Errorf("%w: ors domain %q: %v", ErrConfig, c.Domain, err)
	}
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	out := &orsConfig{apex: apex + ".", key: keyOf(apex), rec: *c}
	out.rec.Domain = out.apex
	if c.Services != nil {
		sv := *c.Services
		out.rec.Services = &sv
	}
	return out, nil
}

// atOrUnder reports whether key is anc or below it.
func atOrUnder(key, anc string) bool { return key == anc || under(key, anc) }

// ORSZone is the apex of the ORS zone, fully qualified ("" when there is
// none). Every name at or below it is answered from the ORS zone, never
// from the ledger's names (see "ORS" in the package doc).
func (s *Snapshot) ORSZone() string {
	if s.cfg.ors == nil {
		return ""
	}
	return s.cfg.ors.apex
}

// top is the snapshot a sub-snapshot (the ORS zone's) belongs to.
func (s *Snapshot) top() *Snapshot {
	if s.main != nil {
		return s.main
	}
	return s
}

// forName returns the snapshot whose index answers q: the ORS zone's for
// q at or below the ORS apex, else s.
func (s *Snapshot) forName(q *qname) *Snapshot {
	if s.ors != nil && atOrUnder(q.key, s.cfg.ors.key) {
		return s.ors
	}
	return s
}

// newORS returns an ORS sub-snapshot of s over the index idx and t.
func (s *Snapshot) newORS(idx hashIndex, t *btree.BTreeG[*node]) *Snapshot {
	return &Snapshot{cfg: s.cfg, height: s.height, idx: idx, tree: t, ns: s.ns, keys: s.keys, dsKeys: s.dsKeys, main: s}
}

// buildORS indexes every arc and X.677 identity of v in a new ORS
// sub-snapshot of s.
func (s *Snapshot) buildORS(v *state.Version) (*Snapshot, error) {
	o := s.newORS(hashIndex{}, btree.NewG(btreeDegree, nodeLess))
	b := newBuilder(o)
	oc := s.cfg.ors
	b.mutable(oc.key, oc.apex, true).flags |= fRegistered
	o.orsGlue(b, nil)
	var err error
	for _, prefix := range []string{oid.ArcPrefix, oid.UAVPrefix} {
		start := []byte(prefix)
		v.Iterate(start, state.PrefixEnd(start), func(k, val []byte) bool {
			err = o.addORS(b, v, k, val)
			return err == nil
		})
		if err != nil {
			return nil, err
		}
	}
	b.finish()
	return o, nil
}

// applyORS derives the ORS sub-snapshot of out (the snapshot of next)
// from o (that of prev): the owners of every arc or identity whose record
// changed are taken out as the old record made them and put in from the
// new one; an arc that appears or disappears also refreshes its superior,
// whose CINF record depends on having children. nsChanged says the block
// changed the name servers: their addresses inside the ORS zone follow.
func (o *Snapshot) applyORS(out *Snapshot, prev, next *state.Version, changes []state.Change, nsChanged bool) (*Snapshot, error) {
	o.mu.Lock()
	t := o.tree.Clone()
	o.mu.Unlock()
	no := out.newORS(o.idx, t)
	b := newBuilder(no)
	if nsChanged {
		no.orsGlue(b, o.ns)
	}
	refresh := map[string]bool{}
	for _, c := range changes {
		isArc := bytes.HasPrefix(c.Key, []byte(oid.ArcPrefix))
		if !isArc && !bytes.HasPrefix(c.Key, []byte(oid.UAVPrefix)) {
			continue
		}
		k := string(c.Key)
		if refresh[k] {
			continue
		}
		oldV, hadOld := prev.Get(c.Key)
		newV, hasNew := next.Get(c.Key)
		if hadOld == hasNew && bytes.Equal(oldV, newV) {
			continue
		}
		refresh[k] = true
		if isArc && hadOld != hasNew {
			if a, ok := oid.OfKey(c.Key); ok {
				if p, ok := a.Parent(); ok {
					refresh[string(oid.ArcKey(p))] = true
				}
			}
		}
	}
	keys := make([]string, 0, len(refresh))
	for k := range refresh {
		keys = append(keys, k)
	}
	slices.Sort(keys) // neighbouring arcs share B-tree paths
	for _, k := range keys {
		if oldV, ok := prev.Get([]byte(k)); ok {
			if err := no.removeORS(b, []byte(k), oldV); err != nil {
				return nil, err
			}
		}
		if newV, ok := next.Get([]byte(k)); ok {
			if err := no.addORS(b, next, []byte(k), newV); err != nil {
				return nil, err
			}
		}
	}
	b.finish()
	return no, nil
}

// orsOwners decodes the record at an arc ("o/") or identity ("u/") key
// and returns what the ORS zone serves for it. A record that does not
// decode, or names another OID than its key, is corrupt state; an OID too
// deep for a DNS name gives no owners.
func (o *Snapshot) orsOwners(r state.Reader, k, val []byte) (own oid.ORSOwner, aliases []oid.ORSOwner, err error) {
	ko, ok := oid.OfKey(k)
	if !ok {
		return own, nil, fmt.Errorf("%w: key %q is not an OID key", ErrState, k)
	}
	cfg := o.cfg.ors.rec
	if bytes.HasPrefix(k, []byte(oid.UAVPrefix)) {
		id, err := oid.DecodeIdentity(val)
		if err != nil || !id.OID.Equal(ko) {
			return own, nil, fmt.Errorf("%w: identity key %q: %v", ErrState, k, err)
		}
		own, err = oid.ORSIdentity(id, cfg)
		if err != nil {
			return oid.ORSOwner{}, nil, nil
		}
		return own, nil, nil
	}
	a, err := oid.DecodeArc(val)
	if err != nil || !a.OID.Equal(ko) {
		return own, nil, fmt.Errorf("%w: arc key %q: %v", ErrState, k, err)
	}
	children := 0
	if r != nil {
		children, _ = oid.CountChildren(r, a.OID, 1)
	}
	own, aliases, err = oid.ORSArc(a, children, cfg)
	if err != nil {
		return oid.ORSOwner{}, nil, nil
	}
	return own, aliases, nil
}

// addORS puts the owners of the record at k into the index.
func (o *Snapshot) addORS(b *builder, r state.Reader, k, val []byte) error {
	own, aliases, err := o.orsOwners(r, k, val)
	if err != nil || own.Name == "" {
		return err
	}
	src := orsSource(k, own.Name)
	if len(own.RRs) > 0 {
		if set := newRRset(dns.TypeNAPTR, own.RRs); set.n > 0 {
			b.mutable(keyOf(own.Name), own.Name, true).setContrib(src, orsDepthOwn, []rrset{set})
		}
	}
	for _, al := range aliases {
		name := strings.TrimSuffix(al.Name, ".")
		if !plainName(name) {
			continue // a label with "~": no stored name can hold it
		}
		depth := orsDepthLabel
		if al.Alias.Identifier {
			depth = orsDepthIdentifier
		}
		b.mutable(keyOf(name), al.Name, true).setContrib(src, depth, aliasSets(al.RRs))
	}
	return nil
}

// orsSource names what the record at state key k contributes: its ORS
// name's index key, marked for an identity (an identity and an arc of
// one OID, which the ledger never holds, would tie and neither be served).
func orsSource(k []byte, owner string) string {
	if bytes.HasPrefix(k, []byte(oid.UAVPrefix)) {
		return "u " + keyOf(owner)
	}
	return keyOf(owner)
}

// removeORS takes out what addORS put in for the record val at k.
func (o *Snapshot) removeORS(b *builder, k, val []byte) error {
	own, aliases, err := o.orsOwners(nil, k, val)
	if err != nil || own.Name == "" {
		return err
	}
	src := orsSource(k, own.Name)
	if n := b.mutable(keyOf(own.Name), "", false); n != nil {
		n.setContrib(src, 0, nil)
	}
	for _, al := range aliases {
		name := strings.TrimSuffix(al.Name, ".")
		if !plainName(name) {
			continue
		}
		if n := b.mutable(keyOf(name), "", false); n != nil {
			n.setContrib(src, 0, nil)
		}
	}
	return nil
}

// aliasSets groups an alias's records by type, ascending.
func aliasSets(rrs []dns.RR) []rrset {
	var out []rrset
	for _, t := range []uint16{dns.TypeNAPTR, dns.TypeDNAME} {
		var set []dns.RR
		for _, rr := range rrs {
			if rr.Header().Rrtype == t {
				set = append(set, rr)
			}
		}
		if len(set) > 0 {
			if s := newRRset(t, set); s.n > 0 {
				out = append(out, s)
			}
		}
	}
	return slices.Clip(out)
}

// orsGlue replaces the addresses of the name servers whose names fall
// in the ORS zone: old's are taken out, o.ns's put in.
func (o *Snapshot) orsGlue(b *builder, old []nameserver) {
	k := o.cfg.ors.key
	for i := range old {
		if under(old[i].key, k) {
			if n := b.mutable(old[i].key, old[i].name, false); n != nil {
				n.setContrib("", -1, nil)
			}
		}
	}
	for i := range o.ns {
		if !under(o.ns[i].key, k) {
			continue
		}
		if g := o.cfg.glue(&o.ns[i]); g != nil {
			b.mutable(o.ns[i].key, o.ns[i].name, true).setContrib("", -1, g)
		}
	}
}

// orsApex is the ORS zone's apex node.
func (s *Snapshot) orsApex() *node { return s.ors.get(s.cfg.ors.key) }

// orsParent returns the ledger zone the ORS zone is a child of: the
// hosted zone the ORS apex would fall in were there no ORS zone (nil: the
// root), and ok true when that zone is the ledger's own: not a delegation
// out, and not the root unless the apex is a TLD. A registered name or
// delegation at the apex itself is ignored: the ORS zone wins.
func (s *Snapshot) orsParent() (zone *node, ok bool) {
	q := qname{pres: s.cfg.ors.apex, key: s.cfg.ors.key, n: depthOf(s.cfg.ors.key), total: depthOf(s.cfg.ors.key)}
	p := s.walk(&q, dns.TypeDS)
	return p.zone, p.cut == nil && (p.zone != nil || q.total == 1)
}

// orsDS answers DS at the ORS apex: from the parent side when the parent
// zone is the ledger's (the DS derived from the published keys, as for
// every hosted child zone), else from the ORS zone itself, NODATA.
func (s *Snapshot) orsDS(res *Result, q *qname, hop int) (string, bool) {
	apex := s.orsApex()
	parent, ours := s.orsParent()
	zone := apex
	if ours {
		zone = parent
	}
	if res.secure && hop > 0 {
		if res.links == nil {
			res.links = []link{{0, res.Zone}}
		}
		res.links = append(res.links, link{len(res.Answer), zoneName(zone)})
	}
	if hop == 0 {
		res.Zone = zoneName(zone)
	}
	if ours {
		return s.parentDS(res, q, apex, parent)
	}
	s.ors.negative(res, q, apex, dns.RcodeSuccess, s.ors.typesAt(res, apex, true))
	return "", false
}

// orsCutIn returns the ORS apex node when the ORS zone is a child of the
// hosted zone whose apex key is ak ("": the root), for that zone's export.
func (s *Snapshot) orsCutIn(ak string) *node {
	if s.ors == nil {
		return nil
	}
	parent, ours := s.orsParent()
	if !ours {
		return nil
	}
	pk := ""
	if parent != nil {
		pk = parent.key()
	}
	if pk != ak {
		return nil
	}
	return s.orsApex()
}

// orsBelow reports whether q, in the hosted ledger zone zone (never the
// root, whose NXDOMAIN for a name outside the ledger's TLDs is the
// namespace seam), is an empty non-terminal because the ORS apex lies
// below it.
func (s *Snapshot) orsBelow(q *qname, zone *node) bool {
	return s.ors != nil && zone != nil && under(s.cfg.ors.key, q.key)
}

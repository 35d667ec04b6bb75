package zone

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/btree"
	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
)

// ErrState means the state handed to Build or Apply cannot be indexed.
var ErrState = errors.New("zone: bad state")

// btreeDegree is the degree of the index B-tree.
const btreeDegree = 32

// contrib is what one source puts at one owner name: a registered name's
// record, or the config (name server addresses).
type contrib struct {
	src   string // key of the registered name; "" for the config
	depth int    // labels of the registered name; -1 for the config
	sets  []rrset
}

// node is one owner name in the index: a name that holds RRsets, is
// registered, or has such names below it (an empty non-terminal, which
// holds nothing but the count of its children). Nodes are immutable once
// published in a snapshot; Build and Apply copy a node before changing it
// (gen tells whether a node was made by the current build).
//
// A node is kept small, and what a query reads of it close together: at
// a million names the index is most of the DNS view's memory, and a
// lookup's cost is its cache misses. key, name and sets share one
// allocation (setData), next to which the node is all a hit reads. The
// common node, a registered name whose own record is all that is at its
// name, holds that record's RRsets in sets (flag fOwn) and nothing else;
// what other nodes need besides is in x.
type node struct {
	// data is the node's key (index key, see keyOf), then its name
	// (canonical, fully qualified), then its effective RRsets, ascending
	// type (appendSets); klen and nlen are the lengths of the first two.
	data       string
	x          *nodeExtra // nil when all its fields would be empty
	gen        uint32
	kids       int32 // nodes whose parent this is
	klen, nlen uint8
	// depth is the number of labels; odepth the depth of the source of
	// the own contribution (fOwn).
	depth, odepth int16
	flags         uint8
}

func (n *node) key() string  { return n.data[:n.klen] }
func (n *node) name() string { return n.data[n.klen : int(n.klen)+int(n.nlen)] }
func (n *node) sets() string { return n.data[int(n.klen)+int(n.nlen):] }

// setData sets key, name and sets, in one allocation. Keys and names
// are at most 255 octets.
func (n *node) setData(key, name string, sets []rrset) {
	b := make([]byte, 0, len(key)+len(name)+setsLen(sets))
	b = append(append(b, key...), name...)
	n.data, n.klen, n.nlen = string(appendSets(b, sets)), uint8(len(key)), uint8(len(name))
}

func setsLen(sets []rrset) int {
	l := 0
	for _, s := range sets {
		l += setHeaderLen + len(s.wire)
	}
	return l
}

// find returns the RRset of type t at n (n == 0: none).
func (n *node) find(t uint16) rrset { return findSet(n.sets(), t) }

// findSet returns the RRset of type t in sets (appendSets), or none.
func findSet(b string, t uint16) rrset {
	for {
		s, rest, ok := nextSet(b)
		if !ok || s.typ > t {
			return rrset{}
		}
		if s.typ == t {
			return s
		}
		b = rest
	}
}

// rrsets returns the RRsets at n, ascending type.
func (n *node) rrsets() []rrset {
	var out []rrset
	for b := n.sets(); ; {
		s, rest, ok := nextSet(b)
		if !ok {
			return out
		}
		out = append(out, s)
		b = rest
	}
}

// Node flags.
const (
	fRegistered uint8 = 1 << iota // a registered name: a zone apex, hosted or delegated out
	fOwn                          // one contribution, from the source keyed like the node, of depth odepth: its sets are sets
	fDead                         // taken out of the index by the current build
	fNS                           // sets hold NS (a delegation, unless registered and asked for DS)
	fDS
	fCNAME
	fDNAME
	// fGone (1<<7) marks a tombstone in a hash index (flat.go).
)

// nodeExtra is the rarer part of a node.
type nodeExtra struct {
	// contribs are the contributions unless fOwn (none when nil).
	contribs []contrib
	// owned: registered, the keys of the other owners its record fills.
	owned []string
	// glue: with NS, the keys of the NS targets at or below the name.
	glue []string
}

func (n *node) registered() bool { return n.flags&fRegistered != 0 }
func (n *node) has(f uint8) bool { return n.flags&f != 0 }

func (n *node) owned() []string {
	if n.x == nil {
		return nil
	}
	return n.x.owned
}

func (n *node) glue() []string {
	if n.x == nil {
		return nil
	}
	return n.x.glue
}

// extra returns n.x, made if missing; n must be the builder's.
func (n *node) extra() *nodeExtra {
	if n.x == nil {
		n.x = &nodeExtra{}
	}
	return n.x
}

// contribs lists the node's contributions. With fOwn the list is made
// here: the caller may change it.
func (n *node) contribs() []contrib {
	switch {
	case n.flags&fOwn != 0:
		return []contrib{{src: n.key(), depth: int(n.odepth), sets: n.rrsets()}}
	case n.x != nil:
		return n.x.contribs
	}
	return nil
}

func (n *node) hasContribs() bool {
	return n.flags&fOwn != 0 || n.x != nil && len(n.x.contribs) > 0
}

// referral is the authority section of a referral at n: NS, then DS.
func (n *node) referral() []dns.RR {
	return append(n.find(dns.TypeNS).records(n.name()), n.find(dns.TypeDS).records(n.name())...)
}

func nodeLess(a, b *node) bool { return a.key() < b.key() }

// probe is a B-tree item to seek to key.
func probe(key string) *node { return &node{data: key, klen: uint8(len(key))} }

// Snapshot is the DNS view of one state version. It is immutable: any
// number of goroutines may call its methods concurrently, also while Apply
// derives the next snapshot from it.
type Snapshot struct {
	cfg    *config
	height int64
	// Every node twice: idx answers exact-name lookups, tree walks names
	// in canonical order (zone listing and export, Apply).
	idx  hashIndex
	tree *btree.BTreeG[*node]

	// The name servers of every hosted zone and the published DNSKEYs
	// (owner "."), from the ledger's name server entries (the config's
	// name servers when there are none). Rebuilt when an entry changes.
	ns   []nameserver
	keys []*dns.DNSKEY
	// dsKeys are the keys as the DS records derived from them need them.
	dsKeys []dsKey

	// Root zone records, derived once per snapshot.
	rootSOA    []dns.RR
	rootNegSOA []dns.RR
	rootNS     []dns.RR
	rootKeys   []dns.RR

	// ors is the ORS zone's own index (nil: no ORS zone): a sub-snapshot
	// with the same config, height, name servers and keys, whose tree
	// holds only names at or below the ORS apex; main is set in it and
	// points back here.
	ors  *Snapshot
	main *Snapshot

	// mu serialises Clone of tree (which swaps its copy-on-write context)
	// between concurrent Apply calls on this snapshot. Readers never take it.
	mu sync.Mutex
}

// Height is the state height the snapshot was built from; it is the serial
// of every derived SOA.
func (s *Snapshot) Height() int64 { return s.height }

// genCounter numbers builders. It wraps after 2^32 builds (a block's
// Apply is one, the ORS zone's another): more than a century of blocks.
var genCounter atomic.Uint32

// builder applies records to an index (hash trie and tree) it owns.
type builder struct {
	idx     *hashIndex
	tree    *btree.BTreeG[*node]
	gen     uint32
	touched []*node
}

func newBuilder(s *Snapshot) *builder {
	return &builder{idx: &s.idx, tree: s.tree, gen: genCounter.Add(1)}
}

// mutable returns the node for key, copying a published node so that it
// may be changed. A missing node is created when create is set, with its
// missing ancestors as empty non-terminals; otherwise mutable returns nil.
func (b *builder) mutable(key, name string, create bool) *node {
	h := hashKey(key)
	old := b.idx.get(key, h)
	var n *node
	switch {
	case old != nil && old.gen == b.gen:
		return old
	case old != nil:
		c := *old
		c.gen = b.gen
		if old.x != nil {
			x := *old.x
			x.contribs = slices.Clone(x.contribs)
			c.x = &x
		}
		n = &c
	case create:
		n = &node{depth: int16(depthOf(key)), gen: b.gen}
		n.setData(key, name, nil)
		if n.depth > 1 {
			pk, pn := parentOf(key, name)
			b.mutable(pk, pn, true).kids++
		}
	default:
		return nil
	}
	b.idx.set(n, h, b.gen)
	b.tree.ReplaceOrInsert(n)
	b.touched = append(b.touched, n)
	return n
}

// parentOf returns the key and name of the parent of a name of at least
// two labels.
func parentOf(key, name string) (string, string) {
	pk := key[:strings.LastIndexByte(key, sep)]
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return pk, name
}

// setContrib replaces what src puts at the node (nil sets removes it).
func (n *node) setContrib(src string, depth int, sets []rrset) {
	list := n.contribs()
	found := false
	for i := range list {
		if list[i].src == src {
			if sets == nil {
				list = slices.Delete(list, i, i+1)
			} else {
				list[i] = contrib{src: src, depth: depth, sets: sets}
			}
			found = true
			break
		}
	}
	if !found && sets != nil {
		list = append(list, contrib{src: src, depth: depth, sets: sets})
	}
	if len(list) == 1 && list[0].src == n.key() {
		n.flags |= fOwn
		n.odepth = int16(list[0].depth)
		n.setData(n.key(), n.name(), list[0].sets)
		if n.x != nil {
			n.x.contribs = nil
		}
		return
	}
	n.flags &^= fOwn
	if len(list) == 0 {
		list = nil
	}
	if list != nil || n.x != nil {
		n.extra().contribs = list
	}
}

// recompute derives the effective RRsets: per type, the RRset of the
// deepest source (the registered name closest to the owner; the config
// last). When the two deepest sources of a type have the same depth, a
// tie, neither is served: only aliases of the ORS zone can tie (a
// secondary identifier that several sibling arcs share). The result
// depends only on the set of contributions, never on the order they were
// added in.
func (n *node) recompute() {
	n.flags &^= fNS | fDS | fCNAME | fDNAME
	if n.x != nil {
		n.x.glue = nil
	}
	switch list := n.contribs(); {
	case n.flags&fOwn != 0:
		// sets is the one contribution's (setContrib).
	case len(list) == 0:
		n.setData(n.key(), n.name(), nil)
	case len(list) == 1:
		n.setData(n.key(), n.name(), list[0].sets)
	default:
		var all []rrset
		var depth []int
		for _, c := range list {
			for _, s := range c.sets {
				all = append(all, s)
				depth = append(depth, c.depth)
			}
		}
		idx := make([]int, len(all))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int {
			if all[a].typ != all[b].typ {
				return int(all[a].typ) - int(all[b].typ)
			}
			return depth[b] - depth[a]
		})
		var sets []rrset
		for j := 0; j < len(idx); {
			i := idx[j]
			k := j + 1
			for k < len(idx) && all[idx[k]].typ == all[i].typ {
				k++
			}
			// idx[j:k] are the sets of one type, deepest first.
			if k-j == 1 || depth[idx[j+1]] != depth[i] {
				sets = append(sets, all[i])
			}
			j = k
		}
		n.setData(n.key(), n.name(), sets)
	}
	for b := n.sets(); ; {
		s, rest, ok := nextSet(b)
		if !ok {
			break
		}
		b = rest
		switch s.typ {
		case dns.TypeNS:
			n.flags |= fNS
		case dns.TypeDS:
			n.flags |= fDS
		case dns.TypeCNAME:
			n.flags |= fCNAME
		case dns.TypeDNAME:
			n.flags |= fDNAME
		}
	}
	if n.flags&fNS != 0 {
		var glue []string
		for _, rr := range n.find(dns.TypeNS).records(n.name()) {
			t, ok := rr.(*dns.NS)
			if !ok || !names.IsSubdomain(t.Ns, n.name()) {
				continue
			}
			if q, ok := parseName(t.Ns); ok && q.full() && !slices.Contains(glue, q.key) {
				glue = append(glue, q.key)
			}
		}
		if glue != nil {
			n.extra().glue = glue
		}
	}
	if x := n.x; x != nil && x.contribs == nil && x.owned == nil && x.glue == nil {
		n.x = nil
	}
}

// finish recomputes every touched node and drops the empty ones.
func (b *builder) finish() {
	// prune may touch more nodes (parents): they are visited too.
	for i := 0; i < len(b.touched); i++ {
		n := b.touched[i]
		if n.flags&fDead != 0 {
			continue
		}
		n.recompute()
		b.prune(n)
	}
	b.touched = nil
	// The builder changes no node after this: the hash index may copy
	// what its flat table keeps of them.
	b.idx.compact()
}

// prune takes n out of the index when it holds nothing: not registered,
// no records, no children. Its parent then has one child less and may go
// too.
func (b *builder) prune(n *node) {
	for n != nil && !n.registered() && !n.hasContribs() && n.kids == 0 {
		n.flags |= fDead
		b.idx.del(n.key(), hashKey(n.key()), b.gen)
		b.tree.Delete(n)
		if n.depth <= 1 {
			return
		}
		pk, _ := parentOf(n.key(), n.name())
		if n = b.mutable(pk, "", false); n != nil {
			n.kids--
		}
	}
}

// source is a decoded registry record, grouped by owner name.
type source struct {
	key    string
	name   string // fully qualified
	depth  int
	owners []ownerSets
}

type ownerSets struct {
	key  string
	name string // fully qualified
	sets []rrset
}

// decodeSource decodes the record stored at a state key. Records that do
// not decode, or whose name does not match the key, are corrupt state and
// give an error. Inside a good record, RRsets the DNS view cannot use are
// skipped: owners that are not canonical or not at or below the name,
// types the registry does not accept, and record data that does not
// unpack (none of these can be written through the ledger).
func decodeSource(stateKey, val []byte) (*source, error) {
	rec, err := registry.DecodeRecord(val)
	if err != nil {
		return nil, fmt.Errorf("%w: key %q: %w", ErrState, stateKey, err)
	}
	if !plainName(rec.Name) || !bytes.Equal(registry.Key(rec.Name), stateKey) {
		return nil, fmt.Errorf("%w: key %q holds the record of %q", ErrState, stateKey, rec.Name)
	}
	src := &source{key: keyOf(rec.Name), name: rec.Name + ".", depth: len(names.Labels(rec.Name))}
	for _, s := range rec.RRsets {
		if !plainName(s.Name) || !names.IsSubdomain(s.Name, rec.Name) || !names.Allowed(s.Type) {
			continue
		}
		owner := s.Name + "."
		var rrs []dns.RR
		for _, rd := range s.Records {
			if len(rd) == 0 || len(rd) > 0xffff {
				continue
			}
			h := hdr(owner, s.Type, s.TTL)
			h.Rdlength = uint16(len(rd))
			rr, off, err := dns.UnpackRRWithHeader(h, rd, 0)
			if err != nil || off != len(rd) || rr == nil {
				continue
			}
			rrs = append(rrs, rr)
			if s.Type == dns.TypeCNAME || s.Type == dns.TypeDNAME {
				break // a singleton type: the first record only
			}
		}
		set := newRRset(s.Type, rrs)
		if set.n == 0 {
			continue
		}
		last := len(src.owners) - 1
		if last < 0 || src.owners[last].name != owner {
			src.owners = append(src.owners, ownerSets{key: keyOf(s.Name), name: owner})
			last++
		}
		src.owners[last].sets = append(src.owners[last].sets, set)
	}
	return src, nil
}

func (b *builder) add(src *source) {
	reg := b.mutable(src.key, src.name, true)
	reg.flags |= fRegistered
	var owned []string
	for _, o := range src.owners {
		b.mutable(o.key, o.name, true).setContrib(src.key, src.depth, slices.Clip(o.sets))
		if o.key != src.key {
			owned = append(owned, o.key)
		}
	}
	if owned != nil {
		reg.extra().owned = owned
	} else if reg.x != nil {
		reg.x.owned = nil
	}
}

// remove takes out what the record of the registered name with key k put
// in the index, as add recorded it.
func (b *builder) remove(k string) {
	reg := b.mutable(k, "", false)
	if reg == nil || !reg.registered() {
		return
	}
	for _, o := range reg.owned() {
		if n := b.mutable(o, "", false); n != nil {
			n.setContrib(k, 0, nil)
		}
	}
	reg.setContrib(k, 0, nil)
	reg.flags &^= fRegistered
	if reg.x != nil {
		reg.x.owned = nil
	}
}

// Build indexes every registered name of v.
func Build(v *state.Version, cfg Config) (*Snapshot, error) {
	if v == nil {
		return nil, fmt.Errorf("%w: no state version", ErrState)
	}
	c, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	s := &Snapshot{cfg: c, height: v.Height(), tree: btree.NewG(btreeDegree, nodeLess)}
	if s.ns, s.keys, err = c.fromLedger(v); err != nil {
		return nil, err
	}
	b := newBuilder(s)
	s.setGlue(b, nil)
	start := []byte(registry.KeyPrefix)
	v.Iterate(start, state.PrefixEnd(start), func(k, val []byte) bool {
		var src *source
		src, err = decodeSource(k, val)
		if err != nil {
			return false
		}
		b.add(src)
		return true
	})
	if err != nil {
		return nil, err
	}
	b.finish()
	s.deriveRoot()
	if c.ors != nil {
		if s.ors, err = s.buildORS(v); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Apply returns the snapshot of next, given that s is the snapshot of prev
// and changes are the changes that made next from prev. Only keys under
// registry.KeyPrefix and registry.NameserverPrefix, and for the ORS zone
// oid.ArcPrefix and oid.UAVPrefix, are looked at, each once; a key whose
// value is the same in prev and next is skipped. A
// changed name server entry rederives the name servers, their addresses
// and the DNSKEY set from next (entries are few). What the old record contributed is
// taken out as the index recorded it, and the new record is read from
// next. The work is proportional to the records changed (times log n),
// not to the size of the state. s is unchanged and stays valid.
func (s *Snapshot) Apply(prev, next *state.Version, changes []state.Change) (*Snapshot, error) {
	if prev == nil || next == nil {
		return nil, fmt.Errorf("%w: no state version", ErrState)
	}
	if prev.Height() != s.height {
		return nil, fmt.Errorf("%w: snapshot is at height %d, prev at %d", ErrState, s.height, prev.Height())
	}
	s.mu.Lock()
	t := s.tree.Clone()
	s.mu.Unlock()
	out := &Snapshot{cfg: s.cfg, height: next.Height(), idx: s.idx, tree: t, ns: s.ns, keys: s.keys}
	b := newBuilder(out)
	nsc := nsChanged(prev, next, changes)
	if nsc {
		var err error
		if out.ns, out.keys, err = s.cfg.fromLedger(next); err != nil {
			return nil, err
		}
		out.setGlue(b, s.ns)
	}
	// Each key once, in key order: neighbouring names share B-tree paths.
	keys := make([]string, 0, len(changes))
	for _, c := range changes {
		if bytes.HasPrefix(c.Key, []byte(registry.KeyPrefix)) {
			keys = append(keys, string(c.Key))
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	for _, k := range keys {
		oldV, hadOld := prev.Get([]byte(k)) // only to skip unchanged records
		newV, hasNew := next.Get([]byte(k))
		if hadOld == hasNew && bytes.Equal(oldV, newV) {
			continue
		}
		if hadOld {
			name, _ := registry.NameOfKey([]byte(k))
			if plainName(name) {
				b.remove(keyOf(name))
			}
		}
		if hasNew {
			src, err := decodeSource([]byte(k), newV)
			if err != nil {
				return nil, err
			}
			b.add(src)
		}
	}
	b.finish()
	out.deriveRoot()
	if s.ors != nil {
		var err error
		if out.ors, err = s.ors.applyORS(out, prev, next, changes, nsc); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// get returns the node with key k, or nil.
func (s *Snapshot) get(k string) *node { return s.idx.get(k, hashKey(k)) }

// deriveRoot makes the root zone's SOA, NS and DNSKEY for this height.
func (s *Snapshot) deriveRoot() {
	s.rootSOA = []dns.RR{s.soa(".", s.cfg.rootHostmaster, s.cfg.soaTTL)}
	s.rootNegSOA = []dns.RR{s.soa(".", s.cfg.rootHostmaster, min(s.cfg.soaTTL, s.cfg.negTTL))}
	s.rootNS = s.derivedNS(".")
	s.rootKeys = nil
	if len(s.keys) > 0 {
		s.rootKeys = make([]dns.RR, len(s.keys))
		for i, k := range s.keys {
			s.rootKeys[i] = k
		}
	}
	s.dsKeys = dsKeysOf(s.keys)
}

// soa derives the SOA of a hosted zone.
func (s *Snapshot) soa(zone, rname string, ttl uint32) *dns.SOA {
	return &dns.SOA{
		Hdr:     hdr(zone, dns.TypeSOA, ttl),
		Ns:      s.ns[0].name,
		Mbox:    rname,
		Serial:  uint32(s.height), // the height modulo 2^32 (RFC 1982 serial arithmetic)
		Refresh: soaRefresh,
		Retry:   soaRetry,
		Expire:  soaExpire,
		Minttl:  s.cfg.negTTL,
	}
}

// derivedNS returns the NS RRset of a hosted zone apex.
func (s *Snapshot) derivedNS(zone string) []dns.RR {
	out := make([]dns.RR, len(s.ns))
	for i := range s.ns {
		out[i] = &dns.NS{Hdr: hdr(zone, dns.TypeNS, s.cfg.nsTTL), Ns: s.ns[i].name}
	}
	return out
}

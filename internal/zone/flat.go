package zone

import (
	"math/bits"
	"slices"
	"unsafe"
)

// hashIndex maps index keys to nodes for the exact-name lookups of a
// query. Most of it is a flat table, built once and never changed after
// (base); the changes made since it was built sit in a small persistent
// trie in front of it (over), where a key taken out of the table is a
// tombstone. When the trie holds more than a fraction of the table's
// keys, the builder that made it merges the two into a new table
// (compact), off the readers' path: the published snapshots keep the
// table and trie they were made with.
//
// Why two structures: at a million names a query's cost is its cache
// misses. A hit in the flat table reads a control word (a small array
// that stays cached), one 32-byte slot and the node's data, which the
// slot points to directly; a name that is not there reads the control
// word only. A trie of the same names costs three or four dependent
// misses before the node, and the node one more before its data. But a
// flat table cannot be changed by copying a path: each block would copy
// all of it. The trie takes the changes, and stays small enough to stay
// in the caches.
//
// Copying a hashIndex value shares both parts.
type hashIndex struct {
	base *flatTable // nil: empty
	over trie
	// recent is a bit set with a bit set for the hash of every key put in
	// over (and perhaps of others): the keys not in it, most, are looked
	// up in base without going through the trie. recentGen is the builder
	// that may change it in place.
	recent    []uint64
	recentGen uint32
	len       int // live keys
}

// maxRecentWords bounds recent (2 MiB).
const maxRecentWords = 1 << 18

// inRecent reports whether the key of hash h may be in the trie.
func (t *hashIndex) inRecent(h uint64) bool {
	if t.over.len == 0 {
		return false
	}
	b := h >> 7 & uint64(len(t.recent)*64-1)
	return t.recent[b>>6]&(1<<(b&63)) != 0
}

// markRecent sets the bit of hash h in recent, copying it first unless
// the builder gen made it; a first one has 32 bits per change the trie
// may hold before compact empties it (a bit in 32 set: a key that is not
// in the trie goes through it once in 32 lookups).
func (t *hashIndex) markRecent(h uint64, gen uint32) {
	switch {
	case t.recent == nil:
		words := 1
		for words*64 < 32*t.compactLimit() && words < maxRecentWords {
			words *= 2
		}
		t.recent, t.recentGen = make([]uint64, words), gen
	case t.recentGen != gen:
		t.recent, t.recentGen = slices.Clone(t.recent), gen
	}
	b := h >> 7 & uint64(len(t.recent)*64-1)
	t.recent[b>>6] |= 1 << (b & 63)
}

// fGone marks a tombstone: a node that only says its key was taken out of
// the flat table below the trie it is in.
const fGone uint8 = 1 << 7

// tombstone returns a tombstone for key k.
func tombstone(k string) *node { return &node{data: k, klen: uint8(len(k)), flags: fGone} }

// get returns the node with key k of hash h, or nil.
func (t *hashIndex) get(k string, h uint64) *node {
	s, _ := t.lookup(k, h)
	return s.nd
}

// lookup returns the entry of key k of hash h as a slot, which carries
// what a query reads of the node without reading the node; ok false when
// there is none.
func (t *hashIndex) lookup(k string, h uint64) (fslot, bool) {
	if t.inRecent(h) {
		if nd := t.over.get(k, h); nd != nil {
			if nd.flags&fGone != 0 {
				return fslot{}, false
			}
			return slotOf(nd, h), true
		}
	}
	if t.base != nil {
		if s := t.base.find(k, h); s != nil {
			return *s, true
		}
	}
	return fslot{}, false
}

// set puts nd in, in place of any node with its key. gen is the builder's.
func (t *hashIndex) set(nd *node, h uint64, gen uint32) {
	if t.get(nd.key(), h) == nil {
		t.len++
	}
	t.markRecent(h, gen)
	t.over.set(nd, h, gen)
}

// del takes out the node with key k of hash h, if there is one.
func (t *hashIndex) del(k string, h uint64, gen uint32) {
	if t.get(k, h) == nil {
		return
	}
	t.len--
	if t.base != nil && t.base.find(k, h) != nil {
		t.markRecent(h, gen)
		t.over.set(tombstone(k), h, gen)
		return
	}
	t.over.del(k, h, gen)
}

// compactMin is the fewest changes the trie holds before compact merges
// it into the table; compactShare the share of the table's keys it may
// hold beyond that (1/compactShare). At a million names that is about
// 16,000 changes: a merge every few blocks of a bulk load, each copying
// the table (some 45 MiB) once, while the trie stays small enough for
// the caches. (Variables for the tests.)
var (
	compactMin   = 256
	compactShare = 64
)

// compact merges the trie into a new flat table when it holds more than
// compactMin changes plus 1/compactShare of the table's keys. The caller
// is the builder that owns t, after its last change to any node: the
// table copies what the slots need of each node.
func (t *hashIndex) compact() {
	if t.over.len <= t.compactLimit() {
		return
	}
	t.base = t.base.merge(&t.over, t.len)
	t.over, t.recent = trie{}, nil
}

// compactLimit is the most changes the trie may hold after compact.
func (t *hashIndex) compactLimit() int {
	if t.base == nil {
		return compactMin
	}
	return compactMin + t.base.live/compactShare
}

// each calls fn for every live entry, in no particular order.
func (t *hashIndex) each(fn func(h uint64, nd *node)) {
	if t.base != nil {
		for i := range t.base.slots {
			s := &t.base.slots[i]
			if s.nd == nil {
				continue
			}
			h := keyHash(s.key())
			if t.over.len > 0 && t.over.get(s.nd.key(), h) != nil {
				continue // changed since: the trie has it
			}
			fn(h, s.nd)
		}
	}
	t.over.each(func(h uint64, nd *node) {
		if nd.flags&fGone == 0 {
			fn(h, nd)
		}
	})
}

// each calls fn for every leaf of the trie.
func (t *trie) each(fn func(h uint64, nd *node)) {
	var walk func(s *hslot)
	walk = func(s *hslot) {
		if s.leaf != nil {
			fn(s.h, s.leaf)
			return
		}
		for i := range s.kids {
			walk(&s.kids[i])
		}
	}
	walk(&t.root)
}

// A flat table is an open-addressing hash table in groups of eight slots,
// with a control word per group: a byte per slot, the low seven bits of
// the hash of its key (a tag), or ctrlEmpty, or ctrlGone for a slot whose
// key was taken out while merging. A key's home group is picked by the
// upper 32 bits of its hash; a lookup reads the home group's control
// word, then only the slots whose tag matches, then the next group while
// the group it read was full.
type flatTable struct {
	ctrl  []uint64
	slots []fslot
	live  int // keys
	used  int // slots not empty: keys and ctrlGone
}

// fslot is a slot of a flat table: the node, and what a query reads of
// it, so that a hit reads the slot and the node's data, not the node.
type fslot struct {
	data string // the node's data: key, name, records
	nd   *node  // nil: the slot is free
	// meta is the upper 40 bits of the key's hash, then the node's
	// flags, the length of its name and that of its key (a byte each).
	meta uint64
}

const (
	groupSlots = 8
	ctrlEmpty  = 0x80
	ctrlGone   = 0xfe
	lsbs       = 0x0101010101010101
	msbs       = 0x8080808080808080
	metaHash   = 0xffffffffff000000 // the bits of the hash in meta
	// A table is built for its keys to fill tableFill of its slots and is
	// rebuilt, rather than patched, when keys and ctrlGone slots would
	// fill more than tableFull (per 64).
	tableFill = 44
	tableFull = 56
)

// slotOf returns the slot for nd, of hash h.
func slotOf(nd *node, h uint64) fslot {
	return fslot{data: nd.data, nd: nd, meta: h&metaHash | uint64(nd.flags)<<16 | uint64(nd.nlen)<<8 | uint64(nd.klen)}
}

func (s *fslot) key() string      { return s.data[:uint8(s.meta)] }
func (s *fslot) sets() string     { return s.data[int(uint8(s.meta))+int(uint8(s.meta>>8)):] }
func (s *fslot) flags() uint8     { return uint8(s.meta >> 16) }
func (s *fslot) has(f uint8) bool { return s.flags()&f != 0 }
func (s *fslot) find(t uint16) rrset {
	return findSet(s.sets(), t)
}

// matchTag returns the bytes of w equal to tag (below 0x80) as their high
// bits; it may also report a byte above a matching one (a borrow), which
// the caller's check of the slot rules out.
func matchTag(w, tag uint64) uint64 {
	x := w ^ lsbs*tag
	return (x - lsbs) &^ x & msbs
}

// matchEmpty returns the bytes of w equal to ctrlEmpty as their high bits,
// exactly: ctrlEmpty has bit 1 clear, ctrlGone set, tags bit 7 clear.
func matchEmpty(w uint64) uint64 { return w &^ (w << 6) & msbs }

// home returns the home group of hash h.
func (f *flatTable) home(h uint64) uint64 { return (h >> 32) * uint64(len(f.ctrl)) >> 32 }

// find returns the slot of key k of hash h, or nil.
func (f *flatTable) find(k string, h uint64) *fslot {
	if i := f.index(k, h); i >= 0 {
		return &f.slots[i]
	}
	return nil
}

// index returns the index of the slot of key k of hash h, or -1.
func (f *flatTable) index(k string, h uint64) int {
	tag := h & 0x7f
	g := f.home(h)
	for range f.ctrl {
		w := f.ctrl[g]
		for m := matchTag(w, tag); m != 0; m &= m - 1 {
			i := g*groupSlots + uint64(bits.TrailingZeros64(m)>>3)
			if s := &f.slots[i]; s.meta&metaHash == h&metaHash && s.key() == k {
				return int(i)
			}
		}
		if matchEmpty(w) != 0 {
			return -1
		}
		if g++; g == uint64(len(f.ctrl)) {
			g = 0
		}
	}
	return -1
}

// keyHash is the hash of index keys that merge and each recompute for
// the keys of a table (a slot keeps only part of it). The tests that
// choose hashes of their own set it.
var keyHash = hashKey

// newFlatTable returns an empty table with room for n keys.
func newFlatTable(n int) *flatTable {
	groups := uint64(max(1, (n*64/tableFill+groupSlots-1)/groupSlots))
	f := &flatTable{ctrl: make([]uint64, groups), slots: make([]fslot, groups*groupSlots)}
	for i := range f.ctrl {
		f.ctrl[i] = lsbs * ctrlEmpty
	}
	f.adviseHuge()
	return f
}

// adviseHuge asks for the slots to be backed by huge pages (before they
// are written): at a million names they span some 45 MiB, and a lookup
// reads one at random.
func (f *flatTable) adviseHuge() {
	adviseHuge(unsafe.Pointer(unsafe.SliceData(f.slots)), uintptr(len(f.slots))*unsafe.Sizeof(fslot{})) //nolint:gosec // the slots' own address range, only passed to madvise
}

// full reports whether n more slots would fill the table beyond tableFull.
func (f *flatTable) full(n int) bool {
	return (f.used+n)*64 > len(f.slots)*tableFull
}

// put sets the slot of nd's key (of hash h) to nd: the key's slot if it
// has one, else the first free one on its probe sequence.
func (f *flatTable) put(nd *node, h uint64) {
	tag := h & 0x7f
	g := f.home(h)
	var free *fslot
	var freeCtrl *uint64
	var freeByte uint
	for range f.ctrl {
		w := f.ctrl[g]
		for m := matchTag(w, tag); m != 0; m &= m - 1 {
			s := &f.slots[g*groupSlots+uint64(bits.TrailingZeros64(m)>>3)]
			if s.nd != nil && s.meta&metaHash == h&metaHash && s.key() == nd.key() {
				*s = slotOf(nd, h)
				return
			}
		}
		if free == nil {
			// The first slot of the group that is empty or gone.
			if m := w & msbs; m != 0 {
				b := uint(bits.TrailingZeros64(m) >> 3)
				free, freeCtrl, freeByte = &f.slots[g*groupSlots+uint64(b)], &f.ctrl[g], b
			}
		}
		if matchEmpty(w) != 0 {
			break
		}
		if g++; g == uint64(len(f.ctrl)) {
			g = 0
		}
	}
	if free == nil {
		panic("zone: flat table full") // newFlatTable and merge keep it from filling up
	}
	if byte(*freeCtrl>>(8*freeByte)) == ctrlEmpty {
		f.used++
	}
	*freeCtrl = *freeCtrl&^(0xff<<(8*freeByte)) | tag<<(8*freeByte)
	*free = slotOf(nd, h)
	f.live++
}

// remove takes key k (of hash h) out, marking its slot ctrlGone.
func (f *flatTable) remove(k string, h uint64) {
	i := f.index(k, h)
	if i < 0 {
		return
	}
	g, b := uint64(i)/groupSlots, uint64(i)%groupSlots
	f.ctrl[g] = f.ctrl[g]&^(0xff<<(8*b)) | ctrlGone<<(8*b)
	f.slots[i] = fslot{}
	f.live--
}

// merge returns a table holding f's keys changed as over says (nodes
// replace or add keys, tombstones take them out), for live keys in all;
// f (nil: empty) is not changed. When the changes fit, the new table is a
// copy of f patched; otherwise it is built afresh, for tableFill.
func (f *flatTable) merge(over *trie, live int) *flatTable {
	if f != nil && !f.full(over.len) {
		return f.patched(over)
	}
	return f.rebuilt(over, live)
}

// patched returns a copy of f with over's changes.
func (f *flatTable) patched(over *trie) *flatTable {
	out := &flatTable{ctrl: slices.Clone(f.ctrl), slots: make([]fslot, len(f.slots)),
		live: f.live, used: f.used}
	out.adviseHuge()
	copy(out.slots, f.slots)
	over.each(func(h uint64, nd *node) {
		if nd.flags&fGone != 0 {
			out.remove(nd.key(), h)
		} else {
			out.put(nd, h)
		}
	})
	return out
}

// rebuilt returns a new table of f's keys (nil: none) with over's changes,
// live keys in all.
func (f *flatTable) rebuilt(over *trie, live int) *flatTable {
	out := newFlatTable(live)
	if f != nil {
		for i := range f.slots {
			s := &f.slots[i]
			if s.nd == nil {
				continue
			}
			h := keyHash(s.key())
			if over.len > 0 && over.get(s.key(), h) != nil {
				continue
			}
			out.put(s.nd, h)
		}
	}
	over.each(func(h uint64, nd *node) {
		if nd.flags&fGone == 0 {
			out.put(nd, h)
		}
	})
	return out
}

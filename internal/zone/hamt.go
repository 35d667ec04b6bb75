package zone

import (
	"hash/maphash"
	"math/bits"
	"slices"
	"unsafe"
)

// hashSeed seeds the hash of index keys. It is chosen per process: the
// hash index is never stored nor compared between processes, and a seed
// nobody knows keeps crafted names from piling into one trie path.
var hashSeed = maphash.MakeSeed()

func hashKey(k string) uint64 { return maphash.String(hashSeed, k) }

// keyView returns the bytes of b as a string, without copying them: the
// query path builds keys in a buffer and must not allocate a string for
// each probe. b must not change while the string is in use, and the
// string must not be kept (the index never keeps a key it is asked for).
func keyView(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) } //nolint:gosec // read-only view, not kept (above)

// The trie consumes hamtBits of the hash per level: 13 levels use all 64
// bits; keys whose hashes are equal share a collision list below that.
const (
	hamtBits = 5
	hamtMask = 1<<hamtBits - 1
)

// trie is a persistent hash array mapped trie from index key to node. It
// is copy-on-write like the rest of a snapshot: a builder changes only
// slot arrays it made itself (gen) and copies the path from the root to
// any other array it changes, so the published tries it started from stay
// as they were. Copying a trie value shares the whole trie. A hash index
// keeps in one the changes made since its flat table was built (see
// hashIndex).
type trie struct {
	root hslot // a subtrie, never a leaf
	len  int   // leaves
}

// hslot is a leaf (leaf set) or a subtrie. A subtrie's slot holds the
// bitmap of its occupied hash fragments and the array of their slots, in
// bit order, so that going down a level reads one array: the slot read
// from the level above already says where to look. Below the last level a
// subtrie lists the leaves of equal hash in any order (bitmap unused).
type hslot struct {
	// h is, for a leaf, the hash of its key; for a subtrie, the bitmap
	// (low 32 bits) and the builder generation that made kids and may
	// change it in place (high 32 bits).
	h    uint64
	kids []hslot
	leaf *node
}

func (s *hslot) bitmap() uint32 { return uint32(s.h) }
func (s *hslot) gen() uint32    { return uint32(s.h >> 32) }

// get returns the node with key k of hash h, or nil.
func (t *trie) get(k string, h uint64) *node {
	s := &t.root
	for shift := uint(0); ; shift += hamtBits {
		if s.leaf != nil {
			if s.h == h && s.leaf.key() == k {
				return s.leaf
			}
			return nil
		}
		if shift >= 64 {
			for i := range s.kids {
				if s.kids[i].leaf.key() == k {
					return s.kids[i].leaf
				}
			}
			return nil
		}
		bm := s.bitmap()
		bit := uint32(1) << (h >> shift & hamtMask)
		if bm&bit == 0 {
			return nil
		}
		s = &s.kids[bits.OnesCount32(bm&(bit-1))]
	}
}

// set puts nd in, in place of any node with its key. gen is the builder's.
func (t *trie) set(nd *node, h uint64, gen uint32) {
	var added bool
	t.root.with(nd, h, 0, gen, &added)
	if added {
		t.len++
	}
}

// del takes out the node with key k of hash h, if there is one.
func (t *trie) del(k string, h uint64, gen uint32) {
	if t.get(k, h) == nil {
		return
	}
	t.root.without(k, h, 0, gen)
	t.len--
}

// own makes s's array of slots one the builder gen may change, copying it
// (with room for extra more) unless gen made it.
func (s *hslot) own(gen uint32, extra int) {
	if s.gen() == gen {
		return
	}
	k := make([]hslot, len(s.kids), len(s.kids)+extra)
	copy(k, s.kids)
	s.kids = k
	s.h = uint64(s.bitmap()) | uint64(gen)<<32
}

// with puts nd (of hash h) into the subtrie s, which is at level shift
// and is itself changeable (in an array gen owns, or the root); added
// reports whether nd's key was new.
func (s *hslot) with(nd *node, h uint64, shift uint, gen uint32, added *bool) {
	if shift >= 64 {
		s.own(gen, 1)
		for i := range s.kids {
			if s.kids[i].leaf.key() == nd.key() {
				s.kids[i].leaf = nd
				return
			}
		}
		s.kids = append(s.kids, hslot{h: h, leaf: nd})
		*added = true
		return
	}
	bm := s.bitmap()
	bit := uint32(1) << (h >> shift & hamtMask)
	i := bits.OnesCount32(bm & (bit - 1))
	if bm&bit == 0 {
		// A new array of exactly one more slot: a trie of a million names
		// is mostly these arrays, and append's spare room would be a
		// third of them.
		k := make([]hslot, len(s.kids)+1)
		copy(k, s.kids[:i])
		k[i] = hslot{h: h, leaf: nd}
		copy(k[i+1:], s.kids[i:])
		s.kids = k
		s.h = uint64(bm|bit) | uint64(gen)<<32
		*added = true
		return
	}
	s.own(gen, 0)
	c := &s.kids[i]
	switch {
	case c.leaf == nil:
		c.with(nd, h, shift+hamtBits, gen, added)
	case c.leaf.key() == nd.key():
		c.leaf = nd
	default:
		// Two keys share the fragment: a subtrie for the old leaf and nd.
		old := *c
		*c = hslot{h: uint64(gen) << 32}
		var ignore bool
		c.with(old.leaf, old.h, shift+hamtBits, gen, &ignore)
		c.with(nd, h, shift+hamtBits, gen, added)
	}
}

// without takes the key k (of hash h, present) out of the subtrie s at
// level shift, which is changeable. A subtrie left empty is taken out of
// its parent; one left with a single leaf is replaced by the leaf.
func (s *hslot) without(k string, h uint64, shift uint, gen uint32) {
	if shift >= 64 {
		for i := range s.kids {
			if s.kids[i].leaf.key() == k {
				s.own(gen, 0)
				s.kids = slices.Delete(s.kids, i, i+1)
				return
			}
		}
		return
	}
	bm := s.bitmap()
	bit := uint32(1) << (h >> shift & hamtMask)
	if bm&bit == 0 {
		return
	}
	i := bits.OnesCount32(bm & (bit - 1))
	s.own(gen, 0)
	c := &s.kids[i]
	if c.leaf == nil {
		c.without(k, h, shift+hamtBits, gen)
		switch {
		case len(c.kids) == 1 && c.kids[0].leaf != nil:
			*c = c.kids[0]
			return
		case len(c.kids) > 0:
			return
		}
	} else if c.leaf.key() != k {
		return
	}
	s.kids = slices.Delete(s.kids, i, i+1)
	s.h &^= uint64(bit)
}

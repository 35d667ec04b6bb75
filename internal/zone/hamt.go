package zone

import (
	"hash/maphash"
	"math/bits"
	"slices"
)

// hashSeed seeds the hash of index keys. It is chosen per process: the
// hash index is never stored nor compared between processes, and a seed
// nobody knows keeps crafted names from piling into one trie path.
var hashSeed = maphash.MakeSeed()

func hashKey(k string) uint64      { return maphash.String(hashSeed, k) }
func hashKeyBytes(k []byte) uint64 { return maphash.Bytes(hashSeed, k) }

// The trie consumes hamtBits of the hash per level: 13 levels use all 64
// bits; keys whose hashes are equal share a collision node below that.
const (
	hamtBits = 5
	hamtMask = 1<<hamtBits - 1
)

// hashIndex is a persistent hash array mapped trie from index key to node:
// the exact-name lookups of a query cost a hash and a few pointer hops,
// whatever the size of the zone. It is copy-on-write like the rest of a
// snapshot: a builder changes only trie nodes it made itself (gen) and
// copies the path from the root to any other node it changes, so the
// published tries it started from stay as they were. Copying a hashIndex
// value shares the whole trie.
type hashIndex struct {
	root *hnode
	len  int
}

// hnode is one trie node: a bitmap of the occupied hash fragments and one
// slot per set bit, in bit order. Below the last level, a collision node
// lists leaves of equal hash in any order (bitmap unused).
type hnode struct {
	bitmap uint32
	gen    uint64
	slots  []hslot
}

// hslot is a leaf (a node of the index) or a subtrie: exactly one is set.
type hslot struct {
	leaf *node
	sub  *hnode
}

// get returns the node with key k of hash h, or nil.
func (t *hashIndex) get(k string, h uint64) *node {
	n := t.root
	for shift := uint(0); n != nil; shift += hamtBits {
		if shift >= 64 {
			for i := range n.slots {
				if n.slots[i].leaf.key == k {
					return n.slots[i].leaf
				}
			}
			return nil
		}
		bit := uint32(1) << (h >> shift & hamtMask)
		if n.bitmap&bit == 0 {
			return nil
		}
		s := &n.slots[bits.OnesCount32(n.bitmap&(bit-1))]
		if s.sub == nil {
			if s.leaf.hash == h && s.leaf.key == k {
				return s.leaf
			}
			return nil
		}
		n = s.sub
	}
	return nil
}

// getBytes is get for a key held in a byte slice: the query path builds
// keys in a buffer and must not allocate a string for each probe.
func (t *hashIndex) getBytes(k []byte, h uint64) *node {
	n := t.root
	for shift := uint(0); n != nil; shift += hamtBits {
		if shift >= 64 {
			for i := range n.slots {
				if n.slots[i].leaf.key == string(k) {
					return n.slots[i].leaf
				}
			}
			return nil
		}
		bit := uint32(1) << (h >> shift & hamtMask)
		if n.bitmap&bit == 0 {
			return nil
		}
		s := &n.slots[bits.OnesCount32(n.bitmap&(bit-1))]
		if s.sub == nil {
			if s.leaf.hash == h && s.leaf.key == string(k) {
				return s.leaf
			}
			return nil
		}
		n = s.sub
	}
	return nil
}

// set puts nd in, in place of any node with its key. gen is the builder's.
func (t *hashIndex) set(nd *node, gen uint64) {
	var added bool
	t.root = t.root.with(nd, 0, gen, &added)
	if added {
		t.len++
	}
}

// del takes out the node with key k of hash h, if there is one.
func (t *hashIndex) del(k string, h uint64, gen uint64) {
	if root, ok := t.root.without(k, h, 0, gen); ok {
		t.root = root
		t.len--
	}
}

// own returns n when the builder gen made it, else a copy it may change,
// with room for extra more slots.
func (n *hnode) own(gen uint64, extra int) *hnode {
	if n.gen == gen {
		return n
	}
	c := &hnode{bitmap: n.bitmap, gen: gen, slots: make([]hslot, len(n.slots), len(n.slots)+extra)}
	copy(c.slots, n.slots)
	return c
}

// with returns the trie n (at level shift) with nd put in; added reports
// whether nd's key was new.
func (n *hnode) with(nd *node, shift uint, gen uint64, added *bool) *hnode {
	if n == nil {
		*added = true
		c := &hnode{gen: gen, slots: []hslot{{leaf: nd}}}
		if shift < 64 {
			c.bitmap = 1 << (nd.hash >> shift & hamtMask)
		}
		return c
	}
	if shift >= 64 {
		c := n.own(gen, 1)
		for i := range c.slots {
			if c.slots[i].leaf.key == nd.key {
				c.slots[i].leaf = nd
				return c
			}
		}
		*added = true
		c.slots = append(c.slots, hslot{leaf: nd})
		return c
	}
	bit := uint32(1) << (nd.hash >> shift & hamtMask)
	i := bits.OnesCount32(n.bitmap & (bit - 1))
	if n.bitmap&bit == 0 {
		*added = true
		c := n.own(gen, 1)
		c.slots = slices.Insert(c.slots, i, hslot{leaf: nd})
		c.bitmap |= bit
		return c
	}
	s := n.slots[i]
	var repl hslot
	switch {
	case s.sub != nil:
		repl.sub = s.sub.with(nd, shift+hamtBits, gen, added)
	case s.leaf.key == nd.key:
		repl.leaf = nd
	default:
		// Two keys share the fragment: push the old leaf down beside nd.
		var ignore bool
		sub := (*hnode)(nil).with(s.leaf, shift+hamtBits, gen, &ignore)
		repl.sub = sub.with(nd, shift+hamtBits, gen, added)
	}
	c := n.own(gen, 0)
	c.slots[i] = repl
	return c
}

// without returns the trie n (at level shift) without the key k, and
// whether it was there. An emptied trie is nil; a subtrie left with one
// leaf is replaced by the leaf.
func (n *hnode) without(k string, h uint64, shift uint, gen uint64) (*hnode, bool) {
	if n == nil {
		return nil, false
	}
	if shift >= 64 {
		for i := range n.slots {
			if n.slots[i].leaf.key == k {
				if len(n.slots) == 1 {
					return nil, true
				}
				c := n.own(gen, 0)
				c.slots = slices.Delete(c.slots, i, i+1)
				return c, true
			}
		}
		return n, false
	}
	bit := uint32(1) << (h >> shift & hamtMask)
	if n.bitmap&bit == 0 {
		return n, false
	}
	i := bits.OnesCount32(n.bitmap & (bit - 1))
	s := n.slots[i]
	var repl hslot
	if s.sub == nil {
		if s.leaf.key != k {
			return n, false
		}
	} else {
		sub, ok := s.sub.without(k, h, shift+hamtBits, gen)
		if !ok {
			return n, false
		}
		switch {
		case sub == nil:
		case len(sub.slots) == 1 && sub.slots[0].sub == nil:
			repl.leaf = sub.slots[0].leaf
		default:
			repl.sub = sub
		}
	}
	if repl.leaf == nil && repl.sub == nil {
		if len(n.slots) == 1 {
			return nil, true
		}
		c := n.own(gen, 0)
		c.slots = slices.Delete(c.slots, i, i+1)
		c.bitmap &^= bit
		return c, true
	}
	c := n.own(gen, 0)
	c.slots[i] = repl
	return c, true
}

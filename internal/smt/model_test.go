package smt

import (
	"bytes"
	"crypto/sha256"
	"math/rand"
	"slices"
	"testing"
)

// model is the reference: a plain map from key to value hash, with a root
// computed naively from the recursive definition of the compact tree.
type model map[Hash]Hash

func (m model) apply(ops []Op) {
	for _, op := range ops {
		if op.Delete {
			delete(m, op.Key)
		} else {
			m[op.Key] = op.Value
		}
	}
}

func (m model) clone() model {
	c := make(model, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (m model) leaves() []Leaf {
	ls := make([]Leaf, 0, len(m))
	for k, v := range m {
		ls = append(ls, Leaf{Key: k, Value: v})
	}
	slices.SortFunc(ls, func(a, b Leaf) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	return ls
}

func (m model) root() Hash { return naiveRoot(m.leaves(), 0) }

// naiveRoot is written independently of the package's code: it filters by
// bit with plain loops and hashes with sha256.New.
func naiveRoot(leaves []Leaf, depth int) Hash {
	switch len(leaves) {
	case 0:
		return Hash{}
	case 1:
		h := sha256.New()
		h.Write([]byte{0})
		h.Write(leaves[0].Key[:])
		h.Write(leaves[0].Value[:])
		return Hash(h.Sum(nil))
	}
	var left, right []Leaf
	for _, l := range leaves {
		if (l.Key[depth/8]<<(depth%8))&0x80 == 0 {
			left = append(left, l)
		} else {
			right = append(right, l)
		}
	}
	lh, rh := naiveRoot(left, depth+1), naiveRoot(right, depth+1)
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(lh[:])
	h.Write(rh[:])
	return Hash(h.Sum(nil))
}

// checkTree compares tree with the model: root, length, every key, walk
// order, some absent keys, and the structural invariants of the nodes.
func checkTree(t *testing.T, tree *Tree, m model) {
	t.Helper()
	if got, want := tree.Len(), len(m); got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
	if got, want := tree.Root(), m.root(); got != want {
		t.Fatalf("Root = %x, want %x", got, want)
	}
	want := m.leaves()
	var got []Leaf
	tree.Walk(func(l Leaf) bool { got = append(got, l); return true })
	if !slices.Equal(got, want) {
		t.Fatalf("Walk returned %d leaves, want %d (or wrong order/content)", len(got), len(want))
	}
	for _, l := range want {
		v, ok := tree.Get(l.Key)
		if !ok || v != l.Value {
			t.Fatalf("Get(%x) = %x, %v; want %x, true", l.Key, v, ok, l.Value)
		}
		// Neighbours differing in the last bit are usually absent.
		k := l.Key
		k[31] ^= 1
		if _, present := m[k]; !present {
			if _, ok := tree.Get(k); ok {
				t.Fatalf("Get(%x) found an absent key", k)
			}
		}
	}
	var root ref
	if tree != nil {
		root = tree.root
	}
	if n := checkNode(t, root, 0, Hash{}); n != len(m) {
		t.Fatalf("structure holds %d leaves, want %d", n, len(m))
	}
}

// checkNode verifies the compact-form invariants below r (at depth, with
// path prefix given by the first depth bits of prefix) and returns the
// number of leaves.
func checkNode(t *testing.T, r ref, depth int, prefix Hash) int {
	t.Helper()
	switch {
	case r.in != nil && r.lf != nil:
		t.Fatalf("ref with both pointers at depth %d", depth)
	case r.lf != nil:
		if commonPrefixLen(&r.lf.key, &prefix) < depth {
			t.Fatalf("leaf %x at depth %d is off its path", r.lf.key, depth)
		}
		if r.lf.hash != hashLeaf(&r.lf.key, &r.lf.value) {
			t.Fatalf("stale leaf hash at depth %d", depth)
		}
		return 1
	case r.in != nil:
		if depth >= MaxDepth {
			t.Fatalf("inner node at depth %d", depth)
		}
		lh, rh := r.in.child[0].hash(), r.in.child[1].hash()
		if r.in.hash != hashInner(&lh, &rh) {
			t.Fatalf("stale inner hash at depth %d", depth)
		}
		rp := prefix
		rp[depth/8] |= 0x80 >> (depth % 8)
		n := checkNode(t, r.in.child[0], depth+1, prefix) + checkNode(t, r.in.child[1], depth+1, rp)
		if n < 2 {
			t.Fatalf("inner node at depth %d holds %d leaves", depth, n)
		}
		return n
	}
	return 0
}

// Key generators.

func randHash(rng *rand.Rand) Hash {
	var h Hash
	rng.Read(h[:])
	return h
}

// keyFamily returns n keys that share long prefixes: a base key with one of
// a few chosen bits (including the last one) flipped, or two of them.
func keyFamily(rng *rand.Rand, n int) []Hash {
	base := randHash(rng)
	positions := []int{0, 1, 7, 8, 100, 200, 250, 254, 255}
	keys := []Hash{base}
	for len(keys) < n {
		k := base
		for j := rng.Intn(3); j >= 0; j-- {
			p := positions[rng.Intn(len(positions))]
			k[p/8] ^= 0x80 >> (p % 8)
		}
		keys = append(keys, k)
	}
	return keys
}

// lastBitPair returns two keys that differ only in the last bit.
func lastBitPair(rng *rand.Rand) (Hash, Hash) {
	a := randHash(rng)
	a[31] &^= 1
	b := a
	b[31] |= 1
	return a, b
}

func sortedLeaves(ls []Leaf) []Leaf {
	ls = slices.Clone(ls)
	slices.SortFunc(ls, func(a, b Leaf) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	return ls
}

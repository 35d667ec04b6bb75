package smt

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// ErrNotSorted is returned by Build when the leaves are not sorted strictly
// ascending by key (which includes duplicate keys).
var ErrNotSorted = errors.New("smt: leaves not sorted strictly ascending by key")

// Leaf is one (key, value hash) pair stored in the tree.
type Leaf struct {
	Key   Hash
	Value Hash
}

// Op is one change in a batch given to Tree.Apply: set Key to Value, or,
// when Delete is true, remove Key (Value is then ignored).
type Op struct {
	Key    Hash
	Value  Hash
	Delete bool
}

// leaf is a leaf node. Its hash is cached because every parent rehash and
// every proof needs it.
type leaf struct {
	hash  Hash
	key   Hash
	value Hash
}

// inner is an inner node: a subtree holding at least two leaves. 64 bytes.
type inner struct {
	hash  Hash
	child [2]ref
}

// ref points to a subtree: an inner node, a leaf, or (both nil) nothing,
// which is the empty subtree. At most one of the two pointers is set.
type ref struct {
	in *inner
	lf *leaf
}

func (r ref) isEmpty() bool { return r.in == nil && r.lf == nil }

// hash returns the hash of the subtree r points to.
func (r ref) hash() Hash {
	switch {
	case r.in != nil:
		return r.in.hash
	case r.lf != nil:
		return r.lf.hash
	}
	return Hash{}
}

func newLeaf(key, value Hash) ref {
	return ref{lf: &leaf{hash: hashLeaf(&key, &value), key: key, value: value}}
}

// join returns the compact subtree whose children are l and r: empty if both
// are empty, the leaf itself if one side is a single leaf and the other side
// is empty, and otherwise a new inner node (hashed once, here).
func join(l, r ref) ref {
	if l.isEmpty() {
		if r.in == nil {
			return r
		}
	} else if r.isEmpty() && l.in == nil {
		return l
	}
	lh, rh := l.hash(), r.hash()
	return ref{in: &inner{hash: hashInner(&lh, &rh), child: [2]ref{l, r}}}
}

// Tree is one immutable version of the sparse Merkle tree. The zero value
// and a nil *Tree are the empty tree. A Tree is never modified after it has
// been returned, so any number of goroutines may read it concurrently, also
// while other goroutines derive new versions from it with Apply.
type Tree struct {
	root ref
	n    int
}

// Root returns the root hash of the tree (Empty for the empty tree). It
// depends only on the set of (key, value hash) pairs in the tree.
func (t *Tree) Root() Hash {
	if t == nil {
		return Hash{}
	}
	return t.root.hash()
}

// Len returns the number of leaves (keys) in the tree.
func (t *Tree) Len() int {
	if t == nil {
		return 0
	}
	return t.n
}

// Get returns the value hash stored under key, and whether key is present.
func (t *Tree) Get(key Hash) (value Hash, ok bool) {
	if t == nil {
		return Hash{}, false
	}
	r := t.root
	for depth := 0; ; depth++ {
		switch {
		case r.lf != nil:
			if r.lf.key == key {
				return r.lf.value, true
			}
			return Hash{}, false
		case r.in == nil:
			return Hash{}, false
		case depth >= MaxDepth:
			panic("smt: internal error: inner node at depth 256")
		}
		r = r.in.child[bitAt(&key, depth)]
	}
}

// Walk calls fn for every leaf in ascending key order and stops early when fn
// returns false.
func (t *Tree) Walk(fn func(Leaf) bool) {
	if t == nil {
		return
	}
	walk(t.root, fn)
}

func walk(r ref, fn func(Leaf) bool) bool {
	switch {
	case r.lf != nil:
		return fn(Leaf{Key: r.lf.key, Value: r.lf.value})
	case r.in != nil:
		return walk(r.in.child[0], fn) && walk(r.in.child[1], fn)
	}
	return true
}

// Subtrees at a depth below parallelDepth with at least parallelMin leaves
// (Build) or ops (Apply) are processed on their own goroutine. The result
// does not depend on scheduling: each goroutine builds a disjoint subtree.
const (
	parallelDepth   = 3
	parallelMinLeaf = 1 << 14
	parallelMinOps  = 1 << 10
)

// Build returns a tree holding exactly the given leaves, which must be sorted
// strictly ascending by key (compared as big-endian byte strings); otherwise
// it returns an error wrapping ErrNotSorted. It runs in O(n) time and hashes
// every node once. The leaves slice is not retained.
func Build(leaves []Leaf) (*Tree, error) {
	for i := 1; i < len(leaves); i++ {
		if bytes.Compare(leaves[i-1].Key[:], leaves[i].Key[:]) >= 0 {
			return nil, fmt.Errorf("%w: leaf %d is not greater than leaf %d", ErrNotSorted, i, i-1)
		}
	}
	return &Tree{root: build(leaves, 0, runtime.GOMAXPROCS(0) > 1), n: len(leaves)}, nil
}

// build returns the compact subtree at the given depth holding leaves, which
// are sorted, distinct and share their first depth bits.
func build(leaves []Leaf, depth int, par bool) ref {
	switch len(leaves) {
	case 0:
		return ref{}
	case 1:
		return newLeaf(leaves[0].Key, leaves[0].Value)
	}
	if depth >= MaxDepth {
		panic("smt: internal error: distinct keys share 256 bits")
	}
	split := sort.Search(len(leaves), func(i int) bool { return bitAt(&leaves[i].Key, depth) == 1 })
	if par && depth < parallelDepth && len(leaves) >= parallelMinLeaf {
		return buildParallel(leaves, split, depth)
	}
	return join(build(leaves[:split], depth+1, par), build(leaves[split:], depth+1, par))
}

// buildParallel is build's parallel step, kept apart so that the variables
// its goroutine captures are not heap-allocated on the sequential path.
func buildParallel(leaves []Leaf, split, depth int) ref {
	var l ref
	var wg sync.WaitGroup
	wg.Go(func() { l = build(leaves[:split], depth+1, true) })
	r := build(leaves[split:], depth+1, true)
	wg.Wait()
	return join(l, r)
}

// Apply returns a new tree: t with the batch of ops applied. t itself is not
// modified and stays valid for concurrent readers; the new tree shares every
// untouched subtree with t. The ops may come in any order; when a key occurs
// several times the last op for it wins. Deleting an absent key is a no-op.
// The ops slice is neither modified nor retained.
//
// The batch is sorted once and applied in a single recursive pass, so each
// touched node is copied and hashed exactly once: the cost is roughly
// O(m log m + m·(log n − log m)) hashes for m ops into n leaves.
func (t *Tree) Apply(ops []Op) *Tree {
	var root ref
	n := 0
	if t != nil {
		root, n = t.root, t.n
	}
	if len(ops) == 0 {
		return &Tree{root: root, n: n}
	}
	sorted := normalizeOps(ops)
	newRoot, delta := apply(root, 0, sorted, runtime.GOMAXPROCS(0) > 1)
	return &Tree{root: newRoot, n: n + delta}
}

// normalizeOps returns a sorted copy of ops with one op per key: the last one
// given for that key.
func normalizeOps(ops []Op) []Op {
	s := slices.Clone(ops)
	slices.SortStableFunc(s, func(a, b Op) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	out := s[:0]
	for i := range s {
		if i+1 < len(s) && s[i+1].Key == s[i].Key {
			continue // a later op for the same key wins
		}
		out = append(out, s[i])
	}
	return out
}

// splitOps returns the index of the first op whose key has bit depth set.
// The ops are sorted and share their first depth bits.
func splitOps(ops []Op, depth int) int {
	return sort.Search(len(ops), func(i int) bool { return bitAt(&ops[i].Key, depth) == 1 })
}

// apply applies the sorted, de-duplicated ops (whose keys all share the first
// depth bits with the subtree's position) to the subtree r at depth. It
// returns the new subtree and the change in the number of leaves. If nothing
// changes it returns r itself.
func apply(r ref, depth int, ops []Op, par bool) (ref, int) {
	if len(ops) == 0 {
		return r, 0
	}
	switch {
	case r.in != nil:
		if depth >= MaxDepth {
			panic("smt: internal error: inner node at depth 256")
		}
		split := splitOps(ops, depth)
		old := &r.in.child
		var l, rr ref
		var dl, dr int
		if par && depth < parallelDepth && len(ops) >= parallelMinOps {
			l, dl, rr, dr = applyParallel(old, depth, ops, split)
		} else {
			l, dl = apply(old[0], depth+1, ops[:split], par)
			rr, dr = apply(old[1], depth+1, ops[split:], par)
		}
		if l == old[0] && rr == old[1] {
			return r, 0
		}
		return join(l, rr), dl + dr

	case r.lf != nil:
		if len(ops) == 1 && ops[0].Key == r.lf.key {
			op := &ops[0]
			switch {
			case op.Delete:
				return ref{}, -1
			case op.Value == r.lf.value:
				return r, 0
			}
			return newLeaf(op.Key, op.Value), 0
		}
		// Push the leaf one level down, next to the ops, as if r were an
		// inner node with the leaf on one side and nothing on the other.
		// join collapses the result back into compact form.
		if depth >= MaxDepth {
			panic("smt: internal error: distinct keys share 256 bits")
		}
		split := splitOps(ops, depth)
		var old [2]ref
		old[bitAt(&r.lf.key, depth)] = r
		l, dl := apply(old[0], depth+1, ops[:split], par)
		rr, dr := apply(old[1], depth+1, ops[split:], par)
		if l == old[0] && rr == old[1] {
			return r, 0
		}
		return join(l, rr), dl + dr

	default: // empty subtree: build it from the insertions
		if len(ops) == 1 {
			if ops[0].Delete {
				return r, 0
			}
			return newLeaf(ops[0].Key, ops[0].Value), 1
		}
		leaves := make([]Leaf, 0, len(ops))
		for i := range ops {
			if !ops[i].Delete {
				leaves = append(leaves, Leaf{Key: ops[i].Key, Value: ops[i].Value})
			}
		}
		return build(leaves, depth, par), len(leaves)
	}
}

// applyParallel applies ops[:split] to the left child and ops[split:] to the
// right child on two goroutines.
func applyParallel(kids *[2]ref, depth int, ops []Op, split int) (l ref, dl int, r ref, dr int) {
	var wg sync.WaitGroup
	wg.Go(func() { l, dl = apply(kids[0], depth+1, ops[:split], true) })
	r, dr = apply(kids[1], depth+1, ops[split:], true)
	wg.Wait()
	return l, dl, r, dr
}

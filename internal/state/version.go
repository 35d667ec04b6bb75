package state

import (
	"bytes"
	"crypto/sha256"
	"sort"

	"github.com/google/btree"

	"github.com/dii-net/dii/internal/smt"
)

// Reader is read access to a state: a committed Version or an Overlay.
type Reader interface {
	// Get returns the value stored at key.
	Get(key []byte) ([]byte, bool)
	// Iterate calls fn for each key in [start, end) in ascending order
	// until fn returns false. A nil end means no upper bound.
	Iterate(start, end []byte, fn func(key, value []byte) bool)
}

type item struct {
	key string
	val []byte
}

func itemLess(a, b item) bool { return a.key < b.key }

// Version is one committed, immutable state. It is safe for concurrent use.
type Version struct {
	height int64
	time   int64 // block time, Unix seconds; not part of the root
	kv     *btree.BTreeG[item]
	tree   *smt.Tree
}

// Empty returns the empty state at height 0.
func Empty() *Version {
	return &Version{kv: btree.NewG[item](32, itemLess), tree: &smt.Tree{}}
}

// Height is the block height this state is the result of.
func (v *Version) Height() int64 { return v.height }

// Time is the time of the block this state is the result of, in Unix
// seconds (0 when not known). It is not part of the Merkle root.
func (v *Version) Time() int64 { return v.time }

// Root is the app hash: the root of the Merkle tree over all keys.
func (v *Version) Root() [32]byte { return v.tree.Root() }

// Len is the number of keys.
func (v *Version) Len() int { return v.kv.Len() }

// Get implements Reader.
func (v *Version) Get(key []byte) ([]byte, bool) {
	it, ok := v.kv.Get(item{key: string(key)})
	if !ok {
		return nil, false
	}
	return it.val, true
}

// Iterate implements Reader.
func (v *Version) Iterate(start, end []byte, fn func(key, value []byte) bool) {
	v.kv.AscendGreaterOrEqual(item{key: string(start)}, func(it item) bool {
		if end != nil && it.key >= string(end) {
			return false
		}
		return fn([]byte(it.key), it.val)
	})
}

// Prove returns key's value (nil if absent) and a Merkle proof of its
// presence or absence against Root.
func (v *Version) Prove(key []byte) ([]byte, *smt.Proof) {
	val, _ := v.Get(key)
	return val, v.tree.Prove(KeyHash(key))
}

// KeyHash is the Merkle tree path of a state key.
func KeyHash(key []byte) smt.Hash { return sha256.Sum256(key) }

// ValueHash is what the Merkle tree stores for a value.
func ValueHash(value []byte) smt.Hash { return sha256.Sum256(value) }

// Change is one key's new value; a nil Value deletes the key.
type Change struct {
	Key   []byte
	Value []byte
}

// Next applies changes and returns the state at height. v is unchanged.
func (v *Version) Next(height int64, changes []Change) *Version {
	return v.NextAt(height, 0, changes)
}

// NextAt is Next for a block with the given time (Unix seconds).
func (v *Version) NextAt(height, blockTime int64, changes []Change) *Version {
	kv := v.kv.Clone()
	ops := make([]smt.Op, 0, len(changes))
	for _, c := range changes {
		if c.Value == nil {
			kv.Delete(item{key: string(c.Key)})
			ops = append(ops, smt.Op{Key: KeyHash(c.Key), Delete: true})
			continue
		}
		kv.ReplaceOrInsert(item{key: string(c.Key), val: c.Value})
		ops = append(ops, smt.Op{Key: KeyHash(c.Key), Value: ValueHash(c.Value)})
	}
	return &Version{height: height, time: blockTime, kv: kv, tree: v.tree.Apply(ops)}
}

// build makes a Version from every key and value, as read from disk.
func build(height int64, items []item) (*Version, error) {
	kv := btree.NewG[item](32, itemLess)
	leaves := make([]smt.Leaf, 0, len(items))
	for _, it := range items {
		kv.ReplaceOrInsert(it)
		leaves = append(leaves, smt.Leaf{Key: KeyHash([]byte(it.key)), Value: ValueHash(it.val)})
	}
	sort.Slice(leaves, func(i, j int) bool { return bytes.Compare(leaves[i].Key[:], leaves[j].Key[:]) < 0 })
	tree, err := smt.Build(leaves)
	if err != nil {
		return nil, err
	}
	return &Version{height: height, kv: kv, tree: tree}, nil
}

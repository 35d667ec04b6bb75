package state

import (
	"bytes"
	"slices"

	"github.com/google/btree"
)

// Overlay holds pending changes over a base Reader. It is not safe for
// concurrent use, reads included (Iterate may build its key index).
type Overlay struct {
	base   Reader
	writes map[string][]byte // nil value: deleted
	// keys holds the keys of writes in order, so that Iterate costs the
	// changes in its range, not all of them: a block's overlay holds every
	// write of the block so far, and a transaction may iterate a small
	// range of it many times. It is made at the first Iterate (a
	// transaction's own overlay is mostly only written) and kept up to
	// date after.
	keys *btree.BTreeG[string]
}

// NewOverlay starts an empty set of changes over base.
func NewOverlay(base Reader) *Overlay {
	return &Overlay{base: base, writes: make(map[string][]byte)}
}

// Get implements Reader.
func (o *Overlay) Get(key []byte) ([]byte, bool) {
	if v, ok := o.writes[string(key)]; ok {
		return v, v != nil
	}
	return o.base.Get(key)
}

// Set stores value at key. A nil value is stored as empty.
func (o *Overlay) Set(key, value []byte) {
	if value == nil {
		value = []byte{}
	}
	o.put(string(key), value)
}

// Delete removes key.
func (o *Overlay) Delete(key []byte) { o.put(string(key), nil) }

// put records a write (nil: a deletion).
func (o *Overlay) put(k string, v []byte) {
	if _, ok := o.writes[k]; !ok && o.keys != nil {
		o.keys.ReplaceOrInsert(k)
	}
	o.writes[k] = v
}

// ascend calls fn for the written keys in [start, end) (end nil: no
// bound), in order, until fn returns false.
func (o *Overlay) ascend(start, end []byte, fn func(k string) bool) {
	if o.keys == nil {
		o.keys = btree.NewOrderedG[string](16)
		for k := range o.writes {
			o.keys.ReplaceOrInsert(k)
		}
	}
	if end == nil {
		o.keys.AscendGreaterOrEqual(string(start), fn)
		return
	}
	o.keys.AscendRange(string(start), string(end), fn)
}

// Len is the number of pending changes.
func (o *Overlay) Len() int { return len(o.writes) }

// Iterate implements Reader, merging pending changes with the base.
func (o *Overlay) Iterate(start, end []byte, fn func(key, value []byte) bool) {
	var keys []string
	o.ascend(start, end, func(k string) bool { keys = append(keys, k); return true })
	i := 0
	stopped := false
	o.base.Iterate(start, end, func(k, v []byte) bool {
		for i < len(keys) && keys[i] < string(k) {
			if w := o.writes[keys[i]]; w != nil && !fn([]byte(keys[i]), w) {
				stopped = true
				return false
			}
			i++
		}
		if i < len(keys) && keys[i] == string(k) {
			w := o.writes[keys[i]]
			i++
			if w == nil {
				return true
			}
			v = w
		}
		if !fn(k, v) {
			stopped = true
			return false
		}
		return true
	})
	for ; !stopped && i < len(keys); i++ {
		if w := o.writes[keys[i]]; w != nil && !fn([]byte(keys[i]), w) {
			return
		}
	}
}

// WriteTo moves the pending changes into another overlay.
func (o *Overlay) WriteTo(dst *Overlay) {
	for k, v := range o.writes {
		dst.put(k, v)
	}
}

// Changes returns the pending changes sorted by key, ready for
// Version.Next.
func (o *Overlay) Changes() []Change {
	out := make([]Change, 0, len(o.writes))
	if o.keys != nil {
		o.keys.Ascend(func(k string) bool {
			out = append(out, Change{Key: []byte(k), Value: o.writes[k]})
			return true
		})
		return out
	}
	// Nothing iterated: sorting once costs less than building the index
	// nobody will read again.
	for k, v := range o.writes {
		out = append(out, Change{Key: []byte(k), Value: v})
	}
	slices.SortFunc(out, func(a, b Change) int { return bytes.Compare(a.Key, b.Key) })
	return out
}

// PrefixEnd returns the smallest key greater than every key with prefix p,
// or nil when there is none.
func PrefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

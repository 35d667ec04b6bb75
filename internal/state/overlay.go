package state

import (
	"bytes"
	"sort"
)

// Overlay holds pending changes over a base Reader. It is not safe for
// concurrent use.
type Overlay struct {
	base   Reader
	writes map[string][]byte // nil value: deleted
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
	o.writes[string(key)] = value
}

// Delete removes key.
func (o *Overlay) Delete(key []byte) { o.writes[string(key)] = nil }

// Len is the number of pending changes.
func (o *Overlay) Len() int { return len(o.writes) }

// Iterate implements Reader, merging pending changes with the base.
func (o *Overlay) Iterate(start, end []byte, fn func(key, value []byte) bool) {
	var keys []string
	for k := range o.writes {
		if k >= string(start) && (end == nil || k < string(end)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
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
		dst.writes[k] = v
	}
}

// Changes returns the pending changes sorted by key, ready for
// Version.Next.
func (o *Overlay) Changes() []Change {
	out := make([]Change, 0, len(o.writes))
	for k, v := range o.writes {
		out = append(out, Change{Key: []byte(k), Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Key, out[j].Key) < 0 })
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

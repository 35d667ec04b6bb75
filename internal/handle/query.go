package handle

import (
	"fmt"

	"github.com/dii-net/dii/internal/state"
)

// MaxAliasDepth bounds how many HS_ALIAS values Resolve follows.
const MaxAliasDepth = 8

// Alias is the target of the record's first HS_ALIAS value (lowest
// index), if it has one.
func (r *Record) Alias() (string, bool) {
	for i := range r.Values {
		if r.Values[i].Type == TypeAlias {
			return string(r.Values[i].Data), true
		}
	}
	return "", false
}

// Resolve reads handle s and, while the record it reaches holds an
// HS_ALIAS value, the handle that value names, as a Handle System client
// follows aliases. It returns the last record and every handle visited,
// s first. A chain that comes back to a handle already visited fails with
// ErrAliasLoop, one of more than MaxAliasDepth aliases with ErrAliasDepth,
// and a dangling alias with ErrNotFound.
func Resolve(r state.Reader, s string) (*Record, []string, error) {
	chain := []string{s}
	seen := map[string]bool{}
	for {
		h, err := Parse(s)
		if err != nil {
			return nil, chain, err
		}
		seen[h.Key()] = true
		rec, err := get(r, h)
		if err != nil {
			return nil, chain, err
		}
		target, ok := rec.Alias()
		if !ok {
			return rec, chain, nil
		}
		t, err := Parse(target)
		if err != nil {
			return nil, chain, fmt.Errorf("%w: %s is an alias of %q: %v", ErrInvalidValue, h, target, err)
		}
		if seen[t.Key()] {
			return nil, append(chain, target), fmt.Errorf("%w: %s leads back to %s", ErrAliasLoop, h, target)
		}
		if len(chain) > MaxAliasDepth {
			return nil, chain, fmt.Errorf("%w: more than %d aliases from %s", ErrAliasDepth, MaxAliasDepth, chain[0])
		}
		chain = append(chain, target)
		s = target
	}
}

// List returns up to limit handles under prefix (all prefixes when prefix
// is NAPrefix) in key order, starting after the handle after (exclusive;
// "" for the first page), and the cursor of the next page ("" at the end).
func List(r state.Reader, prefix, after string, limit int) ([]*Record, string, error) {
	if limit < 1 {
		return nil, "", fmt.Errorf("%w: a page of %d handles", ErrInvalidValue, limit)
	}
	if err := CheckPrefix(prefix); err != nil {
		return nil, "", err
	}
	base := KeyPrefix + Fold(prefix) + "/"
	start := []byte(base)
	if after != "" {
		h, err := Parse(after)
		if err != nil {
			return nil, "", err
		}
		if !EqualFold(h.Prefix, prefix) {
			return nil, "", fmt.Errorf("%w: the cursor %s is not under %s", ErrInvalidHandle, after, prefix)
		}
		start = append(Key(h), 0)
	}
	var out []*Record
	var next string
	var derr error
	r.Iterate(start, state.PrefixEnd([]byte(base)), func(_, v []byte) bool {
		if len(out) == limit {
			next = out[len(out)-1].Handle
			return false
		}
		rec, err := Decode(v)
		if err != nil {
			derr = err
			return false
		}
		out = append(out, rec)
		return true
	})
	return out, next, derr
}

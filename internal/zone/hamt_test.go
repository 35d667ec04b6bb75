package zone

import (
	"fmt"
	"maps"
	"math/rand"
	"testing"
)

// TestHashIndex changes a hash index at random, version after version,
// merging its trie into its flat table now and then, and checks every
// version against a map, also after later versions were derived from it.
// Hashes are drawn from small sets so that keys share fragments at every
// level of the trie, home groups and tags in the table, and collide on
// all 64 bits.
func TestHashIndex(t *testing.T) {
	for _, hashes := range []int{1, 3, 64, 1 << 62} {
		t.Run(fmt.Sprint("hashes=", hashes), func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(hashes)))
			hashOf := map[string]uint64{}
			hash := func(k string) uint64 {
				if h, ok := hashOf[k]; ok {
					return h
				}
				h := uint64(rng.Int63n(int64(hashes)))
				if hashes > 64 {
					h = rng.Uint64()
				}
				hashOf[k] = h
				return h
			}
			type version struct {
				idx  hashIndex
				want map[string]*node
			}
			var versions []version
			defer func(min, share int) { keyHash, compactMin, compactShare = hashKey, min, share }(compactMin, compactShare)
			keyHash = hash
			cur := hashIndex{}
			want := map[string]*node{}
			for v := 0; v < 40; v++ {
				gen := genCounter.Add(1)
				for i := 0; i < 1+rng.Intn(60); i++ {
					k := fmt.Sprint("k", rng.Intn(150))
					if rng.Intn(3) == 0 {
						cur.del(k, hash(k), gen)
						delete(want, k)
						continue
					}
					n := probe(k)
					cur.set(n, hash(k), gen)
					want[k] = n
				}
				// Merge the trie into a table now and then, sometimes
				// patching the table, sometimes building it afresh.
				switch rng.Intn(4) {
				case 0:
					compactMin, compactShare = 0, 1<<30
					cur.compact()
				case 1:
					compactMin, compactShare = 1<<30, 1
					cur.base = cur.base.merge(&cur.over, cur.len)
					cur.over, cur.recent = trie{}, nil
				}
				checkHashIndex(t, &cur)
				versions = append(versions, version{cur, maps.Clone(want)})
				for j, ver := range versions {
					if ver.idx.len != len(ver.want) {
						t.Fatalf("version %d after %d: len %d, want %d", j, v, ver.idx.len, len(ver.want))
					}
					for i := 0; i < 160; i++ {
						k := fmt.Sprint("k", i)
						got := ver.idx.get(k, hash(k))
						if got != ver.want[k] {
							t.Fatalf("version %d after %d: %s is %p, want %p", j, v, k, got, ver.want[k])
						}
						if r, ok := ver.idx.lookup(k, hash(k)); ok != (got != nil) || r.nd != got {
							t.Fatalf("lookup(%s) differs from get", k)
						}
					}
				}
			}
		})
	}
}

// checkHashIndex checks the invariants of a hash index: the trie's shape,
// the flat table's control bytes, counts and slots, and the count of
// live keys.
func checkHashIndex(tb testing.TB, t *hashIndex) {
	tb.Helper()
	var walk func(sl *hslot, depth int) int
	walk = func(sl *hslot, depth int) int {
		if sl.leaf != nil {
			return 1
		}
		if depth > 0 && len(sl.kids) == 0 {
			tb.Errorf("an empty subtrie at depth %d", depth)
		}
		n := 0
		for i := range sl.kids {
			n += walk(&sl.kids[i], depth+1)
		}
		return n
	}
	if leaves := walk(&t.over.root, 0); leaves != t.over.len {
		tb.Errorf("trie: %d leaves, len %d", leaves, t.over.len)
	}
	t.over.each(func(h uint64, nd *node) {
		if !t.inRecent(h) {
			tb.Errorf("%q: in the trie, not in recent", nd.key())
		}
	})
	live := 0
	t.each(func(h uint64, nd *node) {
		live++
		if nd.flags&fGone != 0 {
			tb.Errorf("%q: a tombstone listed", nd.key())
		}
		if t.get(nd.key(), h) != nd {
			tb.Errorf("%q: listed, not found", nd.key())
		}
	})
	if live != t.len {
		tb.Errorf("%d live keys listed, len %d", live, t.len)
	}
	f := t.base
	if f == nil {
		return
	}
	keys, used := 0, 0
	for i := range f.slots {
		s := &f.slots[i]
		c := byte(f.ctrl[i/groupSlots] >> (8 * (i % groupSlots)))
		switch {
		case c == ctrlEmpty || c == ctrlGone:
			if s.nd != nil {
				tb.Errorf("slot %d: control %#x with a node", i, c)
			}
			if c == ctrlGone {
				used++
			}
			continue
		case c >= 0x80:
			tb.Errorf("slot %d: control %#x", i, c)
			continue
		case s.nd == nil:
			tb.Errorf("slot %d: tag %#x without a node", i, c)
			continue
		}
		keys++
		used++
		h := keyHash(s.nd.key())
		if want := slotOf(s.nd, h); *s != want {
			tb.Errorf("slot %d (%q): %+v, want %+v", i, s.nd.key(), *s, want)
		}
		if uint64(c) != h&0x7f {
			tb.Errorf("slot %d (%q): tag %#x, want %#x", i, s.nd.key(), c, h&0x7f)
		}
		if f.find(s.nd.key(), h) != s {
			tb.Errorf("slot %d (%q): not found by its key", i, s.nd.key())
		}
	}
	if keys != f.live || used != f.used {
		tb.Errorf("table: %d keys and %d used slots counted, %d and %d recorded", keys, used, f.live, f.used)
	}
	if f.used*64 > len(f.slots)*tableFull {
		tb.Errorf("table: %d of %d slots used", f.used, len(f.slots))
	}
}

package zone

import (
	"fmt"
	"maps"
	"math/rand"
	"testing"
)

// TestHashIndex changes a hash trie at random, version after version, and
// checks every version against a map, also after later versions were
// derived from it. Hashes are drawn from small sets so that keys share
// fragments at every level and collide on all 64 bits.
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
						if hashKeyBytes([]byte(k)) != hashKey(k) {
							t.Fatalf("hashKeyBytes(%s) differs from hashKey", k)
						}
						if gb := ver.idx.getBytes([]byte(k), hash(k)); gb != got {
							t.Fatalf("getBytes(%s) differs from get", k)
						}
					}
				}
			}
		})
	}
}

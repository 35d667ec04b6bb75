package state_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/dii-net/dii/internal/smt"
	"github.com/dii-net/dii/internal/state"
)

func set(k, v string) state.Change { return state.Change{Key: []byte(k), Value: []byte(v)} }
func del(k string) state.Change    { return state.Change{Key: []byte(k)} }

func TestEmpty(t *testing.T) {
	v := state.Empty()
	if v.Height() != 0 || v.Len() != 0 || v.Root() != smt.Empty {
		t.Fatalf("Empty: height %d len %d root %x", v.Height(), v.Len(), v.Root())
	}
	if _, ok := v.Get([]byte("x")); ok {
		t.Fatal("Empty holds x")
	}
	if got := collect(v, nil, nil); len(got) != 0 {
		t.Fatalf("Empty iterates %v", got)
	}
	// No changes: same contents and root, new height.
	n := v.Next(5, nil)
	if n.Height() != 5 || n.Root() != smt.Empty || n.Len() != 0 {
		t.Fatalf("Next with no changes: height %d root %x len %d", n.Height(), n.Root(), n.Len())
	}
}

func TestNextPersistence(t *testing.T) {
	v0 := state.Empty()
	v1 := v0.Next(1, []state.Change{set("a", "1"), set("b", "2"), set("c", "3")})
	v2 := v1.Next(2, []state.Change{set("a", "10"), del("b"), set("d", "4")})
	v3 := v2.Next(3, []state.Change{del("a"), del("c"), del("d"), del("nothing")})

	tests := []struct {
		v      *state.Version
		height int64
		want   []kv
	}{
		{v0, 0, nil},
		{v1, 1, []kv{{"a", "1"}, {"b", "2"}, {"c", "3"}}},
		{v2, 2, []kv{{"a", "10"}, {"c", "3"}, {"d", "4"}}},
		{v3, 3, nil},
	}
	for _, tc := range tests {
		if tc.v.Height() != tc.height {
			t.Errorf("height %d, want %d", tc.v.Height(), tc.height)
		}
		if got := collect(tc.v, nil, nil); !equalKV(got, tc.want) {
			t.Errorf("height %d holds %v, want %v", tc.height, got, tc.want)
		}
		if tc.v.Len() != len(tc.want) {
			t.Errorf("height %d: Len %d, want %d", tc.height, tc.v.Len(), len(tc.want))
		}
		for _, e := range tc.want {
			if v, ok := tc.v.Get([]byte(e.k)); !ok || string(v) != e.v {
				t.Errorf("height %d: Get(%q) = %q, %v", tc.height, e.k, v, ok)
			}
		}
	}
	if v3.Root() != smt.Empty {
		t.Error("deleting every key does not give the empty root")
	}
	roots := map[[32]byte]int64{}
	for _, tc := range tests[:3] {
		if h, dup := roots[tc.v.Root()]; dup {
			t.Errorf("heights %d and %d share a root", h, tc.height)
		}
		roots[tc.v.Root()] = tc.height
	}
}

func TestRootRestores(t *testing.T) {
	v1 := state.Empty().Next(1, []state.Change{set("a", "1"), set("b", "2")})
	r1 := v1.Root()

	v2 := v1.Next(2, []state.Change{set("k", "v")})
	if v2.Root() == r1 {
		t.Fatal("adding a key did not change the root")
	}
	v3 := v2.Next(3, []state.Change{del("k")})
	if v3.Root() != r1 {
		t.Fatal("adding then deleting a key does not restore the root")
	}

	v4 := v1.Next(4, []state.Change{set("a", "changed")})
	if v4.Root() == r1 {
		t.Fatal("changing a value did not change the root")
	}
	v5 := v4.Next(5, []state.Change{set("a", "1")})
	if v5.Root() != r1 {
		t.Fatal("restoring a value does not restore the root")
	}

	// Setting a key to its current value changes nothing.
	if v1.Next(6, []state.Change{set("b", "2")}).Root() != r1 {
		t.Fatal("rewriting the same value changed the root")
	}
	// The empty value is a value, distinct from absence.
	if v1.Next(7, []state.Change{set("e", "")}).Root() == r1 {
		t.Fatal("an empty value did not change the root")
	}
	// Height is not part of the root.
	if v1.Next(100, nil).Root() != r1 {
		t.Fatal("the root depends on the height")
	}
}

func TestNextLastChangeWins(t *testing.T) {
	base := state.Empty().Next(1, []state.Change{set("a", "1")})
	tests := []struct {
		name    string
		changes []state.Change
		want    []kv
	}{
		{"set twice", []state.Change{set("b", "x"), set("b", "y")}, []kv{{"a", "1"}, {"b", "y"}}},
		{"set then delete", []state.Change{set("b", "x"), del("b")}, []kv{{"a", "1"}}},
		{"delete then set", []state.Change{del("a"), set("a", "2")}, []kv{{"a", "2"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := base.Next(2, tc.changes)
			if got := collect(v, nil, nil); !equalKV(got, tc.want) {
				t.Fatalf("holds %v, want %v", got, tc.want)
			}
			m := map[string]string{}
			for _, e := range tc.want {
				m[e.k] = e.v
			}
			if v.Root() != version(t, m).Root() {
				t.Fatal("root disagrees with the contents: the tree and the map applied the changes differently")
			}
		})
	}
}

func TestVersionIterateBounds(t *testing.T) {
	v := version(t, map[string]string{"a": "1", "ab": "2", "b": "3", "c": "4"})
	tests := []struct {
		start, end string
		nilEnd     bool
		want       []string
	}{
		{"", "", true, []string{"a", "ab", "b", "c"}},
		{"a", "b", false, []string{"a", "ab"}},
		{"aa", "c", false, []string{"ab", "b"}},
		{"b", "", true, []string{"b", "c"}},
		{"c", "c", false, nil},
		{"d", "", true, nil},
		{"", "a", false, nil},
	}
	for _, tc := range tests {
		var end []byte
		if !tc.nilEnd {
			end = []byte(tc.end)
		}
		var got []string
		v.Iterate([]byte(tc.start), end, func(k, _ []byte) bool {
			got = append(got, string(k))
			return true
		})
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Iterate(%q, %q) = %v, want %v", tc.start, end, got, tc.want)
		}
	}
	calls := 0
	v.Iterate(nil, nil, func(_, _ []byte) bool { calls++; return calls < 2 })
	if calls != 2 {
		t.Errorf("early stop: %d calls, want 2", calls)
	}
}

func TestProve(t *testing.T) {
	m := map[string]string{}
	for i := 0; i < 50; i++ {
		m[fmt.Sprintf("key-%03d", i)] = fmt.Sprintf("value-%d", i)
	}
	v := version(t, m)
	root := v.Root()
	for k, want := range m {
		val, p := v.Prove([]byte(k))
		if string(val) != want {
			t.Fatalf("Prove(%q) value %q, want %q", k, val, want)
		}
		if err := p.VerifyInclusion(root, state.KeyHash([]byte(k)), state.ValueHash(val)); err != nil {
			t.Fatalf("inclusion of %q: %v", k, err)
		}
		if err := p.VerifyExclusion(root, state.KeyHash([]byte(k))); err == nil {
			t.Fatalf("the proof of present %q also proves its absence", k)
		}
		if err := p.VerifyInclusion(root, state.KeyHash([]byte(k)), state.ValueHash([]byte("forged"))); err == nil {
			t.Fatalf("the proof of %q verifies a forged value", k)
		}
		// A proof round-trips through its wire form.
		b, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var q smt.Proof
		if err := q.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if err := q.VerifyInclusion(root, state.KeyHash([]byte(k)), state.ValueHash(val)); err != nil {
			t.Fatalf("decoded inclusion proof of %q: %v", k, err)
		}
	}
	for _, k := range []string{"", "key", "key-050", "key-000x", "zzz"} {
		val, p := v.Prove([]byte(k))
		if val != nil {
			t.Fatalf("Prove(absent %q) value %q", k, val)
		}
		if err := p.VerifyExclusion(root, state.KeyHash([]byte(k))); err != nil {
			t.Fatalf("exclusion of %q: %v", k, err)
		}
		if err := p.VerifyInclusion(root, state.KeyHash([]byte(k)), state.ValueHash(nil)); err == nil {
			t.Fatalf("the proof of absent %q proves inclusion", k)
		}
	}

	// Proofs of an old version still verify against its root after Next,
	// and not against the new root.
	_, old := v.Prove([]byte("key-007"))
	n := v.Next(2, []state.Change{set("key-007", "new"), del("key-008")})
	if err := old.VerifyInclusion(root, state.KeyHash([]byte("key-007")), state.ValueHash([]byte("value-7"))); err != nil {
		t.Fatalf("old proof against old root: %v", err)
	}
	if err := old.VerifyInclusion(n.Root(), state.KeyHash([]byte("key-007")), state.ValueHash([]byte("value-7"))); !errors.Is(err, smt.ErrRootMismatch) {
		t.Fatalf("old proof against new root: %v, want ErrRootMismatch", err)
	}
	val, p := n.Prove([]byte("key-007"))
	if string(val) != "new" || p.VerifyInclusion(n.Root(), state.KeyHash([]byte("key-007")), state.ValueHash(val)) != nil {
		t.Fatal("proof of the new value fails")
	}
	_, p = n.Prove([]byte("key-008"))
	if err := p.VerifyExclusion(n.Root(), state.KeyHash([]byte("key-008"))); err != nil {
		t.Fatalf("exclusion of deleted key-008: %v", err)
	}

	// The empty state proves every key absent.
	_, p = state.Empty().Prove([]byte("x"))
	if err := p.VerifyExclusion(smt.Empty, state.KeyHash([]byte("x"))); err != nil {
		t.Fatalf("exclusion in the empty state: %v", err)
	}
}

// TestDeterminism applies the same final contents through different
// batchings, orders and overlay stacks: the root must not depend on them.
func TestDeterminism(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var ops []state.Change
	for i := 0; i < 400; i++ {
		k := fmt.Sprintf("k%03d", rng.IntN(150))
		if rng.IntN(4) == 0 {
			ops = append(ops, del(k))
		} else {
			ops = append(ops, set(k, fmt.Sprint(rng.Uint32())))
		}
	}
	// The final contents.
	final := map[string]string{}
	for _, c := range ops {
		if c.Value == nil {
			delete(final, string(c.Key))
		} else {
			final[string(c.Key)] = string(c.Value)
		}
	}
	want := version(t, final)
	wantKV := collect(want, nil, nil)

	check := func(name string, v *state.Version) {
		t.Helper()
		if v.Root() != want.Root() {
			t.Errorf("%s: root differs", name)
		}
		if got := collect(v, nil, nil); !equalKV(got, wantKV) {
			t.Errorf("%s: contents differ", name)
		}
	}

	check("one batch in order", state.Empty().Next(1, ops))

	v := state.Empty()
	for i, c := range ops {
		v = v.Next(int64(i+1), []state.Change{c})
	}
	check("one change per version", v)

	for trial := 0; trial < 5; trial++ {
		v := state.Empty()
		h := int64(0)
		for i := 0; i < len(ops); {
			n := 1 + rng.IntN(60)
			if i+n > len(ops) {
				n = len(ops) - i
			}
			block := state.NewOverlay(v)
			for j := i; j < i+n; {
				txw := state.NewOverlay(block)
				m := 1 + rng.IntN(5)
				for ; m > 0 && j < i+n; m, j = m-1, j+1 {
					if c := ops[j]; c.Value == nil {
						txw.Delete(c.Key)
					} else {
						txw.Set(c.Key, c.Value)
					}
				}
				txw.WriteTo(block)
			}
			h++
			v = v.Next(h, block.Changes())
			i += n
		}
		check(fmt.Sprintf("random blocks %d", trial), v)
	}

	// The final contents as sets, in shuffled order.
	var sets []state.Change
	for k, val := range final {
		sets = append(sets, set(k, val))
	}
	for trial := 0; trial < 3; trial++ {
		rng.Shuffle(len(sets), func(i, j int) { sets[i], sets[j] = sets[j], sets[i] })
		check(fmt.Sprintf("shuffled sets %d", trial), state.Empty().Next(1, sets))
	}
}

// TestConcurrentReaders reads old versions while new ones are built, for
// the race detector.
func TestConcurrentReaders(t *testing.T) {
	v := state.Empty().Next(1, []state.Change{set("a", "1"), set("b", "2")})
	root := v.Root()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if val, ok := v.Get([]byte("a")); !ok || string(val) != "1" {
					t.Error("Get(a) changed")
					return
				}
				if len(collect(v, nil, nil)) != 2 || v.Root() != root {
					t.Error("version changed under a reader")
					return
				}
				_, p := v.Prove([]byte("b"))
				if p.VerifyInclusion(root, state.KeyHash([]byte("b")), state.ValueHash([]byte("2"))) != nil {
					t.Error("proof failed")
					return
				}
			}
		}()
	}
	cur := v
	for i := 0; i < 200; i++ {
		cur = cur.Next(int64(i+2), []state.Change{set("a", fmt.Sprint(i)), set(fmt.Sprint("n", i), "x"), del("b")})
	}
	wg.Wait()
	if cur.Len() != 201 {
		t.Fatalf("Len = %d", cur.Len())
	}
}

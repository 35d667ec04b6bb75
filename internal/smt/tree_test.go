package smt

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"sync"
	"testing"
)

func TestEmptyTree(t *testing.T) {
	for name, tree := range map[string]*Tree{"nil": nil, "zero": {}, "built": mustBuild(t, nil), "applied": (*Tree)(nil).Apply(nil)} {
		t.Run(name, func(t *testing.T) {
			if tree.Root() != Empty || tree.Len() != 0 {
				t.Fatalf("Root = %x, Len = %d", tree.Root(), tree.Len())
			}
			if _, ok := tree.Get(Hash{1}); ok {
				t.Fatal("Get found a key in the empty tree")
			}
			tree.Walk(func(Leaf) bool { t.Fatal("Walk called fn"); return true })
			p := tree.Prove(Hash{1})
			if p.Kind() != KindExclusionEmpty || p.Depth() != 0 {
				t.Fatalf("proof kind %v depth %d", p.Kind(), p.Depth())
			}
			if err := p.VerifyExclusion(Empty, Hash{1}); err != nil {
				t.Fatal(err)
			}
			next := tree.Apply([]Op{{Key: Hash{1}, Value: Hash{2}}})
			if next.Len() != 1 || tree.Len() != 0 {
				t.Fatalf("Apply: new Len %d, old Len %d", next.Len(), tree.Len())
			}
		})
	}
}

func mustBuild(t testing.TB, leaves []Leaf) *Tree {
	t.Helper()
	tree, err := Build(leaves)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// TestHashingRules checks small trees against roots written out by hand from
// the hashing rules.
func TestHashingRules(t *testing.T) {
	k := func(bitsSet ...int) Hash {
		var h Hash
		for _, b := range bitsSet {
			h[b/8] |= 0x80 >> (b % 8)
		}
		return h
	}
	v1, v2, v3 := Hash{0xa1}, Hash{0xb2}, Hash{0xc3}
	lf := func(key, val Hash) Hash { return hashLeaf(&key, &val) }
	in := func(l, r Hash) Hash { return hashInner(&l, &r) }
	chain := func(h Hash, key Hash, from, to int) Hash { // wrap h in inner nodes at depths to-1 down to from, other child empty
		for d := to - 1; d >= from; d-- {
			if bitAt(&key, d) == 0 {
				h = in(h, Hash{})
			} else {
				h = in(Hash{}, h)
			}
		}
		return h
	}
	tests := []struct {
		name   string
		leaves []Leaf
		want   Hash
	}{
		{"empty", nil, Hash{}},
		{"single leaf is the root", []Leaf{{k(3), v1}}, lf(k(3), v1)},
		{"split at bit 0", []Leaf{{k(5), v1}, {k(0), v2}}, in(lf(k(5), v1), lf(k(0), v2))},
		{"shared 5-bit prefix makes a chain", []Leaf{{k(0, 2), v1}, {k(0, 2, 5), v2}},
			chain(in(lf(k(0, 2), v1), lf(k(0, 2, 5), v2)), k(0, 2), 0, 5)},
		{"differ only in last bit", []Leaf{{k(255), v1}, {k(), v2}},
			chain(in(lf(k(), v2), lf(k(255), v1)), k(), 0, 255)},
		{"three leaves", []Leaf{{k(), v1}, {k(1), v2}, {k(0), v3}},
			in(in(lf(k(), v1), lf(k(1), v2)), lf(k(0), v3))},
		{"leaf next to chain", []Leaf{{k(), v1}, {k(3), v2}, {k(0), v3}},
			in(chain(in(lf(k(), v1), lf(k(3), v2)), k(), 1, 3), lf(k(0), v3))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := model{}
			ops := make([]Op, 0, len(tc.leaves))
			for _, l := range tc.leaves {
				m[l.Key] = l.Value
				ops = append(ops, Op{Key: l.Key, Value: l.Value})
			}
			if got := m.root(); got != tc.want {
				t.Fatalf("reference model root %x, want %x", got, tc.want)
			}
			if got := (*Tree)(nil).Apply(ops).Root(); got != tc.want {
				t.Fatalf("Apply root %x, want %x", got, tc.want)
			}
			if got := mustBuild(t, sortedLeaves(tc.leaves)).Root(); got != tc.want {
				t.Fatalf("Build root %x, want %x", got, tc.want)
			}
		})
	}
}

func TestBuild(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	a, b := lastBitPair(rng)
	tests := []struct {
		name    string
		leaves  []Leaf
		wantErr bool
	}{
		{"empty", nil, false},
		{"one", []Leaf{{Key: a}}, false},
		{"pair", []Leaf{{Key: a, Value: Hash{1}}, {Key: b, Value: Hash{2}}}, false},
		{"descending", []Leaf{{Key: b}, {Key: a}}, true},
		{"duplicate", []Leaf{{Key: a}, {Key: a, Value: Hash{1}}}, true},
	}
	for _, n := range []int{2, 3, 17, 1000, 40000} {
		ls := make([]Leaf, n)
		for i := range ls {
			ls[i] = Leaf{Key: randHash(rng), Value: randHash(rng)}
		}
		tests = append(tests, struct {
			name    string
			leaves  []Leaf
			wantErr bool
		}{fmt.Sprintf("random %d", n), sortedLeaves(ls), false})
	}
	fam := keyFamily(rng, 40)
	var famLeaves []Leaf
	for _, k := range fam {
		famLeaves = append(famLeaves, Leaf{Key: k, Value: randHash(rng)})
	}
	famLeaves = sortedLeaves(famLeaves)
	famLeaves = slices.CompactFunc(famLeaves, func(x, y Leaf) bool { return x.Key == y.Key })
	tests = append(tests, struct {
		name    string
		leaves  []Leaf
		wantErr bool
	}{"long prefixes", famLeaves, false})

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tree, err := Build(tc.leaves)
			if tc.wantErr {
				if !errors.Is(err, ErrNotSorted) {
					t.Fatalf("err = %v, want ErrNotSorted", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := model{}
			ops := make([]Op, len(tc.leaves))
			for i, l := range tc.leaves {
				m[l.Key] = l.Value
				ops[len(ops)-1-i] = Op{Key: l.Key, Value: l.Value} // reversed order
			}
			checkTree(t, tree, m)
			if got := (*Tree)(nil).Apply(ops).Root(); got != tree.Root() {
				t.Fatalf("Apply root %x != Build root %x", got, tree.Root())
			}
		})
	}
}

// TestApplyMatchesModel runs randomized batches against the reference model
// and, at the end, re-checks every old version (persistence).
func TestApplyMatchesModel(t *testing.T) {
	type keyGen func(rng *rand.Rand) Hash
	family := func(seed int64, n int) keyGen {
		keys := keyFamily(rand.New(rand.NewSource(seed)), n)
		return func(rng *rand.Rand) Hash { return keys[rng.Intn(len(keys))] }
	}
	random := func(n int) keyGen {
		r := rand.New(rand.NewSource(99))
		keys := make([]Hash, n)
		for i := range keys {
			keys[i] = randHash(r)
		}
		return func(rng *rand.Rand) Hash { return keys[rng.Intn(len(keys))] }
	}
	tests := []struct {
		name    string
		keys    keyGen
		batches int
		maxOps  int
	}{
		{"tiny key space", random(4), 60, 6},
		{"random keys", random(3000), 25, 400},
		{"long shared prefixes", family(7, 30), 60, 12},
		{"mixed", func(rng *rand.Rand) Hash {
			if rng.Intn(2) == 0 {
				return family(8, 20)(rng)
			}
			return random(200)(rng)
		}, 40, 50},
		{"large batches", random(20000), 4, 5000},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(i) + 1))
			type version struct {
				tree *Tree
				m    model
			}
			var history []version
			tree, m := (*Tree)(nil), model{}
			for b := 0; b < tc.batches; b++ {
				ops := make([]Op, rng.Intn(tc.maxOps+1))
				for j := range ops {
					ops[j] = Op{Key: tc.keys(rng), Value: randHash(rng), Delete: rng.Intn(3) == 0}
					if j > 0 && rng.Intn(8) == 0 { // duplicate key within the batch
						ops[j].Key = ops[rng.Intn(j)].Key
					}
					if rng.Intn(10) == 0 { // delete a key that is absent
						ops[j] = Op{Key: randHash(rng), Delete: true}
					}
				}
				saved := slices.Clone(ops)
				next := tree.Apply(ops)
				if !slices.Equal(ops, saved) {
					t.Fatal("Apply modified its input")
				}
				m.apply(ops)
				checkTree(t, next, m)
				history = append(history, version{next, m.clone()})
				tree = next
			}
			// Old versions are untouched by later batches.
			for _, v := range history {
				checkTree(t, v.tree, v.m)
			}
		})
	}
}

func TestApplyLastOpWins(t *testing.T) {
	k1, k2 := Hash{1}, Hash{2}
	v1, v2, v3 := Hash{0x11}, Hash{0x22}, Hash{0x33}
	base := (*Tree)(nil).Apply([]Op{{Key: k1, Value: v1}})
	tests := []struct {
		name string
		ops  []Op
		want map[Hash]Hash
	}{
		{"set twice", []Op{{Key: k2, Value: v2}, {Key: k2, Value: v3}}, map[Hash]Hash{k1: v1, k2: v3}},
		{"set then delete", []Op{{Key: k2, Value: v2}, {Key: k2, Delete: true}}, map[Hash]Hash{k1: v1}},
		{"delete then set", []Op{{Key: k1, Delete: true}, {Key: k1, Value: v2}}, map[Hash]Hash{k1: v2}},
		{"delete existing twice", []Op{{Key: k1, Delete: true}, {Key: k1, Delete: true}}, map[Hash]Hash{}},
		{"delete absent", []Op{{Key: k2, Delete: true}}, map[Hash]Hash{k1: v1}},
		{"interleaved", []Op{{Key: k2, Value: v1}, {Key: k1, Value: v3}, {Key: k2, Value: v2}, {Key: k1, Delete: true}, {Key: k2, Value: v3}}, map[Hash]Hash{k2: v3}},
		{"same value", []Op{{Key: k1, Value: v1}}, map[Hash]Hash{k1: v1}},
		{"no ops", nil, map[Hash]Hash{k1: v1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkTree(t, base.Apply(tc.ops), model(tc.want))
			checkTree(t, base, model{k1: v1})
		})
	}
}

// TestApplyNoOpSharesNodes checks that batches that change nothing return
// the very same root node, and that an update copies only its path.
func TestApplyNoOpSharesNodes(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	ls := make([]Leaf, 2000)
	for i := range ls {
		ls[i] = Leaf{Key: randHash(rng), Value: randHash(rng)}
	}
	tree := mustBuild(t, sortedLeaves(ls))
	noop := []Op{{Key: randHash(rng), Delete: true}, {Key: ls[5].Key, Value: ls[5].Value}}
	if next := tree.Apply(noop); next.root != tree.root {
		t.Fatal("no-op batch did not return the same root node")
	}
	next := tree.Apply([]Op{{Key: ls[7].Key, Value: Hash{9}}})
	if next.root.in.child[0] != tree.root.in.child[0] && next.root.in.child[1] != tree.root.in.child[1] {
		t.Fatal("update did not share the untouched half of the tree")
	}
}

// TestOrderIndependence inserts the same set in different orders and
// batchings, with intermediate garbage that is deleted again.
func TestOrderIndependence(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	var ops []Op
	for _, k := range append(keyFamily(rng, 25), randHash(rng), randHash(rng)) {
		ops = append(ops, Op{Key: k, Value: randHash(rng)})
	}
	want := (*Tree)(nil).Apply(ops).Root()
	for round := 0; round < 20; round++ {
		// Reordering must keep the last op per key the same: dedupe first.
		uniq := map[Hash]Op{}
		for _, op := range ops {
			uniq[op.Key] = op
		}
		var order []Op
		for _, op := range ops {
			if uniq[op.Key] == op {
				order = append(order, op)
			}
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		tree := (*Tree)(nil)
		extra := randHash(rng)
		tree = tree.Apply([]Op{{Key: extra, Value: Hash{1}}})
		for len(order) > 0 {
			n := 1 + rng.Intn(len(order))
			tree = tree.Apply(order[:n])
			order = order[n:]
		}
		tree = tree.Apply([]Op{{Key: extra, Delete: true}})
		if tree.Root() != want {
			t.Fatalf("round %d: root %x, want %x", round, tree.Root(), want)
		}
	}
}

// TestConcurrentReaders reads old versions while new ones are derived; run
// with -race.
func TestConcurrentReaders(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	ls := make([]Leaf, 3000)
	for i := range ls {
		ls[i] = Leaf{Key: randHash(rng), Value: randHash(rng)}
	}
	base := mustBuild(t, sortedLeaves(ls))
	root := base.Root()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			for i := g; i < len(ls); i += 4 {
				if v, ok := base.Get(ls[i].Key); !ok || v != ls[i].Value {
					t.Errorf("Get mismatch")
					return
				}
				if err := base.Prove(ls[i].Key).VerifyInclusion(root, ls[i].Key, ls[i].Value); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for g := 0; g < 2; g++ {
		wg.Go(func() {
			r := rand.New(rand.NewSource(int64(g)))
			tree := base
			for i := 0; i < 20; i++ {
				ops := make([]Op, 1500)
				for j := range ops {
					ops[j] = Op{Key: ls[r.Intn(len(ls))].Key, Value: randHash(r), Delete: r.Intn(4) == 0}
				}
				tree = tree.Apply(ops)
			}
		})
	}
	wg.Wait()
	if base.Root() != root || base.Len() != len(ls) {
		t.Fatal("base version changed")
	}
}

func TestWalkStops(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	var ops []Op
	for i := 0; i < 50; i++ {
		ops = append(ops, Op{Key: randHash(rng)})
	}
	tree := (*Tree)(nil).Apply(ops)
	calls := 0
	tree.Walk(func(Leaf) bool { calls++; return calls < 10 })
	if calls != 10 {
		t.Fatalf("Walk made %d calls after fn returned false at call 10", calls)
	}
}

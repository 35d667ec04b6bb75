package state_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/dii-net/dii/internal/state"
)

type kv struct{ k, v string }

// collect iterates r over [start, end) and returns what it saw.
func collect(r state.Reader, start, end []byte) []kv {
	var out []kv
	r.Iterate(start, end, func(k, v []byte) bool {
		out = append(out, kv{string(k), string(v)})
		return true
	})
	return out
}

// version returns a Version at height 1 holding m.
func version(t *testing.T, m map[string]string) *state.Version {
	t.Helper()
	var cs []state.Change
	for k, v := range m {
		cs = append(cs, state.Change{Key: []byte(k), Value: []byte(v)})
	}
	v := state.Empty().Next(1, cs)
	if v.Len() != len(m) {
		t.Fatalf("test setup: Len %d, want %d", v.Len(), len(m))
	}
	return v
}

// model returns the sorted contents of m within [start, end).
func model(m map[string]string, start, end []byte) []kv {
	var out []kv
	for k, v := range m {
		if k >= string(start) && (end == nil || k < string(end)) {
			out = append(out, kv{k, v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].k < out[j].k })
	return out
}

func equalKV(a, b []kv) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOverlayGetSetDelete(t *testing.T) {
	base := version(t, map[string]string{"a": "1", "b": "2"})
	o := state.NewOverlay(base)
	if v, ok := o.Get([]byte("a")); !ok || string(v) != "1" {
		t.Fatalf("Get(a) through the overlay = %q, %v", v, ok)
	}
	if _, ok := o.Get([]byte("zz")); ok {
		t.Fatal("Get of an absent key found it")
	}
	o.Set([]byte("a"), []byte("10"))
	o.Set([]byte("c"), []byte("3"))
	o.Delete([]byte("b"))
	o.Delete([]byte("never")) // deleting an absent key is recorded but harmless
	tests := []struct {
		key    string
		want   string
		wantOK bool
	}{
		{"a", "10", true},
		{"b", "", false},
		{"c", "3", true},
		{"never", "", false},
	}
	for _, tc := range tests {
		v, ok := o.Get([]byte(tc.key))
		if ok != tc.wantOK || string(v) != tc.want {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tc.key, v, ok, tc.want, tc.wantOK)
		}
	}
	if o.Len() != 4 {
		t.Errorf("Len = %d, want 4", o.Len())
	}
	// The base is untouched.
	if v, ok := base.Get([]byte("a")); !ok || string(v) != "1" {
		t.Errorf("base changed: a = %q, %v", v, ok)
	}
	if _, ok := base.Get([]byte("b")); !ok {
		t.Error("base changed: b deleted")
	}
	// Deleting and setting again revives the key.
	o.Set([]byte("b"), []byte("22"))
	if v, ok := o.Get([]byte("b")); !ok || string(v) != "22" {
		t.Errorf("Get(b) after delete and set = %q, %v", v, ok)
	}
	// A nil value is stored as empty, not as a deletion.
	o.Set([]byte("e"), nil)
	if v, ok := o.Get([]byte("e")); !ok || v == nil || len(v) != 0 {
		t.Errorf("Get(e) after Set(nil) = %#v, %v; want empty, true", v, ok)
	}
	for _, c := range o.Changes() {
		if string(c.Key) == "e" && c.Value == nil {
			t.Error("Set(nil) became a deletion in Changes")
		}
	}
}

func TestOverlayChangesSorted(t *testing.T) {
	o := state.NewOverlay(state.Empty())
	keys := []string{"m", "a", "z", "b\x00", "b", "\xff", "", "aa"}
	for i, k := range keys {
		if i%3 == 2 {
			o.Delete([]byte(k))
		} else {
			o.Set([]byte(k), []byte(fmt.Sprint(i)))
		}
	}
	cs := o.Changes()
	if len(cs) != len(keys) {
		t.Fatalf("%d changes, want %d", len(cs), len(keys))
	}
	for i := 1; i < len(cs); i++ {
		if bytes.Compare(cs[i-1].Key, cs[i].Key) >= 0 {
			t.Fatalf("changes not strictly ascending at %d: %q then %q", i, cs[i-1].Key, cs[i].Key)
		}
	}
	for _, c := range cs {
		i := -1
		for j, k := range keys {
			if k == string(c.Key) {
				i = j
			}
		}
		if del := i%3 == 2; del != (c.Value == nil) {
			t.Errorf("change %q: value %q, deletion expected %v", c.Key, c.Value, del)
		}
	}
	// The same writes with an Iterate half-way, which makes the overlay
	// keep its keys in order from then on: the same changes.
	o2 := state.NewOverlay(state.Empty())
	for i, k := range keys {
		if i == len(keys)/2 {
			o2.Iterate(nil, nil, func(_, _ []byte) bool { return true })
		}
		if i%3 == 2 {
			o2.Delete([]byte(k))
		} else {
			o2.Set([]byte(k), []byte(fmt.Sprint(i)))
		}
	}
	if cs2 := o2.Changes(); fmt.Sprint(cs2) != fmt.Sprint(cs) {
		t.Fatalf("changes after an Iterate %v, without %v", cs2, cs)
	}
	// The empty overlay has no changes (and a non-nil, empty slice).
	if cs := state.NewOverlay(state.Empty()).Changes(); len(cs) != 0 {
		t.Fatalf("empty overlay has %d changes", len(cs))
	}
}

func TestOverlayIterateTable(t *testing.T) {
	base := version(t, map[string]string{"b": "B", "d": "D", "f": "F", "h": "H"})
	o := state.NewOverlay(base)
	o.Set([]byte("a"), []byte("a"))  // before every base key
	o.Set([]byte("c"), []byte("c"))  // between base keys
	o.Set([]byte("d"), []byte("d2")) // replaces a base key
	o.Delete([]byte("f"))            // hides a base key
	o.Delete([]byte("g"))            // deletes an absent key
	o.Set([]byte("i"), []byte("i"))  // after every base key
	o.Set([]byte("j"), []byte("j"))

	all := []kv{{"a", "a"}, {"b", "B"}, {"c", "c"}, {"d", "d2"}, {"h", "H"}, {"i", "i"}, {"j", "j"}}
	tests := []struct {
		name       string
		start, end []byte
		want       []kv
	}{
		{"everything", nil, nil, all},
		{"empty start", []byte{}, nil, all},
		{"from c", []byte("c"), nil, all[2:]},
		{"from between", []byte("bb"), nil, all[2:]},
		{"to d (exclusive)", nil, []byte("d"), all[:3]},
		{"c to h", []byte("c"), []byte("h"), all[2:4]},
		{"deleted start", []byte("f"), []byte("i"), []kv{{"h", "H"}}},
		{"only pending tail", []byte("i"), nil, all[5:]},
		{"only deleted", []byte("f"), []byte("g"), nil},
		{"empty range", []byte("c"), []byte("c"), nil},
		{"reversed range", []byte("h"), []byte("c"), nil},
		{"after everything", []byte("k"), nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := collect(o, tc.start, tc.end); !equalKV(got, tc.want) {
				t.Fatalf("Iterate(%q, %q) = %v, want %v", tc.start, tc.end, got, tc.want)
			}
		})
	}

	// Stop after each element in turn: the callback must not be called
	// again, whichever phase of the merge it stopped in (a pending key
	// before a base key, a base key, a replaced key, the pending tail).
	for stop := 1; stop <= len(all); stop++ {
		var got []kv
		calls := 0
		o.Iterate(nil, nil, func(k, v []byte) bool {
			calls++
			got = append(got, kv{string(k), string(v)})
			return len(got) < stop
		})
		if calls != stop || !equalKV(got, all[:stop]) {
			t.Errorf("stop after %d: %d calls, saw %v", stop, calls, got)
		}
	}
}

// TestOverlayIterateModel compares Iterate with a map model on random
// bases, changes and ranges, over one and two overlay levels, including
// early stops.
func TestOverlayIterateModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "abcde"
	key := func() string {
		n := 1 + rng.IntN(2)
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for round := 0; round < 300; round++ {
		m := map[string]string{}
		for i := rng.IntN(12); i > 0; i-- {
			m[key()] = "base" + fmt.Sprint(i)
		}
		base := version(t, m)
		var r state.Reader = base
		levels := 1 + rng.IntN(2)
		var top *state.Overlay
		for l := 0; l < levels; l++ {
			top = state.NewOverlay(r)
			for i := rng.IntN(10); i > 0; i-- {
				k := key()
				if rng.IntN(3) == 0 {
					top.Delete([]byte(k))
					delete(m, k)
				} else {
					v := fmt.Sprintf("l%d-%d", l, i)
					top.Set([]byte(k), []byte(v))
					m[k] = v
				}
			}
			r = top
		}
		for q := 0; q < 10; q++ {
			var start, end []byte
			if rng.IntN(3) > 0 {
				start = []byte(key())
			}
			if rng.IntN(3) > 0 {
				end = []byte(key())
			}
			want := model(m, start, end)
			got := collect(top, start, end)
			if !equalKV(got, want) {
				t.Fatalf("round %d: Iterate(%q, %q) = %v, want %v", round, start, end, got, want)
			}
			if len(want) > 0 {
				stop := 1 + rng.IntN(len(want))
				var part []kv
				calls := 0
				top.Iterate(start, end, func(k, v []byte) bool {
					calls++
					part = append(part, kv{string(k), string(v)})
					return len(part) < stop
				})
				if calls != stop || !equalKV(part, want[:stop]) {
					t.Fatalf("round %d: stop after %d of %v: %d calls, %v", round, stop, want, calls, part)
				}
			}
			for _, c := range want {
				if v, ok := top.Get([]byte(c.k)); !ok || string(v) != c.v {
					t.Fatalf("round %d: Get(%q) = %q, %v; want %q", round, c.k, v, ok, c.v)
				}
			}
		}
	}
}

func TestNestedOverlays(t *testing.T) {
	v := version(t, map[string]string{"acct/1": "seq0", "name/a": "A", "name/b": "B"})
	block := state.NewOverlay(v)

	// Transaction 1 succeeds.
	tx1 := state.NewOverlay(block)
	tx1.Set([]byte("acct/1"), []byte("seq1"))
	tx1.Set([]byte("name/c"), []byte("C"))
	tx1.Delete([]byte("name/a"))
	if _, ok := block.Get([]byte("name/c")); ok {
		t.Fatal("a transaction overlay's write is visible in the block before WriteTo")
	}
	tx1.WriteTo(block)

	// Transaction 2 sees transaction 1 and fails: it is dropped.
	tx2 := state.NewOverlay(block)
	if _, ok := tx2.Get([]byte("name/a")); ok {
		t.Fatal("tx2 sees name/a that tx1 deleted")
	}
	if got := collect(tx2, []byte("name/"), state.PrefixEnd([]byte("name/"))); !equalKV(got, []kv{{"name/b", "B"}, {"name/c", "C"}}) {
		t.Fatalf("tx2 sees %v", got)
	}
	tx2.Set([]byte("name/b"), []byte("garbage"))
	tx2.Delete([]byte("name/c"))
	// (dropped: no WriteTo)

	// Transaction 3 revives name/a and deletes name/b.
	tx3 := state.NewOverlay(block)
	tx3.Set([]byte("name/a"), []byte("A2"))
	tx3.Delete([]byte("name/b"))
	tx3.WriteTo(block)

	want := []kv{{"acct/1", "seq1"}, {"name/a", "A2"}, {"name/c", "C"}}
	if got := collect(block, nil, nil); !equalKV(got, want) {
		t.Fatalf("block sees %v, want %v", got, want)
	}
	next := v.Next(2, block.Changes())
	if got := collect(next, nil, nil); !equalKV(got, want) {
		t.Fatalf("next version holds %v, want %v", got, want)
	}
	if next.Len() != len(want) || next.Height() != 2 {
		t.Fatalf("next: Len %d Height %d", next.Len(), next.Height())
	}
	// The same end state written directly has the same root.
	direct := version(t, map[string]string{"acct/1": "seq1", "name/a": "A2", "name/c": "C"})
	if next.Root() != direct.Root() {
		t.Fatal("root after nested overlays differs from the root of the same contents")
	}
	// The old version is unchanged.
	if got := collect(v, nil, nil); !equalKV(got, []kv{{"acct/1", "seq0"}, {"name/a", "A"}, {"name/b", "B"}}) {
		t.Fatalf("base version changed: %v", got)
	}
}

func TestWriteToOverridesAndDeletes(t *testing.T) {
	dst := state.NewOverlay(version(t, map[string]string{"a": "1"}))
	dst.Set([]byte("b"), []byte("2"))
	src := state.NewOverlay(dst)
	src.Delete([]byte("a"))
	src.Delete([]byte("b"))
	src.Set([]byte("c"), []byte("3"))
	src.WriteTo(dst)
	if got := collect(dst, nil, nil); !equalKV(got, []kv{{"c", "3"}}) {
		t.Fatalf("after WriteTo: %v", got)
	}
	if dst.Len() != 3 {
		t.Fatalf("dst has %d changes, want 3 (a and b deleted, c set)", dst.Len())
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		in   []byte
		want []byte
	}{
		{[]byte("abc"), []byte("abd")},
		{[]byte("n/"), []byte("n0")},
		{[]byte("a\xff"), []byte("b")},
		{[]byte("a\xff\xff"), []byte("b")},
		{[]byte("\xff"), nil},
		{[]byte("\xff\xff"), nil},
		{[]byte{}, nil},
		{nil, nil},
		{[]byte{0}, []byte{1}},
	}
	for _, tc := range tests {
		in := append([]byte(nil), tc.in...)
		got := state.PrefixEnd(in)
		if !bytes.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("PrefixEnd(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !bytes.Equal(in, tc.in) {
			t.Errorf("PrefixEnd modified its input %q to %q", tc.in, in)
		}
	}
	// Every key with the prefix sorts before PrefixEnd, every other key
	// after the prefix sorts at or after it.
	p := []byte("n/dii.")
	end := state.PrefixEnd(p)
	for _, k := range []string{"n/dii.", "n/dii.a", "n/dii.\xff\xff"} {
		if bytes.Compare([]byte(k), end) >= 0 {
			t.Errorf("%q is not below PrefixEnd %q", k, end)
		}
	}
	for _, k := range []string{"n/dii/", "n/dij", "o"} {
		if bytes.Compare([]byte(k), end) < 0 {
			t.Errorf("%q is below PrefixEnd %q", k, end)
		}
	}
}

// BenchmarkOverlayIterateSmallRange iterates a range of 8 keys of an
// overlay that holds 40,000 other writes: a transaction reading one small
// registry (the validator set, a handle's children) late in a large block.
func BenchmarkOverlayIterateSmallRange(b *testing.B) {
	o := state.NewOverlay(state.Empty())
	for i := range 40_000 {
		o.Set(fmt.Appendf(nil, "n/name%06d", i), []byte("x"))
	}
	for i := range 8 {
		o.Set(fmt.Appendf(nil, "v/%d", i), []byte("v"))
	}
	start := []byte("v/")
	end := state.PrefixEnd(start)
	for b.Loop() {
		n := 0
		o.Iterate(start, end, func(_, _ []byte) bool { n++; return true })
		if n != 8 {
			b.Fatalf("%d keys", n)
		}
	}
}

// BenchmarkOverlaySet is the cost of a write to a transaction's overlay.
func BenchmarkOverlaySet(b *testing.B) {
	keys := make([][]byte, 64)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "n/name%06d", i)
	}
	for b.Loop() {
		o := state.NewOverlay(state.Empty())
		for _, k := range keys {
			o.Set(k, k)
		}
	}
}

// BenchmarkOverlayChanges is the end of a block: the sorted changes of an
// overlay of 40,000 writes that nothing iterated.
func BenchmarkOverlayChanges(b *testing.B) {
	keys := make([][]byte, 40_000)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "n/name%06d", (i*7919)%40_000)
	}
	for b.Loop() {
		b.StopTimer()
		o := state.NewOverlay(state.Empty())
		for _, k := range keys {
			o.Set(k, k)
		}
		b.StartTimer()
		if len(o.Changes()) != len(keys) {
			b.Fatal("changes lost")
		}
	}
}

package state_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	dbm "github.com/cometbft/cometbft-db"

	"github.com/dii-net/dii/internal/state"
)

// backend opens the same database again and again: a MemDB survives Close,
// a pebble database is reopened from its directory.
type backend struct {
	name string
	open func(t *testing.T) dbm.DB
}

func backends(t *testing.T) []backend {
	t.Helper()
	mem := dbm.NewMemDB()
	dir := t.TempDir()
	return []backend{
		{"memdb", func(*testing.T) dbm.DB { return mem }},
		{"pebble", func(t *testing.T) dbm.DB {
			t.Helper()
			db, err := dbm.NewDB("state", dbm.PebbleDBBackend, dir)
			if err != nil {
				t.Fatalf("open pebble: %v", err)
			}
			return db
		}},
	}
}

func openStore(t *testing.T, b backend, keep int) *state.Store {
	t.Helper()
	s, err := state.Open(b.open(t), keep)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func closeStore(t *testing.T, s *state.Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// commit applies changes to the latest version as the ledger does (an
// overlay per block) and commits the result at the next height.
func commit(t *testing.T, s *state.Store, changes ...state.Change) *state.Version {
	t.Helper()
	base := s.Latest()
	o := state.NewOverlay(base)
	for _, c := range changes {
		if c.Value == nil {
			o.Delete(c.Key)
		} else {
			o.Set(c.Key, c.Value)
		}
	}
	cs := o.Changes()
	v := base.Next(base.Height()+1, cs)
	if err := s.Commit(v, cs); err != nil {
		t.Fatalf("Commit height %d: %v", v.Height(), err)
	}
	if s.Latest() != v {
		t.Fatal("Latest is not the committed version")
	}
	return v
}

func sameContents(t *testing.T, what string, got, want *state.Version) {
	t.Helper()
	if got.Height() != want.Height() {
		t.Errorf("%s: height %d, want %d", what, got.Height(), want.Height())
	}
	if got.Root() != want.Root() {
		t.Errorf("%s: root %X, want %X", what, got.Root(), want.Root())
	}
	if g, w := collect(got, nil, nil), collect(want, nil, nil); !equalKV(g, w) {
		t.Errorf("%s: contents\n got %v\nwant %v", what, g, w)
	}
}

func TestStoreCommitReopen(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b, 3)
			if l := s.Latest(); l.Height() != 0 || l.Len() != 0 {
				t.Fatalf("new store: height %d len %d", l.Height(), l.Len())
			}
			commit(t, s, set("a", "1"), set("b", "2"))
			commit(t, s, set("a", "10"), set("c", "3"))
			commit(t, s, del("b"), set("d", ""))
			commit(t, s) // an empty block
			last := commit(t, s, set("e", "5"), del("nothing"))
			closeStore(t, s)

			s = openStore(t, b, 3)
			sameContents(t, "reopened", s.Latest(), last)
			if v, ok := s.Latest().Get([]byte("d")); !ok || len(v) != 0 {
				t.Errorf("empty value after reopen: %q, %v", v, ok)
			}
			if _, ok := s.Latest().Get([]byte("b")); ok {
				t.Error("deleted key b is back after reopen")
			}
			// Only the latest height is in memory after a restart.
			if v, err := s.At(last.Height()); err != nil || v.Root() != last.Root() {
				t.Errorf("At(latest) after reopen: %v", err)
			}
			if _, err := s.At(last.Height() - 1); !errors.Is(err, state.ErrPruned) {
				t.Errorf("At(latest-1) after reopen: %v, want ErrPruned", err)
			}

			// Carry on from the reopened state.
			next := commit(t, s, set("f", "6"))
			if next.Height() != last.Height()+1 {
				t.Fatalf("height after reopen: %d", next.Height())
			}
			closeStore(t, s)
			s = openStore(t, b, 3)
			sameContents(t, "reopened twice", s.Latest(), next)
			closeStore(t, s)
		})
	}
}

func TestStoreAt(t *testing.T) {
	for _, keep := range []int{-1, 0, 1, 3} {
		t.Run(fmt.Sprintf("keep=%d", keep), func(t *testing.T) {
			s, err := state.Open(dbm.NewMemDB(), keep)
			if err != nil {
				t.Fatal(err)
			}
			defer closeStore(t, s)
			effective := keep
			if effective < 1 {
				effective = 1
			}
			// The empty state a new store starts from is height 0.
			versions := map[int64]*state.Version{0: s.Latest()}
			for h := 1; h <= 6; h++ {
				versions[int64(h)] = commit(t, s, set("k", fmt.Sprint(h)), set(fmt.Sprint("h", h), "x"))
				for past := int64(0); past <= int64(h)+1; past++ {
					v, err := s.At(past)
					kept := past <= int64(h) && past > int64(h)-int64(effective)
					if kept {
						if err != nil || v != versions[past] {
							t.Fatalf("after height %d: At(%d) = %v, want the committed version", h, past, err)
						}
						if val, _ := v.Get([]byte("k")); past > 0 && string(val) != fmt.Sprint(past) {
							t.Fatalf("At(%d) holds k=%q", past, val)
						}
					} else if !errors.Is(err, state.ErrPruned) || v != nil {
						t.Fatalf("after height %d: At(%d) = %v, %v; want ErrPruned", h, past, v, err)
					}
				}
			}
		})
	}
}

// TestStoreKeptChanges: blocks of many changes shrink the window of kept
// heights so that the blocks after the oldest kept one changed at most
// MaxKeptChanges keys; small blocks let it grow back to keep heights.
func TestStoreKeptChanges(t *testing.T) {
	s, err := state.Open(dbm.NewMemDB(), 10)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, s)
	big := func(h int) []state.Change {
		ch := make([]state.Change, state.MaxKeptChanges/3+1)
		for i := range ch {
			ch[i] = set(fmt.Sprintf("k%06d", i), fmt.Sprint(h))
		}
		return ch
	}
	kept := func() []int64 {
		var out []int64
		for h := int64(0); h <= s.Latest().Height(); h++ {
			if _, err := s.At(h); err == nil {
				out = append(out, h)
			}
		}
		return out
	}
	for h := 1; h <= 5; h++ {
		commit(t, s, big(h)...)
	}
	// Three big blocks after the oldest kept would exceed the budget.
	if got := kept(); !slices.Equal(got, []int64{3, 4, 5}) {
		t.Fatalf("after big blocks, kept %v", got)
	}
	for h := 6; h <= 20; h++ {
		commit(t, s, set("small", fmt.Sprint(h)))
	}
	if got := kept(); !slices.Equal(got, []int64{11, 12, 13, 14, 15, 16, 17, 18, 19, 20}) {
		t.Fatalf("after small blocks, kept %v", got)
	}
}

func TestStoreReset(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b, 5)
			commit(t, s, set("old/1", "x"), set("shared", "old"))
			commit(t, s, set("old/2", "y"))

			genesis := state.Empty().Next(0, []state.Change{set("p/registry", "{}"), set("shared", "new")})
			if err := s.Reset(genesis); err != nil {
				t.Fatalf("Reset: %v", err)
			}
			sameContents(t, "after Reset", s.Latest(), genesis)
			for _, h := range []int64{1, 2} {
				if _, err := s.At(h); !errors.Is(err, state.ErrPruned) {
					t.Errorf("At(%d) after Reset: %v, want ErrPruned", h, err)
				}
			}
			if v, err := s.At(0); err != nil || v != genesis {
				t.Errorf("At(0) after Reset: %v", err)
			}
			closeStore(t, s)

			// Nothing of the old state is left on disk.
			s = openStore(t, b, 5)
			sameContents(t, "reopened after Reset", s.Latest(), genesis)
			next := commit(t, s, set("a", "1"))
			if next.Height() != 1 {
				t.Fatalf("first height after genesis: %d", next.Height())
			}
			closeStore(t, s)
		})
	}
}

// TestStoreCorrupt changes the database behind the store's back: the
// rebuilt root no longer matches the recorded app hash, and Open refuses.
func TestStoreCorrupt(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, db dbm.DB)
	}{
		{"changed value", func(t *testing.T, db dbm.DB) { mustSet(t, db, "s/a", "2") }},
		{"emptied value", func(t *testing.T, db dbm.DB) { mustSet(t, db, "s/a", "") }},
		{"extra key", func(t *testing.T, db dbm.DB) { mustSet(t, db, "s/zzz", "1") }},
		{"missing key", func(t *testing.T, db dbm.DB) {
			if err := db.Delete([]byte("s/b")); err != nil {
				t.Fatal(err)
			}
		}},
		{"renamed key", func(t *testing.T, db dbm.DB) {
			if err := db.Delete([]byte("s/b")); err != nil {
				t.Fatal(err)
			}
			mustSet(t, db, "s/c", "2")
		}},
		{"wrong recorded root", func(t *testing.T, db dbm.DB) {
			meta, err := db.Get([]byte("m/commit"))
			if err != nil || len(meta) != 48 {
				t.Fatalf("test setup: meta %x, %v", meta, err)
			}
			meta = append([]byte(nil), meta...)
			meta[39] ^= 1
			mustSet(t, db, "m/commit", string(meta))
		}},
		{"short meta", func(t *testing.T, db dbm.DB) { mustSet(t, db, "m/commit", "12345678") }},
		{"long meta", func(t *testing.T, db dbm.DB) { mustSet(t, db, "m/commit", string(make([]byte, 49))) }},
		{"meta between formats", func(t *testing.T, db dbm.DB) { mustSet(t, db, "m/commit", string(make([]byte, 44))) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, b := range backends(t) {
				t.Run(b.name, func(t *testing.T) {
					s := openStore(t, b, 1)
					commit(t, s, set("a", "1"), set("b", "2"))
					commit(t, s, set("c", "3"))
					closeStore(t, s)

					db := b.open(t)
					tc.tamper(t, db)
					s, err := state.Open(db, 1)
					if !errors.Is(err, state.ErrCorrupt) {
						t.Fatalf("Open after tampering: %v, want ErrCorrupt", err)
					}
					if s != nil {
						t.Fatal("Open returned a store with an error")
					}
					if err := db.Close(); err != nil {
						t.Fatal(err)
					}
				})
			}
		})
	}
}

// TestStoreUntamperedControl reopens the same layout without tampering, so
// TestStoreCorrupt cannot pass just because reopening always fails.
func TestStoreUntamperedControl(t *testing.T) {
	for _, b := range backends(t) {
		s := openStore(t, b, 1)
		commit(t, s, set("a", "1"), set("b", "2"))
		v := commit(t, s, set("c", "3"))
		closeStore(t, s)
		db := b.open(t)
		meta, err := db.Get([]byte("m/commit"))
		if err != nil || len(meta) != 48 || binary.BigEndian.Uint64(meta) != 2 {
			t.Fatalf("%s: meta record %x, %v", b.name, meta, err)
		}
		if root := v.Root(); string(meta[8:40]) != string(root[:]) {
			t.Fatalf("%s: meta root differs from the version's root", b.name)
		}
		if val, err := db.Get([]byte("s/c")); err != nil || string(val) != "3" {
			t.Fatalf("%s: s/c = %q, %v", b.name, val, err)
		}
		s, err = state.Open(db, 1)
		if err != nil {
			t.Fatalf("%s: Open: %v", b.name, err)
		}
		sameContents(t, b.name, s.Latest(), v)
		closeStore(t, s)
	}
}

func mustSet(t *testing.T, db dbm.DB, k, v string) {
	t.Helper()
	if err := db.Set([]byte(k), []byte(v)); err != nil {
		t.Fatal(err)
	}
}

// TestStoreConcurrentReaders reads Latest and At while blocks commit, for
// the race detector.
func TestStoreConcurrentReaders(t *testing.T) {
	s, err := state.Open(dbm.NewMemDB(), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, s)
	commit(t, s, set("k", "0"))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				l := s.Latest()
				if v, ok := l.Get([]byte("k")); !ok || string(v) != fmt.Sprint(l.Height()-1) {
					t.Errorf("height %d holds k=%q", l.Height(), v)
					return
				}
				if v, err := s.At(l.Height()); err == nil && v.Height() != l.Height() {
					t.Errorf("At(%d) returned height %d", l.Height(), v.Height())
					return
				}
			}
		}()
	}
	for h := 1; h < 100; h++ {
		commit(t, s, set("k", fmt.Sprint(h)))
	}
	close(stop)
	wg.Wait()
}

// TestStoreDeterministicAcrossBackends commits the same blocks to both
// backends: same roots at every height.
func TestStoreDeterministicAcrossBackends(t *testing.T) {
	bs := backends(t)
	stores := make([]*state.Store, len(bs))
	for i, b := range bs {
		stores[i] = openStore(t, b, 1)
	}
	for h := 0; h < 20; h++ {
		var cs []state.Change
		for j := 0; j < 5; j++ {
			k := fmt.Sprintf("k%d", (h*7+j*3)%17)
			if (h+j)%4 == 0 {
				cs = append(cs, del(k))
			} else {
				cs = append(cs, set(k, fmt.Sprint(h, j)))
			}
		}
		var root [32]byte
		for i, s := range stores {
			v := commit(t, s, cs...)
			if i == 0 {
				root = v.Root()
			} else if v.Root() != root {
				t.Fatalf("height %d: %s root differs", v.Height(), bs[i].name)
			}
		}
	}
	for _, s := range stores {
		closeStore(t, s)
	}
}

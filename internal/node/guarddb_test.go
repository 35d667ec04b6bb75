package node

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
)

// TestGuardedDBAfterClose: once closed, a guarded pebble database answers
// every call with errDBClosed, where pebble itself panics; batches made
// before the close fail too, and writers racing the close never panic.
func TestGuardedDBAfterClose(t *testing.T) {
	open := func(t *testing.T) *guardedDB {
		t.Helper()
		db, err := dbm.NewDB("tx_index", dbm.PebbleDBBackend, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return guardDB(db)
	}

	t.Run("calls after close", func(t *testing.T) {
		g := open(t)
		if err := g.Set([]byte("k"), []byte("v")); err != nil {
			t.Fatal(err)
		}
		if v, err := g.Get([]byte("k")); err != nil || string(v) != "v" {
			t.Fatalf("Get before close = %q, %v", v, err)
		}
		early := g.NewBatch()
		if err := early.Set([]byte("b"), []byte("1")); err != nil {
			t.Fatal(err)
		}
		if err := g.Close(); err != nil {
			t.Fatal(err)
		}
		calls := map[string]error{
			"batch made before, WriteSync": early.WriteSync(),
			"batch made before, Write":     early.Write(),
			"batch made after, Set":        g.NewBatch().Set([]byte("x"), nil),
			"Set":                          g.Set([]byte("k"), []byte("w")),
			"SetSync":                      g.SetSync([]byte("k"), []byte("w")),
			"Delete":                       g.Delete([]byte("k")),
			"DeleteSync":                   g.DeleteSync([]byte("k")),
			"Compact":                      g.Compact(nil, nil),
			"second Close":                 g.Close(),
		}
		_, calls["Get"] = g.Get([]byte("k"))
		_, calls["Has"] = g.Has([]byte("k"))
		_, calls["Iterator"] = g.Iterator(nil, nil)
		_, calls["ReverseIterator"] = g.ReverseIterator(nil, nil)
		for name, err := range calls {
			if !errors.Is(err, errDBClosed) {
				t.Errorf("%s after close: %v, want %v", name, err, errDBClosed)
			}
		}
		if err := early.Close(); err != nil {
			t.Errorf("closing a batch after the database: %v", err)
		}
	})

	t.Run("writers racing close", func(t *testing.T) {
		g := open(t)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for w := range 4 {
			wg.Go(func() {
				<-start
				for i := 0; ; i++ {
					b := g.NewBatch()
					for j := range 16 {
						_ = b.Set(fmt.Appendf(nil, "w%d/%d/%d", w, i, j), []byte("v"))
					}
					err := b.WriteSync()
					_ = b.Close()
					if errors.Is(err, errDBClosed) {
						return
					}
					if err != nil {
						t.Errorf("writer %d: %v", w, err)
						return
					}
				}
			})
		}
		close(start)
		// Let the writers commit a few batches before the close.
		deadline := time.Now().Add(10 * time.Second)
		for countKeys(t, g) < 4*16 {
			if time.Now().After(deadline) {
				t.Fatal("the writers committed nothing in 10 s")
			}
		}
		if err := g.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
	})
}

// countKeys counts the keys of db.
func countKeys(t *testing.T, db dbm.DB) int {
	t.Helper()
	it, err := db.Iterator(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for ; it.Valid(); it.Next() {
		n++
	}
	return n
}

package node

import (
	"errors"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
)

// errDBClosed is what a guardedDB returns once closed.
var errDBClosed = errors.New("database closed")

// guardedDB wraps a database that CometBFT writes from a goroutine it
// does not wait for when it stops: the transaction indexer's. Stop closes
// the database after CometBFT has stopped, and the indexer may still be
// writing a block's batch then; pebble panics on a closed database, which
// took the whole process down at exit. Once closed, every call here
// returns errDBClosed instead (the indexer logs it and ends), and Close
// waits for calls in flight.
//
// The database is a named field, not embedded, so that every method of
// dbm.DB must be written here: a method added to the interface fails to
// compile instead of reaching the closed store unguarded.
type guardedDB struct {
	db     dbm.DB
	mu     sync.RWMutex
	closed bool
}

var _ dbm.DB = (*guardedDB)(nil)

func guardDB(db dbm.DB) *guardedDB { return &guardedDB{db: db} }

// do runs f unless the database is closed, holding Close off meanwhile.
func (g *guardedDB) do(f func() error) error {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return errDBClosed
	}
	return f()
}

func (g *guardedDB) Get(key []byte) (v []byte, err error) {
	err = g.do(func() (e error) { v, e = g.db.Get(key); return e })
	return v, err
}

func (g *guardedDB) Has(key []byte) (ok bool, err error) {
	err = g.do(func() (e error) { ok, e = g.db.Has(key); return e })
	return ok, err
}

func (g *guardedDB) Set(key, value []byte) error {
	return g.do(func() error { return g.db.Set(key, value) })
}

func (g *guardedDB) SetSync(key, value []byte) error {
	return g.do(func() error { return g.db.SetSync(key, value) })
}

func (g *guardedDB) Delete(key []byte) error {
	return g.do(func() error { return g.db.Delete(key) })
}

func (g *guardedDB) DeleteSync(key []byte) error {
	return g.do(func() error { return g.db.DeleteSync(key) })
}

func (g *guardedDB) Iterator(start, end []byte) (it dbm.Iterator, err error) {
	err = g.do(func() (e error) { it, e = g.db.Iterator(start, end); return e })
	return it, err
}

func (g *guardedDB) ReverseIterator(start, end []byte) (it dbm.Iterator, err error) {
	err = g.do(func() (e error) { it, e = g.db.ReverseIterator(start, end); return e })
	return it, err
}

func (g *guardedDB) Compact(start, end []byte) error {
	return g.do(func() error { return g.db.Compact(start, end) })
}

func (g *guardedDB) Print() error { return g.do(g.db.Print) }

func (g *guardedDB) Stats() (s map[string]string) {
	_ = g.do(func() error { s = g.db.Stats(); return nil })
	return s
}

func (g *guardedDB) NewBatch() dbm.Batch {
	var b dbm.Batch
	_ = g.do(func() error { b = g.db.NewBatch(); return nil })
	return &guardedBatch{b: b, g: g}
}

// Close closes the database once calls in flight have returned; later
// calls, and a second Close, return errDBClosed.
func (g *guardedDB) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return errDBClosed
	}
	g.closed = true
	return g.db.Close()
}

// guardedBatch is a batch of a guardedDB; b is nil when the batch was
// made after the database closed.
type guardedBatch struct {
	b dbm.Batch
	g *guardedDB
}

var _ dbm.Batch = (*guardedBatch)(nil)

func (gb *guardedBatch) do(f func(dbm.Batch) error) error {
	return gb.g.do(func() error {
		if gb.b == nil {
			return errDBClosed
		}
		return f(gb.b)
	})
}

func (gb *guardedBatch) Set(key, value []byte) error {
	return gb.do(func(b dbm.Batch) error { return b.Set(key, value) })
}

func (gb *guardedBatch) Delete(key []byte) error {
	return gb.do(func(b dbm.Batch) error { return b.Delete(key) })
}

func (gb *guardedBatch) Write() error { return gb.do(dbm.Batch.Write) }

func (gb *guardedBatch) WriteSync() error { return gb.do(dbm.Batch.WriteSync) }

// Close releases the batch; after the database closed there is nothing
// left to release.
func (gb *guardedBatch) Close() error {
	err := gb.do(dbm.Batch.Close)
	if errors.Is(err, errDBClosed) {
		return nil
	}
	return err
}

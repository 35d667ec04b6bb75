package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	dbm "github.com/cometbft/cometbft-db"
)

// Database layout. State keys live under dataPrefix; the committed height,
// app hash and block time under metaKey, written in the same batch as the
// data.
var (
	dataPrefix = []byte("s/")
	metaKey    = []byte("m/commit")
)

// ErrCorrupt means the database does not match its own recorded app hash.
var ErrCorrupt = errors.New("state database is corrupt")

// ErrPruned is returned for heights no longer kept in memory.
var ErrPruned = errors.New("height not available")

// MaxKeptChanges bounds what the versions kept besides the latest cost:
// an older version holds, apart from what it shares with the latest, the
// paths that the blocks after it changed, so its cost is the changes made
// since. The oldest kept versions are dropped while the blocks after the
// oldest changed more keys than this in all (the latest is always kept).
// Ordinary blocks change a few keys and the last keep heights all stay;
// after a bulk load of thousands of changes a block, a few do, instead of
// a hundred heights of path copies (about 250 MiB of heap after loading a
// million names).
const MaxKeptChanges = 1 << 16

// Store keeps the latest Version durable and the last few in memory.
type Store struct {
	db   dbm.DB
	keep int

	mu sync.RWMutex
	// latest is read without a lock: every DNS, Handle and API request
	// loads it once and reads that Version.
	latest atomic.Pointer[Version]
	kept   []keptVersion // ascending height, the latest last, for proofs
}

// keptVersion is a kept Version and the number of changes of its block.
type keptVersion struct {
	v       *Version
	changes int
}

// Open loads the state from db, or starts empty. keep is how many recent
// heights stay available for queries and proofs (at least 1; fewer after
// blocks that changed many keys, see MaxKeptChanges).
func Open(db dbm.DB, keep int) (*Store, error) {
	if keep < 1 {
		keep = 1
	}
	s := &Store{db: db, keep: keep}
	meta, err := db.Get(metaKey)
	if err != nil {
		return nil, fmt.Errorf("read state meta: %w", err)
	}
	if meta == nil {
		s.setLatest(Empty(), 0)
		return s, nil
	}
	if len(meta) != 8+32 && len(meta) != 8+32+8 {
		return nil, fmt.Errorf("%w: meta record is %d bytes", ErrCorrupt, len(meta))
	}
	height := int64(binary.BigEndian.Uint64(meta[:8]))
	it, err := db.Iterator(dataPrefix, PrefixEnd(dataPrefix))
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	var items []item
	for ; it.Valid(); it.Next() {
		k := bytes.TrimPrefix(it.Key(), dataPrefix)
		items = append(items, item{key: string(k), val: append([]byte(nil), it.Value()...)})
	}
	err = it.Error()
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	v, err := build(height, items)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if root := v.Root(); !bytes.Equal(root[:], meta[8:40]) {
		return nil, fmt.Errorf("%w: rebuilt root %X at height %d, recorded %X", ErrCorrupt, root, height, meta[8:40])
	}
	if len(meta) == 48 {
		v.time = int64(binary.BigEndian.Uint64(meta[40:]))
	}
	s.setLatest(v, 0)
	return s, nil
}

// Latest is the last committed Version.
func (s *Store) Latest() *Version { return s.latest.Load() }

// At returns the Version committed at height, if still kept.
func (s *Store) At(height int64) (*Version, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i := len(s.kept) - 1; i >= 0; i-- {
		if v := s.kept[i].v; v.height == height {
			return v, nil
		}
	}
	if len(s.kept) == 0 { // between Reset and its Commit
		return nil, fmt.Errorf("%w: height %d (no version kept)", ErrPruned, height)
	}
	return nil, fmt.Errorf("%w: height %d (kept: %d..%d)", ErrPruned, height, s.kept[0].v.height, s.latest.Load().height)
}

// Commit makes v durable (one synced batch of changes plus the height and
// root) and then the latest Version. changes must be those that made v
// from the previous latest Version.
func (s *Store) Commit(v *Version, changes []Change) error {
	b := s.db.NewBatch()
	defer func() { _ = b.Close() }()
	for _, c := range changes {
		k := append(append([]byte(nil), dataPrefix...), c.Key...)
		var err error
		if c.Value == nil {
			err = b.Delete(k)
		} else {
			err = b.Set(k, c.Value)
		}
		if err != nil {
			return fmt.Errorf("stage state change: %w", err)
		}
	}
	meta := make([]byte, 8, 8+32+8)
	binary.BigEndian.PutUint64(meta, uint64(v.height))
	root := v.Root()
	meta = append(meta, root[:]...)
	meta = binary.BigEndian.AppendUint64(meta, uint64(v.time))
	if err := b.Set(metaKey, meta); err != nil {
		return fmt.Errorf("stage state meta: %w", err)
	}
	if err := b.WriteSync(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	s.setLatest(v, len(changes))
	return nil
}

// Reset replaces everything on disk and in memory with v, for InitChain.
func (s *Store) Reset(v *Version) error {
	var changes []Change
	old := s.Latest()
	old.Iterate(nil, nil, func(k, _ []byte) bool {
		changes = append(changes, Change{Key: append([]byte(nil), k...)})
		return true
	})
	v.Iterate(nil, nil, func(k, val []byte) bool {
		changes = append(changes, Change{Key: k, Value: val})
		return true
	})
	s.mu.Lock()
	s.kept = nil
	s.mu.Unlock()
	return s.Commit(v, changes)
}

// setLatest publishes v, made by a block of the given number of changes,
// and drops the kept versions that fall out of the window: those more
// than keep heights old, and the oldest while the blocks after the oldest
// kept made more than MaxKeptChanges changes.
func (s *Store) setLatest(v *Version, changes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latest.Store(v)
	s.kept = append(s.kept, keptVersion{v: v, changes: changes})
	cost := 0
	for _, k := range s.kept[1:] {
		cost += k.changes
	}
	drop := 0
	for drop < len(s.kept)-1 {
		old := s.kept[drop].v.height
		if old > v.height-int64(s.keep) && cost <= MaxKeptChanges {
			break
		}
		drop++
		cost -= s.kept[drop].changes
	}
	s.kept = slices.Delete(s.kept, 0, drop) // clears the dropped pointers
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

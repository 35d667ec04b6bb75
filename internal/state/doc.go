// Package state is dii's authenticated key-value state.
//
// Every committed height is a Version: an immutable ordered map of keys to
// values (a copy-on-write B-tree) together with a sparse Merkle tree over
// sha256(key) → sha256(value) whose root is the block's app hash. Versions
// share structure, so keeping the last few for proofs costs only the paths
// that changed, and readers (the HTTP API, later the DNS server) hold a
// Version without any lock while the application builds the next one.
//
// Writes go through an Overlay: a set of pending changes over a base
// Reader. The application stacks one overlay per transaction on one per
// block, so a failed transaction is dropped without touching the block, and
// a block becomes a new Version with Version.Next.
//
// Store persists each committed Version's changes to an embedded database
// (pebble, through cometbft-db) in one synced batch, together with the
// height and app hash. On start it reads every key back, rebuilds the tree
// and refuses to start if the root differs from the stored app hash.
//
// Nothing here reads the clock, randomness or map order: the same changes
// give the same root on every node.
package state

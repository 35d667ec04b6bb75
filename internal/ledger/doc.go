// Package ledger is dii's ABCI application: the deterministic state machine
// that CometBFT replicates.
//
// CheckTx decodes a transaction, checks its chain id, signature and
// sequence, and executes it against a scratch copy of the mempool state, so
// bad input is refused before it reaches a block with a numeric code from
// code.go. FinalizeBlock executes the block's transactions, each atomically
// over one block overlay, and returns the new app hash: the root of the
// authenticated state (package state). Commit makes that state durable and
// the one every reader sees, then wakes anyone waiting for one of the
// block's transactions.
//
// State keys:
//
//	a/<20-byte address>   account: ed25519 public key (32) ‖ next sequence (8, big-endian)
//	p/registry            registry parameters (JSON, from genesis)
//	n/<reversed name>     a registered name (package registry)
//
// Time inside a transaction is the block's time from its header. Nothing
// here reads the wall clock, randomness or map order.
package ledger

// Package tx defines dii's transaction: one canonical, versioned binary
// encoding, signed with ed25519 over its canonical bytes and bound to a
// chain id.
//
// A transaction carries one signer, the signer's next sequence number and a
// list of operations that execute atomically: all of them apply, or none.
// The layout, byte by byte, is written down in docs/transactions.md; in
// short:
//
//	magic     2  "dT"
//	version   1  1
//	chain id  1+n  length-prefixed ASCII, 1..50 bytes
//	signer    32 ed25519 public key
//	sequence  8  big-endian
//	op count  2  big-endian, 1..MaxOps
//	ops       each: kind (1) then the kind's fields
//	signature 64 ed25519 over SignBytes
//
// Decode is strict: every length is checked against what remains, no
// trailing bytes are accepted, booleans are 0 or 1, and re-encoding a
// decoded transaction gives back exactly the input bytes. There is only one
// valid encoding of any transaction, so its hash identifies it.
//
// Decode checks encoding only. Name syntax, record data, authorisation and
// sequence numbers are checked by the ledger application.
package tx

// Package handle keeps a Handle System registry (RFC 3650, 3651) on the
// ledger: naming authorities (prefixes) and handles with their values, the
// Digital Object Architecture's identifiers, with no single operator.
//
// A handle is "prefix/suffix". A prefix exists when its naming authority
// handle "0.NA/<prefix>" does; a registry operator named in genesis creates
// a top prefix, and an administrator of a prefix with the add-derived-
// prefix permission creates prefixes below it ("0.NA/20.500" under
// "0.NA/20"), for itself or, through the HS_ADMIN value it writes, for
// another account. Handles are created under a prefix by its
// administrators with the add-handle permission.
//
// Every change is checked against the HS_ADMIN values of the handle (of
// the prefix, to create one) as RFC 3651 defines them. An administrator
// reference names an HS_PUBKEY value whose ed25519 key must be the
// transaction signer's, an HS_VLIST group of such references, or — dii's
// addition — a ledger account as the pseudo-handle "0.DII/<dii1 address>".
// Value timestamps are block times.
//
// Each handle record is one state key, KeyPrefix and the handle with ASCII
// letters in upper case, so the handles of a prefix are one contiguous key
// range. Exec runs the operations of package tx that Handles reports;
// Get, Resolve (following HS_ALIAS) and List read. docs/handle.md describes
// the model, the encodings and the rules.
package handle

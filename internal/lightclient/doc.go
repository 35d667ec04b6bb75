// Package lightclient checks a dii state proof offline, as a light client
// would: without trusting the node that produced it.
//
// A Bundle carries a state key, its value (or none), a sparse Merkle proof
// (package smt) and the signed header of the block after the state's
// height; that header's app hash is the state root, because CometBFT puts
// the result of executing block h into header h+1.
//
// Verify checks, in order:
//
//  1. the header is well formed and for the trusted chain id;
//  2. the trusted validator set hashes to the header's validators hash;
//  3. more than two thirds of that set's voting power signed the commit
//     for exactly this header (ed25519 signatures checked);
//  4. the header's height is the bundle's height plus one;
//  5. the state key is the one derived from the name, not taken on trust;
//  6. the Merkle proof links the key and value hash (or their absence) to
//     the header's app hash.
//
// The trusted validator set comes from genesis.json or from a validators
// file the user obtained out of band. A chain whose validator set changed
// since then needs header-by-header verification first; this package
// refuses a header whose validators hash differs from the trusted set.
package lightclient

// Package dnssec signs dii's DNS answers online: one ECDSA P-256 key per
// node (algorithm 13), published on the ledger with the node's name server
// entry, signs every zone the node serves.
package dnssec

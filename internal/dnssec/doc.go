// Package dnssec signs dii's DNS answers online: one ECDSA P-256 key per
// node (algorithm 13), published on the ledger with the node's name server
// entry, signs every zone the node serves.
//
// # Keys
//
// Each node has one key, a combined signing key (flags 257, protocol 3,
// algorithm 13, ECDSAP256SHA256), made by GenerateKey and kept by Save in
// BIND's private-key format at node.DNSKeyFile(home)
// (<home>/config/dns_key.private, mode 0600); a node makes it on first use.
// Key.RData is the DNSKEY RDATA an operator publishes in its root name
// server entry (genesis does so for the first node). The ledger's entries
// are the DNSKEY set: every hosted zone's apex, the root included, serves
// the DNSKEY RRset of all published keys, and the parent of a hosted zone
// serves one SHA-256 DS per published key (package zone). Each node signs
// with its own key only; a resolver that trusts any published key accepts
// the signatures of that key's node. A node whose key is not published
// still signs, but no validating resolver will accept its answers; it logs
// a warning until its operator publishes the key. Replacing a key means
// replacing the file and the published entry together; resolvers that hold
// the old DNSKEY RRset (for up to its TTL, zone.DefaultKeyTTL, one hour)
// reject the new key's signatures until it expires. Trust anchors name
// keys, so a resolver's anchor must be updated too.
//
// # Signing
//
// Signer.Sign makes the RRSIG of one RRset (RFC 4034 §3) for a zone: the
// signed data is the RRSIG RDATA without the signature followed by the
// RRset in canonical form and order (§6.2, §6.3: owner and the names in the
// RDATA of the listed types in lower case, RFC 6840 §5.1 leaving NSEC
// out; the original TTL; records sorted by RDATA, duplicates dropped),
// hashed with SHA-256 and signed with ECDSA P-256; the signature is r||s,
// 32 octets each (RFC 6605). The signer name is the zone the RRset belongs
// to. Labels counts every label of the owner: answers synthesized from a
// wildcard are owned, and signed, by the query name, as if it existed (RFC
// 9824 §3.3), so no NSEC has to prove that no closer match exists.
//
// # Validity
//
// Window gives the validity of a signature made at a time: the inception
// is the start of the hour before the current hour (a resolver whose clock
// is up to an hour slow accepts it), the expiration Validity (7 days)
// later. Callers pass the time (the name server its clock, tests a fixed
// one), so signing is deterministic up to ECDSA's random nonce.
//
// # Caching
//
// A signature depends only on the signed data, which holds the RRset and
// the validity window. The Signer keeps the RRSIGs it made in a bounded
// cache keyed by that data (sharded, least recently used out; NewSigner's
// size, DefaultCacheSize by default): within an hour the same RRset is
// signed once, and a steady query load costs a canonical packing and a map
// lookup per RRset, not an ECDSA signature (see BenchmarkSign and the name
// server's BenchmarkAnswerDNSSEC). When the hour turns, entries of the old
// window are no longer asked for and age out. Signer.Stats counts hits and
// misses.
//
// # Compact denial of existence
//
// Negative answers use compact denial (RFC 9824) rather than NSEC chains:
// one NSEC, owned by the name asked for, made on the fly.
//
//   - A name that does not exist: NXNameNSEC, next name "\000." + the name
//     (its immediate successor, Successor), types RRSIG, NSEC and NXNAME
//     (TypeNXNAME, 128). The response code is NOERROR, not NXDOMAIN (the
//     name "exists" with no data); without the DO bit the name server
//     answers NXDOMAIN as before. A query for type NXNAME is FORMERR.
//   - A name without the type asked for (NODATA): NoDataNSEC, the types at
//     the name plus RRSIG and NSEC; an empty non-terminal has only RRSIG and
//     NSEC; a wildcard match the wildcard's types (§3.3).
//   - A delegation without DS (an unsigned referral, or DS asked for at
//     the cut): CutNSEC, owned by the cut, next name the cut's first label
//     with a zero octet appended (SiblingSuccessor), so that the range
//     covers nothing below the cut; types NS, RRSIG, NSEC (§3.4).
//
// The NSEC TTL is that of the negative answer's SOA, min(SOA TTL, MINIMUM)
// (RFC 9077). Names too long for the successor rules fall back to RFC 4471
// §3.1.2: a zero octet appended to the first label, or its last octet
// incremented.
//
// # Trust anchors
//
// A validating resolver needs the root zone's keys: NewAnchor makes the
// DNSKEY RRset and the DS of each key, Anchor.String prints them in
// presentation form and Anchor.Unbound as unbound.conf "trust-anchor:"
// lines. "dii dns trust-anchor" prints them from a node's root zone export
// (ZoneKeys), a genesis file, or a key file.
package dnssec

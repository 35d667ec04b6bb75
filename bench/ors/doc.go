// Command ors benchmarks ORS (ITU-T X.672) resolution of the ledger's OID
// tree through dii's DNS path and prints a table.
//
// For each tree size (-arcs, default 1,000 and 1,000,000 arcs) it:
//
//   - builds a ledger state of that many arcs directly, with
//     state.Version.Next and the encodings of package oid (oid.Arc.Encode
//     at oid.ArcKey: the bytes the ledger writes), plus one root name
//     server entry with a DNSSEC key, so that answers can be signed. It
//     does not go through consensus: loading a million arcs as signed
//     transactions would take the ledger's write rate (measured by
//     bench/ledger) times a million and measure the ledger, not DNS; the
//     DNS side only ever sees committed state;
//   - builds the zone snapshot (zone.Build: the root zone and the ORS zone
//     oid-res.org.), reporting the time and the heap it takes per arc, and
//     times zone.Apply of blocks that allocate 100 arcs and relabel 100
//     others, the per-block update a node makes on every commit;
//   - starts a nameserver.Server on 127.0.0.1 (port 0) serving that
//     snapshot and signing with the key, and measures NAPTR queries per
//     second, without and with the DO bit, with dnsperf when it is
//     installed (Debian package dnsperf), else with an in-Go load
//     generator of concurrent UDP clients (-load go forces it).
//
// The query mix: 90% NAPTR at a random arc's own ORS name, 5% at a Unicode
// label or secondary identifier of an arc (a DNAME chain the server
// follows), 5% at arcs that do not exist (NXDOMAIN, or with DO its
// signed compact denial). Every arc has a distinct name, so signed answers
// mostly miss the signature cache: the DO column is the cost of online
// signing.
//
// Run it with `go run ./bench/ors`; see -help. Results are recorded in
// docs/benchmarks.md.
package main

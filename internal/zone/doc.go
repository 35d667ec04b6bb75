// Package zone is the DNS view of the ledger: an in-memory index of every
// registered name's RRsets, rebuilt incrementally block by block, and the
// authoritative answer algorithm the DNS server runs on every query.
//
// # Model
//
// The root zone "." is always hosted. Every registered name (a
// registry.Record under the state key prefix "n/") is the apex of a zone:
//
//   - hosted by the ledger when its record holds no NS RRset at the apex;
//   - delegated out when it does: the parent side answers with a referral.
//
// An NS RRset at any other owner inside a record (the owner of dii sets NS
// at foo.dii without registering it) is a delegation too. A delegation
// occludes everything below it, registered names included.
//
// The name servers are the ledger's root name server entries (the state
// keys "s/ns/<operator>", registry.Nameservers): each entry's name (entries
// of one name pooling their addresses), in the order registry.Nameservers
// lists them. A chain without entries uses Config.Nameservers instead.
// Build reads the entries; Apply rederives the name servers, their
// addresses and the keys whenever a block changes an entry.
//
// Each hosted zone has a derived SOA and NS, never stored: MNAME is the
// first name server, RNAME "hostmaster." + the zone (for the root
// Config.RootHostmaster), SERIAL the state height modulo 2^32 (so it
// increases with every block, RFC 1982), REFRESH 1800, RETRY 900, EXPIRE
// 604800, MINIMUM Config.NegativeTTL; the SOA has TTL Config.SOATTL. The NS
// RRset is the name servers with TTL Config.NSTTL, the same for every
// hosted zone. The addresses of the name servers are served as A and AAAA
// records at their names (TTL NSTTL), wherever those names fall; an RRset
// of the same type in the ledger replaces them.
//
// The DNSKEYs of the entries (DNSSEC keys, one per node; package dnssec)
// make, while at least one is published, a DNSKEY RRset at every hosted
// zone's apex, the root included (TTL Config.KeyTTL), and the parent side
// of every hosted zone serves one DS per key (SHA-256, digest type 2, TTL
// KeyTTL) in place of any DS the ledger holds there: every hosted zone is
// signed by every node's key. A delegated-out name's DS is the ledger's.
//
// If two records hold an RRset of the same owner and type (the ledger never
// writes such a state), the one of the deeper registered name wins. Record
// data the ledger cannot have written (unknown types, owners outside the
// record's name or not in canonical form, RDATA that does not unpack) is
// skipped; a record that does not decode is corrupt state and makes Build
// and Apply fail.
//
// # ORS
//
// Unless Config.ORS switches it off, one more zone is hosted: the zone of
// the OID resolution system (ORS, ITU-T X.672 | ISO/IEC 29168-1), apex
// Config.ORS.Domain (default DefaultORSDomain, "oid-res.org."), with the
// derived SOA, NS and DNSKEY of every hosted zone, fed from the ledger's
// OID tree: every arc ("o/" keys, package oid) and every X.677 identity
// ("u/" keys). oid.ORSArc and oid.ORSIdentity give the records:
//
//   - at an arc's ORS name (its arcs reversed, then the apex:
//     5.999.2.oid-res.org.), NAPTR records of the COID service and, as
//     configured, RINF, CINF (only for an arc with children), MINF, UINF
//     and LINF;
//   - at each alias of an arc below its superior's ORS name (the DNS form
//     of a Unicode label, xn--fiqs8s.999.2.oid-res.org., or a secondary
//     identifier in lower case), a DNAME to the arc's ORS name, so that
//     OID-IRIs and ASN.1 names resolve, and the arc's COID record;
//   - at an identity's ORS name, COID and RINF.
//
// Unicode labels are unique among siblings, so a label alias always
// stands; a secondary identifier alias gives way to a sibling's label of
// the same DNS form, and one that several siblings share resolves to none
// of them (NODATA). A label holding "~", which no stored name can hold,
// has no alias; an OID too deep for a DNS name is not served. Retired arcs
// and revoked identities are served like the others: their records say
// what they are.
//
// Precedence: at and below its apex the ORS zone wins. Registered names,
// records and delegations of the ledger there are not served (nor listed
// by Zones, nor exported), whatever ledger zone holds them, and a DNAME
// above the apex does not reach into it. Above the apex nothing changes:
// a name outside the ledger's TLDs (such as "org." when "org" is not one)
// is still NXDOMAIN from the root, the seam where the name server forwards
// or refuses. When the apex falls in a hosted ledger zone, or is a TLD,
// that zone is the ORS zone's parent: it serves the DS derived from the
// published keys at the apex, exports the cut (derived NS and DS), and
// answers NODATA for the empty non-terminals between itself and the
// apex. Otherwise (the default: "org" is not a ledger TLD) the ORS zone
// is an island of trust whose DNSKEY RRset is the root's keys under the
// apex's name, and DS at the apex is NODATA from the ORS zone itself.
//
// The ORS zone has its own copy-on-write index (a sub-snapshot); Lookup
// sends every name at or below the apex there, also along a CNAME or
// DNAME chain, and Result.Zone is the apex for them. Build reads every
// arc and identity: O(a log a) for a arcs. Apply reads the changed "o/"
// and "u/" keys: it takes out the owners the old record made and puts in
// those of the new, and refreshes the superior of an arc that appears or
// disappears (its CINF record depends on having children): O(c (k + log
// a)) for c changed arcs of k aliases.
//
// # Answers
//
// Lookup follows RFC 1034 §4.3.2, walking the labels of qname from the
// root down:
//
//   - The first name met that carries NS (other than the root) is a
//     delegation: the answer is a referral (AA off) with the NS RRset and,
//     when present, the DS RRset in the authority section and the A and
//     AAAA records of the NS targets at or below the delegation point
//     (in-bailiwick glue) in the additional section. Other glue is left to
//     the resolver.
//   - DS at exactly a delegation point, or at exactly a hosted zone's apex,
//     is answered authoritatively by the parent zone (RFC 4035 §3.1.4.1):
//     the DS RRset or NODATA with the parent's SOA.
//   - Otherwise the zone is the deepest hosted registered name at or above
//     qname, or the root.
//   - Inside that zone, a DNAME at a name above qname (the apex included)
//     gives the DNAME and a CNAME from qname to qname with the DNAME's
//     owner replaced by its target, TTL that of the DNAME (RFC 6672 §3.3);
//     a result over 255 octets gives YXDOMAIN. A DNAME in a parent zone
//     does not reach into a hosted child zone below it.
//   - An RRset of qtype at qname is the answer (AA). At a hosted apex SOA
//     and NS are the derived ones; an NS answer carries the name servers'
//     addresses in the additional section.
//   - A CNAME at qname answers any other qtype, and the lookup continues at
//     its target, as it does after a DNAME. The chain stays in the answer;
//     it follows at most 8 links and stops at a name already seen (a loop),
//     or at a target that would be NXDOMAIN in the root zone (a name outside
//     every TLD of the ledger, which the resolver must look up itself). AA
//     stays set; the rcode and authority section are those of the last name
//     looked up, which may be NXDOMAIN, NODATA or a referral.
//   - A name that does not exist but has descendants (an empty
//     non-terminal, such as every ancestor of a registered name or of an
//     owner like _sip._tcp.x.dii) gives NODATA.
//   - A name that does not exist and has none: if the closest encloser's
//     "*" child exists, its RRsets answer with the owner replaced by qname,
//     a wildcard CNAME included (RFC 4592); names that exist, empty
//     non-terminals included, are never wildcard-matched. Otherwise
//     NXDOMAIN.
//   - Negative answers (NXDOMAIN, NODATA) carry the zone's SOA in the
//     authority section with TTL min(SOA TTL, MINIMUM) (RFC 2308 §3).
//   - DNSKEY at a hosted apex is the published key set (NODATA when none is
//     published). DS at a hosted zone's apex is the parent's derived DS.
//   - qtype ANY gets a minimal answer (RFC 8482 §4.1): the one RRset with
//     the lowest type number at the name, counting the derived NS and SOA
//     at an apex; a CNAME answers alone and is not followed.
//
// Responses are minimal: no additional-section processing for MX, SRV or
// NS targets in positive answers (resolvers look them up as needed), except
// the name server addresses with a zone's NS RRset and glue in referrals.
//
// # DNSSEC
//
// Records are never signed here: the name server signs online. For that,
// LookupDNSSEC gives the same answer as Lookup plus what a signer needs:
// AnswerZone(i), the zone (signer name) of each answer RR, which changes
// along a chain that crosses zones; AuthZone, the zone of the authority
// section (the SOA's, or the parent's for a referral and for DS); and
// Denial, what the NSEC of compact denial of existence (RFC 9824) must
// say: for NXDOMAIN the name (NXName), for NODATA the name and its types
// (at an apex the derived NS, SOA and DNSKEY too, never DS; none for an
// empty non-terminal; for a wildcard match the wildcard's types, at
// qname), and for a delegation without DS (a referral, or DS asked at the
// cut) the cut with type NS (Cut). Wildcard answers are owned by qname and
// signed as such. Lookup leaves these fields empty and costs nothing more.
//
// Names compare case-insensitively; answers carry owner names as the ledger
// stores them, in lower case, and synthesized owners (wildcard, DNAME) as
// qname in lower case. qname may use the escapes of presentation form
// (\. or \DDD), as miekg/dns produces them; labels holding characters no
// stored name can have simply never match. A qname that is not a domain
// name (empty labels, bad escapes, over 255 octets) gives FORMERR.
//
// # Index and complexity
//
// A snapshot indexes every owner name that holds RRsets or is registered,
// and every name that has such names below it (an empty non-terminal: a
// node holding only the count of its children). The key of a name is its
// labels in reverse order joined by a byte below every label byte, so key
// order is the canonical DNS order of RFC 4034 §6.1 and a name's subtree
// is the contiguous range after it. The nodes are held twice: in a hash
// index for the exact-name probes of a query, and in a copy-on-write
// B-tree (google/btree) for what needs canonical order: listing zones,
// exporting them, Apply. Each node holds its RRsets in wire form (each
// record's type, class, TTL and RDATA, the owner left out: a few bytes
// where a decoded dns.RR costs a struct and its fields), flags for the
// zone apex, the delegation point and the types a walk needs to see (NS,
// DS, CNAME, DNAME), and, for the rarer nodes, the contributions of
// several records, the owners a record fills and the keys of a
// delegation's in-bailiwick glue. A node's key, name and records share
// one allocation, which a 48-byte node points at.
//
// The hash index (keyed by a per-process seeded hash of the key) is two
// structures. Most names are in a flat open-addressing table in groups of
// eight 32-byte slots, with a control word of eight one-byte hash tags per
// group; a slot points at the node and straight at its data, and carries
// the node's flags, so that a hit reads a control word, one slot and the
// data, and a name that is not there reads the control word only. The
// table never changes once built. The names changed since it was built
// sit in front of it in a persistent hash array mapped trie (32-way,
// copy-on-write), with tombstones for names taken out, and a bit set of
// their hashes lets the other lookups skip the trie. When the trie holds
// more than 256 names plus 1/64 of the table's, the Build or Apply that
// made it merges the two into a new table: a patched copy (some 50 to 130
// ms at a million names) or, when the table is nearly full, one built
// afresh (about 200 ms). The table's slots are advised to the kernel as
// huge pages. The index of a million names with one A record each takes
// about 180 bytes per name.
//
// Lookup makes one hash probe per label of qname (each a hash of the key
// prefix and a few pointer hops, whatever the size of the zone), plus a
// wildcard probe for a name that does not exist: since empty
// non-terminals are in the index, the deepest ancestor met on the way
// down is the closest encloser. Lookup decodes the records it answers
// with into dns.RR values of the caller's; the derived SOA, NS, DNSKEY and
// DS records are made per query, except the root's, made once per
// snapshot.
//
// AppendAnswer answers the common questions without Lookup's Result and
// without decoding: a name's RRset, NODATA and NXDOMAIN with the zone's
// SOA, and referrals with glue, appended in wire form to a response whose
// question is already written, answer owners as compression pointers to
// the question. It makes the same probes as Lookup, allocates nothing,
// and declines (for Lookup to answer) whatever involves a CNAME, DNAME,
// wildcard, the ORS zone, ANY, DS, or SOA, NS and DNSKEY at an apex.
//
// Apply shares the hash index and clones the tree (O(1) each), then for
// each changed registry key removes what the old record put in the index
// (the index remembers which owners each record filled) and adds the new
// record, copying only the trie and tree paths it changes: O(c (k + log
// n)) for c changed records of k RRsets, plus the merge of the trie into
// a new table, O(n), once per n/64 changes or so; a block that changes a
// name server entry also rereads the entries and replaces the name server
// addresses, O(e log n) for e entries. Build is O(n log n). Zones and
// Export visit the names they list.
//
// # Concurrency
//
// A Snapshot never changes after Build or Apply returns it. Any number of
// goroutines may call Lookup, Zones and Export on it, without locks, also
// while Apply derives the next snapshot from it; the old snapshot stays
// valid for as long as it is referenced. The RRs and slices in a Result are
// shared: callers must not modify them (appending is safe).
//
// # Export
//
// Export writes one hosted zone as an RFC 1035 master file that
// named-checkzone and ldns-read-zone accept: $ORIGIN, the SOA, the apex NS,
// the apex DNSKEY RRset (when keys are published), the other apex RRsets,
// then every name of the zone in canonical order. Delegations, and hosted
// child zones (with their derived NS and DS), are zone cuts: their NS, DS,
// and the A and AAAA records of NS targets below the cut are written,
// nothing else below them, nor below a DNAME. No RRSIG or NSEC is written
// (signatures are made online); "dii dns trust-anchor" reads the root
// zone's DNSKEY RRset from this export.
package zone

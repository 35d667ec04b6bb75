// Package nameserver is dii's authoritative DNS server: it answers for the
// root zone "." and every zone held on the ledger, over UDP and TCP, from
// an immutable zone snapshot (package zone) that the ledger swaps in
// atomically after each commit. A record committed in block h is answered
// as soon as the node has applied block h; nothing waits on a TTL.
//
// One path serves every transport: Answer turns a parsed query into a
// response; the TCP, DoT and DoH listeners are thin feeds into it. UDP,
// where the load is, has a fast path in front of it (udpfast.go): one
// goroutine per socket (one socket per core, SO_REUSEPORT) reads
// datagrams in batches (recvmmsg into buffers, headers and addresses
// allocated once; one datagram per call where the system has no
// recvmmsg), parses queries of the common shape
// without allocating (one question, no compression, at most an OPT
// record), has the snapshot prefetch the batch's names, builds each answer
// straight in wire form from the snapshot's wire records
// (zone.Snapshot.AppendAnswer: a name's RRset, NODATA, NXDOMAIN,
// referrals; REFUSED outside the namespace) and writes the batch back
// (sendmmsg). Everything else — other shapes, signed answers, CNAME and
// DNAME chains, wildcards, ANY, DS, the ORS zone, forwarded names, answers
// over the size limit, malformed datagrams — goes, copied, to a goroutine
// of its own through the full decoder and Answer, with the same results
// as before the fast path existed; tests compare the two paths answer by
// answer. The read path takes no lock (response-rate limiting aside): it
// loads the current snapshot pointer once per batch.
//
// Protocol behaviour:
//
//   - EDNS0 (RFC 6891): the requester's UDP size is honoured between 512
//     and the server's limit (1232 by default, the DNS flag day value); a
//     response that does not fit is truncated with TC set; an unknown EDNS
//     version gets BADVERS; unknown options are ignored; the DO bit is
//     echoed.
//   - Opcodes other than QUERY get NOTIMP; a message with other than one
//     question gets FORMERR; classes other than IN, and zone transfers,
//     get REFUSED.
//   - TCP (RFC 7766): many queries per connection, an idle timeout, and a
//     limit on open connections beyond which new ones are closed at once.
//   - UDP: one socket per core with SO_REUSEPORT where the system has it.
//   - DNSSEC (RFC 4033-4035): see below.
//
// # DNSSEC
//
// With a Config.Signer (the node's key, package dnssec) and at least one
// DNSKEY published on the ledger, a query with the DO bit gets a signed
// answer (dnssec.go), made online from zone.Snapshot.LookupDNSSEC:
//
//   - every RRset of the answer section has its RRSIG, signed for the zone
//     it belongs to (a CNAME or DNAME chain may cross zones; DS is signed by
//     the parent); wildcard answers are signed as the query name;
//   - the authority section's SOA (negative answers) and DS (referrals) are
//     signed; a referral's NS RRset and the additional section (glue, name
//     server addresses) are not;
//   - negative answers use compact denial of existence (RFC 9824): one NSEC
//     at the name looked up, signed. A name that does not exist is NOERROR
//     with an NSEC whose next name is "\000." + the name and whose types are
//     RRSIG, NSEC and NXNAME (128); NODATA lists the types present (an empty
//     non-terminal none, a wildcard match the wildcard's); a referral
//     without DS, and DS asked at such a cut, carry an NSEC at the cut with
//     next name "<first label>\000.<parent>" and types NS RRSIG NSEC;
//   - a query for NSEC at a denied name is answered with that NSEC; a query
//     for type NXNAME is FORMERR, with or without DO.
//
// Without DO, or without a published key, answers are unsigned and NXDOMAIN
// stays NXDOMAIN; the DNSKEY RRsets (and derived DS) are served to anyone.
// Signatures are cached by the signer, so a steady load costs a cache
// lookup per RRset (BenchmarkAnswerDNSSEC). Signed answers are larger; UDP
// answers are still truncated with TC to the requester's size.
//
// Malformed datagrams are dropped, or answered FORMERR or NOTIMP as the
// DNS library's server does (header checks first, then decoding), and
// counted.
package nameserver

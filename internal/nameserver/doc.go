// Package nameserver is dii's authoritative DNS server: it answers for the
// root zone "." and every zone held on the ledger, over UDP and TCP, from
// an immutable zone snapshot (package zone) that the ledger swaps in
// atomically after each commit. A record committed in block h is answered
// as soon as the node has applied block h; nothing waits on a TTL.
//
// One path serves every transport: Answer turns a parsed query into a
// response; the UDP and TCP listeners (and later DoH and DoT) are thin
// feeds into it. The read path takes no lock: it loads the current snapshot
// pointer once per query.
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
//
// Malformed datagrams are dropped or answered FORMERR by the DNS library
// before they reach Answer, and counted.
package nameserver

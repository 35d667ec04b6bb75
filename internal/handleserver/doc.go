// Package handleserver serves the Handle System's native protocol (RFC
// 3652, version 2.1) over UDP and TCP from the ledger's handle registry,
// and is a client for it.
//
// The server answers:
//
//   - RESOLUTION: the values of a handle, filtered by the request's index
//     and type lists (a union; a type ending in "." matches its family, as
//     Handle.Net does). Only publicly readable values are ever returned:
//     the server authenticates no one. HANDLE_NOT_FOUND when the ledger has
//     no such handle, VALUE_NOT_FOUND when nothing matches, ACCESS_DENIED
//     when the only matching values are not publicly readable and the
//     client did not ask for public values only (PO flag clear).
//   - GET_SITEINFO: the site information record of this service.
//   - administration (100–106 and the Handle.Net NA and replication
//     extensions), authentication and sessions: OPERATION_NOT_SUPPORTED,
//     with a message saying that handles change by signed ledger
//     transactions (HTTP PUT/DELETE on /api/handles or the dii CLI).
//   - anything undecodable that still has an envelope: PROTOCOL_ERROR.
//     Datagrams too short for an envelope, and responses sent to the
//     server, are dropped and counted.
//
// This service is authoritative for every handle on the ledger and for
// nothing else: it never refers or recurses to other Handle services (the
// REC flag is accepted and ignored), and a handle the ledger does not hold
// is HANDLE_NOT_FOUND.
//
// Over UDP a response longer than one 512-byte datagram is split into
// several datagrams (TC set, sequence numbers from 0), as Handle.Net
// clients expect; multi-packet UDP requests are reassembled. Over TCP each
// message is one envelope and its message; the connection stays open for
// further requests when the request sets KC (keep connection), until the
// idle timeout.
//
// The client (Client, Resolve, GetSiteInfo, FollowAliases) speaks UDP
// with TCP fallback, or TCP only. One Client shares a UDP socket among any
// number of concurrent requests, which makes it usable as a load
// generator.
package handleserver

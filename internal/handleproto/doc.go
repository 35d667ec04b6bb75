// Package handleproto encodes and decodes Handle System protocol messages,
// version 2.1 (RFC 3652), and the wire-level data records of the Handle
// System data model (RFC 3651): handle values, HS_SITE site information,
// HS_ADMIN administrator records and HS_VLIST value-reference lists.
//
// # Layout
//
// A message on the wire is a 20-byte Envelope followed by the message
// proper: a 24-byte Header, a body of Header.BodyLength bytes and a
// credential section (a 4-byte length, then the credential). Every integer
// is big-endian; every string is a UTF8-String: a 4-byte length and that
// many bytes.
//
//	Envelope   major, minor, flags(CP EC TC), session id, request id,
//	           sequence number, message length            (RFC 3652 §2.2.1)
//	Header     opcode, response code, op flags, site info serial,
//	           recursion count, expiration, body length    (RFC 3652 §2.2.2)
//	Body       per opcode and response code               (RFC 3652 §2.2.3, §3)
//	Credential length, version, options, signer, type,
//	           signed info                                 (RFC 3652 §2.2.4)
//
// Over UDP a message longer than MaxUDPData bytes travels in several
// datagrams of at most MaxUDPPacket bytes, each with its own envelope
// carrying the whole message length and the packet's sequence number;
// AppendUDPPacket splits and Reassembly joins them.
//
// # Decoding bad input
//
// Decoders never panic and never allocate more than the input could hold:
// every count read from the wire is checked against the bytes that remain
// before anything is allocated, and against the Max* limits below. A
// length that lies, a truncated field, trailing bytes or an opcode that is
// not in the protocol is an error the caller can turn into a
// PROTOCOL_ERROR answer. Strings are copied out of the input; byte fields
// (value data, keys) are copied too, so a decoded message never aliases a
// reused network buffer.
package handleproto

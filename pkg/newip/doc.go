// Package newip encodes and decodes New IP packets. It depends on the
// standard library only, so any program may import it.
//
// # The packet
//
// A New IP packet has three parts after a small fixed header: a shipping
// spec (the addresses), a contract spec (what the network must do for the
// packet) and a payload spec. The layout is NITK's NewIP-Linux layout
// (EtherType 0x88B6) with extensions; docs/newip.md in the dii repository
// draws every byte. In short:
//
//	byte 0    shipping offset (8)
//	byte 1    contract offset (0: no contracts)
//	byte 2    payload offset
//	byte 3    version (1)
//	byte 4    hop limit
//	byte 5    flags: chunked, washed
//	bytes 6-7 total length
//	byte 8    shipping spec: source type, destination type, cast, addresses
//	          contracts, back to back, each starting with a 16-bit type
//	          payload: data, or chunks (significance, sequence, length, data)
//
// A packet whose shipping offset is 3 is in NITK's own form: the three
// offset bytes only, no hop limit, flags or total length; Parse reads it
// and Builder writes it when Header.NITK is set.
//
// # Addresses
//
// Address holds an address of any type: IPv4, IPv6, NITK's 8-bit
// addresses and flexible addresses of 1 to 8 bytes in OpenHarmony's
// self-delimiting encoding, whose first byte gives the length:
//
//	00–DC        1 byte, the value itself (0–220)
//	DD–F0 xx     2 bytes, value (first−0xDD)·256 + xx (221–5119)
//	F1 + 2 B     3 bytes, 16-bit value (5120–65535)
//	F2 + 4 B     5 bytes, 32-bit value (from 65536)
//	F3 + 6 B     7 bytes, 48-bit value (from 2³²)
//	FE + 7 B     8 bytes, 56-bit value (from 2⁴⁸)
//	FF xx        2 bytes, well-known node-local addresses (FF00 loopback)
//	F4–FD        unassigned: rejected
//
// Every value has exactly one encoding: a value that fits a shorter form
// is rejected with ErrNonMinimal. Address is comparable and can be a map
// key. Its text forms are "10.0.0.1", "2001:db8::1", "8bit:7" and, for
// flexible addresses, "f:" with the wire bytes in hex ("f:f20a000001");
// ParseAddress also takes "f=N" for the flexible address of value N.
//
// Prefix matches the first bits of an address's wire bytes, for
// longest-prefix routing tables: "10.0.0.0/8", "f:f20a/16".
//
// # Contracts
//
// NITK's three contracts have fixed layouts of big-endian 16-bit fields:
// Max-Delay Forwarding (type 1), Latency-Based Forwarding (type 2) and
// Ping (type 3, with a 64-bit microsecond timestamp). dii adds the
// general contract block (type 4): a command header, a set of conditions
// (on the hop limit, the experienced delay, the router's queue depth,
// the block's metadata or the packet's length), a set of actions (set
// priority, drop, change next hop, rewrite metadata, wash) and typed
// metadata. A router evaluates the blocks in order with Packet.Match and
// applies the actions of each block whose conditions all hold. A
// contract type the package does not know is ErrUnknownContract; a
// router drops such a packet.
//
// # Payload and washing
//
// A chunked payload is a list of chunks with a significance each. A
// router short of capacity can wash the packet, dropping its least
// significant chunks instead of the whole packet: Packet.Wash(threshold)
// removes the chunks below a significance, Packet.WashBytes(n) sheds at
// least n bytes from the least significant chunks up. Both work in place
// and fix the total length.
//
// # Decoding without allocating
//
// Parse and Packet.Decode check the whole packet once and keep the
// buffer: accessors return values or sub-slices of it, and mutators (the
// hop limit, the LBF experienced delay, the Ping fields, metadata, Wash)
// write it in place. Nothing on that path allocates. Errors are the
// package's Err values, unwrapped, so a router can count drop reasons.
//
// # Encoding
//
// Builder appends a packet to a byte slice without allocating when the
// slice has room: Start with a Header, then contracts, then Payload or
// Chunk, then Finish. Decoding what Builder wrote gives back what went
// in, and re-encoding a decoded packet gives back its bytes.
package newip

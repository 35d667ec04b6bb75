package newip

import "errors"

// Decoding errors. Parse and the other decoders return these values
// unwrapped, so a router can count drop reasons with a switch or
// errors.Is and the hot path never builds an error value.
var (
	// ErrTruncated: the buffer ends before a header, a field or the
	// total length the packet claims.
	ErrTruncated = errors.New("newip: packet truncated")
	// ErrBadOffset: an offset in the offset header points outside the
	// packet, the offsets are out of order, or a section does not end
	// where the next one starts.
	ErrBadOffset = errors.New("newip: offset outside the packet or out of order")
	// ErrBadVersion: the header extension carries an unknown version.
	ErrBadVersion = errors.New("newip: unknown header version")
	// ErrBadFlags: reserved flag bits are set, or a flag contradicts the
	// packet (washed but not chunked).
	ErrBadFlags = errors.New("newip: reserved or inconsistent header flags")
	// ErrBadLength: the total length field disagrees with the packet's
	// sections.
	ErrBadLength = errors.New("newip: total length disagrees with the packet")
	// ErrAddrType: an address type byte names no known address type.
	ErrAddrType = errors.New("newip: unknown address type")
	// ErrAddrLength: an address runs past the end of its section (its
	// type or its own first byte claims more bytes than there are).
	ErrAddrLength = errors.New("newip: address runs past its section")
	// ErrBadAddress: a flexible address starts with an unassigned length
	// byte, or an address is otherwise invalid.
	ErrBadAddress = errors.New("newip: invalid address")
	// ErrNonMinimal: a flexible address uses a longer encoding than its
	// value needs.
	ErrNonMinimal = errors.New("newip: flexible address not minimally encoded")
	// ErrBadCast: the cast byte names no known cast.
	ErrBadCast = errors.New("newip: unknown address cast")
	// ErrUnknownContract: a contract type, or a condition subject or
	// action type inside a general contract block, is not one this
	// library knows. A router cannot honour such a contract and drops
	// the packet.
	ErrUnknownContract = errors.New("newip: unknown contract type")
	// ErrBadContract: a contract is malformed: cut short, a length that
	// lies, a repeated fixed contract, or a general block whose parts do
	// not add up.
	ErrBadContract = errors.New("newip: malformed contract")
	// ErrBadChunk: the chunked payload is malformed (a chunk runs past
	// the end of the packet).
	ErrBadChunk = errors.New("newip: malformed payload chunk")
	// ErrTooLong: an encoder would exceed a field: the headers beyond 255
	// bytes (offsets are one byte) or the packet beyond 65,535 bytes.
	ErrTooLong = errors.New("newip: packet or header too long")
	// ErrBuilder: Builder calls out of order (contracts after payload,
	// chunks mixed with a plain payload, chunks in the NITK form).
	ErrBuilder = errors.New("newip: builder used out of order")
)

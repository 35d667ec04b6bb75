package handleproto

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dii-net/dii/internal/codec"
)

// Sizes and limits of the wire format.
const (
	EnvelopeSize = 20  // RFC 3652 §2.2.1
	HeaderSize   = 24  // RFC 3652 §2.2.2
	MaxUDPPacket = 512 // largest datagram a peer sends (CNRI Handle.Net's limit)
	MaxUDPData   = MaxUDPPacket - EnvelopeSize
	// MaxMessageLength bounds the message length an envelope may announce
	// (the CNRI Handle.Net limit, 256 KiB).
	MaxMessageLength = 256 << 10
	DefaultPort      = 2641

	// MajorVersion and MinorVersion are the protocol version this package
	// speaks (RFC 3652 is version 2.1).
	MajorVersion = 2
	MinorVersion = 1
)

// Errors the decoders report, wrapped with the field and offset.
var (
	ErrTruncated     = codec.ErrTruncated // a field runs past the end of the input
	ErrTrailing      = codec.ErrTrailing  // bytes left after the last field
	ErrField         = codec.ErrField     // a field holds a value the format forbids
	ErrLength        = errors.New("length field disagrees with the data")
	ErrTooLarge      = errors.New("message too large")
	ErrTooMany       = errors.New("too many elements")
	ErrUnknownOpCode = errors.New("unknown opcode")
	ErrDigest        = errors.New("unknown request digest algorithm")
	ErrPacket        = errors.New("packet does not belong to the message")
)

// Envelope is the 20-byte prefix of every message or UDP packet (RFC 3652
// §2.2.1).
type Envelope struct {
	MajorVersion uint8
	MinorVersion uint8
	// Flags is the 16-bit MessageFlag field: EnvCompressed, EnvEncrypted
	// and EnvTruncated in the top bits. The other bits are reserved by the
	// RFC (CNRI servers put a suggested protocol version there); they are
	// kept as read.
	Flags          uint16
	SessionID      uint32
	RequestID      uint32
	SequenceNumber uint32
	MessageLength  uint32 // bytes of the whole message after the envelope
}

// Truncated reports whether the TC flag is set: the message spans several
// UDP packets.
func (e Envelope) Truncated() bool { return e.Flags&EnvTruncated != 0 }

// AppendEnvelope appends the 20 wire bytes of e.
func AppendEnvelope(dst []byte, e Envelope) []byte {
	dst = append(dst, e.MajorVersion, e.MinorVersion)
	dst = binary.BigEndian.AppendUint16(dst, e.Flags)
	dst = binary.BigEndian.AppendUint32(dst, e.SessionID)
	dst = binary.BigEndian.AppendUint32(dst, e.RequestID)
	dst = binary.BigEndian.AppendUint32(dst, e.SequenceNumber)
	return binary.BigEndian.AppendUint32(dst, e.MessageLength)
}

// ParseEnvelope reads the envelope at the start of b. It rejects a message
// length above MaxMessageLength.
func ParseEnvelope(b []byte) (Envelope, error) {
	if len(b) < EnvelopeSize {
		return Envelope{}, fmt.Errorf("envelope: %d bytes, need %d: %w", len(b), EnvelopeSize, ErrTruncated)
	}
	e := Envelope{
		MajorVersion:   b[0],
		MinorVersion:   b[1],
		Flags:          binary.BigEndian.Uint16(b[2:]),
		SessionID:      binary.BigEndian.Uint32(b[4:]),
		RequestID:      binary.BigEndian.Uint32(b[8:]),
		SequenceNumber: binary.BigEndian.Uint32(b[12:]),
		MessageLength:  binary.BigEndian.Uint32(b[16:]),
	}
	if e.MessageLength > MaxMessageLength {
		return e, fmt.Errorf("envelope: message length %d above %d: %w", e.MessageLength, MaxMessageLength, ErrTooLarge)
	}
	return e, nil
}

// UDPPacketCount is the number of datagrams a message of n bytes needs.
func UDPPacketCount(n int) int {
	if n <= MaxUDPData {
		return 1
	}
	return (n + MaxUDPData - 1) / MaxUDPData
}

// AppendUDPPacket appends datagram seq (from 0) of msg: an envelope with
// e's identifiers, the message length, the sequence number and TC set when
// the message needs more than one datagram, then at most MaxUDPData bytes of
// msg. Every datagram but the last carries exactly MaxUDPData bytes.
func AppendUDPPacket(dst []byte, e Envelope, msg []byte, seq int) []byte {
	e.MessageLength = uint32(len(msg))
	e.SequenceNumber = uint32(seq)
	if UDPPacketCount(len(msg)) > 1 {
		e.Flags |= EnvTruncated
	} else {
		e.Flags &^= EnvTruncated
	}
	start := seq * MaxUDPData
	end := min(start+MaxUDPData, len(msg))
	dst = AppendEnvelope(dst, e)
	if start < end {
		dst = append(dst, msg[start:end]...)
	}
	return dst
}

// Reassembly joins the datagrams of one multi-packet UDP message. Packets
// may arrive in any order and twice; each must carry the first packet's
// request id and message length and exactly the bytes its sequence number
// calls for.
type Reassembly struct {
	first Envelope
	buf   []byte
	got   []bool
	left  int
}

// NewReassembly starts collecting a message announced by env, refusing one
// longer than maxLen bytes.
func NewReassembly(env Envelope, maxLen int) (*Reassembly, error) {
	if int64(env.MessageLength) > int64(maxLen) {
		return nil, fmt.Errorf("multi-packet message of %d bytes above %d: %w", env.MessageLength, maxLen, ErrTooLarge)
	}
	n := UDPPacketCount(int(env.MessageLength))
	return &Reassembly{first: env, buf: make([]byte, env.MessageLength), got: make([]bool, n), left: n}, nil
}

// Add stores one datagram's payload (the bytes after its envelope) and
// reports whether the message is complete.
func (r *Reassembly) Add(env Envelope, data []byte) (bool, error) {
	if env.RequestID != r.first.RequestID || env.SessionID != r.first.SessionID || env.MessageLength != r.first.MessageLength {
		return false, fmt.Errorf("request %d length %d: %w", env.RequestID, env.MessageLength, ErrPacket)
	}
	seq := int(env.SequenceNumber)
	if env.SequenceNumber >= uint32(len(r.got)) {
		return false, fmt.Errorf("sequence number %d of %d packets: %w", env.SequenceNumber, len(r.got), ErrPacket)
	}
	start := seq * MaxUDPData
	want := min(MaxUDPData, len(r.buf)-start)
	if len(data) != want {
		return false, fmt.Errorf("packet %d carries %d bytes, want %d: %w", seq, len(data), want, ErrLength)
	}
	if !r.got[seq] {
		copy(r.buf[start:], data)
		r.got[seq] = true
		r.left--
	}
	return r.left == 0, nil
}

// Envelope is the envelope of the first packet seen.
func (r *Reassembly) Envelope() Envelope { return r.first }

// Message is the joined message; complete once Add reported true.
func (r *Reassembly) Message() []byte { return r.buf }

package newip

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// EtherType is the EtherType New IP frames carry on Ethernet: the one
// NITK's NewIP-Linux uses.
const EtherType = 0x88B6

// Header sizes and fixed values.
const (
	// NITKHeaderLen is the length of NITK's offset header: shipping,
	// contract and payload offsets, one byte each.
	NITKHeaderLen = 3
	// HeaderLen is the length of dii's fixed header: the offset header
	// followed by version, hop limit, flags and a 16-bit total length.
	// The shipping spec starts right after it, so its offset is 8.
	HeaderLen = 8
	// Version is the version byte of dii's fixed header.
	Version = 1
	// DefaultHopLimit is a sensible hop limit for new packets.
	DefaultHopLimit = 64
	// MaxHeaderLen is the most bytes before the payload: the payload
	// offset is one byte.
	MaxHeaderLen = 255
	// MaxPacketLen is the largest total length.
	MaxPacketLen = 65535
	// shippingFixed is the shipping spec's type and cast bytes.
	shippingFixed = 3
)

// Flags of dii's fixed header (byte 5).
const (
	// FlagChunked: the payload spec is a list of chunks with a
	// significance each, and routers may wash it.
	FlagChunked = 0x01
	// FlagWashed: a router removed chunks on the way.
	FlagWashed = 0x02
	flagsKnown = FlagChunked | FlagWashed
)

// Cast is the shipping spec's address cast byte.
type Cast uint8

// Casts, as NITK numbers them.
const (
	Unicast   Cast = 0
	Coordcast Cast = 1
	Multicast Cast = 2
	Broadcast Cast = 3
	Groupcast Cast = 4
)

// String names the cast.
func (c Cast) String() string {
	switch c {
	case Unicast:
		return "unicast"
	case Coordcast:
		return "coordcast"
	case Multicast:
		return "multicast"
	case Broadcast:
		return "broadcast"
	case Groupcast:
		return "groupcast"
	}
	return "cast(" + strconv.Itoa(int(c)) + ")"
}

// Packet is a zero-copy view of one decoded New IP packet. It holds the
// buffer it was parsed from and the offsets of its parts; accessors read
// the buffer and mutators write it in place. A Packet is only valid while
// the buffer is not changed by other means. The zero Packet is empty;
// fill it with Parse or Decode.
type Packet struct {
	b              []byte // the packet: buffer[:total length]
	nitk           bool   // NITK's three-byte offset header, no fixed header
	cast           Cast
	srcT, dstT     AddrType
	srcOff, dstOff uint8
	srcLen, dstLen uint8
	co, po         uint8 // contract offset (0: no contracts), payload offset
	mdf, lbf, ping uint8 // offsets of the fixed contracts, 0 when absent
	blocks         uint8 // number of general contract blocks
	nchunks        uint16
}

// Parse decodes the packet at the start of b. See Decode.
func Parse(b []byte) (Packet, error) {
	var p Packet
	err := p.Decode(b)
	return p, err
}

// Decode decodes the packet at the start of b into p, keeping b (not a
// copy). It checks everything a router relies on: the offsets, the
// address types and lengths (flexible addresses minimal), every
// contract, the chunk list and the total length. In dii's form bytes
// after the total length (link padding) are ignored; in NITK's form the
// packet is all of b. It returns one of the package's Err values,
// unwrapped, and never allocates.
func (p *Packet) Decode(b []byte) error {
	*p = Packet{}
	if len(b) < NITKHeaderLen {
		return ErrTruncated
	}
	so := int(b[0])
	end := len(b)
	flags := byte(0)
	switch so {
	case NITKHeaderLen:
		p.nitk = true
	case HeaderLen:
		if len(b) < HeaderLen {
			return ErrTruncated
		}
		if b[3] != Version {
			return ErrBadVersion
		}
		flags = b[5]
		if flags&^flagsKnown != 0 || (flags&FlagWashed != 0 && flags&FlagChunked == 0) {
			return ErrBadFlags
		}
		end = int(binary.BigEndian.Uint16(b[6:8]))
		if end > len(b) {
			return ErrTruncated
		}
	default:
		return ErrBadOffset
	}
	co, po := int(b[1]), int(b[2])
	if po > end {
		if p.nitk {
			return ErrBadOffset
		}
		return ErrBadLength
	}
	// The shipping spec ends where the contracts start, or where the
	// payload starts when there are none.
	lim := po
	if co != 0 {
		if co >= po {
			return ErrBadOffset
		}
		lim = co
	}
	if lim < so+shippingFixed {
		if lim > len(b) || so+shippingFixed > len(b) {
			return ErrTruncated
		}
		return ErrBadOffset
	}
	srcT, dstT, cast := AddrType(b[so]), AddrType(b[so+1]), Cast(b[so+2])
	if cast > Groupcast {
		return ErrBadCast
	}
	pos := so + shippingFixed
	_, sn, err := DecodeAddress(srcT, b[pos:lim])
	if err != nil {
		return err
	}
	p.srcOff, p.srcLen = uint8(pos), uint8(sn)
	pos += sn
	_, dn, err := DecodeAddress(dstT, b[pos:lim])
	if err != nil {
		return err
	}
	p.dstOff, p.dstLen = uint8(pos), uint8(dn)
	pos += dn
	if pos != lim {
		return ErrBadOffset
	}
	p.srcT, p.dstT, p.cast = srcT, dstT, cast
	p.co, p.po = uint8(co), uint8(po)
	if co != 0 {
		if err := p.decodeContracts(b[:po], co); err != nil {
			return err
		}
	}
	if flags&FlagChunked != 0 {
		n, err := DecodeChunks(b[po:end])
		if err != nil {
			return err
		}
		p.nchunks = uint16(n)
	}
	p.b = b[:end]
	return nil
}

// decodeContracts walks the contract spec b[co:] and records where the
// fixed contracts are.
func (p *Packet) decodeContracts(b []byte, co int) error {
	for pos := co; pos < len(b); {
		t, n, err := contractAt(b[pos:])
		if err != nil {
			return err
		}
		switch t {
		case ContractMaxDelay:
			if p.mdf != 0 {
				return ErrBadContract
			}
			p.mdf = uint8(pos)
		case ContractLBF:
			if p.lbf != 0 {
				return ErrBadContract
			}
			p.lbf = uint8(pos)
		case ContractPing:
			if p.ping != 0 {
				return ErrBadContract
			}
			p.ping = uint8(pos)
		case ContractGeneral:
			p.blocks++
		}
		pos += n
	}
	return nil
}

// Bytes returns the packet's bytes: the buffer it was parsed from, cut
// at the total length (and shortened by Wash).
func (p *Packet) Bytes() []byte { return p.b }

// Len returns the packet's total length in bytes.
func (p *Packet) Len() int { return len(p.b) }

// NITK reports whether the packet uses NITK's three-byte offset header,
// without dii's hop limit, flags and total length.
func (p *Packet) NITK() bool { return p.nitk }

// HasHopLimit reports whether the packet carries a hop limit (dii's form).
func (p *Packet) HasHopLimit() bool { return !p.nitk && len(p.b) >= HeaderLen }

// HopLimit returns the hop limit, 0 in NITK's form.
func (p *Packet) HopLimit() uint8 {
	if !p.HasHopLimit() {
		return 0
	}
	return p.b[4]
}

// SetHopLimit writes the hop limit. It reports false in NITK's form.
func (p *Packet) SetHopLimit(h uint8) bool {
	if !p.HasHopLimit() {
		return false
	}
	p.b[4] = h
	return true
}

// DecHopLimit is what a router does before forwarding: it decrements the
// hop limit and returns the new value. ok is false when the packet must
// not be forwarded: it arrived with hop limit 0 or 1 (the field is then
// left at 0). A packet in NITK's form has no hop limit: DecHopLimit
// returns (0, true) and loops are the router's to catch.
func (p *Packet) DecHopLimit() (left uint8, ok bool) {
	if !p.HasHopLimit() {
		return 0, true
	}
	h := p.b[4]
	if h <= 1 {
		p.b[4] = 0
		return 0, false
	}
	p.b[4] = h - 1
	return h - 1, true
}

// Flags returns the fixed header's flags (0 in NITK's form).
func (p *Packet) Flags() uint8 {
	if p.nitk || len(p.b) < HeaderLen {
		return 0
	}
	return p.b[5]
}

// Chunked reports whether the payload is a list of chunks.
func (p *Packet) Chunked() bool { return p.Flags()&FlagChunked != 0 }

// Washed reports whether a router has removed chunks from the payload.
func (p *Packet) Washed() bool { return p.Flags()&FlagWashed != 0 }

// Cast returns the address cast.
func (p *Packet) Cast() Cast { return p.cast }

// SrcType returns the source address type.
func (p *Packet) SrcType() AddrType { return p.srcT }

// DstType returns the destination address type.
func (p *Packet) DstType() AddrType { return p.dstT }

// Src returns the source address.
func (p *Packet) Src() Address { return p.addr(p.srcT, p.srcOff, p.srcLen) }

// Dst returns the destination address.
func (p *Packet) Dst() Address { return p.addr(p.dstT, p.dstOff, p.dstLen) }

func (p *Packet) addr(t AddrType, off, n uint8) Address {
	var a Address
	if n == 0 {
		return a
	}
	copy(a.a[:n], p.b[off:int(off)+int(n)])
	a.n, a.t = n, t
	return a
}

// SrcBytes returns the source address's wire bytes (a sub-slice of the
// packet).
func (p *Packet) SrcBytes() []byte { return p.sub(int(p.srcOff), int(p.srcOff)+int(p.srcLen)) }

// DstBytes returns the destination address's wire bytes (a sub-slice of
// the packet).
func (p *Packet) DstBytes() []byte { return p.sub(int(p.dstOff), int(p.dstOff)+int(p.dstLen)) }

// ShippingBytes returns the shipping spec (address types, cast and
// addresses).
func (p *Packet) ShippingBytes() []byte {
	if p.b == nil {
		return nil
	}
	return p.sub(int(p.b[0]), int(p.dstOff)+int(p.dstLen))
}

// ContractBytes returns the contract spec, empty when there is none.
func (p *Packet) ContractBytes() []byte {
	if p.co == 0 {
		return nil
	}
	return p.sub(int(p.co), int(p.po))
}

// Payload returns the payload spec: the data, or in a chunked packet the
// chunk list (read it with Chunks).
func (p *Packet) Payload() []byte { return p.sub(int(p.po), len(p.b)) }

// HeaderLen returns the payload offset: the bytes before the payload.
func (p *Packet) HeaderLen() int { return int(p.po) }

func (p *Packet) sub(from, to int) []byte {
	if from > to || to > len(p.b) {
		return nil
	}
	return p.b[from:to:to]
}

// NumBlocks returns how many general contract blocks the packet carries.
func (p *Packet) NumBlocks() int { return int(p.blocks) }

// NumChunks returns how many payload chunks the packet carries.
func (p *Packet) NumChunks() int { return int(p.nchunks) }

// String summarises the packet on one line for logs and tools, e.g.
// "10.0.0.1 > f:05 unicast hop 63 lbf(0,500,12,20,3) payload 100B".
// It allocates; keep it off the forwarding path.
func (p *Packet) String() string {
	if p.b == nil {
		return "newip(empty)"
	}
	var s strings.Builder
	fmt.Fprintf(&s, "%s > %s %s", p.Src(), p.Dst(), p.cast)
	if p.nitk {
		s.WriteString(" nitk")
	} else {
		fmt.Fprintf(&s, " hop %d", p.HopLimit())
	}
	it := p.Contracts()
	for c, ok := it.Next(); ok; c, ok = it.Next() {
		s.WriteByte(' ')
		s.WriteString(c.String())
	}
	fmt.Fprintf(&s, " payload %dB", len(p.Payload()))
	if p.Chunked() {
		fmt.Fprintf(&s, " (%d chunks", p.nchunks)
		if p.Washed() {
			s.WriteString(", washed")
		}
		s.WriteByte(')')
	}
	return s.String()
}

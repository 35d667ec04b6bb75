package zone

import (
	"encoding/binary"
	"sync"

	"github.com/miekg/dns"
)

// rrset is one RRset in wire form: for each record its TYPE, CLASS, TTL,
// RDLENGTH and RDATA, the owner name left out, so that a response needs
// only an owner (or a compression pointer to one) in front of each. The
// RDATA holds no compression pointers. A few bytes per record, where a
// decoded dns.RR costs a struct, an interface and its fields: the index
// of a million names holds no dns.RR at all; the records are decoded for
// the answers that need them (see records).
type rrset struct {
	typ  uint16
	n    uint16 // records
	wire string
}

// rrHeaderLen is the fixed part of a record after its owner.
const rrHeaderLen = 10

var packBufs = sync.Pool{New: func() any { b := make([]byte, 0xffff+maxWire+rrHeaderLen); return &b }}

// newRRset packs rrs, which all have type typ, into an RRset. Records
// that do not pack are left out (the callers' records always pack); the
// RRset is empty (n == 0) when none does.
func newRRset(typ uint16, rrs []dns.RR) rrset {
	bp := packBufs.Get().(*[]byte)
	defer packBufs.Put(bp)
	buf := *bp
	var out []byte
	n := 0
	for _, rr := range rrs {
		end, err := dns.PackRR(rr, buf, 0, nil, false)
		if err != nil {
			continue
		}
		start := ownerLen(buf[:end])
		if start < 0 || end-start < rrHeaderLen {
			continue
		}
		out = append(out, buf[start:end]...)
		n++
	}
	if n == 0 || n > 0xffff {
		return rrset{typ: typ}
	}
	return rrset{typ: typ, n: uint16(n), wire: string(out)}
}

// ownerLen returns the length of the uncompressed name at the start of b,
// or -1.
func ownerLen(b []byte) int {
	for i := 0; i < len(b); {
		l := int(b[i])
		switch {
		case l == 0:
			return i + 1
		case l > 63:
			return -1
		}
		i += 1 + l
	}
	return -1
}

// records decodes the RRset with the given owner (canonical, fully
// qualified). The RRs are the caller's.
func (s rrset) records(owner string) []dns.RR {
	if s.n == 0 {
		return nil
	}
	out := make([]dns.RR, 0, s.n)
	wire := []byte(s.wire)
	for off := 0; off+rrHeaderLen <= len(wire); {
		h := dns.RR_Header{
			Name:     owner,
			Rrtype:   binary.BigEndian.Uint16(wire[off:]),
			Class:    binary.BigEndian.Uint16(wire[off+2:]),
			Ttl:      binary.BigEndian.Uint32(wire[off+4:]),
			Rdlength: binary.BigEndian.Uint16(wire[off+8:]),
		}
		start := off + rrHeaderLen
		off = start + int(h.Rdlength)
		if off > len(wire) {
			break
		}
		rr, _, err := dns.UnpackRRWithHeader(h, wire[:off], start)
		if err == nil && rr != nil {
			out = append(out, rr)
		}
	}
	return out
}

// first decodes the first record of the RRset (nil: none decodes).
func (s rrset) first(owner string) dns.RR {
	if rrs := s.records(owner); len(rrs) > 0 {
		return rrs[0]
	}
	return nil
}

// setHeaderLen is the length of an RRset's header in a node's sets:
// TYPE, the number of records, and the length of the records (4 octets).
const setHeaderLen = 8

// appendSets encodes RRsets (ascending type) for a node: for each, its
// header and its wire records.
func appendSets(b []byte, sets []rrset) []byte {
	for _, s := range sets {
		b = binary.BigEndian.AppendUint16(b, s.typ)
		b = binary.BigEndian.AppendUint16(b, s.n)
		b = binary.BigEndian.AppendUint32(b, uint32(len(s.wire)))
		b = append(b, s.wire...)
	}
	return b
}

// nextSet decodes the first RRset of encoded sets and returns the rest;
// ok is false at the end.
func nextSet(b string) (s rrset, rest string, ok bool) {
	if len(b) < setHeaderLen {
		return rrset{}, "", false
	}
	l := int(uint32(b[4])<<24 | uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7]))
	if setHeaderLen+l > len(b) {
		return rrset{}, "", false
	}
	s = rrset{typ: uint16(b[0])<<8 | uint16(b[1]), n: uint16(b[2])<<8 | uint16(b[3]), wire: b[setHeaderLen : setHeaderLen+l]}
	return s, b[setHeaderLen+l:], true
}

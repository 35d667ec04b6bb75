package nameserver

import (
	"encoding/binary"

	"github.com/miekg/dns"
)

// Header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.2).
const (
	flagQR = 1 << 15
	flagAA = 1 << 10
	flagTC = 1 << 9
	flagRD = 1 << 8
	flagCD = 1 << 4
)

// ednsDO is the DO bit in the flags of an OPT record (RFC 3225).
const ednsDO = 1 << 15

// headerLen is the length of a DNS message header.
const headerLen = 12

// wireQuery is a query in the common shape, as parseQuery reads it: one
// question of a name without compression, nothing in the answer and
// authority sections, at most an OPT record in the additional section,
// and nothing after it.
type wireQuery struct {
	id    uint16
	flags uint16
	qtype uint16
	class uint16
	// qend is the end of the question: the question's bytes are
	// raw[headerLen:qend].
	qend int
	// lname is the question's name in wire form, in lower case.
	lname    [255]byte
	lnameLen int
	// EDNS (RFC 6891): whether the query has an OPT record, and its
	// payload size, version and DO bit.
	edns    bool
	udpSize uint16
	version uint8
	do      bool
}

// name returns the lower-case wire form of the question's name.
func (q *wireQuery) name() []byte { return q.lname[:q.lnameLen] }

// parseQuery reads raw into q when it is a query in the common shape and
// reports whether it is. Everything else — responses, other opcodes, other
// than one question, records in the answer or authority section, a
// compressed question name, an additional record that is not one
// well-formed OPT, trailing bytes — gives false, and the full decoder
// (miekg/dns) has the message. It never panics and allocates nothing.
func parseQuery(raw []byte, q *wireQuery) bool {
	if len(raw) < headerLen+1+4 {
		return false
	}
	q.id = binary.BigEndian.Uint16(raw)
	q.flags = binary.BigEndian.Uint16(raw[2:])
	if q.flags&flagQR != 0 || q.flags>>11&0xf != dns.OpcodeQuery {
		return false
	}
	if binary.BigEndian.Uint16(raw[4:]) != 1 || binary.BigEndian.Uint16(raw[6:]) != 0 || binary.BigEndian.Uint16(raw[8:]) != 0 {
		return false
	}
	arcount := binary.BigEndian.Uint16(raw[10:])
	if arcount > 1 {
		return false
	}
	// The question name: labels of 1 to 63 octets, at most 255 octets in
	// all, ending with the root label.
	off := headerLen
	n := 0
	for {
		if off >= len(raw) {
			return false
		}
		l := int(raw[off])
		if l == 0 {
			if n >= len(q.lname) {
				return false
			}
			q.lname[n] = 0
			n++
			off++
			break
		}
		if l > 63 || off+1+l > len(raw) || n+1+l >= len(q.lname) {
			return false // a pointer, an extended label type, or too long
		}
		q.lname[n] = byte(l)
		for i, c := range raw[off+1 : off+1+l] {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			q.lname[n+1+i] = c
		}
		n += 1 + l
		off += 1 + l
	}
	q.lnameLen = n
	if off+4 > len(raw) {
		return false
	}
	q.qtype = binary.BigEndian.Uint16(raw[off:])
	q.class = binary.BigEndian.Uint16(raw[off+2:])
	off += 4
	q.qend = off
	q.edns, q.udpSize, q.version, q.do = false, 0, 0, false
	if arcount == 0 {
		return off == len(raw)
	}
	// OPT: root owner, type 41, class the payload size, TTL the extended
	// rcode, version and flags, then the options.
	if off+11 > len(raw) || raw[off] != 0 || binary.BigEndian.Uint16(raw[off+1:]) != dns.TypeOPT {
		return false
	}
	q.edns = true
	q.udpSize = binary.BigEndian.Uint16(raw[off+3:])
	q.version = raw[off+6]
	q.do = binary.BigEndian.Uint16(raw[off+7:])&ednsDO != 0
	rdlen := int(binary.BigEndian.Uint16(raw[off+9:]))
	off += 11
	if off+rdlen != len(raw) {
		return false
	}
	for end := off + rdlen; off < end; {
		if off+4 > end {
			return false
		}
		off += 4 + int(binary.BigEndian.Uint16(raw[off+2:]))
		if off > end {
			return false
		}
	}
	return true
}

// udpLimit is the largest UDP response the query allows: 512 octets
// without EDNS, else its payload size between 512 and limit.
func (q *wireQuery) udpLimit(limit uint16) int {
	if !q.edns {
		return 512
	}
	return int(min(max(q.udpSize, 512), limit))
}

// appendOPT appends the response's OPT record: payload size, version 0,
// the DO bit echoed.
func appendOPT(b []byte, size uint16, do bool) []byte {
	var flags byte
	if do {
		flags = ednsDO >> 8
	}
	return append(b, 0, byte(dns.TypeOPT>>8), byte(dns.TypeOPT), byte(size>>8), byte(size), 0, 0, flags, 0, 0, 0)
}

// putHeader writes the response header for q: its id, QR, the RD and CD
// bits copied, opcode QUERY, and aa, tc, rcode and the counts given.
func putHeader(b []byte, q *wireQuery, aa, tc bool, rcode int, an, ns, ar uint16) {
	flags := uint16(flagQR) | q.flags&(flagRD|flagCD) | uint16(rcode&0xf)
	if aa {
		flags |= flagAA
	}
	if tc {
		flags |= flagTC
	}
	binary.BigEndian.PutUint16(b, q.id)
	binary.BigEndian.PutUint16(b[2:], flags)
	binary.BigEndian.PutUint16(b[4:], 1)
	binary.BigEndian.PutUint16(b[6:], an)
	binary.BigEndian.PutUint16(b[8:], ns)
	binary.BigEndian.PutUint16(b[10:], ar)
}

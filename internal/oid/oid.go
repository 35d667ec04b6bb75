package oid

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Bounds on an OID. Every arc is an unsigned 64-bit integer (so at most
// 18446744073709551615, 20 decimal digits); an OID has 1..MaxArcs arcs.
const (
	MaxArcs = 64
	// MaxTextLen is the longest dotted form: MaxArcs arcs of 20 digits
	// and the dots between them.
	MaxTextLen = MaxArcs*20 + MaxArcs - 1
	// MaxSecondArc bounds the second arc under the top arcs 0 and 1: the
	// BER/DER encoding of an OID (X.690 8.19) packs the first two arcs
	// into one number 40*X+Y, so Y is at most 39 there.
	MaxSecondArc = 39
)

// OID is an object identifier: the path of arc numbers from the root of
// the international OID tree.
type OID []uint64

// String is the dotted decimal form, e.g. 2.16.156.
func (o OID) String() string {
	var b strings.Builder
	for i, a := range o {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.FormatUint(a, 10))
	}
	return b.String()
}

// Parent is the OID without its last arc; ok is false for a top arc.
func (o OID) Parent() (OID, bool) {
	if len(o) <= 1 {
		return nil, false
	}
	return o[: len(o)-1 : len(o)-1], true
}

// Last is the OID's last arc number.
func (o OID) Last() uint64 { return o[len(o)-1] }

// Child returns o with one more arc.
func (o OID) Child(n uint64) OID {
	c := make(OID, len(o)+1)
	copy(c, o)
	c[len(o)] = n
	return c
}

// Equal reports whether two OIDs are the same path.
func (o OID) Equal(p OID) bool {
	if len(o) != len(p) {
		return false
	}
	for i := range o {
		if o[i] != p[i] {
			return false
		}
	}
	return true
}

// HasPrefix reports whether p is o or an ancestor of o.
func (o OID) HasPrefix(p OID) bool {
	return len(p) <= len(o) && o[:len(p)].Equal(p)
}

// Parse reads the dotted decimal form of an OID ("2.16.156.101818"). It
// refuses an empty string, empty arcs, anything but ASCII digits and dots,
// leading zeros ("016"), arcs above 2^64-1, more than MaxArcs arcs, a top
// arc other than 0, 1 or 2, and a second arc above 39 under 0 or 1. Every
// failure wraps ErrInvalidOID.
func Parse(s string) (OID, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty", ErrInvalidOID)
	}
	if len(s) > MaxTextLen {
		return nil, fmt.Errorf("%w: %d characters, longer than any OID of %d arcs", ErrInvalidOID, len(s), MaxArcs)
	}
	parts := strings.Split(s, ".")
	if len(parts) > MaxArcs {
		return nil, fmt.Errorf("%w: %d arcs, limit %d", ErrInvalidOID, len(parts), MaxArcs)
	}
	o := make(OID, len(parts))
	for i, p := range parts {
		n, err := parseArc(p)
		if err != nil {
			return nil, fmt.Errorf("%w: arc %d %w", ErrInvalidOID, i+1, err)
		}
		o[i] = n
	}
	if err := o.Check(); err != nil {
		return nil, err
	}
	return o, nil
}

// parseArc reads one decimal arc: digits only, no leading zero.
func parseArc(p string) (uint64, error) {
	if p == "" {
		return 0, fmt.Errorf("is empty (two dots in a row, or a dot at an end)")
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return 0, fmt.Errorf("%q is not a decimal number", clip(p))
		}
	}
	if len(p) > 1 && p[0] == '0' {
		return 0, fmt.Errorf("%q has a leading zero", clip(p))
	}
	n, err := strconv.ParseUint(p, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is above 2^64-1", clip(p))
	}
	return n, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// Check applies the structural rules to an OID built in code: 1..MaxArcs
// arcs, a top arc of 0, 1 or 2, and a second arc of at most 39 under 0
// and 1.
func (o OID) Check() error {
	switch {
	case len(o) == 0:
		return fmt.Errorf("%w: no arcs", ErrInvalidOID)
	case len(o) > MaxArcs:
		return fmt.Errorf("%w: %d arcs, limit %d", ErrInvalidOID, len(o), MaxArcs)
	case o[0] > 2:
		return fmt.Errorf("%w: top arc %d; the top arcs are 0 (itu-t), 1 (iso) and 2 (joint-iso-itu-t)", ErrInvalidOID, o[0])
	case len(o) > 1 && o[0] < 2 && o[1] > MaxSecondArc:
		return fmt.Errorf("%w: arc %d under top arc %d; arcs below 0 and 1 are 0..%d (X.690 encoding)", ErrInvalidOID, o[1], o[0], MaxSecondArc)
	}
	return nil
}

// State key layout. Every key that names an OID carries it as its depth
// (one byte, the number of arcs) followed by each arc in a sortable form:
// one length byte n in 1..8, then the arc as n big-endian bytes with no
// leading zero byte (0 is the single byte 00). Arcs of fewer bytes sort
// first, and arcs of one length sort by value, so byte order is numeric
// order; and because the depth comes first, the children of an arc P are
// exactly the keys that start with prefix + (depth(P)+1) + arcs(P): one
// contiguous range in numeric order, with no grandchildren in between.
const (
	// ArcPrefix is the prefix of arc records.
	ArcPrefix = "o/"
	// LabelPrefix is the prefix of the Unicode label index: "ol/" +
	// depth(P) + arcs(P) + the label's folded DNS form, for each label of
	// each child of P; the value is the child's arc number (u64).
	LabelPrefix = "ol/"
	// UAVPrefix is the prefix of X.677 identity records.
	UAVPrefix = "u/"
	// ParamsKey holds the OID parameters written at genesis (JSON).
	ParamsKey = "p/oid"
)

// appendArcs appends the sortable form of each arc.
func appendArcs(b []byte, o OID) []byte {
	for _, a := range o {
		n := (bits.Len64(a) + 7) / 8
		if n == 0 {
			n = 1
		}
		b = append(b, byte(n))
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], a)
		b = append(b, buf[8-n:]...)
	}
	return b
}

// encodePath is depth followed by the arcs.
func encodePath(prefix string, o OID) []byte {
	b := make([]byte, 0, len(prefix)+1+len(o)*3)
	b = append(b, prefix...)
	b = append(b, byte(len(o)))
	return appendArcs(b, o)
}

// ArcKey is the state key of an arc.
func ArcKey(o OID) []byte { return encodePath(ArcPrefix, o) }

// UAVKey is the state key of an X.677 identity.
func UAVKey(o OID) []byte { return encodePath(UAVPrefix, o) }

// childPrefix is the key prefix shared by every child of parent (nil:
// the top arcs) under prefix.
func childPrefix(prefix string, parent OID) []byte {
	b := []byte(prefix)
	b = append(b, byte(len(parent)+1))
	return appendArcs(b, parent)
}

// labelKey is the index key of a label (already folded) among the
// children of parent.
func labelKey(parent OID, folded string) []byte {
	b := encodePath(LabelPrefix, parent)
	return append(b, folded...)
}

// OfKey decodes an arc or identity key; it refuses any other key and
// any non-canonical form.
func OfKey(key []byte) (OID, bool) {
	var rest []byte
	switch {
	case bytes.HasPrefix(key, []byte(ArcPrefix)):
		rest = key[len(ArcPrefix):]
	case bytes.HasPrefix(key, []byte(UAVPrefix)):
		rest = key[len(UAVPrefix):]
	default:
		return nil, false
	}
	o, rest, ok := decodePath(rest)
	if !ok || len(rest) != 0 || len(o) == 0 {
		return nil, false
	}
	return o, true
}

// decodePath reads depth and arcs, returning what follows them.
func decodePath(b []byte) (OID, []byte, bool) {
	if len(b) < 1 {
		return nil, nil, false
	}
	d := int(b[0])
	b = b[1:]
	if d > MaxArcs {
		return nil, nil, false
	}
	o := make(OID, 0, d)
	for i := 0; i < d; i++ {
		if len(b) < 1 {
			return nil, nil, false
		}
		n := int(b[0])
		if n < 1 || n > 8 || len(b) < 1+n || (n > 1 && b[1] == 0) {
			return nil, nil, false
		}
		var buf [8]byte
		copy(buf[8-n:], b[1:1+n])
		o = append(o, binary.BigEndian.Uint64(buf[:]))
		b = b[1+n:]
	}
	return o, b, true
}

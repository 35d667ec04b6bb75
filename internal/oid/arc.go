package oid

import (
	"fmt"

	"github.com/dii-net/dii/internal/codec"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// arcVersion is the encoding version of an Arc.
const arcVersion = 1

// Info is an arc's registration information.
type Info struct {
	Name        string // at most MaxNameLen bytes
	Description string // at most MaxDescriptionLen bytes; may hold line feeds
	Contact     string // at most MaxContactLen bytes
}

// Check applies the rules of registration text.
func (i *Info) Check() error {
	if err := checkText("name", i.Name, MaxNameLen, false); err != nil {
		return err
	}
	if err := checkText("description", i.Description, MaxDescriptionLen, true); err != nil {
		return err
	}
	return checkText("contact", i.Contact, MaxContactLen, false)
}

// Arc is one registered arc of the OID tree. Its children are not stored
// in it: they are the arc records in its children's key range.
type Arc struct {
	OID OID
	// Authority is the registration authority: the account that may
	// allocate children, delegate and retire the arc and change its
	// names and information.
	Authority tx.Address
	// Retired arcs stay in the tree and resolve, marked retired; their
	// numbers are never allocated again.
	Retired bool
	Created int64 // block time, Unix seconds
	Updated int64 // block time of the last change
	// RetiredAt is the block time of retirement (0 while active).
	RetiredAt int64
	// Identifiers are secondary identifiers (ASN.1 identifiers), the
	// first one preferred.
	Identifiers []string
	// Labels are Unicode labels (OID-IRI), NFC, the first one preferred.
	Labels []string
	Info
}

// Status is "active" or "retired".
func (a *Arc) Status() string {
	if a.Retired {
		return "retired"
	}
	return "active"
}

func writeOID(w *codec.Writer, o OID) {
	w.U8(uint8(len(o)))
	for _, a := range o {
		w.U64(a)
	}
}

func readOID(r *codec.Reader, field string, min int) OID {
	n := int(r.U8(field + " length"))
	if r.Err == nil && (n < min || n > MaxArcs) {
		r.Fail(field, codec.ErrField, fmt.Sprintf("%d arcs", n))
	}
	if r.Err != nil || n == 0 {
		return nil
	}
	o := make(OID, 0, n)
	for i := 0; i < n && r.Err == nil; i++ {
		o = append(o, r.U64(field))
	}
	return o
}

func writeStrings(w *codec.Writer, ss []string) {
	w.U8(uint8(len(ss)))
	for _, s := range ss {
		w.Str8(s)
	}
}

func readStrings(r *codec.Reader, field string, max int) []string {
	n := int(r.U8(field + " count"))
	if r.Err == nil && n > max {
		r.Fail(field, codec.ErrField, fmt.Sprintf("%d > %d", n, max))
	}
	var out []string
	for i := 0; i < n && r.Err == nil; i++ {
		s := r.Str8(field, 1, 255)
		if r.Err == nil {
			out = append(out, s)
		}
	}
	return out
}

// Encode returns the arc's canonical encoding:
//
//	version u8 (1) | arc count u8, arcs u64 each | authority (20) |
//	retired bool | created u64 | updated u64 | retired at u64 |
//	identifier count u8, str8 each | label count u8, str8 each |
//	name str8 | description u16 length + bytes | contact u16 length + bytes
func (a *Arc) Encode() []byte {
	w := &codec.Writer{Buf: make([]byte, 0, 96)}
	w.U8(arcVersion)
	writeOID(w, a.OID)
	w.Raw(a.Authority[:])
	w.Bool(a.Retired)
	w.U64(uint64(a.Created))
	w.U64(uint64(a.Updated))
	w.U64(uint64(a.RetiredAt))
	writeStrings(w, a.Identifiers)
	writeStrings(w, a.Labels)
	w.Str8(a.Name)
	w.Bytes16([]byte(a.Description))
	w.Bytes16([]byte(a.Contact))
	return w.Buf
}

// DecodeArc parses an Arc strictly. The names were checked when they
// were written.
func DecodeArc(b []byte) (*Arc, error) {
	r := &codec.Reader{B: b}
	if v := r.U8("version"); r.Err == nil && v != arcVersion {
		return nil, fmt.Errorf("%w: arc version %d", ErrBadRecord, v)
	}
	a := &Arc{}
	a.OID = readOID(r, "oid", 1)
	copy(a.Authority[:], r.Bytes("authority", tx.AddressLen))
	a.Retired = r.Bool("retired")
	a.Created = int64(r.U64("created"))
	a.Updated = int64(r.U64("updated"))
	a.RetiredAt = int64(r.U64("retired at"))
	a.Identifiers = readStrings(r, "identifier", MaxIdentifiers)
	a.Labels = readStrings(r, "label", MaxLabels)
	a.Name = r.Str8("name", 0, MaxNameLen)
	a.Description = string(r.Bytes16("description"))
	a.Contact = string(r.Bytes16("contact"))
	r.End()
	if r.Err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRecord, r.Err)
	}
	if !a.Retired && a.RetiredAt != 0 {
		return nil, fmt.Errorf("%w: active arc with a retirement date", ErrBadRecord)
	}
	return a, nil
}

// Get reads the arc at o, or ErrNotFound.
func Get(r state.Reader, o OID) (*Arc, error) {
	b, ok := r.Get(ArcKey(o))
	if !ok {
		return nil, fmt.Errorf("%w: arc %s is not registered", ErrNotFound, o)
	}
	a, err := DecodeArc(b)
	if err != nil {
		return nil, err
	}
	if !a.OID.Equal(o) {
		return nil, fmt.Errorf("%w: key of %s holds arc %s", ErrBadRecord, o, a.OID)
	}
	return a, nil
}

// Children returns up to limit children of parent (nil: the top arcs) in
// numeric order, starting after the arc number *after (nil: from the
// first). next is the arc number to pass as after for the next page, or
// nil at the end.
func Children(r state.Reader, parent OID, after *uint64, limit int) (arcs []*Arc, next *uint64, err error) {
	start := childPrefix(ArcPrefix, parent)
	end := state.PrefixEnd(start)
	if after != nil {
		start = append(ArcKey(parent.Child(*after)), 0)
	}
	more := false
	r.Iterate(start, end, func(_, v []byte) bool {
		if len(arcs) == limit {
			more = true
			return false
		}
		a, derr := DecodeArc(v)
		if derr != nil {
			err = derr
			return false
		}
		arcs = append(arcs, a)
		return true
	})
	if err != nil {
		return nil, nil, err
	}
	if more && len(arcs) > 0 {
		n := arcs[len(arcs)-1].OID.Last()
		next = &n
	}
	return arcs, next, nil
}

// CountChildren counts the children of parent, stopping at max; more is
// true when there are more than max.
func CountChildren(r state.Reader, parent OID, max int) (n int, more bool) {
	start := childPrefix(ArcPrefix, parent)
	r.Iterate(start, state.PrefixEnd(start), func(_, _ []byte) bool {
		if n == max {
			more = true
			return false
		}
		n++
		return true
	})
	return n, more
}

// hasActiveChildren reports whether any child of o is not retired.
func hasActiveChildren(r state.Reader, o OID) (bool, error) {
	start := childPrefix(ArcPrefix, o)
	found := false
	var err error
	r.Iterate(start, state.PrefixEnd(start), func(_, v []byte) bool {
		a, derr := DecodeArc(v)
		if derr != nil {
			err = derr
			return false
		}
		found = !a.Retired
		return !found
	})
	return found, err
}

// ChildByLabel finds the child of parent (nil: a top arc) that carries
// label, matched by its DNS form (so ASCII letters match in either case).
func ChildByLabel(r state.Reader, parent OID, label string) (*Arc, error) {
	label = NormalizeLabel(label)
	if err := CheckLabel(label); err != nil {
		return nil, err
	}
	b, ok := r.Get(labelKey(parent, LabelDNS(label)))
	if !ok || len(b) != 8 {
		where := "the root"
		if len(parent) > 0 {
			where = parent.String()
		}
		return nil, fmt.Errorf("%w: no arc under %s has the label %q", ErrNotFound, where, label)
	}
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	var o OID
	if len(parent) == 0 {
		o = OID{n}
	} else {
		o = parent.Child(n)
	}
	return Get(r, o)
}

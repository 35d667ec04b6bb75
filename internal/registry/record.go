package registry

import (
	"bytes"
	"errors"
	"fmt"
	"sort"

	"github.com/dii-net/dii/internal/codec"
	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/tx"
)

// recordVersion is the encoding version of a Record.
const recordVersion = 1

// MaxDelegates bounds the accounts one name may delegate to.
const MaxDelegates = 16

// KeyPrefix is the state key prefix of registered names.
const KeyPrefix = "n/"

// Key is the state key of a registered name.
func Key(name string) []byte { return []byte(KeyPrefix + names.Reverse(name)) }

// NameOfKey is the inverse of Key.
func NameOfKey(key []byte) (string, bool) {
	if !bytes.HasPrefix(key, []byte(KeyPrefix)) {
		return "", false
	}
	return names.Unreverse(string(key[len(KeyPrefix):])), true
}

// Record is one registered name.
type Record struct {
	Name      string
	Owner     tx.Address
	Created   int64 // block time, Unix seconds
	Expiry    int64 // block time, Unix seconds
	Open      bool  // TLDs only: anyone may register second-level names
	Delegates []tx.Address
	RRsets    []RRset
}

// RRset is a set of records of one type at one owner name.
type RRset struct {
	Name    string // owner name, fully qualified, no trailing dot
	Type    uint16
	TTL     uint32
	Records [][]byte // DNS wire RDATA
}

// IsTLD reports whether the record is a top-level name.
func (r *Record) IsTLD() bool { return len(names.Labels(r.Name)) == 1 }

// MayEdit reports whether a may change the name's RRsets.
func (r *Record) MayEdit(a tx.Address) bool {
	if a == r.Owner {
		return true
	}
	for _, d := range r.Delegates {
		if d == a {
			return true
		}
	}
	return false
}

func rrsetLess(a, b *RRset) bool {
	ra, rb := names.Reverse(a.Name), names.Reverse(b.Name)
	if ra != rb {
		return ra < rb
	}
	return a.Type < b.Type
}

// Encode returns the record's canonical encoding.
func (r *Record) Encode() []byte {
	w := &codec.Writer{Buf: make([]byte, 0, 128)}
	w.U8(recordVersion)
	w.Str8(r.Name)
	w.Raw(r.Owner[:])
	w.U64(uint64(r.Created))
	w.U64(uint64(r.Expiry))
	w.Bool(r.Open)
	w.U8(uint8(len(r.Delegates)))
	for _, d := range r.Delegates {
		w.Raw(d[:])
	}
	w.U16(uint16(len(r.RRsets)))
	for _, s := range r.RRsets {
		w.Str8(s.Name)
		w.U16(s.Type)
		w.U32(s.TTL)
		w.U8(uint8(len(s.Records)))
		for _, rd := range s.Records {
			w.Bytes16(rd)
		}
	}
	return w.Buf
}

// ErrBadRecord means stored bytes are not a valid Record.
var ErrBadRecord = errors.New("bad registry record")

// DecodeRecord parses a Record strictly: canonical order, no trailing bytes.
// Record data itself was validated when it was written.
func DecodeRecord(b []byte) (*Record, error) {
	r := &codec.Reader{B: b}
	if v := r.U8("version"); r.Err == nil && v != recordVersion {
		return nil, fmt.Errorf("%w: version %d", ErrBadRecord, v)
	}
	rec := &Record{}
	rec.Name = r.Str8("name", 1, 253)
	copy(rec.Owner[:], r.Bytes("owner", tx.AddressLen))
	rec.Created = int64(r.U64("created"))
	rec.Expiry = int64(r.U64("expiry"))
	rec.Open = r.Bool("open")
	nd := int(r.U8("delegate count"))
	if r.Err == nil && nd > MaxDelegates {
		r.Fail("delegate count", codec.ErrField, fmt.Sprintf("%d > %d", nd, MaxDelegates))
	}
	for i := 0; i < nd && r.Err == nil; i++ {
		var a tx.Address
		copy(a[:], r.Bytes("delegate", tx.AddressLen))
		if i > 0 && bytes.Compare(rec.Delegates[i-1][:], a[:]) >= 0 {
			r.Fail("delegate", codec.ErrField, "not in ascending order")
		}
		rec.Delegates = append(rec.Delegates, a)
	}
	ns := int(r.U16("rrset count"))
	for i := 0; i < ns && r.Err == nil; i++ {
		s := RRset{}
		s.Name = r.Str8("rrset name", 1, 253)
		s.Type = r.U16("rrset type")
		s.TTL = r.U32("rrset ttl")
		n := int(r.U8("record count"))
		for j := 0; j < n && r.Err == nil; j++ {
			s.Records = append(s.Records, r.Bytes16("record"))
		}
		if i > 0 && r.Err == nil && !rrsetLess(&rec.RRsets[i-1], &s) {
			r.Fail("rrset", codec.ErrField, "not in canonical order")
		}
		rec.RRsets = append(rec.RRsets, s)
	}
	r.End()
	if r.Err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRecord, r.Err)
	}
	return rec, nil
}

// find returns the index of RRset (name, t), or where it would go.
func (r *Record) find(name string, t uint16) (int, bool) {
	key := &RRset{Name: name, Type: t}
	i := sort.Search(len(r.RRsets), func(i int) bool { return !rrsetLess(&r.RRsets[i], key) })
	return i, i < len(r.RRsets) && r.RRsets[i].Name == name && r.RRsets[i].Type == t
}

// Lookup returns the RRset (name, t), if present.
func (r *Record) Lookup(name string, t uint16) (*RRset, bool) {
	i, ok := r.find(name, t)
	if !ok {
		return nil, false
	}
	return &r.RRsets[i], true
}

// TypesAt lists the RRset types present at an owner name.
func (r *Record) TypesAt(name string) []uint16 {
	var out []uint16
	for _, s := range r.RRsets {
		if s.Name == name {
			out = append(out, s.Type)
		}
	}
	return out
}

// put replaces or, with no records, deletes an RRset.
func (r *Record) put(s RRset) {
	i, ok := r.find(s.Name, s.Type)
	switch {
	case ok && len(s.Records) == 0:
		r.RRsets = append(r.RRsets[:i], r.RRsets[i+1:]...)
	case ok:
		r.RRsets[i] = s
	case len(s.Records) > 0:
		r.RRsets = append(r.RRsets, RRset{})
		copy(r.RRsets[i+1:], r.RRsets[i:])
		r.RRsets[i] = s
	}
}

// DataSize is the record's RRsets in uncompressed DNS wire form (owner,
// type, class, TTL, length and data for every record), the quantity
// bounded by names.MaxNameBytes.
func (r *Record) DataSize() int {
	n := 0
	for _, s := range r.RRsets {
		n += names.RRsetSize(s.Name, s.Records)
	}
	return n
}

// Clone returns a deep copy.
func (r *Record) Clone() *Record {
	c := *r
	c.Delegates = append([]tx.Address(nil), r.Delegates...)
	c.RRsets = make([]RRset, len(r.RRsets))
	for i, s := range r.RRsets {
		c.RRsets[i] = s
		c.RRsets[i].Records = append([][]byte(nil), s.Records...)
	}
	return &c
}

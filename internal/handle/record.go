package handle

import (
	"fmt"
	"sort"

	"github.com/dii-net/dii/internal/codec"
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/state"
)

// Limits the registry enforces on a handle record.
const (
	// MaxValues bounds the values of one handle.
	MaxValues = 128
	// MaxDataLen bounds one value's data.
	MaxDataLen = 16384
	// MaxRecordBytes bounds a record's stored encoding.
	MaxRecordBytes = 65536
	// MaxIndex is the largest value index: indexes of 2^31 and above
	// would be negative to the many implementations that read them as
	// signed (RFC 3651 errata). Index 0 is reserved.
	MaxIndex = 1<<31 - 1
	// MaxVListRefs bounds the references of one HS_VLIST value.
	MaxVListRefs = 64
)

// KeyPrefix is the prefix of handle records in the state.
const KeyPrefix = "h/"

// Key is the state key of a handle record: KeyPrefix and the folded
// handle. The handles of one prefix P share the key prefix
// KeyPrefix + Fold(P) + "/", one contiguous range.
func Key(h Handle) []byte {
	b := make([]byte, len(KeyPrefix), len(KeyPrefix)+len(h.Text))
	copy(b, KeyPrefix)
	for i := 0; i < len(h.Text); i++ {
		c := h.Text[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// Value is one value of a handle record (RFC 3651 §3.1).
type Value struct {
	Index     uint32
	Type      string
	Data      []byte
	TTLType   uint8 // handleproto.TTLRelative or TTLAbsolute
	TTL       uint32
	Timestamp int64 // block time of the value's last change, Unix seconds
	Perms     uint8 // handleproto.Perm* bits
	Refs      []handleproto.Reference
}

// Record is a handle and its values, sorted by index.
type Record struct {
	Handle  string // as created
	Created int64  // block time, Unix seconds
	Updated int64
	Values  []Value
}

// Value returns the value at index i.
func (r *Record) Value(i uint32) (*Value, bool) {
	n := sort.Search(len(r.Values), func(k int) bool { return r.Values[k].Index >= i })
	if n < len(r.Values) && r.Values[n].Index == i {
		return &r.Values[n], true
	}
	return nil, false
}

// Wire converts the record's values to the protocol's form.
func (r *Record) Wire() []handleproto.Value {
	out := make([]handleproto.Value, len(r.Values))
	for i := range r.Values {
		v := &r.Values[i]
		out[i] = handleproto.Value{Index: v.Index, Timestamp: uint32(v.Timestamp), TTLType: v.TTLType, TTL: v.TTL,
			Permissions: v.Perms, Type: v.Type, Data: v.Data, References: v.Refs}
	}
	return out
}

const recordVersion = 1

// Encode is the record's canonical stored form:
//
//	version   u8  1
//	handle    u16 length, bytes
//	created   u64
//	updated   u64
//	count     u16
//	values    each: index u32, type u8 length + bytes, data u16 length +
//	          bytes, ttl type u8, ttl u32, timestamp u64, permissions u8,
//	          reference count u8, references (handle u16 length + bytes,
//	          index u32)
func (r *Record) Encode() []byte {
	w := &codec.Writer{Buf: make([]byte, 0, 64+len(r.Handle)+len(r.Values)*48)}
	w.U8(recordVersion)
	w.Bytes16([]byte(r.Handle))
	w.U64(uint64(r.Created))
	w.U64(uint64(r.Updated))
	w.U16(uint16(len(r.Values)))
	for i := range r.Values {
		v := &r.Values[i]
		w.U32(v.Index)
		w.Str8(v.Type)
		w.Bytes16(v.Data)
		w.U8(v.TTLType)
		w.U32(v.TTL)
		w.U64(uint64(v.Timestamp))
		w.U8(v.Perms)
		w.U8(uint8(len(v.Refs)))
		for _, ref := range v.Refs {
			w.Bytes16([]byte(ref.Handle))
			w.U32(ref.Index)
		}
	}
	return w.Buf
}

// Decode reads a stored record strictly: version 1, valid handle syntax,
// indexes strictly ascending, flag bytes in range, nothing left over.
// Every failure wraps ErrBadRecord. The values' data shares b's memory,
// which must not change while the record is in use (state values never
// do).
func Decode(b []byte) (*Record, error) {
	r := &codec.Reader{B: b}
	if v := r.U8("version"); r.Err == nil && v != recordVersion {
		return nil, fmt.Errorf("%w: version %d", ErrBadRecord, v)
	}
	rec := &Record{Handle: string(r.Bytes("handle", int(r.U16("handle length"))))}
	rec.Created = int64(r.U64("created"))
	rec.Updated = int64(r.U64("updated"))
	n := int(r.U16("value count"))
	if r.Err == nil && n > MaxValues {
		r.Fail("value count", codec.ErrField, fmt.Sprintf("%d > %d", n, MaxValues))
	}
	if r.Err == nil && n > 0 {
		rec.Values = make([]Value, 0, min(n, r.Remaining()/24+1))
	}
	for i := 0; i < n && r.Err == nil; i++ {
		var v Value
		v.Index = r.U32("index")
		v.Type = internType(r.Bytes("type", int(r.U8("type length"))))
		if r.Err == nil && v.Type == "" {
			r.Fail("type", codec.ErrField, "empty")
		}
		if d := r.Bytes("data", int(r.U16("data length"))); len(d) > 0 {
			v.Data = d
		}
		v.TTLType = r.U8("ttl type")
		v.TTL = r.U32("ttl")
		v.Timestamp = int64(r.U64("timestamp"))
		v.Perms = r.U8("permissions")
		nr := int(r.U8("reference count"))
		for j := 0; j < nr && r.Err == nil; j++ {
			ref := handleproto.Reference{Handle: string(r.Bytes("reference", int(r.U16("reference length"))))}
			ref.Index = r.U32("reference index")
			v.Refs = append(v.Refs, ref)
		}
		if r.Err != nil {
			break
		}
		switch {
		case v.TTLType > handleproto.TTLAbsolute:
			r.Fail("ttl type", codec.ErrField, fmt.Sprint(v.TTLType))
		case v.Perms > 0x0f:
			r.Fail("permissions", codec.ErrField, fmt.Sprintf("%#x", v.Perms))
		case v.Index == 0 || v.Index > MaxIndex:
			r.Fail("index", codec.ErrField, fmt.Sprint(v.Index))
		case len(rec.Values) > 0 && v.Index <= rec.Values[len(rec.Values)-1].Index:
			r.Fail("index", codec.ErrField, fmt.Sprintf("%d not above %d", v.Index, rec.Values[len(rec.Values)-1].Index))
		}
		rec.Values = append(rec.Values, v)
	}
	r.End()
	if r.Err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRecord, r.Err)
	}
	if _, err := Parse(rec.Handle); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRecord, err)
	}
	return rec, nil
}

// commonTypes are shared by every decoded record instead of allocated.
var commonTypes = map[string]string{}

func init() {
	for _, t := range []string{TypeURL, TypeEmail, TypeAdmin, TypeVList, TypePubKey, TypeAlias, TypeCert, TypeSig, "DESC", "10320/loc"} {
		commonTypes[t] = t
	}
}

func internType(b []byte) string {
	if t, ok := commonTypes[string(b)]; ok {
		return t
	}
	return string(b)
}

// Get reads the record of handle s.
func Get(r state.Reader, s string) (*Record, error) {
	h, err := Parse(s)
	if err != nil {
		return nil, err
	}
	return get(r, h)
}

func get(r state.Reader, h Handle) (*Record, error) {
	b, ok := r.Get(Key(h))
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, h)
	}
	return Decode(b)
}

func exists(r state.Reader, h Handle) bool {
	_, ok := r.Get(Key(h))
	return ok
}

func put(w *state.Overlay, h Handle, rec *Record) error {
	b := rec.Encode()
	if len(b) > MaxRecordBytes {
		return fmt.Errorf("%w: the record of %s would be %d bytes, limit %d", ErrTooLarge, h, len(b), MaxRecordBytes)
	}
	w.Set(Key(h), b)
	return nil
}

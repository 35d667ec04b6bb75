package tx

import "fmt"

// Bounds on the handle registry's operations on the wire. The ledger
// applies the registry's own, tighter rules (internal/handle).
const (
	// MaxHandleLen bounds a handle ("prefix/suffix") in bytes.
	MaxHandleLen = 512
	// MaxHandleValues bounds the values (or indexes) of one operation.
	MaxHandleValues = 128
	// MaxHandleTypeLen bounds a value's type in bytes.
	MaxHandleTypeLen = 255
	// MaxHandleRefs bounds the references of one value.
	MaxHandleRefs = 16
)

// HandleValue is one value of a handle record as an operation carries it:
// everything but the timestamp, which the ledger takes from the block.
type HandleValue struct {
	Index uint32
	Type  string
	Data  []byte
	// TTLType is 0 for a relative TTL (seconds to cache), 1 for an
	// absolute one (Unix seconds when the value expires from caches).
	TTLType uint8
	TTL     uint32
	// Perms are the value's permission bits (RFC 3651 section 3.1):
	// 0x08 admin read, 0x04 admin write, 0x02 public read, 0x01 public
	// write.
	Perms uint8
	Refs  []HandleRef
}

// HandleRef names one value of a handle: a handle and an index.
type HandleRef struct {
	Handle string
	Index  uint32
}

// HandleCreate creates a handle with Values. Creating "0.NA/<prefix>"
// creates a naming authority (a prefix).
type HandleCreate struct {
	Handle string
	Values []HandleValue
}

// HandleAdd adds Values to a handle; none of their indexes may be in use.
type HandleAdd struct {
	Handle string
	Values []HandleValue
}

// HandleModify replaces the handle's values at the indexes of Values.
type HandleModify struct {
	Handle string
	Values []HandleValue
}

// HandleRemove removes the handle's values at Indexes.
type HandleRemove struct {
	Handle  string
	Indexes []uint32
}

// HandleDelete deletes a handle and every value it holds.
type HandleDelete struct {
	Handle string
}

// Kind implements Op.
func (*HandleCreate) Kind() Kind { return KindHandleCreate }

// Kind implements Op.
func (*HandleAdd) Kind() Kind { return KindHandleAdd }

// Kind implements Op.
func (*HandleModify) Kind() Kind { return KindHandleModify }

// Kind implements Op.
func (*HandleRemove) Kind() Kind { return KindHandleRemove }

// Kind implements Op.
func (*HandleDelete) Kind() Kind { return KindHandleDelete }

// Target implements Op.
func (o *HandleCreate) Target() string { return o.Handle }

// Target implements Op.
func (o *HandleAdd) Target() string { return o.Handle }

// Target implements Op.
func (o *HandleModify) Target() string { return o.Handle }

// Target implements Op.
func (o *HandleRemove) Target() string { return o.Handle }

// Target implements Op.
func (o *HandleDelete) Target() string { return o.Handle }

// IsHandleKind reports whether k is an operation of the handle registry.
func IsHandleKind(k Kind) bool { return k >= KindHandleCreate && k <= KindHandleDelete }

func writeHandle(w *writer, field, s string) error {
	if len(s) == 0 || len(s) > MaxHandleLen {
		return fmt.Errorf("%s: %w: length %d not in 1..%d", field, ErrField, len(s), MaxHandleLen)
	}
	w.Bytes16([]byte(s))
	return nil
}

func readHandle(r *reader, field string) string {
	n := int(r.U16(field + " length"))
	if r.Err != nil {
		return ""
	}
	if n == 0 || n > MaxHandleLen {
		r.Fail(field, ErrField, fmt.Sprintf("length %d not in 1..%d", n, MaxHandleLen))
		return ""
	}
	return string(r.Bytes(field, n))
}

func writeHandleValues(w *writer, vs []HandleValue) error {
	if len(vs) > MaxHandleValues {
		return fmt.Errorf("values: %w: %d, limit %d", ErrField, len(vs), MaxHandleValues)
	}
	w.U16(uint16(len(vs)))
	for i := range vs {
		v := &vs[i]
		w.U32(v.Index)
		if len(v.Type) == 0 || len(v.Type) > MaxHandleTypeLen {
			return fmt.Errorf("value %d type: %w: length %d not in 1..%d", v.Index, ErrField, len(v.Type), MaxHandleTypeLen)
		}
		w.Str8(v.Type)
		if len(v.Data) > MaxRDataLen {
			return fmt.Errorf("value %d data: %w: %d bytes, limit %d", v.Index, ErrField, len(v.Data), MaxRDataLen)
		}
		w.Bytes16(v.Data)
		if v.TTLType > 1 {
			return fmt.Errorf("value %d ttl type: %w: %d, want 0 (relative) or 1 (absolute)", v.Index, ErrField, v.TTLType)
		}
		w.U8(v.TTLType)
		w.U32(v.TTL)
		if v.Perms > 0x0f {
			return fmt.Errorf("value %d permissions: %w: %#x has bits above 0x0f", v.Index, ErrField, v.Perms)
		}
		w.U8(v.Perms)
		if len(v.Refs) > MaxHandleRefs {
			return fmt.Errorf("value %d references: %w: %d, limit %d", v.Index, ErrField, len(v.Refs), MaxHandleRefs)
		}
		w.U8(uint8(len(v.Refs)))
		for _, ref := range v.Refs {
			if err := writeHandle(w, "reference", ref.Handle); err != nil {
				return fmt.Errorf("value %d: %w", v.Index, err)
			}
			w.U32(ref.Index)
		}
	}
	return nil
}

func readHandleValues(r *reader) []HandleValue {
	n := int(r.U16("value count"))
	if r.Err == nil && n > MaxHandleValues {
		r.Fail("value count", ErrField, fmt.Sprintf("%d > %d", n, MaxHandleValues))
	}
	if r.Err != nil || n == 0 {
		return nil
	}
	vs := make([]HandleValue, 0, n)
	for i := 0; i < n && r.Err == nil; i++ {
		var v HandleValue
		v.Index = r.U32("value index")
		v.Type = r.Str8("value type", 1, MaxHandleTypeLen)
		v.Data = r.Bytes16("value data")
		if r.Err == nil && len(v.Data) == 0 {
			v.Data = nil
		}
		switch t := r.U8("ttl type"); {
		case r.Err != nil:
		case t > 1:
			r.Fail("ttl type", ErrField, fmt.Sprintf("%d, want 0 or 1", t))
		default:
			v.TTLType = t
		}
		v.TTL = r.U32("ttl")
		switch p := r.U8("permissions"); {
		case r.Err != nil:
		case p > 0x0f:
			r.Fail("permissions", ErrField, fmt.Sprintf("%#x has bits above 0x0f", p))
		default:
			v.Perms = p
		}
		nr := int(r.U8("reference count"))
		if r.Err == nil && nr > MaxHandleRefs {
			r.Fail("reference count", ErrField, fmt.Sprintf("%d > %d", nr, MaxHandleRefs))
		}
		for j := 0; j < nr && r.Err == nil; j++ {
			ref := HandleRef{Handle: readHandle(r, "reference")}
			ref.Index = r.U32("reference index")
			v.Refs = append(v.Refs, ref)
		}
		vs = append(vs, v)
	}
	return vs
}

func (o *HandleCreate) encode(w *writer) error {
	if err := writeHandle(w, "handle", o.Handle); err != nil {
		return err
	}
	return writeHandleValues(w, o.Values)
}

func (o *HandleAdd) encode(w *writer) error {
	if err := writeHandle(w, "handle", o.Handle); err != nil {
		return err
	}
	return writeHandleValues(w, o.Values)
}

func (o *HandleModify) encode(w *writer) error {
	if err := writeHandle(w, "handle", o.Handle); err != nil {
		return err
	}
	return writeHandleValues(w, o.Values)
}

func (o *HandleRemove) encode(w *writer) error {
	if err := writeHandle(w, "handle", o.Handle); err != nil {
		return err
	}
	if len(o.Indexes) > MaxHandleValues {
		return fmt.Errorf("indexes: %w: %d, limit %d", ErrField, len(o.Indexes), MaxHandleValues)
	}
	w.U16(uint16(len(o.Indexes)))
	for _, i := range o.Indexes {
		w.U32(i)
	}
	return nil
}

func (o *HandleDelete) encode(w *writer) error { return writeHandle(w, "handle", o.Handle) }

// decodeHandleOp reads the fields of a handle registry operation of kind k.
func decodeHandleOp(k Kind, r *reader) Op {
	switch k {
	case KindHandleCreate:
		o := &HandleCreate{Handle: readHandle(r, "handle")}
		o.Values = readHandleValues(r)
		return o
	case KindHandleAdd:
		o := &HandleAdd{Handle: readHandle(r, "handle")}
		o.Values = readHandleValues(r)
		return o
	case KindHandleModify:
		o := &HandleModify{Handle: readHandle(r, "handle")}
		o.Values = readHandleValues(r)
		return o
	case KindHandleRemove:
		o := &HandleRemove{Handle: readHandle(r, "handle")}
		n := int(r.U16("index count"))
		if r.Err == nil && n > MaxHandleValues {
			r.Fail("index count", ErrField, fmt.Sprintf("%d > %d", n, MaxHandleValues))
		}
		for i := 0; i < n && r.Err == nil; i++ {
			if x := r.U32("index"); r.Err == nil {
				o.Indexes = append(o.Indexes, x)
			}
		}
		return o
	case KindHandleDelete:
		return &HandleDelete{Handle: readHandle(r, "handle")}
	}
	r.Fail("op kind", ErrUnknownOp, fmt.Sprint(uint8(k)))
	return nil
}

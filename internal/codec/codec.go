package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Errors a Reader reports, wrapped with the field name and offset.
var (
	ErrTruncated = errors.New("truncated")
	ErrField     = errors.New("invalid field")
	ErrTrailing  = errors.New("trailing bytes")
)

// Writer appends big-endian fields to Buf.
type Writer struct{ Buf []byte }

// U8 appends one byte.
func (w *Writer) U8(v uint8) { w.Buf = append(w.Buf, v) }

// U16 appends a big-endian uint16.
func (w *Writer) U16(v uint16) { w.Buf = binary.BigEndian.AppendUint16(w.Buf, v) }

// U32 appends a big-endian uint32.
func (w *Writer) U32(v uint32) { w.Buf = binary.BigEndian.AppendUint32(w.Buf, v) }

// U64 appends a big-endian uint64.
func (w *Writer) U64(v uint64) { w.Buf = binary.BigEndian.AppendUint64(w.Buf, v) }

// Raw appends bytes as they are.
func (w *Writer) Raw(b []byte) { w.Buf = append(w.Buf, b...) }

// Str8 appends a string with a one-byte length. The caller checks the
// length is at most 255.
func (w *Writer) Str8(s string) {
	w.U8(uint8(len(s)))
	w.Buf = append(w.Buf, s...)
}

// Bytes16 appends bytes with a two-byte length. The caller checks the
// length is at most 65535.
func (w *Writer) Bytes16(b []byte) {
	w.U16(uint16(len(b)))
	w.Buf = append(w.Buf, b...)
}

// Bool appends 1 or 0.
func (w *Writer) Bool(v bool) {
	if v {
		w.U8(1)
	} else {
		w.U8(0)
	}
}

// Reader consumes fields from B.
type Reader struct {
	B   []byte
	Off int
	Err error
}

// Fail records the first error.
func (r *Reader) Fail(field string, err error, detail string) {
	if r.Err != nil {
		return
	}
	if detail != "" {
		r.Err = fmt.Errorf("%s at offset %d: %w: %s", field, r.Off, err, detail)
	} else {
		r.Err = fmt.Errorf("%s at offset %d: %w", field, r.Off, err)
	}
}

// Remaining is the number of unread bytes.
func (r *Reader) Remaining() int { return len(r.B) - r.Off }

// Bytes returns the next n bytes, sharing the input's memory.
func (r *Reader) Bytes(field string, n int) []byte {
	if r.Err != nil {
		return nil
	}
	if n < 0 || r.Remaining() < n {
		r.Fail(field, ErrTruncated, fmt.Sprintf("need %d bytes, have %d", n, r.Remaining()))
		return nil
	}
	v := r.B[r.Off : r.Off+n : r.Off+n]
	r.Off += n
	return v
}

// U8 reads one byte.
func (r *Reader) U8(field string) uint8 {
	if b := r.Bytes(field, 1); b != nil {
		return b[0]
	}
	return 0
}

// U16 reads a big-endian uint16.
func (r *Reader) U16(field string) uint16 {
	if b := r.Bytes(field, 2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

// U32 reads a big-endian uint32.
func (r *Reader) U32(field string) uint32 {
	if b := r.Bytes(field, 4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// U64 reads a big-endian uint64.
func (r *Reader) U64(field string) uint64 {
	if b := r.Bytes(field, 8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// Bool reads a byte that must be 0 or 1.
func (r *Reader) Bool(field string) bool {
	switch v := r.U8(field); v {
	case 0:
		return false
	case 1:
		return true
	default:
		r.Fail(field, ErrField, fmt.Sprintf("boolean byte %d, want 0 or 1", v))
		return false
	}
}

// Str8 reads a string with a one-byte length in [minLen, maxLen].
func (r *Reader) Str8(field string, minLen, maxLen int) string {
	n := int(r.U8(field + " length"))
	if r.Err != nil {
		return ""
	}
	if n < minLen || n > maxLen {
		r.Fail(field, ErrField, fmt.Sprintf("length %d not in %d..%d", n, minLen, maxLen))
		return ""
	}
	return string(r.Bytes(field, n))
}

// Bytes16 reads bytes with a two-byte length, copied out of the input.
func (r *Reader) Bytes16(field string) []byte {
	n := int(r.U16(field + " length"))
	b := r.Bytes(field, n)
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// End fails unless every byte was read.
func (r *Reader) End() {
	if r.Err == nil && r.Off != len(r.B) {
		r.Fail("end", ErrTrailing, fmt.Sprintf("%d bytes left", r.Remaining()))
	}
}

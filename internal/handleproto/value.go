package handleproto

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/dii-net/dii/internal/codec"
)

// Decoder limits. A count above them is an error even when the bytes are
// there.
const (
	MaxHandleLength = 2048 // bytes of a handle (the CNRI Handle.Net limit)
	MaxValues       = 2048 // values in one message (the CNRI Handle.Net limit)
	MaxListLength   = 1024 // indexes, types, references, attributes, servers, interfaces in one list
	maxTypeLength   = 1024 // bytes of a value type, credential type or algorithm name
	minValueSize    = 26   // index 4, timestamp 4, ttl type 1, ttl 4, permission 1, type 4, data 4, references 4
)

// FoldHandle maps the ASCII letters of a handle to upper case and leaves
// every other byte: handles compare case-insensitively in ASCII only
// (RFC 3650 §3), so "p/é" and "p/É" are two handles.
func FoldHandle(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// Reference names one value of a handle: the handle and the value's index
// (a ValueReference in RFC 3651 §3.1).
type Reference struct {
	Handle string
	Index  uint32
}

// Value is one handle value (RFC 3651 §3.1, RFC 3652 §3.1).
type Value struct {
	Index       uint32
	Timestamp   uint32 // seconds since 1970 of the last change
	TTLType     uint8  // TTLRelative or TTLAbsolute
	TTL         uint32
	Permissions uint8 // PermAdminRead | PermAdminWrite | PermPublicRead | PermPublicWrite
	Type        string
	Data        []byte
	References  []Reference
}

// PublicRead reports whether anyone may read the value.
func (v *Value) PublicRead() bool { return v.Permissions&PermPublicRead != 0 }

// TypeMatches reports whether a value of type actual answers a request for
// type requested, as Handle.Net servers match them: case-insensitively and
// exactly, except that a requested type ending in "." names a family —
// "URL." matches "URL", "url.mirror" and "URL.a.b", but "URL" matches only
// "URL".
func TypeMatches(requested, actual string) bool {
	if actual == "" {
		return false
	}
	if n := len(requested); n > 0 && requested[n-1] == '.' {
		if strings.EqualFold(actual, requested[:n-1]) {
			return true
		}
		return len(actual) >= n && strings.EqualFold(actual[:n], requested)
	}
	return strings.EqualFold(requested, actual)
}

// Selected reports whether v answers a resolution request with these
// index and type lists: every value when both are empty, otherwise a value
// whose index is listed or whose type matches a listed type (the lists are
// a union, as Handle.Net servers apply them).
func Selected(v *Value, indexes []uint32, types []string) bool {
	if len(indexes) == 0 && len(types) == 0 {
		return true
	}
	for _, i := range indexes {
		if v.Index == i {
			return true
		}
	}
	for _, t := range types {
		if TypeMatches(t, v.Type) {
			return true
		}
	}
	return false
}

// AppendValue appends the wire form of v (RFC 3652 §3.1).
func AppendValue(dst []byte, v *Value) []byte {
	dst = binary.BigEndian.AppendUint32(dst, v.Index)
	dst = binary.BigEndian.AppendUint32(dst, v.Timestamp)
	dst = append(dst, v.TTLType)
	dst = binary.BigEndian.AppendUint32(dst, v.TTL)
	dst = append(dst, v.Permissions)
	dst = appendString(dst, v.Type)
	dst = appendBytes(dst, v.Data)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(v.References)))
	for _, ref := range v.References {
		dst = appendString(dst, ref.Handle)
		dst = binary.BigEndian.AppendUint32(dst, ref.Index)
	}
	return dst
}

// ValueSize is the length of v's wire form.
func ValueSize(v *Value) int {
	n := minValueSize + len(v.Type) + len(v.Data)
	for _, ref := range v.References {
		n += 8 + len(ref.Handle)
	}
	return n
}

// ParseValue decodes one value that fills b exactly.
func ParseValue(b []byte) (Value, error) {
	r := codec.Reader{B: b}
	v := readValue(&r)
	r.End()
	return v, r.Err
}

func readValue(r *codec.Reader) Value {
	var v Value
	v.Index = r.U32("value index")
	v.Timestamp = r.U32("value timestamp")
	v.TTLType = r.U8("value ttl type")
	v.TTL = r.U32("value ttl")
	v.Permissions = r.U8("value permissions")
	v.Type = stringField(r, "value type", maxTypeLength)
	v.Data = bytesField(r, "value data", MaxMessageLength)
	n := countField(r, "value references", 8, MaxListLength)
	if n > 0 {
		v.References = make([]Reference, n)
		for i := range v.References {
			v.References[i] = readReference(r, "value reference")
		}
	}
	return v
}

// readReference reads a handle and an index; field names both in errors.
func readReference(r *codec.Reader, field string) Reference {
	return Reference{Handle: stringField(r, field, MaxHandleLength), Index: r.U32(field)}
}

// appendString appends a UTF8-String: a 4-byte length and the bytes.
func appendString(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

func appendBytes(dst, b []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b)))
	return append(dst, b...)
}

// stringField reads a UTF8-String of at most maxLen bytes. The bytes are
// not checked for UTF-8: a handle server answers what it holds, and the
// caller decides what an invalid name means.
func stringField(r *codec.Reader, field string, maxLen int) string {
	n := r.U32(field)
	if r.Err != nil {
		return ""
	}
	if n > uint32(maxLen) {
		r.Fail(field, ErrTooLarge, fmt.Sprintf("length %d above %d", n, maxLen))
		return ""
	}
	return string(r.Bytes(field, int(n)))
}

// bytesField reads a 4-byte length and that many bytes, copied.
func bytesField(r *codec.Reader, field string, maxLen int) []byte {
	n := r.U32(field)
	if r.Err != nil {
		return nil
	}
	if n > uint32(maxLen) {
		r.Fail(field, ErrTooLarge, fmt.Sprintf("length %d above %d", n, maxLen))
		return nil
	}
	b := r.Bytes(field, int(n))
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

// countField reads a 4-byte element count and checks it against maxCount
// and against the bytes left, each element taking at least minSize bytes,
// so a lying count cannot make the caller allocate.
func countField(r *codec.Reader, field string, minSize, maxCount int) int {
	n := r.U32(field)
	if r.Err != nil {
		return 0
	}
	if n > uint32(maxCount) {
		r.Fail(field, ErrTooMany, fmt.Sprintf("count %d above %d", n, maxCount))
		return 0
	}
	if int(n)*minSize > r.Remaining() {
		r.Fail(field, ErrLength, fmt.Sprintf("count %d needs at least %d bytes, %d left", n, int(n)*minSize, r.Remaining()))
		return 0
	}
	return int(n)
}

package handleproto

import (
	"encoding/binary"

	"github.com/dii-net/dii/internal/codec"
)

// AdminRecord is the data of an HS_ADMIN value (RFC 3651 §3.2.1): the
// permissions it grants, and the administrator — a value (usually an
// HS_PUBKEY, HS_SECKEY or HS_VLIST) named by handle and index.
type AdminRecord struct {
	Permissions uint16 // Admin* bits
	Admin       Reference
}

// AppendAdminRecord appends the wire form of a.
func AppendAdminRecord(dst []byte, a *AdminRecord) []byte {
	dst = binary.BigEndian.AppendUint16(dst, a.Permissions)
	dst = appendString(dst, a.Admin.Handle)
	return binary.BigEndian.AppendUint32(dst, a.Admin.Index)
}

// ParseAdminRecord decodes HS_ADMIN data. Two trailing bytes are accepted:
// records written by old Handle.Net servers carry them.
func ParseAdminRecord(b []byte) (AdminRecord, error) {
	r := codec.Reader{B: b}
	var a AdminRecord
	a.Permissions = r.U16("admin permissions")
	a.Admin = readReference(&r, "admin")
	if r.Err == nil && r.Remaining() == 2 {
		r.Off += 2
	}
	r.End()
	return a, r.Err
}

// AppendValueList appends HS_VLIST data (RFC 3651 §3.2): a 4-byte count,
// then each reference as a handle and an index.
func AppendValueList(dst []byte, refs []Reference) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(refs)))
	for _, ref := range refs {
		dst = appendString(dst, ref.Handle)
		dst = binary.BigEndian.AppendUint32(dst, ref.Index)
	}
	return dst
}

// ParseValueList decodes HS_VLIST data.
func ParseValueList(b []byte) ([]Reference, error) {
	r := codec.Reader{B: b}
	var refs []Reference
	if n := countField(&r, "value list", 8, MaxListLength); n > 0 {
		refs = make([]Reference, n)
		for i := range refs {
			refs[i] = readReference(&r, "value list reference")
		}
	}
	r.End()
	return refs, r.Err
}

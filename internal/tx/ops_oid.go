package tx

import "fmt"

// MaxOIDLen bounds an OID's dotted text in an operation: 64 arcs of at
// most 20 digits and the dots between them.
const MaxOIDLen = 64*20 + 63

// OIDAllocate creates the arc OID (dotted form, e.g. 2.999.5) below an arc
// the signer is the authority of. Authority is the new arc's registration
// authority; zero means the signer.
type OIDAllocate struct {
	OID       string
	Authority Address
}

// OIDDelegate makes To the authority of the arc OID.
type OIDDelegate struct {
	OID string
	To  Address
}

// OIDSet replaces the secondary identifiers, Unicode labels and
// registration information of the arc OID.
type OIDSet struct {
	OID         string
	Identifiers []string
	Labels      []string
	Name        string
	Description string
	Contact     string
}

// OIDRetire retires the arc OID: it stays resolvable, marked retired, and
// its number is never allocated again.
type OIDRetire struct {
	OID string
}

// UAVInfo is the registration information of an X.677 UAV identity.
type UAVInfo struct {
	HolderName string // the manufacturer's or operator's name
	Model      string
	Serial     string
	Contact    string
}

// UAVApply applies for the X.677 identity OID: a full-life-cycle identity
// when FLC is empty, else an operating identity of the full-life-cycle
// identity FLC.
type UAVApply struct {
	OID  string
	FLC  string
	Info UAVInfo
}

// UAVVerify is the authority's decision on an application, or on a
// pending change: Accept, or reject.
type UAVVerify struct {
	OID    string
	Accept bool
	Note   string
}

// UAVAnnounce puts a verified identity into service.
type UAVAnnounce struct {
	OID string
}

// UAVChange asks to change an identity's information and, when Holder is
// not zero, its holder.
type UAVChange struct {
	OID    string
	Holder Address
	Info   UAVInfo
}

// UAVRevoke revokes an identity for good.
type UAVRevoke struct {
	OID    string
	Reason string
}

// Kind implements Op.
func (*OIDAllocate) Kind() Kind { return KindOIDAllocate }

// Kind implements Op.
func (*OIDDelegate) Kind() Kind { return KindOIDDelegate }

// Kind implements Op.
func (*OIDSet) Kind() Kind { return KindOIDSet }

// Kind implements Op.
func (*OIDRetire) Kind() Kind { return KindOIDRetire }

// Kind implements Op.
func (*UAVApply) Kind() Kind { return KindUAVApply }

// Kind implements Op.
func (*UAVVerify) Kind() Kind { return KindUAVVerify }

// Kind implements Op.
func (*UAVAnnounce) Kind() Kind { return KindUAVAnnounce }

// Kind implements Op.
func (*UAVChange) Kind() Kind { return KindUAVChange }

// Kind implements Op.
func (*UAVRevoke) Kind() Kind { return KindUAVRevoke }

// Target implements Op.
func (o *OIDAllocate) Target() string { return o.OID }

// Target implements Op.
func (o *OIDDelegate) Target() string { return o.OID }

// Target implements Op.
func (o *OIDSet) Target() string { return o.OID }

// Target implements Op.
func (o *OIDRetire) Target() string { return o.OID }

// Target implements Op.
func (o *UAVApply) Target() string { return o.OID }

// Target implements Op.
func (o *UAVVerify) Target() string { return o.OID }

// Target implements Op.
func (o *UAVAnnounce) Target() string { return o.OID }

// Target implements Op.
func (o *UAVChange) Target() string { return o.OID }

// Target implements Op.
func (o *UAVRevoke) Target() string { return o.OID }

// IsOIDKind reports whether k is an operation of the OID registry.
func IsOIDKind(k Kind) bool { return k >= KindOIDAllocate && k <= KindUAVRevoke }

// writeOIDText writes an OID as a u16 length and its bytes; empty is allowed
// only where optional.
func writeOIDText(w *writer, field, s string, optional bool) error {
	if (len(s) == 0 && !optional) || len(s) > MaxOIDLen {
		return fmt.Errorf("%s: %w: length %d not in 1..%d", field, ErrField, len(s), MaxOIDLen)
	}
	w.Bytes16([]byte(s))
	return nil
}

func readOIDText(r *reader, field string, optional bool) string {
	n := int(r.U16(field + " length"))
	if r.Err != nil {
		return ""
	}
	if (n == 0 && !optional) || n > MaxOIDLen {
		min := 1
		if optional {
			min = 0
		}
		r.Fail(field, ErrField, fmt.Sprintf("length %d not in %d..%d", n, min, MaxOIDLen))
		return ""
	}
	return string(r.Bytes(field, n))
}

func writeStr8(w *writer, field, s string, min int) error {
	if len(s) < min || len(s) > 255 {
		return fmt.Errorf("%s: %w: length %d not in %d..255", field, ErrField, len(s), min)
	}
	w.Str8(s)
	return nil
}

func writeList(w *writer, field string, ss []string) error {
	if len(ss) > 255 {
		return fmt.Errorf("%s: %w: %d entries, limit 255", field, ErrField, len(ss))
	}
	w.U8(uint8(len(ss)))
	for _, s := range ss {
		if err := writeStr8(w, field, s, 1); err != nil {
			return err
		}
	}
	return nil
}

func readList(r *reader, field string) []string {
	n := int(r.U8(field + " count"))
	var out []string
	for i := 0; i < n && r.Err == nil; i++ {
		s := r.Str8(field, 1, 255)
		if r.Err == nil {
			out = append(out, s)
		}
	}
	return out
}

func writeUAVInfo(w *writer, i *UAVInfo) error {
	for _, f := range []struct{ name, v string }{
		{"holder name", i.HolderName}, {"model", i.Model}, {"serial", i.Serial}, {"contact", i.Contact},
	} {
		if err := writeStr8(w, f.name, f.v, 0); err != nil {
			return err
		}
	}
	return nil
}

func readUAVInfo(r *reader) UAVInfo {
	return UAVInfo{
		HolderName: r.Str8("holder name", 0, 255),
		Model:      r.Str8("model", 0, 255),
		Serial:     r.Str8("serial", 0, 255),
		Contact:    r.Str8("contact", 0, 255),
	}
}

func (o *OIDAllocate) encode(w *writer) error {
	if err := writeOIDText(w, "oid", o.OID, false); err != nil {
		return err
	}
	w.Raw(o.Authority[:])
	return nil
}

func (o *OIDDelegate) encode(w *writer) error {
	if err := writeOIDText(w, "oid", o.OID, false); err != nil {
		return err
	}
	w.Raw(o.To[:])
	return nil
}

func (o *OIDSet) encode(w *writer) error {
	if err := writeOIDText(w, "oid", o.OID, false); err != nil {
		return err
	}
	if err := writeList(w, "identifier", o.Identifiers); err != nil {
		return err
	}
	if err := writeList(w, "label", o.Labels); err != nil {
		return err
	}
	if err := writeStr8(w, "name", o.Name, 0); err != nil {
		return err
	}
	if len(o.Description) > MaxRDataLen {
		return fmt.Errorf("description: %w: %d bytes", ErrField, len(o.Description))
	}
	w.Bytes16([]byte(o.Description))
	return writeStr8(w, "contact", o.Contact, 0)
}

func (o *OIDRetire) encode(w *writer) error { return writeOIDText(w, "oid", o.OID, false) }

func (o *UAVApply) encode(w *writer) error {
	if err := writeOIDText(w, "oid", o.OID, false); err != nil {
		return err
	}
	if err := writeOIDText(w, "flc", o.FLC, true); err != nil {
		return err
	}
	return writeUAVInfo(w, &o.Info)
}

func (o *UAVVerify) encode(w *writer) error {
	if err := writeOIDText(w, "oid", o.OID, false); err != nil {
		return err
	}
	w.Bool(o.Accept)
	return writeStr8(w, "note", o.Note, 0)
}

func (o *UAVAnnounce) encode(w *writer) error { return writeOIDText(w, "oid", o.OID, false) }

func (o *UAVChange) encode(w *writer) error {
	if err := writeOIDText(w, "oid", o.OID, false); err != nil {
		return err
	}
	w.Raw(o.Holder[:])
	return writeUAVInfo(w, &o.Info)
}

func (o *UAVRevoke) encode(w *writer) error {
	if err := writeOIDText(w, "oid", o.OID, false); err != nil {
		return err
	}
	return writeStr8(w, "reason", o.Reason, 0)
}

// decodeOIDOp reads the fields of an OID registry operation of kind k.
func decodeOIDOp(k Kind, r *reader) Op {
	switch k {
	case KindOIDAllocate:
		o := &OIDAllocate{OID: readOIDText(r, "oid", false)}
		o.Authority = readAddress(r, "authority")
		return o
	case KindOIDDelegate:
		o := &OIDDelegate{OID: readOIDText(r, "oid", false)}
		o.To = readAddress(r, "to")
		return o
	case KindOIDSet:
		o := &OIDSet{OID: readOIDText(r, "oid", false)}
		o.Identifiers = readList(r, "identifier")
		o.Labels = readList(r, "label")
		o.Name = r.Str8("name", 0, 255)
		o.Description = string(r.Bytes16("description"))
		o.Contact = r.Str8("contact", 0, 255)
		return o
	case KindOIDRetire:
		return &OIDRetire{OID: readOIDText(r, "oid", false)}
	case KindUAVApply:
		o := &UAVApply{OID: readOIDText(r, "oid", false)}
		o.FLC = readOIDText(r, "flc", true)
		o.Info = readUAVInfo(r)
		return o
	case KindUAVVerify:
		o := &UAVVerify{OID: readOIDText(r, "oid", false)}
		o.Accept = r.Bool("accept")
		o.Note = r.Str8("note", 0, 255)
		return o
	case KindUAVAnnounce:
		return &UAVAnnounce{OID: readOIDText(r, "oid", false)}
	case KindUAVChange:
		o := &UAVChange{OID: readOIDText(r, "oid", false)}
		o.Holder = readAddress(r, "holder")
		o.Info = readUAVInfo(r)
		return o
	case KindUAVRevoke:
		o := &UAVRevoke{OID: readOIDText(r, "oid", false)}
		o.Reason = r.Str8("reason", 0, 255)
		return o
	}
	r.Fail("op kind", ErrUnknownOp, fmt.Sprint(uint8(k)))
	return nil
}

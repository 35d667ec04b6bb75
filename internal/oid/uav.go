package oid

import (
	"fmt"

	"github.com/dii-net/dii/internal/codec"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// The two identity spaces below the UAV arc U: full-life-cycle identities
// are U.1.n, operating identities U.2.n.
const (
	SpaceFLC       = 1
	SpaceOperating = 2
)

// IdentityKind is the kind of an X.677 identity.
type IdentityKind uint8

// Identity kinds.
const (
	// KindFLC is a full-life-cycle identity, assigned at manufacture
	// for the whole life of the UAV.
	KindFLC IdentityKind = 1
	// KindOperating is an operating identity, used while a UAV is
	// operated, bound to the UAV's full-life-cycle identity.
	KindOperating IdentityKind = 2
)

func (k IdentityKind) String() string {
	switch k {
	case KindFLC:
		return "full-life-cycle"
	case KindOperating:
		return "operating"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Status is where an identity is in the X.677 procedure.
type Status uint8

// Identity states. Revoked and rejected are final.
const (
	StatusApplied   Status = 1 // applied for, waiting for the authority
	StatusVerified  Status = 2 // verified by the authority, not yet in service
	StatusAnnounced Status = 3 // announced: in service
	StatusRevoked   Status = 4 // revoked: final
	StatusRejected  Status = 5 // application rejected: final
)

func (s Status) String() string {
	switch s {
	case StatusApplied:
		return "applied"
	case StatusVerified:
		return "verified"
	case StatusAnnounced:
		return "announced"
	case StatusRevoked:
		return "revoked"
	case StatusRejected:
		return "rejected"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Final reports whether no operation can change the identity any more.
func (s Status) Final() bool { return s == StatusRevoked || s == StatusRejected }

// Limits on an identity's text.
const (
	MaxUAVTextLen   = 128 // holder name, model
	MaxUAVSerialLen = 64
	MaxUAVNoteLen   = 255 // verification note, revocation reason
)

// UAVInfo is an identity's registration information.
type UAVInfo struct {
	HolderName string // the manufacturer's or operator's name
	Model      string
	Serial     string
	Contact    string
}

// Check applies the rules of identity text.
func (i *UAVInfo) Check() error {
	for _, f := range []struct {
		name, v string
		max     int
	}{{"holder name", i.HolderName, MaxUAVTextLen}, {"model", i.Model, MaxUAVTextLen},
		{"serial", i.Serial, MaxUAVSerialLen}, {"contact", i.Contact, MaxContactLen}} {
		if err := checkText(f.name, f.v, f.max, false); err != nil {
			return err
		}
	}
	return nil
}

// Change is a change an identity's holder asked for, waiting for the
// authority.
type Change struct {
	Holder tx.Address // zero: unchanged
	Info   UAVInfo
}

// Identity is one X.677 UAV identity.
type Identity struct {
	OID    OID
	Kind   IdentityKind
	Status Status
	// Holder is the account of the manufacturer (full-life-cycle) or
	// operator (operating) that applied, or that a change made holder.
	Holder tx.Address
	// FLC is the full-life-cycle identity an operating identity belongs
	// to (nil for a full-life-cycle identity).
	FLC  OID
	Info UAVInfo
	// Pending is a change of an announced identity waiting for the
	// authority's verification.
	Pending *Change
	// Block times (Unix seconds) of each step; 0: not (yet) taken.
	Applied, Verified, Announced, Revoked, Updated int64
	// Note is the authority's note on its last decision, or the reason
	// for revocation.
	Note string
}

const identityVersion = 1

func writeUAVInfo(w *codec.Writer, i *UAVInfo) {
	w.Str8(i.HolderName)
	w.Str8(i.Model)
	w.Str8(i.Serial)
	w.Bytes16([]byte(i.Contact))
}

func readUAVInfo(r *codec.Reader) UAVInfo {
	return UAVInfo{
		HolderName: r.Str8("holder name", 0, 255),
		Model:      r.Str8("model", 0, 255),
		Serial:     r.Str8("serial", 0, 255),
		Contact:    string(r.Bytes16("contact")),
	}
}

// Encode returns the identity's canonical encoding:
//
//	version u8 (1) | oid (arc count u8, u64 each) | kind u8 | status u8 |
//	holder (20) | flc (arc count u8, u64 each; 0 arcs for full-life-cycle) |
//	info | pending bool [holder (20) | info] | applied u64 | verified u64 |
//	announced u64 | revoked u64 | updated u64 | note str8
//
// where info is holder name str8 | model str8 | serial str8 | contact
// (u16 length + bytes).
func (id *Identity) Encode() []byte {
	w := &codec.Writer{Buf: make([]byte, 0, 128)}
	w.U8(identityVersion)
	writeOID(w, id.OID)
	w.U8(uint8(id.Kind))
	w.U8(uint8(id.Status))
	w.Raw(id.Holder[:])
	writeOID(w, id.FLC)
	writeUAVInfo(w, &id.Info)
	w.Bool(id.Pending != nil)
	if id.Pending != nil {
		w.Raw(id.Pending.Holder[:])
		writeUAVInfo(w, &id.Pending.Info)
	}
	for _, t := range []int64{id.Applied, id.Verified, id.Announced, id.Revoked, id.Updated} {
		w.U64(uint64(t))
	}
	w.Str8(id.Note)
	return w.Buf
}

// DecodeIdentity parses an Identity strictly.
func DecodeIdentity(b []byte) (*Identity, error) {
	r := &codec.Reader{B: b}
	if v := r.U8("version"); r.Err == nil && v != identityVersion {
		return nil, fmt.Errorf("%w: identity version %d", ErrBadRecord, v)
	}
	id := &Identity{}
	id.OID = readOID(r, "oid", 1)
	id.Kind = IdentityKind(r.U8("kind"))
	id.Status = Status(r.U8("status"))
	copy(id.Holder[:], r.Bytes("holder", tx.AddressLen))
	id.FLC = readOID(r, "flc", 0)
	id.Info = readUAVInfo(r)
	if r.Bool("pending") {
		c := &Change{}
		copy(c.Holder[:], r.Bytes("pending holder", tx.AddressLen))
		c.Info = readUAVInfo(r)
		id.Pending = c
	}
	for _, t := range []*int64{&id.Applied, &id.Verified, &id.Announced, &id.Revoked, &id.Updated} {
		*t = int64(r.U64("time"))
	}
	id.Note = r.Str8("note", 0, 255)
	r.End()
	if r.Err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRecord, r.Err)
	}
	switch {
	case id.Kind != KindFLC && id.Kind != KindOperating:
		return nil, fmt.Errorf("%w: identity kind %d", ErrBadRecord, id.Kind)
	case id.Status < StatusApplied || id.Status > StatusRejected:
		return nil, fmt.Errorf("%w: identity status %d", ErrBadRecord, id.Status)
	case (id.Kind == KindFLC) != (len(id.FLC) == 0):
		return nil, fmt.Errorf("%w: identity kind %s with flc %q", ErrBadRecord, id.Kind, id.FLC)
	}
	return id, nil
}

// GetIdentity reads the identity at o, or ErrNotFound.
func GetIdentity(r state.Reader, o OID) (*Identity, error) {
	b, ok := r.Get(UAVKey(o))
	if !ok {
		return nil, fmt.Errorf("%w: %s is not a known UAV identity", ErrNotFound, o)
	}
	id, err := DecodeIdentity(b)
	if err != nil {
		return nil, err
	}
	if !id.OID.Equal(o) {
		return nil, fmt.Errorf("%w: key of %s holds identity %s", ErrBadRecord, o, id.OID)
	}
	return id, nil
}

// Identities lists up to limit identities of one space (SpaceFLC or
// SpaceOperating) in numeric order after the number *after; next is the
// cursor of the next page, nil at the end.
func Identities(r state.Reader, space int, after *uint64, limit int) (ids []*Identity, next *uint64, err error) {
	u, err := UAVArc(r)
	if err != nil {
		return nil, nil, err
	}
	sp := u.Child(uint64(space))
	start := childPrefix(UAVPrefix, sp)
	end := state.PrefixEnd(start)
	if after != nil {
		start = append(UAVKey(sp.Child(*after)), 0)
	}
	more := false
	r.Iterate(start, end, func(_, v []byte) bool {
		if len(ids) == limit {
			more = true
			return false
		}
		id, derr := DecodeIdentity(v)
		if derr != nil {
			err = derr
			return false
		}
		ids = append(ids, id)
		return true
	})
	if err != nil {
		return nil, nil, err
	}
	if more && len(ids) > 0 {
		n := ids[len(ids)-1].OID.Last()
		next = &n
	}
	return ids, next, nil
}

// UAVArc is the chain's UAV arc, or ErrInvalid when genesis set none.
func UAVArc(r state.Reader) (OID, error) {
	p, err := LoadParams(r)
	if err != nil {
		return nil, err
	}
	if p.UAVArc == "" {
		return nil, fmt.Errorf("%w: this chain has no UAV arc (genesis app_state.oid.uav_arc)", ErrInvalid)
	}
	return Parse(p.UAVArc)
}

// isUAVSpace reports whether o is one of the two identity spaces.
func isUAVSpace(r state.Reader, o OID) (bool, error) {
	p, err := LoadParams(r)
	if err != nil || p.UAVArc == "" {
		return false, err
	}
	u, err := Parse(p.UAVArc)
	if err != nil {
		return false, err
	}
	return o.Equal(u.Child(SpaceFLC)) || o.Equal(u.Child(SpaceOperating)), nil
}

// IdentityAuthority is the arc of the identity's space: its authority
// verifies applications and changes.
func IdentityAuthority(r state.Reader, id *Identity) (*Arc, error) {
	space, _ := id.OID.Parent()
	return Get(r, space)
}

func putIdentity(w *state.Overlay, id *Identity) { w.Set(UAVKey(id.OID), id.Encode()) }

func uavInfo(i tx.UAVInfo) UAVInfo {
	return UAVInfo{HolderName: i.HolderName, Model: i.Model, Serial: i.Serial, Contact: i.Contact}
}

// checkFLC requires the full-life-cycle identity f to be in service.
func checkFLC(f *Identity) error {
	switch {
	case f.Status.Final():
		return fmt.Errorf("%w: the full-life-cycle identity %s is %s", ErrRevoked, f.OID, f.Status)
	case f.Status != StatusAnnounced:
		return fmt.Errorf("%w: the full-life-cycle identity %s is %s, not announced", ErrInvalid, f.OID, f.Status)
	}
	return nil
}

func uavApply(w *state.Overlay, signer tx.Address, now int64, op *tx.UAVApply) error {
	u, err := UAVArc(w)
	if err != nil {
		return err
	}
	o, err := Parse(op.OID)
	if err != nil {
		return err
	}
	kind, space := KindFLC, u.Child(SpaceFLC)
	if op.FLC != "" {
		kind, space = KindOperating, u.Child(SpaceOperating)
	}
	if parent, ok := o.Parent(); !ok || !parent.Equal(space) {
		return fmt.Errorf("%w: %s is not a direct child of %s, where %s identities are", ErrInvalid, o, space, kind)
	}
	sa, err := Get(w, space)
	if err != nil {
		return err
	}
	if sa.Retired {
		return fmt.Errorf("%w: the identity space %s was retired at %d", ErrRetired, space, sa.RetiredAt)
	}
	if old, err := GetIdentity(w, o); err == nil {
		return fmt.Errorf("%w: the identity %s exists (%s); identities are never reused", ErrExists, o, old.Status)
	}
	if _, ok := w.Get(ArcKey(o)); ok {
		return fmt.Errorf("%w: %s is an allocated arc", ErrExists, o)
	}
	info := uavInfo(op.Info)
	if err := info.Check(); err != nil {
		return err
	}
	id := &Identity{OID: o, Kind: kind, Status: StatusApplied, Holder: signer, Info: info, Applied: now, Updated: now}
	if kind == KindOperating {
		flc, err := Parse(op.FLC)
		if err != nil {
			return fmt.Errorf("flc: %w", err)
		}
		if p, _ := flc.Parent(); !p.Equal(u.Child(SpaceFLC)) {
			return fmt.Errorf("%w: flc %s is not in the full-life-cycle space %s", ErrInvalid, flc, u.Child(SpaceFLC))
		}
		f, err := GetIdentity(w, flc)
		if err != nil {
			return err
		}
		if err := checkFLC(f); err != nil {
			return err
		}
		if signer != f.Holder {
			return fmt.Errorf("%w: only the holder of %s (%s) may apply for its operating identities", ErrUnauthorized, flc, f.Holder)
		}
		id.FLC = flc
	}
	putIdentity(w, id)
	return nil
}

// loadIdentity parses and reads an identity and its space's authority.
func loadIdentity(r state.Reader, s string) (*Identity, tx.Address, error) {
	o, err := Parse(s)
	if err != nil {
		return nil, tx.Address{}, err
	}
	id, err := GetIdentity(r, o)
	if err != nil {
		return nil, tx.Address{}, err
	}
	sa, err := IdentityAuthority(r, id)
	if err != nil {
		return nil, tx.Address{}, err
	}
	if id.Status.Final() {
		return nil, tx.Address{}, fmt.Errorf("%w: the identity %s is %s", ErrRevoked, o, id.Status)
	}
	return id, sa.Authority, nil
}

func flcInService(r state.Reader, id *Identity) error {
	if id.Kind != KindOperating {
		return nil
	}
	f, err := GetIdentity(r, id.FLC)
	if err != nil {
		return err
	}
	return checkFLC(f)
}

func uavVerify(w *state.Overlay, signer tx.Address, now int64, op *tx.UAVVerify) error {
	id, auth, err := loadIdentity(w, op.OID)
	if err != nil {
		return err
	}
	if signer != auth {
		return fmt.Errorf("%w: only the authority of the identity space (%s) verifies", ErrUnauthorized, auth)
	}
	if err := checkText("note", op.Note, MaxUAVNoteLen, false); err != nil {
		return err
	}
	switch {
	case id.Status == StatusApplied && op.Accept:
		if err := flcInService(w, id); err != nil {
			return err
		}
		id.Status, id.Verified = StatusVerified, now
	case id.Status == StatusApplied:
		id.Status = StatusRejected
	case id.Status == StatusAnnounced && id.Pending != nil:
		if op.Accept {
			if !id.Pending.Holder.IsZero() {
				id.Holder = id.Pending.Holder
			}
			id.Info = id.Pending.Info
		}
		id.Pending = nil
	default:
		return fmt.Errorf("%w: nothing to verify: %s is %s with no pending change", ErrInvalid, id.OID, id.Status)
	}
	id.Note, id.Updated = op.Note, now
	putIdentity(w, id)
	return nil
}

func uavAnnounce(w *state.Overlay, signer tx.Address, now int64, op *tx.UAVAnnounce) error {
	id, auth, err := loadIdentity(w, op.OID)
	if err != nil {
		return err
	}
	if signer != id.Holder && signer != auth {
		return fmt.Errorf("%w: only the holder (%s) or the authority (%s) announces", ErrUnauthorized, id.Holder, auth)
	}
	if id.Status != StatusVerified {
		return fmt.Errorf("%w: %s is %s; only a verified identity can be announced", ErrInvalid, id.OID, id.Status)
	}
	if err := flcInService(w, id); err != nil {
		return err
	}
	id.Status, id.Announced, id.Updated = StatusAnnounced, now, now
	putIdentity(w, id)
	return nil
}

func uavChange(w *state.Overlay, signer tx.Address, now int64, op *tx.UAVChange) error {
	id, _, err := loadIdentity(w, op.OID)
	if err != nil {
		return err
	}
	if signer != id.Holder {
		return fmt.Errorf("%w: only the holder (%s) asks for changes", ErrUnauthorized, id.Holder)
	}
	info := uavInfo(op.Info)
	if err := info.Check(); err != nil {
		return err
	}
	switch id.Status {
	case StatusApplied, StatusVerified:
		// Not in service yet: the change replaces the application,
		// which the authority verifies (again).
		if !op.Holder.IsZero() {
			id.Holder = op.Holder
		}
		id.Info = info
		id.Status, id.Verified = StatusApplied, 0
	case StatusAnnounced:
		id.Pending = &Change{Holder: op.Holder, Info: info}
	}
	id.Updated = now
	putIdentity(w, id)
	return nil
}

func uavRevoke(w *state.Overlay, signer tx.Address, now int64, op *tx.UAVRevoke) error {
	id, auth, err := loadIdentity(w, op.OID)
	if err != nil {
		return err
	}
	if signer != id.Holder && signer != auth {
		return fmt.Errorf("%w: only the holder (%s) or the authority (%s) revokes", ErrUnauthorized, id.Holder, auth)
	}
	if err := checkText("reason", op.Reason, MaxUAVNoteLen, false); err != nil {
		return err
	}
	id.Status, id.Revoked, id.Updated = StatusRevoked, now, now
	id.Note, id.Pending = op.Reason, nil
	putIdentity(w, id)
	return nil
}

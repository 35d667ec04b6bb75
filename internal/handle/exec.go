package handle

import (
	"fmt"
	"sort"

	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// Handles reports whether op is an operation of this package.
func Handles(op tx.Op) bool { return op != nil && tx.IsHandleKind(op.Kind()) }

// Exec applies one handle registry operation, signed by s, at block time
// now, to w. operators are the genesis registry operators: only they may
// create a prefix with no superior prefix on the ledger. It writes nothing
// when it fails.
func Exec(w *state.Overlay, operators []tx.Address, s Signer, now int64, op tx.Op) error {
	switch o := op.(type) {
	case *tx.HandleCreate:
		return create(w, operators, s, now, o)
	case *tx.HandleAdd:
		return add(w, s, now, o)
	case *tx.HandleModify:
		return modify(w, s, now, o)
	case *tx.HandleRemove:
		return remove(w, s, now, o)
	case *tx.HandleDelete:
		return del(w, operators, s, o)
	case nil:
		return fmt.Errorf("%w: no operation", ErrInvalidValue)
	default:
		return fmt.Errorf("%w: operation %s is not a handle registry operation", ErrInvalidValue, op.Kind())
	}
}

func isOperator(ops []tx.Address, a tx.Address) bool {
	for _, o := range ops {
		if o == a {
			return true
		}
	}
	return false
}

// superior finds the closest prefix above p on the ledger: its naming
// authority record, or nil when p has none (a top prefix).
func superior(r state.Reader, p string) (*Record, string, error) {
	for q, ok := Parent(p); ok; q, ok = Parent(q) {
		na, err := Parse(NAOf(q))
		if err != nil {
			return nil, "", err
		}
		b, found := r.Get(Key(na))
		if !found {
			continue
		}
		rec, err := Decode(b)
		return rec, q, err
	}
	return nil, "", nil
}

// mayCreate checks who may create handle h: for a prefix (0.NA/<p>), an
// administrator of the closest superior prefix with the add-derived-
// prefix permission, or a registry operator when there is none; for any
// other handle, an administrator of its prefix with the add-handle
// permission.
func mayCreate(r state.Reader, operators []tx.Address, s Signer, h Handle) error {
	if h.IsNA() {
		p := h.Suffix
		if Reserved(p) {
			return fmt.Errorf("%w: the prefix %s is reserved", ErrInvalidHandle, p)
		}
		sup, q, err := superior(r, p)
		if err != nil {
			return err
		}
		if sup == nil {
			if !isOperator(operators, s.Address) {
				return fmt.Errorf("%w: %s has no superior prefix on the ledger; only a registry operator may create a top prefix", ErrUnauthorized, p)
			}
			return nil
		}
		if !authorised(r, sup, handleproto.AdminAddNA, s) {
			return fmt.Errorf("%w: no HS_ADMIN value of %s grants %s the add-derived-prefix permission", ErrUnauthorized, NAOf(q), s.Address)
		}
		return nil
	}
	if Reserved(h.Prefix) {
		return fmt.Errorf("%w: handles under the reserved prefix %s are not stored", ErrInvalidHandle, h.Prefix)
	}
	na, err := Parse(NAOf(h.Prefix))
	if err != nil {
		return err
	}
	rec, err := get(r, na)
	if err != nil {
		return fmt.Errorf("%w: the prefix %s is not on the ledger (no %s)", ErrNotFound, h.Prefix, na)
	}
	if !authorised(r, rec, handleproto.AdminAddHandle, s) {
		return fmt.Errorf("%w: no HS_ADMIN value of %s grants %s the add-handle permission", ErrUnauthorized, na, s.Address)
	}
	return nil
}

// checkOpValues checks each value and that no index repeats.
func checkOpValues(vs []tx.HandleValue) error {
	if len(vs) > MaxValues {
		return fmt.Errorf("%w: %d values, limit %d", ErrTooLarge, len(vs), MaxValues)
	}
	seen := make(map[uint32]bool, len(vs))
	for i := range vs {
		if err := checkValue(&vs[i]); err != nil {
			return err
		}
		if seen[vs[i].Index] {
			return fmt.Errorf("%w: index %d given twice", ErrInvalidValue, vs[i].Index)
		}
		seen[vs[i].Index] = true
	}
	return nil
}

func sortValues(vs []Value) { sort.Slice(vs, func(i, j int) bool { return vs[i].Index < vs[j].Index }) }

// checkRecord applies the rules that hold for a whole record after a
// change: at most MaxValues values, in strictly ascending index order (as
// Decode requires: a record it would refuse is never written), at least
// one HS_ADMIN value, and no alias of the handle to itself.
func checkRecord(h Handle, rec *Record) error {
	if len(rec.Values) > MaxValues {
		return fmt.Errorf("%w: %s would have %d values, limit %d", ErrTooLarge, h, len(rec.Values), MaxValues)
	}
	admins := 0
	for i := range rec.Values {
		v := &rec.Values[i]
		if i > 0 && v.Index <= rec.Values[i-1].Index {
			return fmt.Errorf("%w: %s would hold index %d twice or out of order", ErrInvalidValue, h, v.Index)
		}
		switch v.Type {
		case TypeAdmin:
			admins++
		case TypeAlias:
			if EqualFold(string(v.Data), h.Text) {
				return fmt.Errorf("%w: index %d: %s cannot be an alias of itself", ErrInvalidValue, v.Index, h)
			}
		}
	}
	if admins == 0 {
		return fmt.Errorf("%w: %s would have no HS_ADMIN value and could never be changed again; delete it instead", ErrInvalidValue, h)
	}
	return nil
}

func create(w *state.Overlay, operators []tx.Address, s Signer, now int64, op *tx.HandleCreate) error {
	h, err := Parse(op.Handle)
	if err != nil {
		return err
	}
	if h.IsAccount() {
		return fmt.Errorf("%w: %s names a ledger account and is never stored", ErrInvalidHandle, h)
	}
	if old, err := get(w, h); err == nil {
		return fmt.Errorf("%w: %s (as %s)", ErrExists, h, old.Handle)
	} else if exists(w, h) {
		return err
	}
	if err := mayCreate(w, operators, s, h); err != nil {
		return err
	}
	if err := checkOpValues(op.Values); err != nil {
		return err
	}
	rec := &Record{Handle: h.Text, Created: now, Updated: now}
	hasAdmin := false
	for i := range op.Values {
		rec.Values = append(rec.Values, fromOp(&op.Values[i], now))
		hasAdmin = hasAdmin || op.Values[i].Type == TypeAdmin
	}
	// Sorted before Value searches them, and again once the default
	// HS_ADMIN value is in.
	sortValues(rec.Values)
	if !hasAdmin {
		perms := DefaultHandleAdminPerms
		if h.IsNA() {
			perms = DefaultNAAdminPerms
		}
		idx := uint32(DefaultAdminIndex)
		for _, ok := rec.Value(idx); ok; _, ok = rec.Value(idx) {
			idx++
		}
		av := AdminValue(idx, AccountHandle(s.Address), 0, perms)
		rec.Values = append(rec.Values, fromOp(&av, now))
		sortValues(rec.Values)
	}
	if err := checkRecord(h, rec); err != nil {
		return err
	}
	return put(w, h, rec)
}

// loadForChange parses and loads a handle to change.
func loadForChange(r state.Reader, s string) (Handle, *Record, error) {
	h, err := Parse(s)
	if err != nil {
		return Handle{}, nil, err
	}
	rec, err := get(r, h)
	if err != nil {
		return Handle{}, nil, err
	}
	return h, rec, nil
}

// adminPerm is the permission a change of a value of type typ needs:
// valuePerm for ordinary values, adminPerm for HS_ADMIN values.
func needPerm(typ string, valuePerm, adminPerm uint16) uint16 {
	if typ == TypeAdmin {
		return adminPerm
	}
	return valuePerm
}

func permName(p uint16) string {
	switch p {
	case handleproto.AdminAddValue:
		return "add-value"
	case handleproto.AdminAddAdmin:
		return "add-admin"
	case handleproto.AdminModifyValue:
		return "modify-value"
	case handleproto.AdminModifyAdmin:
		return "modify-admin"
	case handleproto.AdminRemoveValue:
		return "remove-value"
	case handleproto.AdminRemoveAdmin:
		return "remove-admin"
	case handleproto.AdminDeleteHandle:
		return "delete-handle"
	}
	return fmt.Sprintf("%#04x", p)
}

func unauthorised(h Handle, s Signer, p uint16) error {
	return fmt.Errorf("%w: no HS_ADMIN value of %s grants %s the %s permission", ErrUnauthorized, h, s.Address, permName(p))
}

func add(w *state.Overlay, s Signer, now int64, op *tx.HandleAdd) error {
	h, rec, err := loadForChange(w, op.Handle)
	if err != nil {
		return err
	}
	if len(op.Values) == 0 {
		return fmt.Errorf("%w: no values to add", ErrInvalidValue)
	}
	if err := checkOpValues(op.Values); err != nil {
		return err
	}
	g := newGrants(w, rec, s)
	for i := range op.Values {
		v := &op.Values[i]
		if _, ok := rec.Value(v.Index); ok {
			return fmt.Errorf("%w: %s has a value at index %d", ErrValueExists, h, v.Index)
		}
		if p := needPerm(v.Type, handleproto.AdminAddValue, handleproto.AdminAddAdmin); !g.has(p) {
			return unauthorised(h, s, p)
		}
	}
	for i := range op.Values {
		rec.Values = append(rec.Values, fromOp(&op.Values[i], now))
	}
	sortValues(rec.Values)
	rec.Updated = now
	if err := checkRecord(h, rec); err != nil {
		return err
	}
	return put(w, h, rec)
}

// mayChange checks that the signer may modify (or remove) the stored value
// old: a publicly writable ordinary value anyone may change; otherwise the
// value must be writable by administrators and the signer an
// administrator with the permission. Any change that touches an HS_ADMIN
// value (before or after) needs the admin permission.
func mayChange(g *grants, h Handle, old *Value, newType string, valuePerm, adminPerm uint16) error {
	admin := old.Type == TypeAdmin || newType == TypeAdmin
	if !admin && old.Perms&handleproto.PermPublicWrite != 0 {
		return nil
	}
	if old.Perms&handleproto.PermAdminWrite == 0 {
		return fmt.Errorf("%w: the value at index %d of %s is not writable by administrators", ErrUnauthorized, old.Index, h)
	}
	p := valuePerm
	if admin {
		p = adminPerm
	}
	if !g.has(p) {
		return unauthorised(h, g.s, p)
	}
	return nil
}

func modify(w *state.Overlay, s Signer, now int64, op *tx.HandleModify) error {
	h, rec, err := loadForChange(w, op.Handle)
	if err != nil {
		return err
	}
	if len(op.Values) == 0 {
		return fmt.Errorf("%w: no values to modify", ErrInvalidValue)
	}
	if err := checkOpValues(op.Values); err != nil {
		return err
	}
	g := newGrants(w, rec, s)
	for i := range op.Values {
		v := &op.Values[i]
		old, ok := rec.Value(v.Index)
		if !ok {
			return fmt.Errorf("%w: %s has no value at index %d", ErrValueNotFound, h, v.Index)
		}
		if err := mayChange(g, h, old, v.Type, handleproto.AdminModifyValue, handleproto.AdminModifyAdmin); err != nil {
			return err
		}
	}
	// Every check ran against the record before the change.
	for i := range op.Values {
		old, _ := rec.Value(op.Values[i].Index)
		*old = fromOp(&op.Values[i], now)
	}
	rec.Updated = now
	if err := checkRecord(h, rec); err != nil {
		return err
	}
	return put(w, h, rec)
}

func remove(w *state.Overlay, s Signer, now int64, op *tx.HandleRemove) error {
	h, rec, err := loadForChange(w, op.Handle)
	if err != nil {
		return err
	}
	if len(op.Indexes) == 0 {
		return fmt.Errorf("%w: no indexes to remove", ErrInvalidValue)
	}
	drop := make(map[uint32]bool, len(op.Indexes))
	g := newGrants(w, rec, s)
	for _, i := range op.Indexes {
		if drop[i] {
			return fmt.Errorf("%w: index %d given twice", ErrInvalidValue, i)
		}
		old, ok := rec.Value(i)
		if !ok {
			return fmt.Errorf("%w: %s has no value at index %d", ErrValueNotFound, h, i)
		}
		if err := mayChange(g, h, old, old.Type, handleproto.AdminRemoveValue, handleproto.AdminRemoveAdmin); err != nil {
			return err
		}
		drop[i] = true
	}
	kept := rec.Values[:0:0]
	for _, v := range rec.Values {
		if !drop[v.Index] {
			kept = append(kept, v)
		}
	}
	rec.Values = kept
	rec.Updated = now
	if err := checkRecord(h, rec); err != nil {
		return err
	}
	return put(w, h, rec)
}

// hasChildren reports whether prefix p has handles or derived prefixes.
func hasChildren(r state.Reader, p string) bool {
	found := false
	for _, start := range []string{KeyPrefix + Fold(p) + "/", KeyPrefix + Fold(NAPrefix) + "/" + Fold(p) + "."} {
		r.Iterate([]byte(start), state.PrefixEnd([]byte(start)), func(_, _ []byte) bool {
			found = true
			return false
		})
		if found {
			return true
		}
	}
	return false
}

func del(w *state.Overlay, operators []tx.Address, s Signer, op *tx.HandleDelete) error {
	h, rec, err := loadForChange(w, op.Handle)
	if err != nil {
		return err
	}
	ok := authorised(w, rec, handleproto.AdminDeleteHandle, s)
	if !ok && h.IsNA() {
		// A prefix may also be deleted from above: by an administrator of
		// its superior prefix with the delete-derived-prefix permission,
		// or by a registry operator for a top prefix.
		sup, _, err := superior(w, h.Suffix)
		if err != nil {
			return err
		}
		ok = (sup == nil && isOperator(operators, s.Address)) || (sup != nil && authorised(w, sup, handleproto.AdminDeleteNA, s))
	}
	if !ok {
		return unauthorised(h, s, handleproto.AdminDeleteHandle)
	}
	if h.IsNA() && hasChildren(w, h.Suffix) {
		return fmt.Errorf("%w: delete the handles and derived prefixes of %s first", ErrHasChildren, h.Suffix)
	}
	w.Delete(Key(h))
	return nil
}

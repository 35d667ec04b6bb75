package oid

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// The wire bound of package tx is this package's bound on dotted text
// (this fails to compile if they differ).
var _ = [1]struct{}{}[MaxTextLen-tx.MaxOIDLen]

// Params are the OID registry's genesis parameters, stored at ParamsKey.
type Params struct {
	// UAVArc is the X.677 UAV arc (dotted); empty: no UAV identities.
	UAVArc string `json:"uav_arc,omitempty"`
}

// LoadParams reads the parameters; a state without them has none.
func LoadParams(r state.Reader) (*Params, error) {
	b, ok := r.Get([]byte(ParamsKey))
	if !ok {
		return &Params{}, nil
	}
	var p Params
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%w: oid params: %v", ErrBadRecord, err)
	}
	return &p, nil
}

// Handles reports whether op is an operation of this package.
func Handles(op tx.Op) bool { return op != nil && tx.IsOIDKind(op.Kind()) }

// Exec applies one OID registry operation by signer at block time now to
// w. It writes nothing when it fails.
func Exec(w *state.Overlay, signer tx.Address, now int64, op tx.Op) error {
	switch o := op.(type) {
	case *tx.OIDAllocate:
		return allocate(w, signer, now, o)
	case *tx.OIDDelegate:
		return delegate(w, signer, now, o)
	case *tx.OIDSet:
		return set(w, signer, now, o)
	case *tx.OIDRetire:
		return retire(w, signer, now, o)
	case *tx.UAVApply:
		return uavApply(w, signer, now, o)
	case *tx.UAVVerify:
		return uavVerify(w, signer, now, o)
	case *tx.UAVAnnounce:
		return uavAnnounce(w, signer, now, o)
	case *tx.UAVChange:
		return uavChange(w, signer, now, o)
	case *tx.UAVRevoke:
		return uavRevoke(w, signer, now, o)
	case nil:
		return fmt.Errorf("%w: no operation", ErrInvalid)
	default:
		return fmt.Errorf("%w: operation %s is not an OID registry operation", ErrInvalid, op.Kind())
	}
}

func putArc(w *state.Overlay, a *Arc) { w.Set(ArcKey(a.OID), a.Encode()) }

func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// mayAdminister: the arc's own authority, or the authority of its
// superior arc, may change, delegate or retire it.
func mayAdminister(r state.Reader, a *Arc, signer tx.Address) (bool, error) {
	if signer == a.Authority {
		return true, nil
	}
	parent, ok := a.OID.Parent()
	if !ok {
		return false, nil
	}
	p, err := Get(r, parent)
	if err != nil {
		return false, err
	}
	return signer == p.Authority, nil
}

// administered loads an active arc the signer may administer.
func administered(r state.Reader, signer tx.Address, s string) (*Arc, error) {
	o, err := Parse(s)
	if err != nil {
		return nil, err
	}
	a, err := Get(r, o)
	if err != nil {
		return nil, err
	}
	if a.Retired {
		return nil, fmt.Errorf("%w: %s was retired at %d", ErrRetired, o, a.RetiredAt)
	}
	ok, err := mayAdminister(r, a, signer)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: the authority of %s is %s (or that of its superior arc)", ErrUnauthorized, o, a.Authority)
	}
	return a, nil
}

func allocate(w *state.Overlay, signer tx.Address, now int64, op *tx.OIDAllocate) error {
	o, err := Parse(op.OID)
	if err != nil {
		return err
	}
	parent, ok := o.Parent()
	if !ok {
		return fmt.Errorf("%w: the top arc %s is created at genesis only", ErrUnauthorized, o)
	}
	p, err := Get(w, parent)
	if err != nil {
		return fmt.Errorf("%w; allocate it first", err)
	}
	if p.Retired {
		return fmt.Errorf("%w: %s was retired at %d; nothing can be allocated below it", ErrRetired, parent, p.RetiredAt)
	}
	if signer != p.Authority {
		return fmt.Errorf("%w: only the authority of %s (%s) may allocate below it", ErrUnauthorized, parent, p.Authority)
	}
	if sp, err := isUAVSpace(w, parent); err != nil {
		return err
	} else if sp {
		return fmt.Errorf("%w: identities below %s are assigned by the X.677 procedure (uav-apply)", ErrInvalid, parent)
	}
	if old, err := Get(w, o); err == nil {
		if old.Retired {
			return fmt.Errorf("%w: %s was retired at %d and is never allocated again", ErrExists, o, old.RetiredAt)
		}
		return fmt.Errorf("%w: %s is already allocated (authority %s)", ErrExists, o, old.Authority)
	}
	auth := op.Authority
	if auth.IsZero() {
		auth = signer
	}
	putArc(w, &Arc{OID: o, Authority: auth, Created: now, Updated: now})
	return nil
}

func delegate(w *state.Overlay, signer tx.Address, now int64, op *tx.OIDDelegate) error {
	a, err := administered(w, signer, op.OID)
	if err != nil {
		return err
	}
	if op.To.IsZero() {
		return fmt.Errorf("%w: delegation to the zero address", ErrInvalid)
	}
	a.Authority = op.To
	a.Updated = now
	putArc(w, a)
	return nil
}

func set(w *state.Overlay, signer tx.Address, now int64, op *tx.OIDSet) error {
	a, err := administered(w, signer, op.OID)
	if err != nil {
		return err
	}
	if len(op.Identifiers) > MaxIdentifiers {
		return fmt.Errorf("%w: %d secondary identifiers, limit %d", ErrTooLarge, len(op.Identifiers), MaxIdentifiers)
	}
	if len(op.Labels) > MaxLabels {
		return fmt.Errorf("%w: %d Unicode labels, limit %d", ErrTooLarge, len(op.Labels), MaxLabels)
	}
	seen := map[string]bool{}
	for _, id := range op.Identifiers {
		if err := CheckIdentifier(id); err != nil {
			return err
		}
		if seen[id] {
			return fmt.Errorf("%w: secondary identifier %q given twice", ErrInvalidLabel, id)
		}
		seen[id] = true
	}
	parent, _ := a.OID.Parent()
	folded := map[string]bool{}
	for _, l := range op.Labels {
		if err := CheckLabel(l); err != nil {
			return err
		}
		f := LabelDNS(l)
		if folded[f] {
			return fmt.Errorf("%w: Unicode label %q given twice (labels are compared by their DNS form, ignoring ASCII case)", ErrInvalidLabel, l)
		}
		folded[f] = true
		if b, ok := w.Get(labelKey(parent, f)); ok && binary.BigEndian.Uint64(b) != a.OID.Last() {
			return fmt.Errorf("%w: the Unicode label %q is taken by the sibling arc %d", ErrExists, l, binary.BigEndian.Uint64(b))
		}
	}
	info := Info{Name: op.Name, Description: op.Description, Contact: op.Contact}
	if err := info.Check(); err != nil {
		return err
	}
	for _, l := range a.Labels {
		if f := LabelDNS(l); !folded[f] {
			w.Delete(labelKey(parent, f))
		}
	}
	for f := range folded {
		w.Set(labelKey(parent, f), u64(a.OID.Last()))
	}
	a.Identifiers = append([]string(nil), op.Identifiers...)
	a.Labels = append([]string(nil), op.Labels...)
	a.Info = info
	a.Updated = now
	putArc(w, a)
	return nil
}

func retire(w *state.Overlay, signer tx.Address, now int64, op *tx.OIDRetire) error {
	a, err := administered(w, signer, op.OID)
	if err != nil {
		return err
	}
	busy, err := hasActiveChildren(w, a.OID)
	if err != nil {
		return err
	}
	if busy {
		return fmt.Errorf("%w: retire the children of %s first", ErrHasChildren, a.OID)
	}
	a.Retired, a.RetiredAt, a.Updated = true, now, now
	putArc(w, a)
	return nil
}

package handle

import (
	"bytes"
	"crypto/ed25519"
	"strconv"

	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// Signer is who signed the transaction: its account and public key.
type Signer struct {
	Address tx.Address
	PubKey  ed25519.PublicKey
}

// MaxAdminLookups bounds the handles one authorisation check may read
// while following an administrator through HS_VLIST groups; MaxGroupDepth
// bounds how deep groups nest. Beyond either the check fails closed.
const (
	MaxAdminLookups = 32
	MaxGroupDepth   = 4
)

// authorised reports whether some HS_ADMIN value of rec grants every bit
// of perm to an administrator the signer is. HS_ADMIN values are tried in
// index order.
func authorised(r state.Reader, rec *Record, perm uint16, s Signer) bool {
	w := &adminWalk{r: r, s: s, seen: map[string]bool{}}
	for i := range rec.Values {
		v := &rec.Values[i]
		if v.Type != TypeAdmin {
			continue
		}
		a, err := handleproto.ParseAdminRecord(v.Data)
		if err != nil || a.Permissions&perm != perm {
			continue
		}
		if w.is(a.Admin, 0) {
			return true
		}
	}
	return false
}

// grants answers, for one operation on rec, whether the signer holds a
// permission. The record does not change while an operation's values are
// checked, so each permission is walked once per operation, not once per
// value: a walk reads up to 32 handles, and an operation carries up to
// MaxValues values.
type grants struct {
	r    state.Reader
	rec  *Record
	s    Signer
	seen map[uint16]bool
}

func newGrants(r state.Reader, rec *Record, s Signer) *grants {
	return &grants{r: r, rec: rec, s: s, seen: map[uint16]bool{}}
}

// has reports whether the signer holds perm on the record.
func (g *grants) has(perm uint16) bool {
	ok, known := g.seen[perm]
	if !known {
		ok = authorised(g.r, g.rec, perm, g.s)
		g.seen[perm] = ok
	}
	return ok
}

// adminWalk follows one administrator reference to the values that can
// authenticate the signer.
type adminWalk struct {
	r       state.Reader
	s       Signer
	lookups int
	seen    map[string]bool
}

// is reports whether the signer is the administrator ref names:
//   - 0.DII/<address>: the account with that address;
//   - a handle and index 0: any HS_PUBKEY value of the handle holding the
//     signer's key;
//   - a handle and an index: that value, an HS_PUBKEY holding the
//     signer's key, or an HS_VLIST of which some member is the signer.
func (w *adminWalk) is(ref handleproto.Reference, depth int) bool {
	h, err := Parse(ref.Handle)
	if err != nil {
		return false
	}
	if h.IsAccount() {
		a, err := tx.ParseAddress(h.Suffix)
		return err == nil && a == w.s.Address
	}
	key := h.Key() + "\x00" + strconv.FormatUint(uint64(ref.Index), 10)
	if w.seen[key] || w.lookups >= MaxAdminLookups || depth > MaxGroupDepth {
		return false
	}
	w.seen[key] = true
	w.lookups++
	rec, err := get(w.r, h)
	if err != nil {
		return false
	}
	if ref.Index == 0 {
		for i := range rec.Values {
			if rec.Values[i].Type == TypePubKey && w.keyMatches(&rec.Values[i]) {
				return true
			}
		}
		return false
	}
	v, ok := rec.Value(ref.Index)
	if !ok {
		return false
	}
	switch v.Type {
	case TypePubKey:
		return w.keyMatches(v)
	case TypeVList:
		refs, err := handleproto.ParseValueList(v.Data)
		if err != nil {
			return false
		}
		for _, m := range refs {
			if w.is(m, depth+1) {
				return true
			}
		}
	}
	return false
}

func (w *adminWalk) keyMatches(v *Value) bool {
	_, pub, err := ParsePubKey(v.Data)
	return err == nil && pub != nil && bytes.Equal(pub, w.s.PubKey)
}

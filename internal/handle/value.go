package handle

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/tx"
)

// Reserved value types (RFC 3651 §3.2) and what the registry does with
// them. Every type that starts with "HS_" (in any case) is reserved: one
// of these, in upper case, or refused.
const (
	TypeAdmin  = "HS_ADMIN"  // an administrator: handleproto.AdminRecord
	TypeVList  = "HS_VLIST"  // an administrator group: a list of value references
	TypePubKey = "HS_PUBKEY" // a public key (PubKeyData for ed25519)
	TypeAlias  = "HS_ALIAS"  // the handle is an alias of the handle in the data
	TypeSecKey = "HS_SECKEY" // refused: a secret key has no place on a public ledger
	TypeSite   = "HS_SITE"   // refused: the ledger is the only service
	TypeServ   = "HS_SERV"   // refused: the ledger is the only service
	TypeCert   = "HS_CERT"   // kept as opaque bytes
	TypeSig    = "HS_SIGNATURE"
	TypeURL    = "URL"
	TypeEmail  = "EMAIL"
)

var reservedTypes = map[string]string{
	TypeAdmin: "", TypeVList: "", TypePubKey: "", TypeAlias: "", TypeCert: "", TypeSig: "",
	TypeSecKey:        "a secret key has no place on a public ledger",
	TypeSite:          "the ledger is the only handle service: site information would send clients elsewhere",
	"HS_SITE.PREFIX":  "the ledger is the only handle service: site information would send clients elsewhere",
	TypeServ:          "the ledger is the only handle service: service referrals would send clients elsewhere",
	"HS_NA_DELEGATE":  "the ledger is the only handle service: delegation to other services is not supported",
	"HS_SERV.PREFIX":  "the ledger is the only handle service: service referrals would send clients elsewhere",
	"HS_SITE.DERIVED": "the ledger is the only handle service: site information would send clients elsewhere",
}

// DefaultPerms are the usual value permissions: admin read and write,
// public read.
const DefaultPerms = handleproto.PermAdminRead | handleproto.PermAdminWrite | handleproto.PermPublicRead

// DefaultTTL is the TTL tools give values when none is said: one day.
const DefaultTTL = 86400

// Default administrator permissions: a new handle's creator may do
// everything to it but create or delete derived prefixes and list
// handles (the Handle.Net default, "011111110011"); a new prefix's holder
// may do everything.
const (
	DefaultHandleAdminPerms = handleproto.AdminAll &^ (handleproto.AdminAddNA | handleproto.AdminDeleteNA | handleproto.AdminListHandles)
	DefaultNAAdminPerms     = handleproto.AdminAll
)

// DefaultAdminIndex is where the ledger puts the HS_ADMIN value of a
// handle created without one.
const DefaultAdminIndex = 100

// AdminValue builds an HS_ADMIN value granting perms to the administrator
// (adminHandle, adminIndex).
func AdminValue(index uint32, adminHandle string, adminIndex uint32, perms uint16) tx.HandleValue {
	a := handleproto.AdminRecord{Permissions: perms, Admin: handleproto.Reference{Handle: adminHandle, Index: adminIndex}}
	return tx.HandleValue{Index: index, Type: TypeAdmin, Data: handleproto.AppendAdminRecord(nil, &a), TTL: DefaultTTL, Perms: DefaultPerms}
}

// IsReservedType reports whether t is in the reserved HS_ namespace.
func IsReservedType(t string) bool { return len(t) >= 3 && strings.EqualFold(t[:3], "HS_") }

// checkValue applies the value rules to one value of an operation.
func checkValue(v *tx.HandleValue) error {
	if v.Index == 0 || v.Index > MaxIndex {
		return fmt.Errorf("%w: index %d; indexes are 1..%d (0 is reserved)", ErrInvalidValue, v.Index, uint32(MaxIndex))
	}
	if err := checkType(v.Type); err != nil {
		return fmt.Errorf("index %d: %w", v.Index, err)
	}
	if len(v.Data) > MaxDataLen {
		return fmt.Errorf("%w: index %d: %d bytes of data, limit %d", ErrTooLarge, v.Index, len(v.Data), MaxDataLen)
	}
	if v.TTLType > handleproto.TTLAbsolute || v.Perms > 0x0f {
		return fmt.Errorf("%w: index %d: ttl type %d or permissions %#x out of range", ErrInvalidValue, v.Index, v.TTLType, v.Perms)
	}
	for _, ref := range v.Refs {
		if _, err := Parse(ref.Handle); err != nil {
			return fmt.Errorf("%w: index %d: reference: %v", ErrInvalidValue, v.Index, err)
		}
	}
	if err := checkData(v.Type, v.Data); err != nil {
		return fmt.Errorf("index %d: %w", v.Index, err)
	}
	return nil
}

func checkType(t string) error {
	if t == "" || len(t) > tx.MaxHandleTypeLen || !utf8.ValidString(t) {
		return fmt.Errorf("%w: type must be 1..%d bytes of UTF-8", ErrInvalidValue, tx.MaxHandleTypeLen)
	}
	for _, r := range t {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return fmt.Errorf("%w: type %q holds the control character %U", ErrInvalidValue, t, r)
		}
	}
	if !IsReservedType(t) {
		return nil
	}
	why, ok := reservedTypes[t]
	switch {
	case !ok:
		if _, upper := reservedTypes[strings.ToUpper(t)]; upper {
			return fmt.Errorf("%w: write the reserved type %q in upper case", ErrInvalidValue, strings.ToUpper(t))
		}
		return fmt.Errorf("%w: %q is in the reserved HS_ namespace and not a type the ledger keeps", ErrInvalidValue, t)
	case why != "":
		return fmt.Errorf("%w: %s values are refused: %s", ErrInvalidValue, t, why)
	}
	return nil
}

// checkData checks the data of the reserved types the ledger interprets.
func checkData(typ string, data []byte) error {
	switch typ {
	case TypeAdmin:
		a, err := handleproto.ParseAdminRecord(data)
		if err != nil {
			return fmt.Errorf("%w: HS_ADMIN data: %v", ErrInvalidValue, err)
		}
		if a.Permissions&^handleproto.AdminAll != 0 {
			return fmt.Errorf("%w: HS_ADMIN permissions %#04x have bits above 0x0fff", ErrInvalidValue, a.Permissions)
		}
		if _, err := Parse(a.Admin.Handle); err != nil {
			return fmt.Errorf("%w: HS_ADMIN administrator: %v", ErrInvalidValue, err)
		}
	case TypeVList:
		refs, err := handleproto.ParseValueList(data)
		if err != nil {
			return fmt.Errorf("%w: HS_VLIST data: %v", ErrInvalidValue, err)
		}
		if len(refs) > MaxVListRefs {
			return fmt.Errorf("%w: HS_VLIST of %d references, limit %d", ErrTooLarge, len(refs), MaxVListRefs)
		}
		for _, ref := range refs {
			if _, err := Parse(ref.Handle); err != nil {
				return fmt.Errorf("%w: HS_VLIST member: %v", ErrInvalidValue, err)
			}
		}
	case TypePubKey:
		if _, _, err := ParsePubKey(data); err != nil {
			return err
		}
	case TypeAlias:
		if _, err := Parse(string(data)); err != nil {
			return fmt.Errorf("%w: HS_ALIAS data must be a handle: %v", ErrInvalidValue, err)
		}
	}
	return nil
}

// fromOp makes a stored value from an operation's value at block time now.
func fromOp(v *tx.HandleValue, now int64) Value {
	out := Value{Index: v.Index, Type: v.Type, Data: v.Data, TTLType: v.TTLType, TTL: v.TTL, Timestamp: now, Perms: v.Perms}
	for _, r := range v.Refs {
		out.Refs = append(out.Refs, handleproto.Reference{Handle: r.Handle, Index: r.Index})
	}
	return out
}

package tx

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/bech32"
)

// AddressHRP is the human-readable part of a bech32 account address.
const AddressHRP = "dii"

// ErrBadAddress is returned by ParseAddress.
var ErrBadAddress = errors.New("bad address")

// String formats the address as bech32 with the "dii" prefix, e.g.
// dii1qqzdmamjdfnl6txt60ejgr0tkx4dj6vnf80p8n.
func (a Address) String() string {
	conv, err := bech32.ConvertBits(a[:], 8, 5, true)
	if err != nil {
		return fmt.Sprintf("%x", a[:])
	}
	s, err := bech32.Encode(AddressHRP, conv)
	if err != nil {
		return fmt.Sprintf("%x", a[:])
	}
	return s
}

// IsZero reports whether the address is all zeroes (unset).
func (a Address) IsZero() bool { return a == Address{} }

// ParseAddress parses a bech32 "dii1..." address.
func ParseAddress(s string) (Address, error) {
	var a Address
	hrp, data, version, err := bech32.DecodeGeneric(s)
	if err != nil {
		return a, fmt.Errorf("%w %q: %v", ErrBadAddress, s, err)
	}
	if version != bech32.Version0 {
		// bech32m would give the same address a second spelling.
		return a, fmt.Errorf("%w %q: bech32m checksum; addresses use bech32", ErrBadAddress, s)
	}
	if hrp != AddressHRP {
		return a, fmt.Errorf("%w %q: prefix %q, want %q", ErrBadAddress, s, hrp, AddressHRP)
	}
	raw, err := bech32.ConvertBits(data, 5, 8, false)
	if err != nil {
		return a, fmt.Errorf("%w %q: %v", ErrBadAddress, s, err)
	}
	if len(raw) != AddressLen {
		return a, fmt.Errorf("%w %q: %d bytes, want %d", ErrBadAddress, s, len(raw), AddressLen)
	}
	copy(a[:], raw)
	return a, nil
}

// MarshalText implements encoding.TextMarshaler (bech32).
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (bech32).
func (a *Address) UnmarshalText(b []byte) error {
	v, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

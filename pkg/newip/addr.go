package newip

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// AddrType is the address type byte of the shipping spec.
type AddrType uint8

// Address types. 0 to 2 are NITK's; 3 is dii's, carrying OpenHarmony's
// self-delimiting flexible-length encoding.
const (
	AddrIPv4 AddrType = 0 // 4 bytes
	AddrIPv6 AddrType = 1 // 16 bytes
	Addr8bit AddrType = 2 // 1 byte
	AddrFlex AddrType = 3 // 1 to 8 bytes, the first byte gives the length
)

// String names the address type.
func (t AddrType) String() string {
	switch t {
	case AddrIPv4:
		return "ipv4"
	case AddrIPv6:
		return "ipv6"
	case Addr8bit:
		return "8bit"
	case AddrFlex:
		return "flex"
	}
	return "addrtype(" + strconv.Itoa(int(t)) + ")"
}

// MaxFlexValue is the largest value a flexible address can carry: seven
// value bytes after the 0xFE length byte.
const MaxFlexValue = 1<<56 - 1

// Flexible address length bytes (the first byte of the encoding).
const (
	flexMax1  = 0xDC // 0x00–0xDC: the byte is the value
	flexMin2  = 0xDD // 0xDD–0xF0: two bytes
	flexMax2  = 0xF0
	flexLen3  = 0xF1 // three bytes: F1 + 16-bit value
	flexLen5  = 0xF2 // five bytes: F2 + 32-bit value
	flexLen7  = 0xF3 // seven bytes: F3 + 48-bit value
	flexLen8  = 0xFE // eight bytes: FE + 56-bit value
	flexWK    = 0xFF // two bytes: FF + one byte, well-known addresses
	minVal2   = 0xDD
	minVal3   = 0x1400
	minVal5   = 0x1_0000
	minVal7   = 0x1_0000_0000
	minVal8   = 0x1_0000_0000_0000
	maxVal2   = 0x13FF
	maxVal3   = 0xFFFF
	maxVal5   = 0xFFFF_FFFF
	maxVal7   = 0xFFFF_FFFF_FFFF
	maxAddrSz = 16
)

// Address is a New IP address of any type. It is a small value (no
// pointers) and comparable, so it can be a map key. The zero Address is
// invalid. A flexible address holds its wire encoding; because decoding
// enforces the minimal encoding, equal values have equal encodings.
type Address struct {
	a [maxAddrSz]byte
	n uint8
	t AddrType
}

// AddrFrom4 returns an IPv4 address.
func AddrFrom4(b [4]byte) Address {
	var a Address
	copy(a.a[:], b[:])
	a.n, a.t = 4, AddrIPv4
	return a
}

// AddrFrom16 returns an IPv6 address.
func AddrFrom16(b [16]byte) Address {
	return Address{a: b, n: 16, t: AddrIPv6}
}

// AddrFromNetip converts a netip.Addr: an IPv4 address gives an IPv4
// address, anything else (IPv4-mapped included) an IPv6 address. The
// zone is dropped. An invalid netip.Addr gives the zero Address.
func AddrFromNetip(ip netip.Addr) Address {
	switch {
	case ip.Is4():
		return AddrFrom4(ip.As4())
	case ip.Is6():
		return AddrFrom16(ip.As16())
	}
	return Address{}
}

// Addr8 returns an 8-bit address.
func Addr8(v uint8) Address {
	var a Address
	a.a[0], a.n, a.t = v, 1, Addr8bit
	return a
}

// FlexAddr returns the flexible address with value v in its minimal
// encoding. v must not exceed MaxFlexValue.
func FlexAddr(v uint64) (Address, error) {
	var a Address
	a.t = AddrFlex
	switch {
	case v <= flexMax1:
		a.a[0], a.n = byte(v), 1
	case v <= maxVal2:
		a.a[0], a.a[1], a.n = byte(flexMin2+v>>8), byte(v), 2
	case v <= maxVal3:
		a.a[0], a.n = flexLen3, 3
		putUint(a.a[1:3], v)
	case v <= maxVal5:
		a.a[0], a.n = flexLen5, 5
		putUint(a.a[1:5], v)
	case v <= maxVal7:
		a.a[0], a.n = flexLen7, 7
		putUint(a.a[1:7], v)
	case v <= MaxFlexValue:
		a.a[0], a.n = flexLen8, 8
		putUint(a.a[1:8], v)
	default:
		return Address{}, ErrBadAddress
	}
	return a, nil
}

// FlexWellKnown returns the two-byte flexible address 0xFF b. OpenHarmony
// assigns these to node-local services (0xFF00 loopback, 0xFF09 "any");
// they carry no numeric value.
func FlexWellKnown(b uint8) Address {
	var a Address
	a.a[0], a.a[1], a.n, a.t = flexWK, b, 2, AddrFlex
	return a
}

// putUint writes v big-endian into all of b.
func putUint(b []byte, v uint64) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

// getUint reads b big-endian.
func getUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// FlexLen returns the length in bytes of the flexible address whose
// first byte is first, or 0 when the byte is unassigned (0xF4–0xFD).
func FlexLen(first byte) int {
	switch {
	case first <= flexMax1:
		return 1
	case first <= flexMax2:
		return 2
	case first == flexLen3:
		return 3
	case first == flexLen5:
		return 5
	case first == flexLen7:
		return 7
	case first == flexLen8:
		return 8
	case first == flexWK:
		return 2
	}
	return 0
}

// DecodeFlex decodes the flexible address at the start of b and returns
// it with the number of bytes it took. Errors: ErrAddrLength when b is
// shorter than the address claims, ErrBadAddress for an unassigned first
// byte, ErrNonMinimal for a value that a shorter encoding could carry.
func DecodeFlex(b []byte) (Address, int, error) {
	if len(b) == 0 {
		return Address{}, 0, ErrAddrLength
	}
	n := FlexLen(b[0])
	if n == 0 {
		return Address{}, 0, ErrBadAddress
	}
	if len(b) < n {
		return Address{}, 0, ErrAddrLength
	}
	var a Address
	copy(a.a[:n], b[:n])
	a.n, a.t = uint8(n), AddrFlex
	if !flexMinimal(a.a[:n]) {
		return Address{}, 0, ErrNonMinimal
	}
	return a, n, nil
}

// flexMinimal reports whether the encoding e (of the length its first
// byte gives) is the shortest for its value.
func flexMinimal(e []byte) bool {
	switch e[0] {
	case flexWK:
		return true
	case flexLen3:
		return getUint(e[1:]) >= minVal3
	case flexLen5:
		return getUint(e[1:]) >= minVal5
	case flexLen7:
		return getUint(e[1:]) >= minVal7
	case flexLen8:
		return getUint(e[1:]) >= minVal8
	}
	if len(e) == 2 { // 0xDD–0xF0
		return uint64(e[0]-flexMin2)<<8|uint64(e[1]) >= minVal2
	}
	return true
}

// DecodeAddress decodes an address of type t at the start of b and
// returns it with the number of bytes it took.
func DecodeAddress(t AddrType, b []byte) (Address, int, error) {
	var n int
	switch t {
	case AddrIPv4:
		n = 4
	case AddrIPv6:
		n = 16
	case Addr8bit:
		n = 1
	case AddrFlex:
		return DecodeFlex(b)
	default:
		return Address{}, 0, ErrAddrType
	}
	if len(b) < n {
		return Address{}, 0, ErrAddrLength
	}
	var a Address
	copy(a.a[:n], b[:n])
	a.n, a.t = uint8(n), t
	return a, n, nil
}

// IsValid reports whether a is a real address (not the zero Address).
func (a Address) IsValid() bool { return a.n != 0 }

// Type returns the address type.
func (a Address) Type() AddrType { return a.t }

// Len returns the address's length on the wire in bytes.
func (a Address) Len() int { return int(a.n) }

// AppendTo appends the address's wire bytes to dst.
func (a Address) AppendTo(dst []byte) []byte { return append(dst, a.a[:a.n]...) }

// Byte returns the i-th wire byte of the address (0 when out of range).
func (a Address) Byte(i int) byte {
	if i < 0 || i >= int(a.n) {
		return 0
	}
	return a.a[i]
}

// Netip converts an IPv4 or IPv6 address to a netip.Addr.
func (a Address) Netip() (netip.Addr, bool) {
	switch a.t {
	case AddrIPv4:
		if a.n == 4 {
			return netip.AddrFrom4([4]byte(a.a[:4])), true
		}
	case AddrIPv6:
		if a.n == 16 {
			return netip.AddrFrom16(a.a), true
		}
	}
	return netip.Addr{}, false
}

// FlexValue returns the numeric value of a flexible address. It reports
// false for other types and for the well-known 0xFF addresses.
func (a Address) FlexValue() (uint64, bool) {
	if a.t != AddrFlex || a.n == 0 {
		return 0, false
	}
	e := a.a[:a.n]
	switch {
	case a.n == 1:
		return uint64(e[0]), true
	case e[0] == flexWK:
		return 0, false
	case a.n == 2:
		return uint64(e[0]-flexMin2)<<8 | uint64(e[1]), true
	}
	return getUint(e[1:]), true
}

// String formats the address: "10.0.0.1", "2001:db8::1", "8bit:7", and a
// flexible address as "f:" and its wire bytes in hex ("f:05",
// "f:f20a000001"). The zero Address is "invalid".
func (a Address) String() string {
	if a.n == 0 {
		return "invalid"
	}
	switch a.t {
	case AddrIPv4, AddrIPv6:
		if ip, ok := a.Netip(); ok {
			return ip.String()
		}
	case Addr8bit:
		return "8bit:" + strconv.Itoa(int(a.a[0]))
	case AddrFlex:
		return "f:" + hex.EncodeToString(a.a[:a.n])
	}
	return "invalid"
}

// ParseAddress parses the forms String prints, and one more: "f=N" gives
// the flexible address of decimal value N in its minimal encoding. Text
// starting "f:" with no second colon is a flexible address; with one it
// is IPv6 ("f::1").
//
//	10.0.0.1       IPv4
//	2001:db8::1    IPv6
//	8bit:7         8-bit, decimal 0–255
//	f:f20a000001   flexible, wire bytes in hex (must be minimal)
//	f=167772161    flexible, by value
func ParseAddress(s string) (Address, error) {
	switch {
	case strings.HasPrefix(s, "8bit:"):
		v, err := strconv.ParseUint(s[len("8bit:"):], 10, 8)
		if err != nil {
			return Address{}, fmt.Errorf("newip: 8-bit address %q: want 8bit:0 to 8bit:255: %w", s, ErrBadAddress)
		}
		return Addr8(uint8(v)), nil
	case isFlexText(s):
		raw, err := hex.DecodeString(s[2:])
		if err != nil || len(raw) == 0 {
			return Address{}, fmt.Errorf("newip: flexible address %q: want f: and hex bytes: %w", s, ErrBadAddress)
		}
		a, n, err := DecodeFlex(raw)
		if err != nil {
			return Address{}, fmt.Errorf("newip: flexible address %q: %w", s, err)
		}
		if n != len(raw) {
			return Address{}, fmt.Errorf("newip: flexible address %q: %d bytes, its first byte says %d: %w", s, len(raw), n, ErrAddrLength)
		}
		return a, nil
	case strings.HasPrefix(s, "f="):
		v, err := strconv.ParseUint(s[2:], 10, 64)
		if err != nil || v > MaxFlexValue {
			return Address{}, fmt.Errorf("newip: flexible address %q: want f= and a decimal value up to %d: %w", s, uint64(MaxFlexValue), ErrBadAddress)
		}
		return FlexAddr(v)
	}
	ip, err := netip.ParseAddr(s)
	if err != nil || ip.Zone() != "" {
		return Address{}, fmt.Errorf("newip: address %q: want IPv4, IPv6, 8bit:N, f:HEX or f=N: %w", s, ErrBadAddress)
	}
	return AddrFromNetip(ip), nil
}

// isFlexText reports whether s is in the "f:HEX" form. IPv6 text may
// start with "f:" too ("f::1", "f:0:0:0:0:0:0:1") but always has a second
// colon, which hex bytes never have.
func isFlexText(s string) bool {
	return strings.HasPrefix(s, "f:") && !strings.ContainsAny(s[2:], ":.")
}

// MaxBits returns the bit length of the widest address of type t: 32,
// 128, 8, and 64 for flexible addresses.
func MaxBits(t AddrType) int {
	switch t {
	case AddrIPv4:
		return 32
	case AddrIPv6:
		return 128
	case Addr8bit:
		return 8
	case AddrFlex:
		return 64
	}
	return 0
}

// Prefix is an address prefix for longest-prefix match: the first Bits
// bits of an address's wire bytes. For a flexible address the wire bytes
// start with the length byte, so a prefix of 8 bits or more also fixes
// the length class: "f:f2/8" holds every five-byte address, "f:f20a/16"
// those whose 32-bit value starts with 0x0a.
//
// Prefixes made by PrefixFrom or ParsePrefix are canonical (bits beyond
// Bits are zero; a flexible prefix keeps only the ceil(Bits/8) bytes it
// needs), so equal prefixes compare equal and can be map keys.
type Prefix struct {
	Addr Address
	Bits int
}

// PrefixFrom returns the canonical prefix of a's first bits bits.
func PrefixFrom(a Address, bits int) (Prefix, error) {
	if !a.IsValid() || bits < 0 || bits > int(a.n)*8 {
		return Prefix{}, fmt.Errorf("newip: prefix /%d of %s: %w", bits, a, ErrBadAddress)
	}
	return prefixFrom(a, bits), nil
}

// prefixFrom masks a to bits; bits must be within a's length.
func prefixFrom(a Address, bits int) Prefix {
	p := Prefix{Bits: bits}
	p.Addr.t = a.t
	full := bits / 8
	copy(p.Addr.a[:full], a.a[:full])
	if r := bits % 8; r != 0 {
		p.Addr.a[full] = a.a[full] & (0xFF << (8 - r))
	}
	if a.t == AddrFlex {
		p.Addr.n = uint8((bits + 7) / 8)
	} else {
		p.Addr.n = a.n
	}
	return p
}

// IsValid reports whether p has a known address type and a bit length
// within it.
func (p Prefix) IsValid() bool {
	mb := MaxBits(p.Addr.t)
	return mb != 0 && p.Bits >= 0 && p.Bits <= mb && p.Bits <= int(p.Addr.n)*8
}

// Contains reports whether a is of p's type, at least p.Bits long, and
// starts with p's bits.
func (p Prefix) Contains(a Address) bool {
	if a.t != p.Addr.t || p.Bits < 0 || p.Bits > int(a.n)*8 || p.Bits > int(p.Addr.n)*8 {
		return false
	}
	full := p.Bits / 8
	if string(a.a[:full]) != string(p.Addr.a[:full]) {
		return false
	}
	if r := p.Bits % 8; r != 0 {
		m := byte(0xFF << (8 - r))
		return a.a[full]&m == p.Addr.a[full]&m
	}
	return true
}

// String formats p as its address and bit count: "10.0.0.0/8",
// "8bit:16/4", "f:f20a/16", "f:/0".
func (p Prefix) String() string {
	if p.Addr.t == AddrFlex {
		return "f:" + hex.EncodeToString(p.Addr.a[:p.Addr.n]) + "/" + strconv.Itoa(p.Bits)
	}
	return p.Addr.String() + "/" + strconv.Itoa(p.Bits)
}

// ParsePrefix parses "ADDR/BITS" in the address forms of ParseAddress.
// A flexible prefix gives at least ceil(BITS/8) hex bytes and need not be
// a whole address ("f:f2/8"). Bits beyond BITS are cleared.
func ParsePrefix(s string) (Prefix, error) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return Prefix{}, fmt.Errorf("newip: prefix %q: want ADDR/BITS: %w", s, ErrBadAddress)
	}
	bits, err := strconv.Atoi(s[i+1:])
	if err != nil || bits < 0 {
		return Prefix{}, fmt.Errorf("newip: prefix %q: bad bit count: %w", s, ErrBadAddress)
	}
	as := s[:i]
	if isFlexText(as) {
		raw, err := hex.DecodeString(as[2:])
		if err != nil || len(raw) > 8 || bits > 64 || len(raw)*8 < bits {
			return Prefix{}, fmt.Errorf("newip: prefix %q: want f:HEX/BITS with enough hex bytes for BITS (up to 64): %w", s, ErrBadAddress)
		}
		var a Address
		copy(a.a[:], raw)
		a.n, a.t = uint8(len(raw)), AddrFlex
		return prefixFrom(a, bits), nil
	}
	a, err := ParseAddress(as)
	if err != nil {
		return Prefix{}, err
	}
	if bits > int(a.n)*8 {
		return Prefix{}, fmt.Errorf("newip: prefix %q: /%d is longer than the address: %w", s, bits, ErrBadAddress)
	}
	return prefixFrom(a, bits), nil
}

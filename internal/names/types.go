package names

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// allowedTypes lists the accepted RR types in ascending numeric order.
var allowedTypes = [...]uint16{
	dns.TypeA,     // 1
	dns.TypeNS,    // 2
	dns.TypeCNAME, // 5
	dns.TypeMX,    // 15
	dns.TypeTXT,   // 16
	dns.TypeAAAA,  // 28
	dns.TypeSRV,   // 33
	dns.TypeNAPTR, // 35
	dns.TypeDNAME, // 39
	dns.TypeDS,    // 43
	dns.TypeTLSA,  // 52
	dns.TypeCAA,   // 257
}

// Allowed reports whether the registry accepts RRsets of type t.
func Allowed(t uint16) bool {
	switch t {
	case dns.TypeA, dns.TypeNS, dns.TypeCNAME, dns.TypeMX, dns.TypeTXT,
		dns.TypeAAAA, dns.TypeSRV, dns.TypeNAPTR, dns.TypeDNAME, dns.TypeDS,
		dns.TypeTLSA, dns.TypeCAA:
		return true
	}
	return false
}

// AllowedTypes returns the accepted RR types in ascending numeric order.
// The slice is a fresh copy.
func AllowedTypes() []uint16 {
	out := make([]uint16, len(allowedTypes))
	copy(out, allowedTypes[:])
	return out
}

// TypeName returns the mnemonic of t ("AAAA"), or "TYPE" and the number for
// a type without one (RFC 3597 §5).
func TypeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// TypeByName returns the number of an accepted type given its mnemonic in
// any case ("aaaa", "AAAA") or in the RFC 3597 form "TYPE28". Any type the
// registry does not accept gives ErrUnknownType.
func TypeByName(s string) (uint16, error) {
	if !isASCII(s) {
		return 0, fmt.Errorf("type %q: %w", s, ErrUnknownType)
	}
	up := strings.ToUpper(s)
	t, ok := dns.StringToType[up]
	if !ok {
		num, isNum := strings.CutPrefix(up, "TYPE")
		n, err := strconv.ParseUint(num, 10, 16)
		if !isNum || err != nil || num[0] == '0' {
			return 0, fmt.Errorf("type %q: %w", s, ErrUnknownType)
		}
		t = uint16(n)
	}
	if !Allowed(t) {
		return 0, typeError(t)
	}
	return t, nil
}

// typeError explains why type t is refused.
func typeError(t uint16) error {
	switch t {
	case dns.TypeSOA:
		return fmt.Errorf("type SOA: %w: the SOA record is derived from ledger state, never stored", ErrUnknownType)
	case dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeDNSKEY:
		return fmt.Errorf("type %s: %w: dnssec zone-signing records are not stored (delegations carry DS)", TypeName(t), ErrUnknownType)
	case dns.TypeOPT, dns.TypeTSIG, dns.TypeTKEY, dns.TypeIXFR, dns.TypeAXFR, dns.TypeANY:
		return fmt.Errorf("type %s: %w: meta or query type", TypeName(t), ErrUnknownType)
	}
	return fmt.Errorf("type %s: %w", TypeName(t), ErrUnknownType)
}

package names

import (
	"fmt"
	"strings"
)

// The helpers below work on names as the ledger stores them: ASCII, no
// escape sequences, labels separated by '.'. They accept one trailing dot
// and never return one. Comparisons are ASCII case-insensitive. They do not
// validate; run ParseDomain or ParseOwner first.

// Labels returns the labels of name, leftmost first. The root ("" or ".")
// has no labels.
func Labels(name string) []string {
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return nil
	}
	return strings.Split(name, ".")
}

// Parent returns name without its leftmost label. For a TLD (one label) or
// the root it returns "" and false.
func Parent(name string) (string, bool) {
	name = strings.TrimSuffix(name, ".")
	_, parent, ok := strings.Cut(name, ".")
	if !ok {
		return "", false
	}
	return parent, true
}

// IsSubdomain reports whether name equals zone or lies below it, comparing
// whole labels: "www.example.dii" and "example.dii" are under
// "example.dii", "xexample.dii" is not. Every name is under the root.
func IsSubdomain(name, zone string) bool {
	name = strings.TrimSuffix(name, ".")
	zone = strings.TrimSuffix(zone, ".")
	switch {
	case zone == "":
		return true
	case len(name) == len(zone):
		return strings.EqualFold(name, zone)
	case len(name) < len(zone)+2:
		return false
	}
	cut := len(name) - len(zone)
	return name[cut-1] == '.' && strings.EqualFold(name[cut:], zone)
}

// TLD returns the rightmost label of name ("" for the root).
func TLD(name string) string {
	name = strings.TrimSuffix(name, ".")
	return name[strings.LastIndexByte(name, '.')+1:]
}

// Reverse returns the labels of name in reverse order joined by '.':
// "www.example.dii" becomes "dii.example.www". It is used for ordered
// storage keys: every name at or below a zone Z has key Reverse(Z) or a key
// starting with Reverse(Z)+".", so a subtree is one contiguous key range.
// (The byte order of keys is not the DNSSEC canonical order of RFC 4034
// §6.1, because '-' sorts before '.'; use it for grouping, not for NSEC.)
func Reverse(name string) string {
	labels := Labels(name)
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	return strings.Join(labels, ".")
}

// Unreverse turns a key made by Reverse back into a name. Reversing is its
// own inverse; the separate name documents intent at call sites.
func Unreverse(key string) string {
	return Reverse(key)
}

// Relative returns owner relative to zone: "@" for the apex, otherwise the
// labels of owner above zone ("www" for "www.example.dii" in
// "example.dii"). It fails with ErrNotInZone when owner is not at or below
// zone.
func Relative(owner, zone string) (string, error) {
	o := strings.TrimSuffix(owner, ".")
	z := strings.TrimSuffix(zone, ".")
	if !IsSubdomain(o, z) {
		return "", fmt.Errorf("%q: %w %q", owner, ErrNotInZone, zone)
	}
	switch {
	case len(o) == len(z):
		return "@", nil
	case z == "":
		return o, nil
	}
	return o[:len(o)-len(z)-1], nil
}

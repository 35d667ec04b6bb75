package names

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

const (
	// MaxLabelLen is the longest label, in octets (RFC 1035 §2.3.4).
	MaxLabelLen = 63
	// MaxNameLen is the longest name in presentation form without the
	// trailing dot, in octets. With the length octets and the root label
	// that is 255 octets in wire form (RFC 1035 §2.3.4).
	MaxNameLen = 253
)

// nameRules selects which labels, besides LDH labels, a name may hold.
type nameRules struct {
	underscore bool // "_" followed by LDH characters, not as the TLD (RFC 8552)
	wildcard   bool // "*" as the whole leftmost label (RFC 4592)
}

var (
	domainRules = nameRules{}
	ownerRules  = nameRules{underscore: true, wildcard: true}
	// targetRules are for domain names inside record data that need not be
	// host names (CNAME, DNAME targets, NAPTR replacement).
	targetRules = nameRules{underscore: true}
)

// ParseDomain checks a registered name (a TLD such as "dii" or a name below
// one such as "example.dii") and returns it in the ledger's canonical form:
// lower case, without the trailing dot. Input must be ASCII; use ToASCII for
// Unicode input. See the package documentation for the rules.
func ParseDomain(s string) (string, error) {
	return parseName(s, domainRules)
}

// ParseOwner checks the owner name of a resource record and returns its
// canonical form. It follows ParseDomain but also accepts underscore labels
// ("_tcp", "_443", "_dmarc") anywhere but as the TLD, and "*" as the whole
// leftmost label (a wildcard).
func ParseOwner(s string) (string, error) {
	return parseName(s, ownerRules)
}

func parseName(s string, r nameRules) (string, error) {
	if s == "" || s == "." {
		return "", fmt.Errorf("%w (the root is not accepted here)", ErrEmpty)
	}
	s = strings.TrimSuffix(s, ".")
	if len(s) > MaxNameLen {
		return "", fmt.Errorf("%w: %d octets", ErrNameTooLong, len(s))
	}
	name := asciiLower(s)
	hasALabel := false
	for i, rest := 0, name; ; i++ {
		label, tail, more := strings.Cut(rest, ".")
		if label == "" {
			return "", fmt.Errorf("label %d of %q: %w", i+1, name, ErrEmptyLabel)
		}
		a, err := checkLabel(label, i == 0, !more, r)
		if err != nil {
			return "", err
		}
		hasALabel = hasALabel || a
		if !more {
			break
		}
		rest = tail
	}
	if hasALabel {
		if err := checkBidi(name); err != nil {
			return "", err
		}
	}
	return name, nil
}

// checkLabel checks one lower-cased label. It reports whether the label is
// an A-label.
func checkLabel(label string, leftmost, tld bool, r nameRules) (bool, error) {
	if len(label) > MaxLabelLen {
		return false, fmt.Errorf("label %q: %w (%d)", label, ErrLabelTooLong, len(label))
	}
	if r.wildcard && strings.IndexByte(label, '*') >= 0 {
		if label != "*" || !leftmost || tld {
			return false, fmt.Errorf("label %q: %w: only the whole leftmost label of a name below a tld may be \"*\"", label, ErrWildcard)
		}
		return false, nil
	}
	if r.underscore && label[0] == '_' {
		if tld {
			return false, fmt.Errorf("label %q: %w: a top-level label cannot be an underscore label", label, ErrBadChar)
		}
		if len(label) == 1 {
			return false, fmt.Errorf("label %q: %w: an underscore label needs a character after the underscore", label, ErrBadChar)
		}
		for i := 1; i < len(label); i++ {
			if !isLDH(label[i]) {
				return false, badChar(label, label[i])
			}
		}
		return false, nil
	}
	for i := 0; i < len(label); i++ {
		if !isLDH(label[i]) {
			return false, badChar(label, label[i])
		}
	}
	if label[0] == '-' || label[len(label)-1] == '-' {
		return false, fmt.Errorf("label %q: %w", label, ErrHyphen)
	}
	isA := false
	if len(label) >= 4 && label[2] == '-' && label[3] == '-' {
		if !strings.HasPrefix(label, "xn--") {
			return false, fmt.Errorf("label %q: %w: \"--\" in positions 3 and 4 is reserved for \"xn--\" a-labels (rfc 5890 §2.3.1)", label, ErrBadALabel)
		}
		if err := checkALabel(label); err != nil {
			return false, err
		}
		isA = true
	}
	if tld && allDigits(label) {
		return false, fmt.Errorf("label %q: %w (rfc 3696 §2)", label, ErrNumericTLD)
	}
	return isA, nil
}

func badChar(label string, c byte) error {
	if c >= 0x80 {
		return fmt.Errorf("label %q: %w: non-ascii byte 0x%02x (convert unicode names with ToASCII)", label, ErrBadChar, c)
	}
	return fmt.Errorf("label %q: %w %q", label, ErrBadChar, string(rune(c)))
}

// checkALabel checks that an "xn--" label is a valid IDNA2008 A-label: it
// decodes under the lookup profile to a non-ASCII U-label that passes the
// IDNA2008 validity checks (RFC 5891 §5.4, RFC 5892, RFC 5893), and encoding
// that U-label gives back exactly this label (no alternative Punycode
// spellings).
func checkALabel(label string) error {
	u, err := idna.Lookup.ToUnicode(label)
	if err != nil {
		return fmt.Errorf("label %q: %w: %v", label, ErrBadALabel, err)
	}
	if u == "" || isASCII(u) {
		return fmt.Errorf("label %q: %w: does not decode to a unicode label", label, ErrBadALabel)
	}
	if r, ok := firstDisallowed(u); !ok {
		return fmt.Errorf("label %q: %w: %U is not valid in idna2008 (rfc 5892)", label, ErrBadALabel, r)
	}
	a, err := idna.Lookup.ToASCII(u)
	if err != nil {
		return fmt.Errorf("label %q: %w: %v", label, ErrBadALabel, err)
	}
	if a != label {
		return fmt.Errorf("label %q: %w: not the canonical encoding of %q (%q)", label, ErrBadALabel, u, a)
	}
	return nil
}

// firstDisallowed complements x/net/idna, which follows UTS #46 and so
// accepts symbols and punctuation that IDNA2008 disallows (UTS #46 "NV8"
// code points such as U+2603 SNOWMAN or emoji). It applies the core of the
// IDNA2008 derived property (RFC 5892 §2, §3): outside ASCII, a code point
// must be a letter, mark or decimal digit (categories Ll, Lo, Lm, Mn, Mc,
// Nd; upper and title case are already refused by idna as unstable), with
// the exceptions of RFC 5892 §2.6, and not in the ignorable blocks or old
// Hangul Jamo (§2.4, §2.9). It returns the first offending rune and false.
func firstDisallowed(u string) (rune, bool) {
	for _, r := range u {
		if r < 0x80 {
			if r == '-' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
				continue
			}
			return r, false
		}
		switch r {
		case 0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007, // PVALID exceptions
			0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB, // CONTEXTO
			0x200C, 0x200D: // CONTEXTJ, checked by idna
			continue
		case 0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303B:
			return r, false // DISALLOWED exceptions
		}
		switch {
		case 0x1100 <= r && r <= 0x11FF, 0xA960 <= r && r <= 0xA97F, 0xD7B0 <= r && r <= 0xD7FF, // old Hangul Jamo
			0x20D0 <= r && r <= 0x20FF, 0x1D100 <= r && r <= 0x1D24F: // ignorable blocks
			return r, false
		}
		if !unicode.In(r, unicode.Ll, unicode.Lo, unicode.Lm, unicode.Mn, unicode.Mc, unicode.Nd) {
			return r, false
		}
	}
	return 0, true
}

// checkBidi applies the IDNA2008 checks that span labels (the Bidi rule of
// RFC 5893 applies to every label once any label is right-to-left) to a name
// holding at least one A-label. Underscore and wildcard labels are not host
// name labels and are replaced by a neutral LDH label for this check.
func checkBidi(name string) error {
	labels := strings.Split(name, ".")
	for i, l := range labels {
		if l[0] == '_' || l == "*" {
			labels[i] = "a"
		}
	}
	if _, err := idna.Lookup.ToUnicode(strings.Join(labels, ".")); err != nil {
		return fmt.Errorf("name %q: %w: %v", name, ErrBadALabel, err)
	}
	return nil
}

// maxUnicodeName bounds the input of ToASCII before any IDNA processing.
// Unicode input may be longer than the 253-octet result (multi-octet
// characters, characters the mapping drops), but nobody types this much.
const maxUnicodeName = 4096

// ToASCII converts a name typed by a person, possibly with U-labels (for
// example "bücher.dii"), to its ledger form ("xn--bcher-kva.dii"). It maps
// and converts with the IDNA2008 lookup profile (non-transitional UTS #46
// mapping: case folding, width mapping, NFC; "ß" stays "ß"), then applies
// ParseDomain. Pure ASCII input goes to ParseDomain directly.
func ToASCII(s string) (string, error) {
	if isASCII(s) {
		return ParseDomain(s)
	}
	if len(s) > maxUnicodeName {
		return "", fmt.Errorf("%w: %d octets of unicode input", ErrNameTooLong, len(s))
	}
	a, err := idna.Lookup.ToASCII(s)
	if err != nil {
		return "", fmt.Errorf("name %q: %w: %v", s, ErrBadULabel, err)
	}
	name, err := ParseDomain(a)
	if errors.Is(err, ErrBadALabel) {
		return "", fmt.Errorf("%w: %w", ErrBadULabel, err)
	}
	return name, err
}

// ToUnicode converts the A-labels of a valid domain or owner name to
// U-labels for display. It is best effort: input that ParseOwner rejects, or
// that holds no A-label, is returned unchanged.
func ToUnicode(s string) string {
	name, err := ParseOwner(s)
	if err != nil {
		return s
	}
	labels := strings.Split(name, ".")
	changed := false
	for i, l := range labels {
		if !strings.HasPrefix(l, "xn--") {
			continue
		}
		u, err := idna.Display.ToUnicode(l)
		if err != nil {
			return s
		}
		labels[i] = u
		changed = true
	}
	if !changed {
		return s
	}
	out := strings.Join(labels, ".")
	if strings.HasSuffix(s, ".") {
		out += "."
	}
	return out
}

func isLDH(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-'
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// asciiLower lower-cases ASCII letters only, leaving every other byte as is.
func asciiLower(s string) string {
	i := 0
	for i < len(s) && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}

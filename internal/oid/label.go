package oid

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Limits on an arc's names and registration information.
const (
	MaxIdentifiers    = 8    // secondary identifiers per arc
	MaxIdentifierLen  = 64   // bytes per secondary identifier
	MaxLabels         = 8    // Unicode labels per arc
	MaxLabelDNSLen    = 63   // a label's DNS form: one DNS label
	MaxNameLen        = 128  // bytes of an arc's name
	MaxDescriptionLen = 1024 // bytes of an arc's description
	MaxContactLen     = 256  // bytes of an arc's contact
)

// CheckIdentifier applies the rules of a secondary identifier, an ASN.1
// identifier (X.680 12.3): 1..64 bytes, a lower-case ASCII letter first,
// then ASCII letters, digits and hyphens, no two hyphens in a row and no
// hyphen at the end. Failures wrap ErrInvalidLabel.
func CheckIdentifier(s string) error {
	if s == "" || len(s) > MaxIdentifierLen {
		return fmt.Errorf("%w: secondary identifier %q: length %d not in 1..%d", ErrInvalidLabel, clip(s), len(s), MaxIdentifierLen)
	}
	if s[0] < 'a' || s[0] > 'z' {
		return fmt.Errorf("%w: secondary identifier %q must start with a lower-case letter a-z", ErrInvalidLabel, s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("%w: secondary identifier %q: character %q is not a letter, digit or hyphen", ErrInvalidLabel, clip(s), c)
		}
	}
	if strings.Contains(s, "--") || strings.HasSuffix(s, "-") {
		return fmt.Errorf("%w: secondary identifier %q has two hyphens in a row or ends with a hyphen", ErrInvalidLabel, s)
	}
	return nil
}

// NormalizeLabel returns s in Unicode Normalization Form C. Input from
// people goes through it; the ledger only checks that a label is NFC.
func NormalizeLabel(s string) string { return norm.NFC.String(s) }

// CheckLabel applies the rules of a (non-integer) Unicode label, the name
// of an arc in OID-IRIs. Failures wrap ErrInvalidLabel:
//
//   - valid UTF-8, in Normalization Form C;
//   - characters: ASCII letters and digits, "-", "_", "~", and the
//     non-ASCII characters of RFC 3987's ucschar (the characters X.680
//     allows in a non-integer Unicode label), except white space, format
//     characters other than ZWNJ and ZWJ (so no bidirectional controls),
//     and the ideographic and full-width full stops; "." and "/" are not
//     allowed, so a label is one path segment of an OID-IRI and one DNS
//     label;
//   - not all ASCII digits: the arc's number is already its integer
//     label;
//   - no "-" at the start or the end, and not "-" as both the third and
//     the fourth character;
//   - its DNS form (the label itself when ASCII, else "xn--" and its
//     Punycode, RFC 3492) is at most 63 bytes.
func CheckLabel(s string) error {
	if s == "" {
		return fmt.Errorf("%w: empty Unicode label", ErrInvalidLabel)
	}
	if len(s) > 255 {
		return fmt.Errorf("%w: Unicode label of %d bytes", ErrInvalidLabel, len(s))
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: Unicode label %q is not valid UTF-8", ErrInvalidLabel, clip(s))
	}
	if !norm.NFC.IsNormalString(s) {
		return fmt.Errorf("%w: Unicode label %q is not in Normalization Form C (NFC: %q)", ErrInvalidLabel, s, norm.NFC.String(s))
	}
	digits := true
	var runes []rune
	for _, r := range s {
		if !labelRune(r) {
			return fmt.Errorf("%w: Unicode label %q: character %U %q is not allowed", ErrInvalidLabel, s, r, r)
		}
		if r < '0' || r > '9' {
			digits = false
		}
		runes = append(runes, r)
	}
	if digits {
		return fmt.Errorf("%w: Unicode label %q is all digits; an arc's number is already its integer label", ErrInvalidLabel, s)
	}
	if runes[0] == '-' || runes[len(runes)-1] == '-' {
		return fmt.Errorf("%w: Unicode label %q starts or ends with a hyphen", ErrInvalidLabel, s)
	}
	if len(runes) >= 4 && runes[2] == '-' && runes[3] == '-' {
		return fmt.Errorf("%w: Unicode label %q has hyphens as its third and fourth characters", ErrInvalidLabel, s)
	}
	d, err := labelDNS(s)
	if err != nil {
		return fmt.Errorf("%w: Unicode label %q: %v", ErrInvalidLabel, s, err)
	}
	if len(d) > MaxLabelDNSLen {
		return fmt.Errorf("%w: Unicode label %q: its DNS form %q is %d bytes, limit %d", ErrInvalidLabel, s, d, len(d), MaxLabelDNSLen)
	}
	return nil
}

func labelRune(r rune) bool {
	switch {
	case r < 0x80:
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '~'
	case !ucschar(r):
		return false
	case unicode.IsSpace(r), r == 0x3002, r == 0xFF0E, r == 0xFF61:
		return false
	case unicode.Is(unicode.Cf, r):
		return r == 0x200C || r == 0x200D
	}
	return true
}

// ucschar is RFC 3987's ucschar production.
func ucschar(r rune) bool {
	switch {
	case r >= 0xA0 && r <= 0xD7FF, r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFEF:
		return true
	case r >= 0x10000 && r <= 0xDFFFD:
		return r&0xFFFF <= 0xFFFD
	case r >= 0xE1000 && r <= 0xEFFFD:
		return true
	}
	return false
}

// labelDNS is a label's DNS form: the label when it is ASCII, else "xn--"
// followed by its Punycode (RFC 3492, with no IDNA mapping).
func labelDNS(s string) (string, error) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return idna.Punycode.ToASCII(s)
		}
	}
	return s, nil
}

// LabelDNS is the DNS form of a valid label, in lower case: the DNS label
// ORS serves for it, and the key under which siblings' labels must be
// unique.
func LabelDNS(s string) string {
	d, err := labelDNS(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(d)
}

// checkText checks registration text: valid UTF-8, at most max bytes, no
// control characters (a line feed is allowed where lines is true).
func checkText(field, s string, max int, lines bool) error {
	if len(s) > max {
		return fmt.Errorf("%w: %s is %d bytes, limit %d", ErrTooLarge, field, len(s), max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInfo, field)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(lines && r == '\n') {
			return fmt.Errorf("%w: %s holds the control character %U", ErrInfo, field, r)
		}
	}
	return nil
}

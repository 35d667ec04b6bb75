package handle

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/tx"
)

// Bounds on handles. A handle is at most tx.MaxHandleLen bytes, its prefix
// at most MaxPrefixLen.
const (
	MaxHandleLen = tx.MaxHandleLen
	MaxPrefixLen = 128
)

// The reserved prefixes. Every prefix that is "0" or starts with "0." is
// reserved; on dii only two of them mean something:
const (
	// NAPrefix holds the naming authority handles: "0.NA/<prefix>" is the
	// handle of the prefix <prefix>, and exists exactly when the prefix
	// does.
	NAPrefix = "0.NA"
	// AccountPrefix names ledger accounts in admin references:
	// "0.DII/<dii1 address>" is the account itself. These handles are
	// never stored; an HS_ADMIN value that points to one is satisfied by a
	// transaction that account signs.
	AccountPrefix = "0.DII"
)

// Handle is a parsed, syntactically valid handle.
type Handle struct {
	// Text is the handle as written.
	Text string
	// Prefix and Suffix are the parts before and after the first "/".
	Prefix, Suffix string
}

func (h Handle) String() string { return h.Text }

// Key is the handle's form for comparison and state keys: ASCII letters
// in upper case (handles are case-insensitive in ASCII letters, the
// Handle.Net default), everything else as written.
func (h Handle) Key() string { return Fold(h.Text) }

// IsNA reports whether h is a naming authority handle "0.NA/<prefix>".
func (h Handle) IsNA() bool { return strings.EqualFold(h.Prefix, NAPrefix) }

// IsAccount reports whether h names a ledger account ("0.DII/dii1...").
func (h Handle) IsAccount() bool { return strings.EqualFold(h.Prefix, AccountPrefix) }

// NAOf is the naming authority handle of a prefix.
func NAOf(prefix string) string { return NAPrefix + "/" + prefix }

// AccountHandle is the handle that names an account in admin references.
func AccountHandle(a tx.Address) string { return AccountPrefix + "/" + a.String() }

// Fold maps ASCII letters to upper case and leaves every other byte: the
// protocol's case rule (handleproto.FoldHandle).
func Fold(s string) string { return handleproto.FoldHandle(s) }

// EqualFold compares two handles (or prefixes) as the registry does.
func EqualFold(a, b string) bool { return len(a) == len(b) && Fold(a) == Fold(b) }

// Parse checks a handle's syntax: "prefix/suffix", split at the first
// "/", at most MaxHandleLen bytes of valid UTF-8. The prefix follows
// CheckPrefix; the suffix is 1 or more characters, any but control
// characters (it may hold further "/"). A naming authority handle's
// suffix must itself be a valid prefix, and an account handle's a dii1
// address. Every failure wraps ErrInvalidHandle.
func Parse(s string) (Handle, error) {
	if s == "" {
		return Handle{}, fmt.Errorf("%w: empty", ErrInvalidHandle)
	}
	if len(s) > MaxHandleLen {
		return Handle{}, fmt.Errorf("%w: %d bytes, limit %d", ErrInvalidHandle, len(s), MaxHandleLen)
	}
	if !utf8.ValidString(s) {
		return Handle{}, fmt.Errorf("%w: not valid UTF-8", ErrInvalidHandle)
	}
	p, suf, ok := strings.Cut(s, "/")
	if !ok {
		return Handle{}, fmt.Errorf("%w: %q has no \"/\" between prefix and suffix", ErrInvalidHandle, clip(s))
	}
	if err := CheckPrefix(p); err != nil {
		return Handle{}, err
	}
	if suf == "" {
		return Handle{}, fmt.Errorf("%w: %q has an empty suffix", ErrInvalidHandle, clip(s))
	}
	for _, r := range suf {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return Handle{}, fmt.Errorf("%w: suffix of %q holds the control character %U", ErrInvalidHandle, clip(s), r)
		}
	}
	h := Handle{Text: s, Prefix: p, Suffix: suf}
	switch {
	case h.IsNA():
		if err := CheckPrefix(suf); err != nil {
			return Handle{}, fmt.Errorf("naming authority handle %q: %w", clip(s), err)
		}
	case h.IsAccount():
		if _, err := tx.ParseAddress(suf); err != nil {
			return Handle{}, fmt.Errorf("%w: account handle %q: %v", ErrInvalidHandle, clip(s), err)
		}
	}
	return h, nil
}

// CheckPrefix checks a prefix (naming authority): segments separated by
// ".", each of ASCII letters, digits, "-" and "_", at most MaxPrefixLen
// bytes in all.
func CheckPrefix(p string) error {
	if p == "" {
		return fmt.Errorf("%w: empty prefix", ErrInvalidHandle)
	}
	if len(p) > MaxPrefixLen {
		return fmt.Errorf("%w: prefix of %d bytes, limit %d", ErrInvalidHandle, len(p), MaxPrefixLen)
	}
	seg := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '.':
			if seg == 0 {
				return fmt.Errorf("%w: prefix %q has an empty segment", ErrInvalidHandle, clip(p))
			}
			seg = 0
			continue
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return fmt.Errorf("%w: prefix %q: %q is not allowed (ASCII letters, digits, \"-\", \"_\" and \".\" between segments)", ErrInvalidHandle, clip(p), rune(c))
		}
		seg++
	}
	if seg == 0 {
		return fmt.Errorf("%w: prefix %q ends with \".\"", ErrInvalidHandle, clip(p))
	}
	return nil
}

// Reserved reports whether a prefix is in the reserved "0" space.
func Reserved(prefix string) bool { return prefix == "0" || strings.HasPrefix(prefix, "0.") }

// Parent is the prefix without its last segment; ok is false for a
// single-segment (top) prefix.
func Parent(prefix string) (string, bool) {
	i := strings.LastIndexByte(prefix, '.')
	if i < 0 {
		return "", false
	}
	return prefix[:i], true
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

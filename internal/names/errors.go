package names

import "errors"

// Sentinel errors. Functions in this package wrap them with context (the
// offending label, field or record), so test for them with errors.Is.
var (
	// ErrEmpty: the name is empty or is the root, which is not a
	// registrable name.
	ErrEmpty = errors.New("empty name")
	// ErrEmptyLabel: the name has an empty label ("a..b", ".a").
	ErrEmptyLabel = errors.New("empty label")
	// ErrLabelTooLong: a label is longer than 63 octets.
	ErrLabelTooLong = errors.New("label longer than 63 octets")
	// ErrNameTooLong: the name is longer than 253 octets in presentation
	// form (255 in wire form).
	ErrNameTooLong = errors.New("name longer than 253 octets")
	// ErrBadChar: a character outside the label's alphabet.
	ErrBadChar = errors.New("invalid character")
	// ErrHyphen: a label starts or ends with a hyphen.
	ErrHyphen = errors.New("label starts or ends with a hyphen")
	// ErrBadALabel: a label of the reserved form "??--" that is not a valid
	// IDNA2008 A-label.
	ErrBadALabel = errors.New("invalid a-label")
	// ErrBadULabel: a Unicode name that IDNA2008 cannot convert.
	ErrBadULabel = errors.New("invalid internationalized name")
	// ErrNumericTLD: the top-level label is all digits.
	ErrNumericTLD = errors.New("all-numeric top-level label")
	// ErrWildcard: a "*" anywhere but as the whole leftmost label of an
	// owner name.
	ErrWildcard = errors.New("misplaced wildcard")
	// ErrNotInZone: a name is not at or below the given zone.
	ErrNotInZone = errors.New("name not in zone")
	// ErrNotCanonical: input that is valid but not in the single canonical
	// form the ledger stores (upper-case letters, a trailing dot, a
	// compressed or otherwise non-canonical wire encoding).
	ErrNotCanonical = errors.New("not in canonical form")

	// ErrUnknownType: a record type the registry does not accept.
	ErrUnknownType = errors.New("record type not accepted")
	// ErrBadRData: record data that is malformed or breaks a per-type rule.
	ErrBadRData = errors.New("invalid record data")
	// ErrRDataTooLong: record data longer than MaxRDataLen.
	ErrRDataTooLong = errors.New("record data too long")
	// ErrTTL: a TTL outside MinTTL..MaxTTL.
	ErrTTL = errors.New("ttl out of range")
	// ErrRRsetSize: an RRset with no records, too many records, or more
	// encoded bytes than a name may hold.
	ErrRRsetSize = errors.New("bad rrset size")
	// ErrDuplicate: the same record twice in one RRset, or the same type
	// twice at one owner.
	ErrDuplicate = errors.New("duplicate record")
	// ErrCoexistence: RRset types that may not share an owner name, or an
	// RRset type that may not appear at this owner.
	ErrCoexistence = errors.New("rrset types cannot coexist")
)

// errDecoderPanic marks a panic recovered inside the wire decoder. It should
// never happen; the fuzz test treats it as a failure.
var errDecoderPanic = errors.New("record data decoder failed")

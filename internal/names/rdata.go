package names

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// rrHeaderLen is the wire length of an RR header whose owner is the root:
// the root label (1), type (2), class (2), TTL (4) and RDLENGTH (2).
const rrHeaderLen = 11

// packSlack is extra room when re-packing record data to compare it with
// the input. Output longer than the input is a mismatch either way; the
// slack only keeps miekg/dns from failing on a buffer that ends exactly
// where an empty trailing field (a CAA value) would be written.
const packSlack = 64

// maxRDataText bounds the presentation text ParseRData reads: MaxRDataLen
// octets written as \DDD escapes take four characters each, plus quotes and
// spaces between TXT strings.
const maxRDataText = 5 * MaxRDataLen

// ParseRData converts the presentation form of one record's data (what
// follows the type in a zone file line, e.g. "10 mail.example.dii." for MX)
// to its canonical wire form, checked with CheckRData.
//
// The text is parsed by miekg/dns as the single line
// ". 0 IN <TYPE> <text>", with the origin set to the root. So every domain
// name inside the text is absolute: "mail.example.dii" and
// "mail.example.dii." mean the same name, and "@" is the root. The text
// must be one line; comments (";") are allowed, "\# <len> <hex>" (RFC 3597)
// is accepted for every type.
//
// Canonicalisation: domain names inside the data and the CAA tag are
// lower-cased; the wire form is uncompressed; TXT strings longer than 255
// octets are split into 255-octet strings.
func ParseRData(t uint16, text string) ([]byte, error) {
	if !Allowed(t) {
		return nil, typeError(t)
	}
	if len(text) > maxRDataText {
		return nil, fmt.Errorf("type %s: %w: text longer than %d octets", TypeName(t), ErrRDataTooLong, maxRDataText)
	}
	if strings.ContainsAny(text, "\n\r") {
		return nil, fmt.Errorf("type %s: %w: must be a single line", TypeName(t), ErrBadRData)
	}
	zp := dns.NewZoneParser(strings.NewReader(". 0 IN "+TypeName(t)+" "+text), ".", "")
	rr, ok := zp.Next()
	if !ok {
		if err := zp.Err(); err != nil {
			return nil, fmt.Errorf("type %s: %w: %v", TypeName(t), ErrBadRData, err)
		}
		return nil, fmt.Errorf("type %s: %w: no record data", TypeName(t), ErrBadRData)
	}
	if _, more := zp.Next(); more || zp.Err() != nil {
		return nil, fmt.Errorf("type %s: %w: more than one record", TypeName(t), ErrBadRData)
	}
	if rr.Header().Rrtype != t {
		return nil, fmt.Errorf("type %s: %w: parsed as %s", TypeName(t), ErrBadRData, TypeName(rr.Header().Rrtype))
	}
	canonicalize(rr)
	wire, err := packRData(rr, rrHeaderLen+0xffff+packSlack)
	if err != nil {
		return nil, fmt.Errorf("type %s: %w: %v", TypeName(t), ErrBadRData, err)
	}
	if err := CheckRData(t, wire); err != nil {
		return nil, err
	}
	return wire, nil
}

// canonicalize lower-cases the domain names and the CAA tag of a parsed
// record.
func canonicalize(rr dns.RR) {
	switch r := rr.(type) {
	case *dns.NS:
		r.Ns = asciiLower(r.Ns)
	case *dns.CNAME:
		r.Target = asciiLower(r.Target)
	case *dns.DNAME:
		r.Target = asciiLower(r.Target)
	case *dns.MX:
		r.Mx = asciiLower(r.Mx)
	case *dns.SRV:
		r.Target = asciiLower(r.Target)
	case *dns.NAPTR:
		r.Replacement = asciiLower(r.Replacement)
	case *dns.CAA:
		r.Tag = asciiLower(r.Tag)
	}
}

// CheckRData validates the wire form of one record's data, as found in an
// untrusted transaction. It never panics. The rules:
//
//   - t is an accepted type;
//   - 1..MaxRDataLen octets;
//   - miekg/dns decodes it as exactly type t, consuming every octet;
//   - re-encoding the decoded record without compression gives the same
//     bytes (so compression pointers and any other alternative encodings
//     are refused);
//   - the per-type rules listed in the package documentation hold.
func CheckRData(t uint16, rdata []byte) error {
	_, err := decodeRData(t, rdata)
	return err
}

// FormatRData returns the presentation form of valid record data, as dig
// prints it after the type ("10 mail.example.dii."). Data that CheckRData
// rejects gives its error. ParseRData(t, FormatRData(t, d)) gives back d.
func FormatRData(t uint16, rdata []byte) (string, error) {
	rr, err := decodeRData(t, rdata)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(rr.String(), rr.Header().String()), nil
}

// decodeRData is CheckRData, returning the decoded record.
func decodeRData(t uint16, rdata []byte) (rr dns.RR, err error) {
	defer func() {
		// miekg/dns is not expected to panic on any input, but a panic here
		// would stop every node on the same transaction; turn it into a
		// (deterministic) rejection instead.
		if p := recover(); p != nil {
			rr, err = nil, fmt.Errorf("type %s: %w: %w", TypeName(t), ErrBadRData, errDecoderPanic)
		}
	}()
	if !Allowed(t) {
		return nil, typeError(t)
	}
	name := TypeName(t)
	switch {
	case len(rdata) == 0:
		return nil, fmt.Errorf("type %s: %w: empty", name, ErrBadRData)
	case len(rdata) > MaxRDataLen:
		return nil, fmt.Errorf("type %s: %w: %d octets, limit %d", name, ErrRDataTooLong, len(rdata), MaxRDataLen)
	}
	msg := make([]byte, rrHeaderLen+len(rdata))
	// msg[0] = 0: the root owner name. TTL (msg[5:9]) stays 0.
	binary.BigEndian.PutUint16(msg[1:], t)
	binary.BigEndian.PutUint16(msg[3:], dns.ClassINET)
	binary.BigEndian.PutUint16(msg[9:], uint16(len(rdata)))
	copy(msg[rrHeaderLen:], rdata)
	rr, off, err := dns.UnpackRR(msg, 0)
	if err != nil {
		return nil, fmt.Errorf("type %s: %w: %v", name, ErrBadRData, err)
	}
	if rr == nil || off != len(msg) {
		return nil, fmt.Errorf("type %s: %w: trailing octets", name, ErrBadRData)
	}
	if _, unknown := rr.(*dns.RFC3597); unknown || rr.Header().Rrtype != t {
		return nil, fmt.Errorf("type %s: %w: not decoded as %s", name, ErrBadRData, name)
	}
	re, err := packRData(rr, len(msg)+packSlack)
	if err != nil || !bytes.Equal(re, rdata) {
		return nil, fmt.Errorf("type %s: %w: %w: re-encoding differs (compression pointer or other alternative encoding)", name, ErrBadRData, ErrNotCanonical)
	}
	if err := checkFields(rr, rdata); err != nil {
		return nil, fmt.Errorf("type %s: %w", name, err)
	}
	return rr, nil
}

// packRData packs rr with a root owner and returns its RDATA only.
func packRData(rr dns.RR, bufLen int) ([]byte, error) {
	h := rr.Header()
	h.Name, h.Class, h.Ttl = ".", dns.ClassINET, 0
	buf := make([]byte, bufLen)
	off, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		return nil, err
	}
	if off < rrHeaderLen {
		return nil, fmt.Errorf("short record")
	}
	return append([]byte(nil), buf[rrHeaderLen:off]...), nil
}

// Known DS digest lengths by digest type (IANA "DS RR Type Digest
// Algorithms"): 1 SHA-1, 2 SHA-256, 3 GOST R 34.11-94, 4 SHA-384,
// 5 GOST R 34.11-2012, 6 SM3.
func dsDigestLen(digestType uint8) int {
	switch digestType {
	case 1:
		return 20
	case 2, 3, 5, 6:
		return 32
	case 4:
		return 48
	}
	return 0
}

// checkFields applies the per-type rules to a decoded record.
func checkFields(rr dns.RR, rdata []byte) error {
	switch r := rr.(type) {
	case *dns.A:
		if len(rdata) != 4 {
			return fmt.Errorf("%w: address is %d octets, want 4", ErrBadRData, len(rdata))
		}
	case *dns.AAAA:
		if len(rdata) != 16 {
			return fmt.Errorf("%w: address is %d octets, want 16", ErrBadRData, len(rdata))
		}
	case *dns.NS:
		return checkDataName("name server", r.Ns, domainRules, false)
	case *dns.CNAME:
		return checkDataName("target", r.Target, targetRules, false)
	case *dns.DNAME:
		return checkDataName("target", r.Target, targetRules, false)
	case *dns.MX:
		if r.Mx == "." && r.Preference != 0 {
			return fmt.Errorf("%w: a null mx (exchange \".\") must have preference 0 (rfc 7505)", ErrBadRData)
		}
		return checkDataName("exchange", r.Mx, domainRules, true)
	case *dns.TXT:
		if len(r.Txt) == 0 {
			return fmt.Errorf("%w: no character-string", ErrBadRData)
		}
	case *dns.SRV:
		return checkDataName("target", r.Target, domainRules, true)
	case *dns.NAPTR:
		for i := 0; i < len(r.Flags); i++ {
			if c := r.Flags[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
				return fmt.Errorf("%w: flags %q: only letters and digits are allowed (rfc 3403 §4.1)", ErrBadRData, r.Flags)
			}
		}
		if r.Regexp != "" && r.Replacement != "." {
			return fmt.Errorf("%w: regexp and replacement are mutually exclusive (rfc 3403 §4.1)", ErrBadRData)
		}
		return checkDataName("replacement", r.Replacement, targetRules, true)
	case *dns.DS:
		if r.Algorithm == 0 || r.Algorithm == 255 {
			return fmt.Errorf("%w: reserved dnssec algorithm %d", ErrBadRData, r.Algorithm)
		}
		if r.DigestType == 0 {
			return fmt.Errorf("%w: reserved digest type 0", ErrBadRData)
		}
		n := len(r.Digest) / 2
		if n == 0 {
			return fmt.Errorf("%w: empty digest", ErrBadRData)
		}
		if want := dsDigestLen(r.DigestType); want != 0 && n != want {
			return fmt.Errorf("%w: digest type %d needs %d octets, got %d", ErrBadRData, r.DigestType, want, n)
		}
	case *dns.TLSA:
		if r.Usage > 3 {
			return fmt.Errorf("%w: certificate usage %d not in 0..3", ErrBadRData, r.Usage)
		}
		if r.Selector > 1 {
			return fmt.Errorf("%w: selector %d not in 0..1", ErrBadRData, r.Selector)
		}
		n := len(r.Certificate) / 2
		switch r.MatchingType {
		case 0:
			if n == 0 {
				return fmt.Errorf("%w: empty certificate association data", ErrBadRData)
			}
		case 1:
			if n != 32 {
				return fmt.Errorf("%w: matching type 1 (sha-256) needs 32 octets, got %d", ErrBadRData, n)
			}
		case 2:
			if n != 64 {
				return fmt.Errorf("%w: matching type 2 (sha-512) needs 64 octets, got %d", ErrBadRData, n)
			}
		default:
			return fmt.Errorf("%w: matching type %d not in 0..2", ErrBadRData, r.MatchingType)
		}
	case *dns.CAA:
		if r.Flag != 0 && r.Flag != 128 {
			return fmt.Errorf("%w: flags %d: only the issuer critical bit (128) may be set (rfc 8659 §4.1)", ErrBadRData, r.Flag)
		}
		if len(r.Tag) == 0 || len(r.Tag) > 15 {
			return fmt.Errorf("%w: tag %q: length not in 1..15", ErrBadRData, r.Tag)
		}
		for i := 0; i < len(r.Tag); i++ {
			c := r.Tag[i]
			if 'A' <= c && c <= 'Z' {
				return fmt.Errorf("%w: tag %q: %w: upper case", ErrBadRData, r.Tag, ErrNotCanonical)
			}
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
				return fmt.Errorf("%w: tag %q: only letters and digits are allowed (rfc 8659 §4.1)", ErrBadRData, r.Tag)
			}
		}
		if len(r.Value) > 255 {
			return fmt.Errorf("%w: value longer than 255 octets", ErrBadRData)
		}
		for i := 0; i < len(r.Value); i++ {
			if c := r.Value[i]; c < 0x20 || c > 0x7e || c == '\\' {
				return fmt.Errorf("%w: value: byte 0x%02x: only printable ascii other than '\\' is allowed", ErrBadRData, c)
			}
		}
	default:
		return fmt.Errorf("%w: unexpected record %T", ErrBadRData, rr)
	}
	return nil
}

// checkDataName checks a domain name inside record data, in the absolute
// presentation form miekg/dns decodes (escapes for unusual octets, which
// all rules here refuse). allowRoot admits ".".
func checkDataName(field, name string, r nameRules, allowRoot bool) error {
	if name == "." {
		if allowRoot {
			return nil
		}
		return fmt.Errorf("%w: %s: the root is not allowed here", ErrBadRData, field)
	}
	got, err := parseName(name, r)
	if err != nil {
		return fmt.Errorf("%w: %s %q: %w", ErrBadRData, field, name, err)
	}
	if got+"." != name {
		return fmt.Errorf("%w: %s %q: %w: upper case", ErrBadRData, field, name, ErrNotCanonical)
	}
	return nil
}

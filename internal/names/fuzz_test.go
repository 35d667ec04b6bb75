package names

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// Seeds for the fuzz targets live in testdata/fuzz/<FuzzName>/; the f.Add
// calls below only add a few more.

func FuzzParseDomain(f *testing.F) {
	for _, s := range []string{"dii", "Example.DII.", "xn--bcher-kva.dii", "a..b", "123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDomain(s)
		if err != nil {
			if got != "" {
				t.Fatalf("ParseDomain(%q) = %q with error %v", s, got, err)
			}
			return
		}
		checkCanonicalName(t, s, got)
		again, err := ParseDomain(got)
		if err != nil || again != got {
			t.Fatalf("ParseDomain(%q) = %q, %v; not idempotent on %q", got, again, err, s)
		}
		if owner, err := ParseOwner(s); err != nil || owner != got {
			t.Fatalf("ParseOwner(%q) = %q, %v; ParseDomain gave %q", s, owner, err, got)
		}
		if strings.ContainsAny(got, "_*") {
			t.Fatalf("ParseDomain(%q) = %q holds an owner-only label", s, got)
		}
		if a, err := ToASCII(got); err != nil || a != got {
			t.Fatalf("ToASCII(%q) = %q, %v", got, a, err)
		}
		hasA := strings.HasPrefix(got, "xn--") || strings.Contains(got, ".xn--")
		if u := ToUnicode(got); hasA == (u == got) {
			t.Fatalf("ToUnicode(%q) = %q", got, u)
		}
	})
}

func FuzzParseOwner(f *testing.F) {
	for _, s := range []string{"*.example.dii", "_443._tcp.www.example.dii.", "_", "a.*.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseOwner(s)
		if err != nil {
			if got != "" {
				t.Fatalf("ParseOwner(%q) = %q with error %v", s, got, err)
			}
			if _, err := ParseDomain(s); err == nil {
				t.Fatalf("ParseDomain accepts %q, ParseOwner does not", s)
			}
			return
		}
		checkCanonicalName(t, s, got)
		again, err := ParseOwner(got)
		if err != nil || again != got {
			t.Fatalf("ParseOwner(%q) = %q, %v; not idempotent on %q", got, again, err, s)
		}
		// The helpers agree with each other on every valid owner.
		labels := Labels(got)
		if strings.Join(labels, ".") != got || TLD(got) != labels[len(labels)-1] {
			t.Fatalf("Labels/TLD(%q) = %q, %q", got, labels, TLD(got))
		}
		if Unreverse(Reverse(got)) != got {
			t.Fatalf("Unreverse(Reverse(%q)) = %q", got, Unreverse(Reverse(got)))
		}
		if rel, err := Relative(got, got); err != nil || rel != "@" {
			t.Fatalf("Relative(%q, itself) = %q, %v", got, rel, err)
		}
		if parent, ok := Parent(got); ok {
			if !IsSubdomain(got, parent) || IsSubdomain(parent, got) {
				t.Fatalf("IsSubdomain disagrees with Parent(%q) = %q", got, parent)
			}
			rel, err := Relative(got, parent)
			if err != nil || rel != labels[0] {
				t.Fatalf("Relative(%q, %q) = %q, %v", got, parent, rel, err)
			}
		} else if len(labels) != 1 {
			t.Fatalf("Parent(%q) failed for %d labels", got, len(labels))
		}
	})
}

// checkCanonicalName checks what every accepted name must satisfy.
func checkCanonicalName(t *testing.T, in, got string) {
	t.Helper()
	if got == "" || len(got) > MaxNameLen {
		t.Fatalf("(%q) = %q: length %d", in, got, len(got))
	}
	if got != strings.ToLower(got) || strings.HasSuffix(got, ".") {
		t.Fatalf("(%q) = %q: not canonical", in, got)
	}
	buf := make([]byte, 256)
	n, err := dns.PackDomainName(got+".", buf, 0, nil, false)
	if err != nil || n > 255 {
		t.Fatalf("(%q) = %q: wire form %d octets, %v", in, got, n, err)
	}
	for _, l := range Labels(got) {
		if l == "" || len(l) > MaxLabelLen {
			t.Fatalf("(%q) = %q: bad label %q", in, got, l)
		}
	}
}

// FuzzCheckRData takes the record type from the first two bytes and the
// record data from the rest. Accepted data must print and parse back to the
// same bytes, for every type.
func FuzzCheckRData(f *testing.F) {
	f.Add([]byte{0, 1, 192, 0, 2, 1})
	f.Add([]byte{0, 15, 0, 10, 0xc0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		typ := binary.BigEndian.Uint16(data)
		rd := data[2:]
		err := CheckRData(typ, rd)
		if errors.Is(err, errDecoderPanic) {
			t.Fatalf("CheckRData(%s, %x) panicked inside miekg/dns", TypeName(typ), rd)
		}
		if err != nil {
			return
		}
		if !Allowed(typ) || len(rd) == 0 || len(rd) > MaxRDataLen {
			t.Fatalf("CheckRData(%s, %x) accepted", TypeName(typ), rd)
		}
		text, err := FormatRData(typ, rd)
		if err != nil {
			t.Fatalf("FormatRData(%s, %x): %v", TypeName(typ), rd, err)
		}
		back, err := ParseRData(typ, text)
		if err != nil {
			t.Fatalf("ParseRData(%s, %q) from %x: %v", TypeName(typ), text, rd, err)
		}
		if !bytes.Equal(back, rd) {
			t.Fatalf("round trip of %s %x via %q gave %x", TypeName(typ), rd, text, back)
		}
		if err := CheckRRset("x.example.dii", typ, 300, [][]byte{rd}); err != nil {
			t.Fatalf("CheckRRset with one valid record %s %x: %v", TypeName(typ), rd, err)
		}
	})
}

// FuzzParseRData feeds presentation text for a type (taken modulo the
// accepted types) through ParseRData: it never panics, and what it accepts
// is valid and formats back to text that parses to the same bytes.
func FuzzParseRData(f *testing.F) {
	f.Add(uint8(0), "192.0.2.1")
	f.Add(uint8(3), `10 mail.example.dii`)
	f.Add(uint8(4), `"a" "b\000" c`)
	f.Add(uint8(7), `100 10 "u" "E2U+sip" "!^.*$!sip:a@b.dii!" .`)
	f.Add(uint8(11), `0 issue "a\"b"`)
	f.Fuzz(func(t *testing.T, k uint8, text string) {
		types := AllowedTypes()
		typ := types[int(k)%len(types)]
		wire, err := ParseRData(typ, text)
		if err != nil {
			if wire != nil {
				t.Fatalf("ParseRData(%s, %q) = %x with error %v", TypeName(typ), text, wire, err)
			}
			return
		}
		if err := CheckRData(typ, wire); err != nil {
			t.Fatalf("ParseRData(%s, %q) = %x, which CheckRData rejects: %v", TypeName(typ), text, wire, err)
		}
		out, err := FormatRData(typ, wire)
		if err != nil {
			t.Fatalf("FormatRData(%s, %x): %v", TypeName(typ), wire, err)
		}
		back, err := ParseRData(typ, out)
		if err != nil || !bytes.Equal(back, wire) {
			t.Fatalf("ParseRData(%s, %q) = %x, %v; want %x (from %q)", TypeName(typ), out, back, err, wire, text)
		}
	})
}

package names

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func mustParseRData(t *testing.T, typ uint16, text string) []byte {
	t.Helper()
	wire, err := ParseRData(typ, text)
	if err != nil {
		t.Fatalf("ParseRData(%s, %q): %v", TypeName(typ), text, err)
	}
	return wire
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

var (
	sha256Hex = strings.Repeat("ab", 32)
	sha384Hex = strings.Repeat("cd", 48)
	sha512Hex = strings.Repeat("ef", 64)
)

func TestRDataRoundTrip(t *testing.T) {
	long := strings.Repeat("x", 300)
	cases := []struct {
		typ        uint16
		text, want string // want: FormatRData output
		wire       string // optional expected wire form, hex
	}{
		{dns.TypeA, "192.0.2.1", "192.0.2.1", "c0000201"},
		{dns.TypeA, `\# 4 c0000201`, "192.0.2.1", "c0000201"},
		{dns.TypeAAAA, "2001:DB8::1", "2001:db8::1", "20010db8000000000000000000000001"},
		{dns.TypeAAAA, "::ffff:192.0.2.1", "::ffff:192.0.2.1", "00000000000000000000ffffc0000201"},
		{dns.TypeNS, "NS1.Example.DII", "ns1.example.dii.", "036e7331076578616d706c650364696900"},
		{dns.TypeNS, "ns.xn--bcher-kva.dii.", "ns.xn--bcher-kva.dii.", ""},
		{dns.TypeCNAME, "target.example.net.", "target.example.net.", ""},
		{dns.TypeCNAME, "_acme-challenge.example.net", "_acme-challenge.example.net.", ""},
		{dns.TypeCNAME, nameOfLen(253), nameOfLen(253) + ".", ""},
		{dns.TypeDNAME, "example.net", "example.net.", ""},
		{dns.TypeTXT, `"v=spf1 -all"`, `"v=spf1 -all"`, "0b763d73706631202d616c6c"},
		{dns.TypeTXT, `a b "c d" \000 "\"" "\\"`, `"a" "b" "c d" "\000" "\"" "\\"`, ""},
		{dns.TypeTXT, `""`, `""`, "00"},
		{dns.TypeTXT, `"caf\195\169"`, `"caf\195\169"`, "05636166c3a9"},
		{dns.TypeTXT, `"` + long + `"`, `"` + long[:255] + `" "` + long[255:] + `"`, ""},
		{dns.TypeMX, "10 Mail.Example.DII", "10 mail.example.dii.", "000a046d61696c076578616d706c650364696900"},
		{dns.TypeMX, "0 .", "0 .", "000000"},
		{dns.TypeMX, "0 @", "0 .", "000000"},
		{dns.TypeSRV, "10 60 5060 sip.example.dii", "10 60 5060 sip.example.dii.", ""},
		{dns.TypeSRV, "0 0 0 .", "0 0 0 .", "00000000000000"},
		{dns.TypeNAPTR, `100 10 "S" "SIP+D2U" "" _sip._udp.example.dii`, `100 10 "S" "SIP+D2U" "" _sip._udp.example.dii.`, ""},
		{dns.TypeNAPTR, `100 10 "u" "E2U+sip" "!^.*$!sip:info@example.dii!" .`, `100 10 "u" "E2U+sip" "!^.*$!sip:info@example.dii!" .`, ""},
		{dns.TypeNAPTR, `100 10 "u" "E2U+sip" "!^(.*)$!sip:\\1@example.dii!" .`, `100 10 "u" "E2U+sip" "!^(.*)$!sip:\\1@example.dii!" .`, ""},
		{dns.TypeNAPTR, `10 0 "" "" "" .`, `10 0 "" "" "" .`, ""},
		{dns.TypeCAA, `0 issue "letsencrypt.org"`, `0 issue "letsencrypt.org"`, "000569737375656c657473656e63727970742e6f7267"},
		{dns.TypeCAA, `128 ISSUEWILD ";"`, `128 issuewild ";"`, ""},
		{dns.TypeCAA, `0 iodef "mailto:security@example.dii"`, `0 iodef "mailto:security@example.dii"`, ""},
		{dns.TypeCAA, `0 issue ""`, `0 issue ""`, "00056973737565"},
		{dns.TypeCAA, `0 tbs "a\"b c"`, `0 tbs "a\"b c"`, ""},
		{dns.TypeDS, "12345 13 2 " + strings.ToUpper(sha256Hex), "12345 13 2 " + strings.ToUpper(sha256Hex), "3039" + "0d02" + sha256Hex},
		{dns.TypeDS, "1 8 1 " + strings.Repeat("00", 20), "1 8 1 " + strings.Repeat("00", 20), ""},
		{dns.TypeDS, "1 14 4 " + sha384Hex, "1 14 4 " + strings.ToUpper(sha384Hex), ""},
		{dns.TypeDS, "1 8 200 0102", "1 8 200 0102", ""}, // unknown digest type: any length
		{dns.TypeTLSA, "3 1 1 " + sha256Hex, "3 1 1 " + sha256Hex, "030101" + sha256Hex},
		{dns.TypeTLSA, "2 0 2 " + sha512Hex, "2 0 2 " + sha512Hex, ""},
		{dns.TypeTLSA, "0 0 0 308201", "0 0 0 308201", ""},
	}
	covered := map[uint16]bool{}
	for _, c := range cases {
		t.Run(TypeName(c.typ)+" "+c.text[:min(len(c.text), 40)], func(t *testing.T) {
			wire := mustParseRData(t, c.typ, c.text)
			if c.wire != "" && !bytes.Equal(wire, unhex(t, c.wire)) {
				t.Fatalf("wire = %x, want %s", wire, c.wire)
			}
			if err := CheckRData(c.typ, wire); err != nil {
				t.Fatalf("CheckRData(%x): %v", wire, err)
			}
			text, err := FormatRData(c.typ, wire)
			if err != nil {
				t.Fatalf("FormatRData(%x): %v", wire, err)
			}
			if text != c.want {
				t.Fatalf("FormatRData = %q, want %q", text, c.want)
			}
			again := mustParseRData(t, c.typ, text)
			if !bytes.Equal(again, wire) {
				t.Fatalf("ParseRData(FormatRData) = %x, want %x", again, wire)
			}
		})
		covered[c.typ] = true
	}
	for _, typ := range AllowedTypes() {
		if !covered[typ] {
			t.Errorf("no round-trip case for %s", TypeName(typ))
		}
	}
}

func TestParseRDataRejects(t *testing.T) {
	tooLongTXT := strings.Repeat(`"`+strings.Repeat("x", 255)+`" `, 17)
	cases := []struct {
		typ  uint16
		text string
		err  error
	}{
		{dns.TypeSOA, "ns.dii. admin.dii. 1 2 3 4 5", ErrUnknownType},
		{dns.TypeRRSIG, "x", ErrUnknownType},
		{dns.TypePTR, "example.dii.", ErrUnknownType},
		{65280, "x", ErrUnknownType},
		{dns.TypeA, "", ErrBadRData},
		{dns.TypeA, "192.0.2", ErrBadRData},
		{dns.TypeA, "::1", ErrBadRData},
		{dns.TypeA, "192.0.2.1 192.0.2.2", ErrBadRData},
		{dns.TypeA, "192.0.2.1\n. 0 IN A 192.0.2.2", ErrBadRData},
		{dns.TypeAAAA, "192.0.2.1", ErrBadRData},
		{dns.TypeNS, ".", ErrBadRData},
		{dns.TypeNS, "_ns.example.dii", ErrBadChar},
		{dns.TypeNS, "ns-.example.dii", ErrHyphen},
		{dns.TypeNS, `ns\.x.example.dii`, ErrBadChar},
		{dns.TypeNS, "ns.xn--a.dii", ErrBadALabel},
		{dns.TypeCNAME, ".", ErrBadRData},
		{dns.TypeCNAME, "*.example.dii", ErrBadChar},
		{dns.TypeCNAME, nameOfLen(254), ErrBadRData}, // 256 octets in wire form
		{dns.TypeDNAME, "@", ErrBadRData},
		{dns.TypeMX, "10 192.0.2.1", ErrNumericTLD},
		{dns.TypeMX, "5 .", ErrBadRData}, // null MX needs preference 0
		{dns.TypeMX, "10", ErrBadRData},
		{dns.TypeMX, "70000 mail.example.dii", ErrBadRData},
		{dns.TypeSRV, "0 0 5060 _sip.example.dii", ErrBadChar},
		{dns.TypeTXT, tooLongTXT, ErrRDataTooLong},
		{dns.TypeNAPTR, `100 10 "S!" "SIP+D2U" "" _sip._udp.example.dii`, ErrBadRData},
		{dns.TypeNAPTR, `100 10 "u" "E2U+sip" "!^.*$!sip:a@b!" example.dii`, ErrBadRData},
		{dns.TypeDS, "12345 13 2 " + strings.Repeat("00", 20), ErrBadRData},
		{dns.TypeDS, "12345 13 1 " + sha256Hex, ErrBadRData},
		{dns.TypeDS, "12345 0 2 " + sha256Hex, ErrBadRData},
		{dns.TypeDS, "12345 13 0 " + sha256Hex, ErrBadRData},
		{dns.TypeDS, "12345 13 2", ErrBadRData},
		{dns.TypeTLSA, "4 1 1 " + sha256Hex, ErrBadRData},
		{dns.TypeTLSA, "3 2 1 " + sha256Hex, ErrBadRData},
		{dns.TypeTLSA, "3 1 3 " + sha256Hex, ErrBadRData},
		{dns.TypeTLSA, "3 1 1 " + sha256Hex[2:], ErrBadRData},
		{dns.TypeTLSA, "3 1 2 " + sha256Hex, ErrBadRData},
		{dns.TypeCAA, `1 issue "x"`, ErrBadRData},
		{dns.TypeCAA, `0 is-sue "x"`, ErrBadRData},
		{dns.TypeCAA, `0 abcdefghijklmnop "x"`, ErrBadRData},
		{dns.TypeCAA, `0 issue "a\\b"`, ErrBadRData},
		{dns.TypeCAA, `0 issue "a\009b"`, ErrBadRData},
	}
	for _, c := range cases {
		t.Run(TypeName(c.typ)+" "+c.text[:min(len(c.text), 40)], func(t *testing.T) {
			wire, err := ParseRData(c.typ, c.text)
			if !errors.Is(err, c.err) {
				t.Fatalf("ParseRData(%s, %q) = %x, %v, want %v", TypeName(c.typ), c.text, wire, err, c.err)
			}
			if wire != nil {
				t.Fatalf("ParseRData returned data with an error: %x", wire)
			}
		})
	}
}

// TestTXT256 covers a 256-octet TXT string: presentation text is split into
// 255 + 1 octets (miekg/dns behaviour), while wire data claiming one
// 256-octet string cannot exist (the length is one octet) and is refused.
func TestTXT256(t *testing.T) {
	s := strings.Repeat("y", 256)
	wire := mustParseRData(t, dns.TypeTXT, `"`+s+`"`)
	want := append(append([]byte{255}, s[:255]...), 1, 'y')
	if !bytes.Equal(wire, want) {
		t.Fatalf("wire = %x, want %x", wire, want)
	}
	bad := append([]byte{255}, s...) // 255-length string then a stray byte
	if err := CheckRData(dns.TypeTXT, bad); !errors.Is(err, ErrBadRData) {
		t.Fatalf("CheckRData(256-octet string) = %v, want ErrBadRData", err)
	}
}

func TestCheckRDataRejects(t *testing.T) {
	mx := "000a" + "046d61696c" + "076578616d706c65" + "03646969" + "00" // 10 mail.example.dii.
	txtMax := bytes.Repeat(append([]byte{255}, bytes.Repeat([]byte{'z'}, 255)...), 16)
	if len(txtMax) != MaxRDataLen {
		t.Fatalf("test setup: %d", len(txtMax))
	}
	if err := CheckRData(dns.TypeTXT, txtMax); err != nil {
		t.Fatalf("CheckRData(TXT of exactly MaxRDataLen): %v", err)
	}
	if err := CheckRData(dns.TypeMX, unhex(t, mx)); err != nil {
		t.Fatalf("CheckRData(valid MX): %v", err)
	}
	soa := mustWire(t, "ns.dii. admin.dii. 1 7200 3600 1209600 300", dns.TypeSOA)
	cases := []struct {
		name string
		typ  uint16
		data []byte
		err  error
	}{
		{"soa", dns.TypeSOA, soa, ErrUnknownType},
		{"unknown type", 65280, []byte{1}, ErrUnknownType},
		{"type 0", 0, []byte{1}, ErrUnknownType},
		{"opt", dns.TypeOPT, []byte{0, 0}, ErrUnknownType},
		{"nil", dns.TypeA, nil, ErrBadRData},
		{"empty txt", dns.TypeTXT, []byte{}, ErrBadRData},
		{"a short", dns.TypeA, []byte{1, 2, 3}, ErrBadRData},
		{"a long", dns.TypeA, []byte{1, 2, 3, 4, 5}, ErrBadRData},
		{"aaaa short", dns.TypeAAAA, make([]byte, 15), ErrBadRData},
		{"aaaa long", dns.TypeAAAA, make([]byte, 17), ErrBadRData},
		{"mx truncated", dns.TypeMX, unhex(t, mx)[:8], ErrBadRData},
		{"mx no name", dns.TypeMX, unhex(t, "000a"), ErrBadRData},
		{"mx one byte", dns.TypeMX, []byte{0}, ErrBadRData},
		{"mx extended", dns.TypeMX, unhex(t, mx+"00"), ErrBadRData},
		{"mx compressed to root", dns.TypeMX, unhex(t, "0000c000"), ErrNotCanonical},
		{"mx compressed suffix", dns.TypeMX, unhex(t, "000a 046d61696c c000"), ErrBadRData},
		{"mx pointer into rdata", dns.TypeMX, unhex(t, "000a 03646969 00 c00d"), ErrBadRData},
		{"mx pointer loop", dns.TypeMX, unhex(t, "000a c00d"), ErrBadRData},
		{"mx upper case", dns.TypeMX, unhex(t, "000a 044d61696c 076578616d706c65 03646969 00"), ErrNotCanonical},
		{"mx reserved label type", dns.TypeMX, unhex(t, "000a 4100"), ErrBadRData},
		{"mx label with dot", dns.TypeMX, unhex(t, "000a 03612e62 03646969 00"), ErrBadChar},
		{"mx null with preference", dns.TypeMX, unhex(t, "000500"), ErrBadRData},
		{"ns root", dns.TypeNS, []byte{0}, ErrBadRData},
		{"ns underscore", dns.TypeNS, unhex(t, "035f6e73 03646969 00"), ErrBadChar},
		{"cname wildcard", dns.TypeCNAME, unhex(t, "012a 03646969 00"), ErrBadChar},
		{"cname numeric tld", dns.TypeCNAME, unhex(t, "0161 03313233 00"), ErrNumericTLD},
		{"txt overrun", dns.TypeTXT, unhex(t, "056162"), ErrBadRData},
		{"txt too long", dns.TypeTXT, append(txtMax, 0), ErrRDataTooLong},
		{"ds empty digest", dns.TypeDS, unhex(t, "30390d02"), ErrBadRData},
		{"ds short digest", dns.TypeDS, unhex(t, "30390d02"+sha256Hex[2:]), ErrBadRData},
		{"ds truncated", dns.TypeDS, unhex(t, "3039"), ErrBadRData},
		{"tlsa no data", dns.TypeTLSA, unhex(t, "030101"), ErrBadRData},
		{"caa upper tag", dns.TypeCAA, unhex(t, "0005495353554578"), ErrNotCanonical},
		{"caa empty tag", dns.TypeCAA, unhex(t, "000078"), ErrBadRData},
		{"caa no tag", dns.TypeCAA, unhex(t, "00"), ErrBadRData},
		{"caa tag overrun", dns.TypeCAA, unhex(t, "0009697373"), ErrBadRData},
		{"caa backslash", dns.TypeCAA, unhex(t, "00056973737565615c62"), ErrBadRData},
		{"caa control byte", dns.TypeCAA, unhex(t, "0005697373756561 0a"), ErrBadRData},
		{"caa long value", dns.TypeCAA, append(unhex(t, "00056973737565"), bytes.Repeat([]byte{'v'}, 256)...), ErrBadRData},
		{"srv short", dns.TypeSRV, unhex(t, "000000000000"), ErrBadRData},
		{"naptr truncated", dns.TypeNAPTR, unhex(t, "0064000a0153"), ErrBadRData},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := CheckRData(c.typ, c.data); !errors.Is(err, c.err) {
				t.Fatalf("CheckRData(%s, %x) = %v, want %v", TypeName(c.typ), c.data, err, c.err)
			}
			if s, err := FormatRData(c.typ, c.data); err == nil || s != "" {
				t.Fatalf("FormatRData(%s, %x) = %q, %v, want an error", TypeName(c.typ), c.data, s, err)
			}
		})
	}
}

// mustWire packs a record of any type (even one the registry refuses) with
// miekg/dns, for building test input.
func mustWire(t *testing.T, text string, typ uint16) []byte {
	t.Helper()
	rr, err := dns.NewRR(". 0 IN " + TypeName(typ) + " " + text)
	if err != nil {
		t.Fatal(err)
	}
	wire, err := packRData(rr, 70000)
	if err != nil {
		t.Fatal(err)
	}
	return wire
}

// TestStringFieldBytes puts every octet value into the free-form string
// fields (TXT strings, NAPTR service and regexp, CAA value): accepted data
// must survive FormatRData and ParseRData unchanged.
func TestStringFieldBytes(t *testing.T) {
	for b := 0; b < 256; b++ {
		c := byte(b)
		inputs := []struct {
			typ  uint16
			data []byte
		}{
			{dns.TypeTXT, []byte{3, 'a', c, 'b'}},
			{dns.TypeTXT, []byte{1, c, 2, c, c}},
			{dns.TypeNAPTR, append([]byte{0, 1, 0, 2, 1, 'u', 2, 'x', c, 3, '!', c, '!'}, 0)},
			{dns.TypeNAPTR, append([]byte{0, 1, 0, 2, 0, 1, c, 0}, 1, 'x', 3, 'd', 'i', 'i', 0)},
			{dns.TypeCAA, []byte{0, 5, 'i', 's', 's', 'u', 'e', 'a', c, 'b'}},
		}
		for _, in := range inputs {
			err := CheckRData(in.typ, in.data)
			if err != nil {
				if in.typ != dns.TypeCAA {
					t.Errorf("CheckRData(%s, %x): %v", TypeName(in.typ), in.data, err)
				}
				continue
			}
			text, err := FormatRData(in.typ, in.data)
			if err != nil {
				t.Fatalf("FormatRData(%s, %x): %v", TypeName(in.typ), in.data, err)
			}
			back, err := ParseRData(in.typ, text)
			if err != nil || !bytes.Equal(back, in.data) {
				t.Errorf("%s %x -> %q -> %x, %v", TypeName(in.typ), in.data, text, back, err)
			}
		}
	}
}

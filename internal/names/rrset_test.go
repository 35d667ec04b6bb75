package names

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestCheckTTL(t *testing.T) {
	for _, c := range []struct {
		ttl uint32
		err error
	}{
		{0, nil}, {1, nil}, {3600, nil}, {MaxTTL, nil},
		{MaxTTL + 1, ErrTTL}, {1 << 31, ErrTTL}, {^uint32(0), ErrTTL},
	} {
		if err := CheckTTL(c.ttl); !errors.Is(err, c.err) {
			t.Errorf("CheckTTL(%d) = %v, want %v", c.ttl, err, c.err)
		}
	}
}

func TestRRsetSize(t *testing.T) {
	rd := [][]byte{{1, 2, 3, 4}, {5, 6, 7, 8}}
	// "example.dii" is 13 octets in wire form; each record 13+10+4.
	if got := RRsetSize("example.dii", rd); got != 2*27 {
		t.Errorf("RRsetSize = %d, want 54", got)
	}
	if got := RRsetSize("example.dii.", rd[:1]); got != 27 {
		t.Errorf("RRsetSize with trailing dot = %d, want 27", got)
	}
	if got := RRsetSize("", rd[:1]); got != 1+10+4 {
		t.Errorf("RRsetSize(root) = %d, want 15", got)
	}
	if got := RRsetSize("x.dii", nil); got != 0 {
		t.Errorf("RRsetSize(no records) = %d", got)
	}
}

func rdatas(t *testing.T, typ uint16, texts ...string) [][]byte {
	t.Helper()
	out := make([][]byte, len(texts))
	for i, s := range texts {
		out[i] = mustParseRData(t, typ, s)
	}
	return out
}

func TestCheckRRset(t *testing.T) {
	a1 := rdatas(t, dns.TypeA, "192.0.2.1")
	a2 := rdatas(t, dns.TypeA, "192.0.2.1", "192.0.2.2")
	many := make([]string, MaxRecordsPerRRset+1)
	for i := range many {
		many[i] = "192.0.2." + strconv.Itoa(i+1)
	}
	bigTXT := make([]string, 4)
	for i := range bigTXT {
		bigTXT[i] = strings.Repeat(`"`+strings.Repeat(string(rune('a'+i)), 255)+`" `, 16)
	}
	cases := []struct {
		name  string
		owner string
		typ   uint16
		ttl   uint32
		rd    [][]byte
		err   error
	}{
		{"one A", "example.dii", dns.TypeA, 3600, a1, nil},
		{"two A", "www.example.dii", dns.TypeA, 0, a2, nil},
		{"max records", "example.dii", dns.TypeA, 300, rdatas(t, dns.TypeA, many[:MaxRecordsPerRRset]...), nil},
		{"wildcard A", "*.example.dii", dns.TypeA, 300, a1, nil},
		{"wildcard CNAME", "*.example.dii", dns.TypeCNAME, 300, rdatas(t, dns.TypeCNAME, "example.dii"), nil},
		{"underscore TXT", "_dmarc.example.dii", dns.TypeTXT, 300, rdatas(t, dns.TypeTXT, `"v=DMARC1; p=none"`), nil},
		{"TLSA", "_443._tcp.www.example.dii", dns.TypeTLSA, 300, rdatas(t, dns.TypeTLSA, "3 1 1 "+sha256Hex), nil},
		{"TLD NS", "dii", dns.TypeNS, MaxTTL, rdatas(t, dns.TypeNS, "a.ns.dii", "b.ns.dii"), nil},
		{"null MX", "example.dii", dns.TypeMX, 300, rdatas(t, dns.TypeMX, "0 ."), nil},
		{"two MX", "example.dii", dns.TypeMX, 300, rdatas(t, dns.TypeMX, "10 a.example.dii", "20 b.example.dii"), nil},

		{"bad owner", "-x.example.dii", dns.TypeA, 300, a1, ErrHyphen},
		{"root owner", "", dns.TypeA, 300, a1, ErrEmpty},
		{"owner upper case", "Example.dii", dns.TypeA, 300, a1, ErrNotCanonical},
		{"owner trailing dot", "example.dii.", dns.TypeA, 300, a1, ErrNotCanonical},
		{"SOA", "example.dii", dns.TypeSOA, 300, a1, ErrUnknownType},
		{"unknown type", "example.dii", 65280, 300, a1, ErrUnknownType},
		{"ttl", "example.dii", dns.TypeA, MaxTTL + 1, a1, ErrTTL},
		{"no records", "example.dii", dns.TypeA, 300, nil, ErrRRsetSize},
		{"too many records", "example.dii", dns.TypeA, 300, rdatas(t, dns.TypeA, many...), ErrRRsetSize},
		{"duplicate", "example.dii", dns.TypeA, 300, [][]byte{a2[0], a2[1], a2[0]}, ErrDuplicate},
		{"bad record", "example.dii", dns.TypeA, 300, [][]byte{a1[0], {1, 2, 3}}, ErrBadRData},
		{"wrong type data", "example.dii", dns.TypeAAAA, 300, a1, ErrBadRData},
		{"two CNAME", "www.example.dii", dns.TypeCNAME, 300, rdatas(t, dns.TypeCNAME, "a.example.dii", "b.example.dii"), ErrRRsetSize},
		{"two DNAME", "www.example.dii", dns.TypeDNAME, 300, rdatas(t, dns.TypeDNAME, "a.example.dii", "b.example.dii"), ErrRRsetSize},
		{"null MX and MX", "example.dii", dns.TypeMX, 300, rdatas(t, dns.TypeMX, "0 .", "10 mail.example.dii"), ErrBadRData},
		{"wildcard NS", "*.example.dii", dns.TypeNS, 300, rdatas(t, dns.TypeNS, "ns.example.net"), ErrCoexistence},
		{"wildcard DS", "*.example.dii", dns.TypeDS, 300, rdatas(t, dns.TypeDS, "1 13 2 "+sha256Hex), ErrCoexistence},
		{"wildcard DNAME", "*.example.dii", dns.TypeDNAME, 300, rdatas(t, dns.TypeDNAME, "example.net"), ErrCoexistence},
		{"too many bytes", "example.dii", dns.TypeTXT, 300, rdatas(t, dns.TypeTXT, bigTXT...), ErrRRsetSize},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckRRset(c.owner, c.typ, c.ttl, c.rd)
			if !errors.Is(err, c.err) {
				t.Fatalf("CheckRRset(%q, %s, %d, %d records) = %v, want %v", c.owner, TypeName(c.typ), c.ttl, len(c.rd), err, c.err)
			}
		})
	}
}

func TestCheckCoexistence(t *testing.T) {
	const (
		A, AAAA, NS, DS, CNAME, DNAME = dns.TypeA, dns.TypeAAAA, dns.TypeNS, dns.TypeDS, dns.TypeCNAME, dns.TypeDNAME
		MX, TXT, SOA                  = dns.TypeMX, dns.TypeTXT, dns.TypeSOA
	)
	cases := []struct {
		types []uint16
		err   error
	}{
		{nil, nil},
		{[]uint16{A}, nil},
		{[]uint16{A, AAAA, MX, TXT}, nil},
		{[]uint16{CNAME}, nil},
		{[]uint16{NS}, nil},
		{[]uint16{NS, DS}, nil},
		{[]uint16{DS, NS, A}, nil}, // glue-less delegation plus address: allowed here
		{[]uint16{DNAME, A}, nil},
		{[]uint16{SOA, NS, DNAME}, nil},
		{[]uint16{SOA, NS, A, MX}, nil},

		{[]uint16{CNAME, A}, ErrCoexistence},
		{[]uint16{TXT, CNAME}, ErrCoexistence},
		{[]uint16{CNAME, DNAME}, ErrCoexistence},
		{[]uint16{SOA, CNAME}, ErrCoexistence}, // CNAME at a zone apex
		{[]uint16{DS}, ErrCoexistence},
		{[]uint16{DS, A}, ErrCoexistence},
		{[]uint16{NS, DNAME}, ErrCoexistence},
		{[]uint16{A, A}, ErrDuplicate},
		{[]uint16{SOA, SOA}, ErrDuplicate},
		{[]uint16{A, dns.TypeRRSIG}, ErrUnknownType},
		{[]uint16{65280}, ErrUnknownType},
	}
	for _, c := range cases {
		err := CheckCoexistence(c.types)
		if !errors.Is(err, c.err) {
			t.Errorf("CheckCoexistence(%v) = %v, want %v", c.types, err, c.err)
		}
	}
}

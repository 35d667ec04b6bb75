package names

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestAllowedTypes(t *testing.T) {
	want := []uint16{
		dns.TypeA, dns.TypeNS, dns.TypeCNAME, dns.TypeMX, dns.TypeTXT, dns.TypeAAAA,
		dns.TypeSRV, dns.TypeNAPTR, dns.TypeDNAME, dns.TypeDS, dns.TypeTLSA, dns.TypeCAA,
	}
	got := AllowedTypes()
	if !slices.Equal(got, want) {
		t.Fatalf("AllowedTypes() = %v, want %v", got, want)
	}
	if !slices.IsSorted(got) {
		t.Fatalf("AllowedTypes() not sorted: %v", got)
	}
	got[0] = 999 // a copy: must not change the package's list
	if AllowedTypes()[0] != dns.TypeA {
		t.Fatal("AllowedTypes returned shared storage")
	}
	n := 0
	for typ := 0; typ <= 0xffff; typ++ {
		if Allowed(uint16(typ)) {
			n++
			if !slices.Contains(want, uint16(typ)) {
				t.Errorf("Allowed(%d) = true", typ)
			}
		}
	}
	if n != len(want) {
		t.Errorf("%d types allowed, want %d", n, len(want))
	}
}

func TestTypeByName(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint16
		err  error
	}{
		{"A", dns.TypeA, nil},
		{"a", dns.TypeA, nil},
		{"aaaa", dns.TypeAAAA, nil},
		{"Caa", dns.TypeCAA, nil},
		{"TLSA", dns.TypeTLSA, nil},
		{"naptr", dns.TypeNAPTR, nil},
		{"TYPE28", dns.TypeAAAA, nil},
		{"type257", dns.TypeCAA, nil},
		{"TYPE028", 0, ErrUnknownType},
		{"TYPE6", 0, ErrUnknownType}, // SOA by number
		{"TYPE65535", 0, ErrUnknownType},
		{"TYPE65536", 0, ErrUnknownType},
		{"TYPE", 0, ErrUnknownType},
		{"TYPE-1", 0, ErrUnknownType},
		{"SOA", 0, ErrUnknownType},
		{"RRSIG", 0, ErrUnknownType},
		{"NSEC", 0, ErrUnknownType},
		{"DNSKEY", 0, ErrUnknownType},
		{"OPT", 0, ErrUnknownType},
		{"ANY", 0, ErrUnknownType},
		{"PTR", 0, ErrUnknownType},
		{"SVCB", 0, ErrUnknownType},
		{"", 0, ErrUnknownType},
		{"A ", 0, ErrUnknownType},
		{"bogus", 0, ErrUnknownType},
		{"n\u017f", 0, ErrUnknownType}, // "nſ" upper-cases to "NS" in Unicode
	} {
		got, err := TypeByName(c.in)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("TypeByName(%q) = %d, %v, want %d, %v", c.in, got, err, c.want, c.err)
		}
	}
	_, err := TypeByName("soa")
	if err == nil || !strings.Contains(err.Error(), "derived") {
		t.Errorf("TypeByName(soa) error %v does not explain that the SOA is derived", err)
	}
}

func TestTypeName(t *testing.T) {
	for _, c := range []struct {
		in   uint16
		want string
	}{
		{dns.TypeA, "A"}, {dns.TypeCAA, "CAA"}, {dns.TypeSOA, "SOA"}, {65000, "TYPE65000"},
	} {
		if got := TypeName(c.in); got != c.want {
			t.Errorf("TypeName(%d) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, typ := range AllowedTypes() {
		back, err := TypeByName(TypeName(typ))
		if err != nil || back != typ {
			t.Errorf("TypeByName(TypeName(%d)) = %d, %v", typ, back, err)
		}
	}
}

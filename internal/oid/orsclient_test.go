package oid_test

import (
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/oid"
)

func TestApplyNAPTRRegexp(t *testing.T) {
	for _, c := range []struct{ re, aus, want, err string }{
		{"!^.*$!urn:oid:2.999.5!", "2.999.5", "urn:oid:2.999.5", ""},
		{"!^.*$!https://x.example/v1/oids/2.999?children=1!", "/Joint-ISO-ITU-T/Example", "https://x.example/v1/oids/2.999?children=1", ""},
		{`!^([0-9]+)\.([0-9]+)$!urn:oid:\2.\1!`, "2.999", "urn:oid:999.2", ""},
		{`/^(.*)$/see \/ \1 $5/i`, "ABC", "see / ABC $5", ""},
		{"!^x$!y!", "z", "", "does not match"},
		{"!^x$!y", "x", "", "want"},
		{"!^x$!y!g", "x", "", "want"},
		{"1^x1y1", "x", "", "bad delimiter"},
		{"!(!y!", "x", "", "error parsing"},
	} {
		got, err := oid.ApplyNAPTRRegexp(c.re, c.aus)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q on %q: %q, %v; want error %q", c.re, c.aus, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q on %q: %q, %v; want %q", c.re, c.aus, got, err, c.want)
		}
	}
}

func TestORSQueryName(t *testing.T) {
	for _, c := range []struct{ in, domain, want string }{
		{"2.16.156.101818.102.1", "", "1.102.101818.156.16.2.oid-res.org."},
		{"2.999", "ORS.example.", "999.2.ors.example."},
		{"/Joint-ISO-ITU-T/Example/中国", "", "xn--fiqs8s.example.joint-iso-itu-t.oid-res.org."},
		{"/2/999/E\u0301ins", "", "xn--ins-mia.999.2.oid-res.org."}, // put in NFC: Éins
	} {
		got, err := oid.ORSQueryName(c.in, c.domain)
		if err != nil || got != c.want {
			t.Errorf("ORSQueryName(%q, %q) = %q, %v; want %q", c.in, c.domain, got, err, c.want)
		}
	}
	for _, bad := range []string{"2..1", "/a b", "/", "3.1", "2.999" + strings.Repeat(".18446744073709551615", 12)} {
		if got, err := oid.ORSQueryName(bad, ""); err == nil {
			t.Errorf("ORSQueryName(%q) = %q, want an error", bad, got)
		}
	}
}

// TestORSClientChain: the client follows DNAMEs with or without the
// CNAMEs a server synthesises.
func TestORSClientChain(t *testing.T) {
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	naptr := rr(`lab.999.2.oid-res.org. 60 IN NAPTR 100 10 "U" "COID" "!^.*$!urn:oid:2.999.5!" .`)
	with := []dns.RR{
		rr("example.2.oid-res.org. 60 IN DNAME 999.2.oid-res.org."),
		rr("lab.example.2.oid-res.org. 60 IN CNAME lab.999.2.oid-res.org."),
		naptr,
	}
	without := []dns.RR{with[0], naptr}
	for _, answer := range [][]dns.RR{with, without} {
		end, links := oid.FollowChainForTest(answer, "lab.example.2.oid-res.org.")
		if end != "lab.999.2.oid-res.org." || len(links) != 1 || links[0].Type != "DNAME" {
			t.Errorf("end %s, links %+v", end, links)
		}
	}
}

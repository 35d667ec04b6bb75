package oid_test

import (
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/tx"
)

func rrText(rrs []dns.RR) string {
	var out []string
	for _, rr := range rrs {
		out = append(out, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	return strings.Join(out, "\n")
}

func TestORSName(t *testing.T) {
	if got := oid.ORSName(mustParse(t, "2.16.156.101818.102.1"), ""); got != "1.102.101818.156.16.2.oid-res.org." {
		t.Fatalf("ORSName = %q", got)
	}
	if got := oid.ORSName(mustParse(t, "1"), "ORS.Example."); got != "1.ors.example." {
		t.Fatalf("ORSName with domain = %q", got)
	}
}

func TestORSRecords(t *testing.T) {
	w := world(t)
	run(t, w,
		step{operator, t0, alloc("2.999.5", nil0), nil},
		step{operator, t0, &tx.OIDSet{OID: "2.999.5", Labels: []string{"Lab", "中国"}}, nil},
	)
	a := arc(t, w, "2.999.5")
	rrs, err := oid.ORSRecords(a, 2, oid.ORSConfig{InfoURL: "https://node.example/", TTL: 300})
	if err != nil {
		t.Fatal(err)
	}
	want := `5.999.2.oid-res.org. 300 IN NAPTR 100 10 "U" "COID" "!^.*$!urn:oid:2.999.5!" .
5.999.2.oid-res.org. 300 IN NAPTR 100 20 "U" "RINF" "!^.*$!https://node.example/v1/oids/2.999.5!" .
5.999.2.oid-res.org. 300 IN NAPTR 100 30 "U" "CINF" "!^.*$!https://node.example/v1/oids/2.999.5?children=1!" .
lab.999.2.oid-res.org. 300 IN DNAME 5.999.2.oid-res.org.
lab.999.2.oid-res.org. 300 IN NAPTR 100 10 "U" "COID" "!^.*$!urn:oid:2.999.5!" .
xn--fiqs8s.999.2.oid-res.org. 300 IN DNAME 5.999.2.oid-res.org.
xn--fiqs8s.999.2.oid-res.org. 300 IN NAPTR 100 10 "U" "COID" "!^.*$!urn:oid:2.999.5!" .`
	if got := rrText(rrs); got != want {
		t.Fatalf("records:\n%s\nwant:\n%s", got, want)
	}
	// Every record packs as DNS wire data.
	for _, rr := range rrs {
		buf := make([]byte, dns.Len(rr)+10)
		if _, err := dns.PackRR(rr, buf, 0, nil, false); err != nil {
			t.Fatalf("pack %s: %v", rr, err)
		}
	}

	// No children, no InfoURL, other services, a top arc.
	rrs, err = oid.ORSRecords(arc(t, w, "2"), 0, oid.ORSConfig{Domain: "ors.test", Services: &oid.ORSServices{COID: "E2U+coid"}})
	if err != nil {
		t.Fatal(err)
	}
	want = `2.ors.test. 3600 IN NAPTR 100 10 "U" "E2U+coid" "!^.*$!urn:oid:2!" .
joint-iso-itu-t.ors.test. 3600 IN DNAME 2.ors.test.
joint-iso-itu-t.ors.test. 3600 IN NAPTR 100 10 "U" "E2U+coid" "!^.*$!urn:oid:2!" .`
	if got := rrText(rrs); got != want {
		t.Fatalf("records:\n%s\nwant:\n%s", got, want)
	}

	// An OID too deep for a DNS name.
	deep := &oid.Arc{OID: mustParse(t, "2.999"+strings.Repeat(".18446744073709551615", 20))}
	if _, err := oid.ORSRecords(deep, 0, oid.ORSConfig{}); err == nil {
		t.Fatal("a 400-byte name was accepted")
	}
}

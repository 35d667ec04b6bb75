package zone

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
)

// arcSpec is one arc of a test OID tree.
type arcSpec struct {
	oid     string
	labels  []string
	ids     []string
	retired bool
}

func putArc(tb testing.TB, a arcSpec) state.Change {
	tb.Helper()
	o, err := oid.Parse(a.oid)
	if err != nil {
		tb.Fatal(err)
	}
	rec := &oid.Arc{OID: o, Authority: [20]byte{1}, Created: 1, Updated: 1, Labels: a.labels, Identifiers: a.ids, Retired: a.retired}
	if a.retired {
		rec.RetiredAt = 2
	}
	return state.Change{Key: oid.ArcKey(o), Value: rec.Encode()}
}

func putIdentity(tb testing.TB, s string, st oid.Status) state.Change {
	tb.Helper()
	o, err := oid.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	id := &oid.Identity{OID: o, Kind: oid.KindFLC, Status: st, Holder: [20]byte{2}, Applied: 1, Updated: 1}
	return state.Change{Key: oid.UAVKey(o), Value: id.Encode()}
}

// orsTree is the OID tree of the ORS tests.
func orsTree() []arcSpec {
	return []arcSpec{
		{oid: "0", labels: []string{"ITU-T"}, ids: []string{"itu-t", "ccitt"}},
		{oid: "1", labels: []string{"ISO"}, ids: []string{"iso"}},
		{oid: "2", labels: []string{"Joint-ISO-ITU-T"}, ids: []string{"joint-iso-itu-t", "joint-iso-ccitt"}},
		{oid: "2.999", labels: []string{"Example"}, ids: []string{"example"}},
		{oid: "2.999.5", labels: []string{"Lab", "中国"}, ids: []string{"lab"}},
		{oid: "2.999.5.1", labels: []string{"Éins"}},
		{oid: "2.999.6", labels: []string{"Old"}, retired: true},
		// Two siblings share an identifier; a third's identifier is
		// another sibling's label.
		{oid: "2.999.7", ids: []string{"twin"}},
		{oid: "2.999.8", ids: []string{"twin", "Lab"}},
		{oid: "2.999.9", labels: []string{"a~b"}},
		{oid: "2.999.677", labels: []string{"UAV"}},
		{oid: "2.999.677.1", labels: []string{"Full-Life-Cycle"}},
	}
}

func orsTestConfig() Config {
	c := testConfig()
	c.ORS = &oid.ORSConfig{Domain: "OID-Res.org.", TTL: 300, InfoURL: "https://node.example/",
		LINF: oid.DefaultLINF, MINF: "https://modules.example/{oid}.asn"}
	return c
}

func orsVersion(tb testing.TB, extra ...state.Change) *state.Version {
	tb.Helper()
	var ch []state.Change
	for _, a := range orsTree() {
		ch = append(ch, putArc(tb, a))
	}
	ch = append(ch, putIdentity(tb, "2.999.677.1.1001", oid.StatusRevoked))
	return state.Empty().Next(fixtureHeight, append(ch, extra...))
}

func orsFixture(tb testing.TB, cfg Config, extra ...state.Change) *Snapshot {
	tb.Helper()
	s, err := Build(orsVersion(tb, extra...), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

const (
	orsSOA = "oid-res.org. 300 SOA a.root-servers.dii. hostmaster.oid-res.org. 7 1800 900 604800 300"
	n5     = `5.999.2.oid-res.org. 300 NAPTR 100 10 "U" "COID" "!^.*$!urn:oid:2.999.5!" .`
)

func TestORSLookup(t *testing.T) {
	s := orsFixture(t, orsTestConfig())
	for _, c := range []struct {
		qname string
		qtype uint16
		want  string
	}{
		// Every service at the arc's number.
		{"5.999.2.OID-RES.org", dns.TypeNAPTR, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\n" +
			"an: " + n5 + "\n" +
			`an: 5.999.2.oid-res.org. 300 NAPTR 100 20 "U" "RINF" "!^.*$!https://node.example/v1/oids/2.999.5!" .` + "\n" +
			`an: 5.999.2.oid-res.org. 300 NAPTR 100 30 "U" "CINF" "!^.*$!https://node.example/v1/oids/2.999.5?children=1!" .` + "\n" +
			`an: 5.999.2.oid-res.org. 300 NAPTR 100 40 "U" "MINF" "!^.*$!https://modules.example/2.999.5.asn!" .` + "\n" +
			`an: 5.999.2.oid-res.org. 300 NAPTR 100 60 "U" "LINF" "!^.*$!https://node.example/v1/oids/2.999.5/proof!" .` + "\n"},
		// A leaf: no CINF.
		{"1.5.999.2.oid-res.org.", dns.TypeNAPTR, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\n" +
			`an: 1.5.999.2.oid-res.org. 300 NAPTR 100 10 "U" "COID" "!^.*$!urn:oid:2.999.5.1!" .` + "\n" +
			`an: 1.5.999.2.oid-res.org. 300 NAPTR 100 20 "U" "RINF" "!^.*$!https://node.example/v1/oids/2.999.5.1!" .` + "\n" +
			`an: 1.5.999.2.oid-res.org. 300 NAPTR 100 40 "U" "MINF" "!^.*$!https://modules.example/2.999.5.1.asn!" .` + "\n" +
			`an: 1.5.999.2.oid-res.org. 300 NAPTR 100 60 "U" "LINF" "!^.*$!https://node.example/v1/oids/2.999.5.1/proof!" .` + "\n"},
		// A label: its COID, and a DNAME for the names below it.
		{"lab.999.2.oid-res.org.", dns.TypeNAPTR, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\n" +
			`an: lab.999.2.oid-res.org. 300 NAPTR 100 10 "U" "COID" "!^.*$!urn:oid:2.999.5!" .` + "\n"},
		{"xn--fiqs8s.999.2.oid-res.org.", dns.TypeDNAME, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\n" +
			"an: xn--fiqs8s.999.2.oid-res.org. 300 DNAME 5.999.2.oid-res.org.\n"},
		// An OID-IRI, /Joint-ISO-ITU-T/Example/Lab/Éins: a DNAME at every
		// level, then the COID of the last label.
		{"xn--ins-mia.lab.example.joint-iso-itu-t.oid-res.org.", dns.TypeNAPTR, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\n" +
			"an: joint-iso-itu-t.oid-res.org. 300 DNAME 2.oid-res.org.\n" +
			"an: xn--ins-mia.lab.example.joint-iso-itu-t.oid-res.org. 300 CNAME xn--ins-mia.lab.example.2.oid-res.org.\n" +
			"an: example.2.oid-res.org. 300 DNAME 999.2.oid-res.org.\n" +
			"an: xn--ins-mia.lab.example.2.oid-res.org. 300 CNAME xn--ins-mia.lab.999.2.oid-res.org.\n" +
			"an: lab.999.2.oid-res.org. 300 DNAME 5.999.2.oid-res.org.\n" +
			"an: xn--ins-mia.lab.999.2.oid-res.org. 300 CNAME xn--ins-mia.5.999.2.oid-res.org.\n" +
			`an: xn--ins-mia.5.999.2.oid-res.org. 300 NAPTR 100 10 "U" "COID" "!^.*$!urn:oid:2.999.5.1!" .` + "\n"},
		// A secondary identifier: ASN.1 names resolve too.
		{"1.lab.example.joint-iso-ccitt.oid-res.org.", dns.TypeNAPTR, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\n" +
			"an: joint-iso-ccitt.oid-res.org. 300 DNAME 2.oid-res.org.\n" +
			"an: 1.lab.example.joint-iso-ccitt.oid-res.org. 300 CNAME 1.lab.example.2.oid-res.org.\n" +
			"an: example.2.oid-res.org. 300 DNAME 999.2.oid-res.org.\n" +
			"an: 1.lab.example.2.oid-res.org. 300 CNAME 1.lab.999.2.oid-res.org.\n" +
			"an: lab.999.2.oid-res.org. 300 DNAME 5.999.2.oid-res.org.\n" +
			"an: 1.lab.999.2.oid-res.org. 300 CNAME 1.5.999.2.oid-res.org.\n" +
			`an: 1.5.999.2.oid-res.org. 300 NAPTR 100 10 "U" "COID" "!^.*$!urn:oid:2.999.5.1!" .` + "\n" +
			`an: 1.5.999.2.oid-res.org. 300 NAPTR 100 20 "U" "RINF" "!^.*$!https://node.example/v1/oids/2.999.5.1!" .` + "\n" +
			`an: 1.5.999.2.oid-res.org. 300 NAPTR 100 40 "U" "MINF" "!^.*$!https://modules.example/2.999.5.1.asn!" .` + "\n" +
			`an: 1.5.999.2.oid-res.org. 300 NAPTR 100 60 "U" "LINF" "!^.*$!https://node.example/v1/oids/2.999.5.1/proof!" .` + "\n"},
		// An identifier two siblings share resolves to neither: NODATA.
		{"twin.999.2.oid-res.org.", dns.TypeNAPTR, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\nns: " + orsSOA + "\n"},
		{"x.twin.999.2.oid-res.org.", dns.TypeNAPTR, "rcode=NXDOMAIN aa=true referral=false zone=oid-res.org.\nns: " + orsSOA + "\n"},
		// A retired arc is served like an active one.
		{"6.999.2.oid-res.org.", dns.TypeNAPTR, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\n" +
			`an: 6.999.2.oid-res.org. 300 NAPTR 100 10 "U" "COID" "!^.*$!urn:oid:2.999.6!" .` + "\n" +
			`an: 6.999.2.oid-res.org. 300 NAPTR 100 20 "U" "RINF" "!^.*$!https://node.example/v1/oids/2.999.6!" .` + "\n" +
			`an: 6.999.2.oid-res.org. 300 NAPTR 100 40 "U" "MINF" "!^.*$!https://modules.example/2.999.6.asn!" .` + "\n" +
			`an: 6.999.2.oid-res.org. 300 NAPTR 100 60 "U" "LINF" "!^.*$!https://node.example/v1/oids/2.999.6/proof!" .` + "\n"},
		{"old.999.2.oid-res.org.", dns.TypeNAPTR, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\n" +
			`an: old.999.2.oid-res.org. 300 NAPTR 100 10 "U" "COID" "!^.*$!urn:oid:2.999.6!" .` + "\n"},
		// An X.677 identity, revoked: it resolves, as revoked.
		{"1001.1.677.999.2.oid-res.org.", dns.TypeNAPTR, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\n" +
			`an: 1001.1.677.999.2.oid-res.org. 300 NAPTR 100 10 "U" "COID" "!^.*$!urn:oid:2.999.677.1.1001!" .` + "\n" +
			`an: 1001.1.677.999.2.oid-res.org. 300 NAPTR 100 20 "U" "RINF" "!^.*$!https://node.example/v1/uav/2.999.677.1.1001!" .` + "\n"},
		// Unknown arcs and names under the apex: NXDOMAIN from the ORS
		// zone, never from the root (which the name server would refuse
		// or forward as outside the ledger's namespace).
		{"3.999.2.oid-res.org.", dns.TypeNAPTR, "rcode=NXDOMAIN aa=true referral=false zone=oid-res.org.\nns: " + orsSOA + "\n"},
		{"7.5.999.2.oid-res.org.", dns.TypeNAPTR, "rcode=NXDOMAIN aa=true referral=false zone=oid-res.org.\nns: " + orsSOA + "\n"},
		{"www.oid-res.org.", dns.TypeA, "rcode=NXDOMAIN aa=true referral=false zone=oid-res.org.\nns: " + orsSOA + "\n"},
		{"a~b.999.2.oid-res.org.", dns.TypeNAPTR, "rcode=NXDOMAIN aa=true referral=false zone=oid-res.org.\nns: " + orsSOA + "\n"},
		// An arc with no NAPTR of the type asked, and an empty non-terminal.
		{"999.2.oid-res.org.", dns.TypeTXT, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\nns: " + orsSOA + "\n"},
		// The apex: derived SOA and NS, the name servers' addresses.
		{"oid-res.org.", dns.TypeSOA, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\nan: oid-res.org. 3600 SOA a.root-servers.dii. hostmaster.oid-res.org. 7 1800 900 604800 300\n"},
		{"oid-res.org.", dns.TypeNS, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\n" +
			"an: oid-res.org. 86400 NS a.root-servers.dii.\nan: oid-res.org. 86400 NS b.root-servers.dii.\n" +
			"ex: a.root-servers.dii. 86400 A 192.0.2.1\nex: a.root-servers.dii. 86400 AAAA 2001:db8::1\nex: b.root-servers.dii. 86400 A 192.0.2.2\n"},
		// DS at the apex: the parent "org" is not the ledger's, so the ORS
		// zone itself says there is none.
		{"oid-res.org.", dns.TypeDS, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\nns: " + orsSOA + "\n"},
		// Outside the apex nothing changes: "org" is not a ledger TLD.
		{"org.", dns.TypeSOA, "rcode=NXDOMAIN aa=true referral=false zone=.\nns: . 300 SOA a.root-servers.dii. hostmaster.root-servers.dii. 7 1800 900 604800 300\n"},
		{"res.org.", dns.TypeA, "rcode=NXDOMAIN aa=true referral=false zone=.\nns: . 300 SOA a.root-servers.dii. hostmaster.root-servers.dii. 7 1800 900 604800 300\n"},
	} {
		if got := render(s.Lookup(c.qname, c.qtype)); got != c.want {
			t.Errorf("Lookup(%s, %s):\n%s\nwant:\n%s", c.qname, dns.TypeToString[c.qtype], got, c.want)
		}
	}
	if got, want := s.Zones(), []string{".", "oid-res.org."}; !slices.Equal(got, want) {
		t.Errorf("Zones() = %v, want %v", got, want)
	}
	if s.ORSZone() != "oid-res.org." {
		t.Errorf("ORSZone() = %q", s.ORSZone())
	}
}

// TestORSPrecedence: at and below its apex the ORS zone wins over the
// ledger's names and delegations; above it the ledger's zones are as
// they were, and the parent zone, when the ledger's, serves the ORS
// zone's cut and DS.
func TestORSPrecedence(t *testing.T) {
	org := mkRecord(t, "org",
		rr("org", dns.TypeTXT, `"ledger org"`),
		rr("oid-res.org", dns.TypeA, "192.0.2.1"),
		rr("x.oid-res.org", dns.TypeA, "192.0.2.2"),
		rr("deleg.oid-res.org", dns.TypeNS, "ns.elsewhere.net."),
		rr("alias.org", dns.TypeCNAME, "5.999.2.oid-res.org."),
	)
	sub := mkRecord(t, "sub.oid-res.org", rr("sub.oid-res.org", dns.TypeA, "192.0.2.3"))
	v := orsVersion(t, put(org), put(sub),
		nsEntry(1, "ns1.dii-nic", testKeys[0], "192.0.2.101"))
	s, err := Build(v, orsTestConfig())
	if err != nil {
		t.Fatal(err)
	}
	orsSOA := "oid-res.org. 300 SOA ns1.dii-nic. hostmaster.oid-res.org. 7 1800 900 604800 300"
	for _, c := range []struct {
		qname string
		qtype uint16
		want  string
	}{
		{"oid-res.org.", dns.TypeA, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\nns: " + orsSOA + "\n"},
		{"x.oid-res.org.", dns.TypeA, "rcode=NXDOMAIN aa=true referral=false zone=oid-res.org.\nns: " + orsSOA + "\n"},
		{"sub.oid-res.org.", dns.TypeA, "rcode=NXDOMAIN aa=true referral=false zone=oid-res.org.\nns: " + orsSOA + "\n"},
		{"www.deleg.oid-res.org.", dns.TypeA, "rcode=NXDOMAIN aa=true referral=false zone=oid-res.org.\nns: " + orsSOA + "\n"},
		{"2.oid-res.org.", dns.TypeNAPTR, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\n" +
			`an: 2.oid-res.org. 300 NAPTR 100 10 "U" "COID" "!^.*$!urn:oid:2!" .` + "\n" +
			`an: 2.oid-res.org. 300 NAPTR 100 20 "U" "RINF" "!^.*$!https://node.example/v1/oids/2!" .` + "\n" +
			`an: 2.oid-res.org. 300 NAPTR 100 30 "U" "CINF" "!^.*$!https://node.example/v1/oids/2?children=1!" .` + "\n" +
			`an: 2.oid-res.org. 300 NAPTR 100 40 "U" "MINF" "!^.*$!https://modules.example/2.asn!" .` + "\n" +
			`an: 2.oid-res.org. 300 NAPTR 100 60 "U" "LINF" "!^.*$!https://node.example/v1/oids/2/proof!" .` + "\n"},
		{"org.", dns.TypeTXT, "rcode=NOERROR aa=true referral=false zone=org.\nan: org. 300 TXT \"ledger org\"\n"},
		// The parent, a ledger zone, serves the DS of the ORS zone.
		{"oid-res.org.", dns.TypeDS, "rcode=NOERROR aa=true referral=false zone=org.\n" +
			"an: oid-res.org. 3600 DS 2371 13 2 " + dsDigest(t, "oid-res.org.", testKeys[0]) + "\n"},
		{"oid-res.org.", dns.TypeDNSKEY, "rcode=NOERROR aa=true referral=false zone=oid-res.org.\n" +
			"an: oid-res.org. 3600 DNSKEY 257 3 13 " + keyText(t) + "\n"},
	} {
		if got := render(s.Lookup(c.qname, c.qtype)); got != c.want {
			t.Errorf("Lookup(%s, %s):\n%s\nwant:\n%s", c.qname, dns.TypeToString[c.qtype], got, c.want)
		}
	}
	// A chain from a ledger zone into the ORS zone: each link is signed
	// by its own zone.
	if r := s.LookupDNSSEC("alias.org.", dns.TypeNAPTR); len(r.Answer) != 6 || r.Zone != "org." || r.AnswerZone(0) != "org." || r.AnswerZone(1) != "oid-res.org." {
		t.Errorf("chain into the ORS zone: %s", render(r))
	}
	// Signed: the parent side signs the DS, the ORS zone its denials.
	if r := s.LookupDNSSEC("oid-res.org.", dns.TypeDS); r.AnswerZone(0) != "org." || r.Denial != nil {
		t.Errorf("DS: zone %s, denial %+v", r.AnswerZone(0), r.Denial)
	}
	if r := s.LookupDNSSEC("9.9.oid-res.org.", dns.TypeNAPTR); r.AuthZone != "oid-res.org." || r.Denial == nil || !r.Denial.NXName || r.Denial.Owner != "9.9.oid-res.org." {
		t.Errorf("NXDOMAIN: auth zone %s, denial %+v", r.AuthZone, r.Denial)
	}
	if r := s.LookupDNSSEC("oid-res.org.", dns.TypeTXT); r.Denial == nil || !slices.Equal(r.Denial.Types, []uint16{dns.TypeNS, dns.TypeSOA, dns.TypeDNSKEY}) {
		t.Errorf("NODATA at the apex: denial %+v", r.Denial)
	}
	if got, want := s.Zones(), []string{".", "org.", "oid-res.org."}; !slices.Equal(got, want) {
		t.Errorf("Zones() = %v, want %v", got, want)
	}
	var b strings.Builder
	if err := s.Export("org.", &b); err != nil {
		t.Fatal(err)
	}
	exp := b.String()
	for _, want := range []string{"oid-res.org.\t86400\tIN\tNS\tns1.dii-nic.", "oid-res.org.\t3600\tIN\tDS\t2371 13 2 "} {
		if !strings.Contains(exp, want) {
			t.Errorf("export of org lacks %q:\n%s", want, exp)
		}
	}
	for _, not := range []string{"x.oid-res.org", "deleg.oid-res.org", "192.0.2.1"} {
		if strings.Contains(exp, not) {
			t.Errorf("export of org holds occluded %q:\n%s", not, exp)
		}
	}
	b.Reset()
	if err := s.Export("OID-RES.org", &b); err != nil || !strings.Contains(b.String(), "5.999.2.oid-res.org.\t300\tIN\tNAPTR\t100 10 \"U\" \"COID\"") {
		t.Errorf("export of the ORS zone: %v\n%s", err, b.String())
	}
	for _, z := range []string{"sub.oid-res.org", "5.999.2.oid-res.org"} {
		if err := s.Export(z, &strings.Builder{}); !errors.Is(err, ErrNoZone) {
			t.Errorf("Export(%s) = %v, want ErrNoZone", z, err)
		}
	}
}

func keyText(tb testing.TB) string {
	tb.Helper()
	return "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="
}

// TestORSPlacement: an ORS apex below a ledger zone, as a TLD, and none.
func TestORSPlacement(t *testing.T) {
	dii := mkRecord(t, "dii", rr("dii", dns.TypeTXT, `"tld"`))
	v := orsVersion(t, put(dii), nsEntry(1, "ns1.dii-nic", testKeys[0], "192.0.2.101"))
	cfg := orsTestConfig()

	// Two levels below the hosted zone dii: x.dii is an empty
	// non-terminal there, and dii holds the cut.
	cfg.ORS = &oid.ORSConfig{Domain: "ors.x.dii"}
	s, err := Build(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Lookup("x.dii.", dns.TypeA); r.Rcode != dns.RcodeSuccess || r.Zone != "dii." || len(r.Answer) != 0 {
		t.Errorf("x.dii: %s", render(r))
	}
	if r := s.Lookup("ors.x.dii.", dns.TypeDS); r.Zone != "dii." || len(r.Answer) != 1 {
		t.Errorf("DS ors.x.dii: %s", render(r))
	}
	if r := s.Lookup("2.ors.x.dii.", dns.TypeNAPTR); r.Zone != "ors.x.dii." || len(r.Answer) != 1 {
		t.Errorf("2.ors.x.dii: %s", render(r))
	}
	var b strings.Builder
	if err := s.Export("dii", &b); err != nil || !strings.Contains(b.String(), "ors.x.dii.\t86400\tIN\tNS\tns1.dii-nic.") {
		t.Errorf("export of dii: %v\n%s", err, b.String())
	}

	// A TLD: the root is its parent.
	cfg.ORS = &oid.ORSConfig{Domain: "oid."}
	if s, err = Build(v, cfg); err != nil {
		t.Fatal(err)
	}
	if r := s.Lookup("oid.", dns.TypeDS); r.Zone != "." || len(r.Answer) != 1 {
		t.Errorf("DS oid: %s", render(r))
	}
	b.Reset()
	if err := s.Export(".", &b); err != nil || !strings.Contains(b.String(), "oid.\t86400\tIN\tNS\tns1.dii-nic.") {
		t.Errorf("export of the root: %v\n%s", err, b.String())
	}
	if got, want := s.Zones(), []string{".", "dii.", "oid."}; !slices.Equal(got, want) {
		t.Errorf("Zones() = %v, want %v", got, want)
	}

	// No ORS zone.
	cfg.ORS = &oid.ORSConfig{}
	if s, err = Build(v, cfg); err != nil {
		t.Fatal(err)
	}
	if r := s.Lookup("2.oid-res.org.", dns.TypeNAPTR); r.Zone != "." || r.Rcode != dns.RcodeNameError {
		t.Errorf("no ORS: %s", render(r))
	}
	if got, want := s.Zones(), []string{".", "dii."}; !slices.Equal(got, want) || s.ORSZone() != "" {
		t.Errorf("no ORS: Zones() = %v, ORSZone() = %q", got, s.ORSZone())
	}
}

func TestORSConfig(t *testing.T) {
	c := testConfig()
	if s, err := Build(state.Empty(), c); err != nil || s.ORSZone() != DefaultORSDomain {
		t.Fatalf("default: %v %q", err, s.ORSZone())
	}
	for _, bad := range []oid.ORSConfig{
		{Domain: "."},
		{Domain: "a..b"},
		{Domain: "under_score.org"},
		{Domain: "oid-res.org", InfoURL: "ftp://node.example"},
		{Domain: "oid-res.org", InfoURL: "https://node.example/!x"},
		{Domain: "oid-res.org", UINF: "no scheme {oid}"},
	} {
		c.ORS = &bad
		if _, err := Build(state.Empty(), c); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", bad, err)
		}
	}
	// Corrupt arc records fail the build, as corrupt name records do.
	c.ORS = nil
	v := state.Empty().Next(1, []state.Change{{Key: oid.ArcKey(oid.OID{2}), Value: []byte{9}}})
	if _, err := Build(v, c); !errors.Is(err, ErrState) {
		t.Errorf("corrupt arc: %v", err)
	}
	o := &oid.Arc{OID: oid.OID{1}, Authority: [20]byte{1}}
	v = state.Empty().Next(1, []state.Change{{Key: oid.ArcKey(oid.OID{2}), Value: o.Encode()}})
	if _, err := Build(v, c); !errors.Is(err, ErrState) {
		t.Errorf("arc under another key: %v", err)
	}
}

// orsModel is a random OID tree the Apply test changes block by block.
type orsModel struct {
	rnd   *rand.Rand
	arcs  map[string]arcSpec
	ids   map[string]bool // identities present
	names []string        // ORS names to ask
}

var (
	orsLabelPool = []string{"Lab", "LAB2", "中国", "Éins", "twin", "Alpha", "x_y"}
	orsIDPool    = []string{"twin", "alpha", "lab", "fooBar", "foobar"}
)

func (m *orsModel) pick() string {
	keys := make([]string, 0, len(m.arcs))
	for k := range m.arcs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[m.rnd.Intn(len(keys))]
}

func (m *orsModel) hasChildren(o string) bool {
	for k := range m.arcs {
		if strings.HasPrefix(k, o+".") {
			return true
		}
	}
	return false
}

// siblingLabels are the DNS forms of the labels o's siblings use.
func (m *orsModel) siblingLabels(o string) map[string]bool {
	p := ""
	if i := strings.LastIndexByte(o, '.'); i >= 0 {
		p = o[:i+1]
	}
	out := map[string]bool{}
	for k, a := range m.arcs {
		if k != o && strings.HasPrefix(k, p) && !strings.Contains(k[len(p):], ".") {
			for _, l := range a.labels {
				out[oid.LabelDNS(l)] = true
			}
		}
	}
	return out
}

func (m *orsModel) ask(o string) {
	m.names = append(m.names, oid.ORSName(mustOID(o), "oid-res.org"))
}

// block makes up to 6 random changes.
func (m *orsModel) block(tb testing.TB) []state.Change {
	var ch []state.Change
	for n := 1 + m.rnd.Intn(6); n > 0; n-- {
		switch op := m.rnd.Intn(10); {
		case op < 4: // allocate
			p := m.pick()
			if strings.HasPrefix(p, "2.999.677.1") {
				continue // an identity space: no arcs there
			}
			o := fmt.Sprintf("%s.%d", p, m.rnd.Intn(6))
			if _, ok := m.arcs[o]; ok || strings.Count(o, ".") > 5 {
				continue
			}
			m.arcs[o] = arcSpec{oid: o}
			ch = append(ch, putArc(tb, m.arcs[o]))
			m.ask(o)
		case op < 7: // set names
			o := m.pick()
			a := m.arcs[o]
			taken := m.siblingLabels(o)
			a.labels, a.ids = nil, nil
			for _, l := range orsLabelPool {
				if m.rnd.Intn(3) == 0 && !taken[oid.LabelDNS(l)] {
					a.labels = append(a.labels, l)
				}
			}
			for _, id := range orsIDPool {
				if m.rnd.Intn(3) == 0 {
					a.ids = append(a.ids, id)
				}
			}
			m.arcs[o] = a
			ch = append(ch, putArc(tb, a))
		case op < 8: // retire or revive
			o := m.pick()
			a := m.arcs[o]
			a.retired = !a.retired
			m.arcs[o] = a
			ch = append(ch, putArc(tb, a))
		case op < 9: // delete a leaf (the ledger never does; the index copes)
			o := m.pick()
			if m.hasChildren(o) || !strings.Contains(o, ".") {
				continue
			}
			delete(m.arcs, o)
			ch = append(ch, state.Change{Key: oid.ArcKey(mustOID(o))})
		default: // an identity comes or goes
			o := fmt.Sprintf("2.999.677.1.%d", m.rnd.Intn(4))
			if m.ids[o] {
				delete(m.ids, o)
				ch = append(ch, state.Change{Key: oid.UAVKey(mustOID(o))})
			} else {
				m.ids[o] = true
				ch = append(ch, putIdentity(tb, o, oid.Status(1+m.rnd.Intn(5))))
			}
			m.ask(o)
		}
	}
	return ch
}

func mustOID(s string) oid.OID {
	o, err := oid.Parse(s)
	if err != nil {
		panic(err)
	}
	return o
}

// dumpORS renders the ORS index: every node's effective RRsets and its
// sources (sorted: their order is not part of the index's meaning).
func dumpORS(s *Snapshot) string {
	var b strings.Builder
	s.ors.tree.Ascend(func(n *node) bool {
		var srcs []string
		for _, c := range n.contribs() {
			srcs = append(srcs, fmt.Sprintf("%q/%d", c.src, c.depth))
		}
		slices.Sort(srcs)
		fmt.Fprintf(&b, "%q %s reg=%v kids=%d dname=%v %v\n", n.key(), n.name(), n.registered(), n.kids, n.has(fDNAME), srcs)
		for _, set := range n.rrsets() {
			fmt.Fprintf(&b, "  %v\n", showAll(set.records(n.name())))
		}
		return true
	})
	return b.String()
}

// TestORSApplyMatchesBuild: after every block of random OID changes the
// incrementally applied ORS zone equals one built from scratch.
func TestORSApplyMatchesBuild(t *testing.T) {
	cfg := orsTestConfig()
	m := &orsModel{rnd: rand.New(rand.NewSource(7)), arcs: map[string]arcSpec{}, ids: map[string]bool{}}
	for _, a := range orsTree() {
		if a.oid != "2.999.9" { // its label has no DNS name
			m.arcs[a.oid] = a
		}
	}
	v := orsVersion(t)
	m.ids["2.999.677.1.1001"] = true
	s, err := Build(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{"oid-res.org.", "twin.999.2.oid-res.org.", "lab.999.2.oid-res.org.", "x.lab.999.2.oid-res.org.",
		"alpha.5.999.2.oid-res.org.", "foobar.999.2.oid-res.org.", "1.lab.example.joint-iso-itu-t.oid-res.org."}
	for h := int64(fixtureHeight + 1); h < fixtureHeight+60; h++ {
		ch := m.block(t)
		next := v.Next(h, ch)
		got, err := s.Apply(v, next, ch)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Build(next, cfg)
		if err != nil {
			t.Fatal(err)
		}
		checkIndex(t, got)
		checkIndex(t, want)
		if a, b := dumpORS(got), dumpORS(want); a != b {
			t.Fatalf("height %d: applied and built ORS indexes differ:\n%s", h, diffText(a, b))
		}
		for _, q := range append(slices.Clone(queries), m.names...) {
			for _, qt := range []uint16{dns.TypeNAPTR, dns.TypeDNAME, dns.TypeA} {
				if a, b := render(got.LookupDNSSEC(q, qt)), render(want.LookupDNSSEC(q, qt)); a != b {
					t.Fatalf("height %d, %s %s:\napplied:\n%s\nbuilt:\n%s", h, q, dns.TypeToString[qt], a, b)
				}
			}
		}
		if s.Height() != h-1 {
			t.Fatalf("the old snapshot changed height")
		}
		s, v = got, next
	}
	// The test got somewhere: some arcs carry names and CINF.
	if !strings.Contains(dumpORS(s), "CINF") || !strings.Contains(dumpORS(s), "DNAME") {
		t.Fatalf("a dull tree:\n%s", dumpORS(s))
	}
}

// TestORSApplyCINF: a first child brings its superior's CINF record, and
// a block that changes nothing of the OID tree leaves the ORS index as it
// was.
func TestORSApplyCINF(t *testing.T) {
	cfg := orsTestConfig()
	v := orsVersion(t)
	s, err := Build(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cinf := func(s *Snapshot, q string) bool {
		return strings.Contains(render(s.Lookup(q, dns.TypeNAPTR)), `"CINF"`)
	}
	if cinf(s, "1.5.999.2.oid-res.org.") {
		t.Fatal("a leaf with CINF")
	}
	ch := []state.Change{putArc(t, arcSpec{oid: "2.999.5.1.4"})}
	next := v.Next(fixtureHeight+1, ch)
	got, err := s.Apply(v, next, ch)
	if err != nil {
		t.Fatal(err)
	}
	if !cinf(got, "1.5.999.2.oid-res.org.") || cinf(s, "1.5.999.2.oid-res.org.") {
		t.Fatal("CINF after the first child, or in the old snapshot")
	}
	ch = []state.Change{put(mkRecord(t, "dii")), putArc(t, arcSpec{oid: "2.999.5.1.4"})}
	later := next.Next(fixtureHeight+2, ch)
	again, err := got.Apply(next, later, ch)
	if err != nil {
		t.Fatal(err)
	}
	if dumpORS(again) != dumpORS(got) {
		t.Fatal("an unchanged arc changed the index")
	}
}

// TestORSNameserverInZone: a name server named inside the ORS zone has
// its addresses served there, and follows the ledger's entries.
func TestORSNameserverInZone(t *testing.T) {
	cfg := orsTestConfig()
	v := orsVersion(t, nsEntry(1, "ns1.oid-res.org", testKeys[0], "192.0.2.101"))
	s, err := Build(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := "rcode=NOERROR aa=true referral=false zone=oid-res.org.\nan: ns1.oid-res.org. 86400 A 192.0.2.101\n"
	if got := render(s.Lookup("ns1.oid-res.org.", dns.TypeA)); got != want {
		t.Errorf("address:\n%s\nwant:\n%s", got, want)
	}
	if got := render(s.Lookup("oid-res.org.", dns.TypeNS)); !strings.Contains(got, "ex: ns1.oid-res.org. 86400 A 192.0.2.101") {
		t.Errorf("NS:\n%s", got)
	}
	ch := []state.Change{nsEntry(1, "ns2.dii-nic", testKeys[0], "192.0.2.102")}
	next := v.Next(fixtureHeight+1, ch)
	got, err := s.Apply(v, next, ch)
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Lookup("ns1.oid-res.org.", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Errorf("after the entry moved: %s", render(r))
	}
	built, err := Build(next, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := dumpORS(got), dumpORS(built); a != b {
		t.Fatal(diffText(a, b))
	}
}

// TestORSExportParses: the ORS zone's export, and that of a ledger zone
// above it, are master files every checker accepts, and hold what Lookup
// answers.
func TestORSExportParses(t *testing.T) {
	org := mkRecord(t, "org", rr("org", dns.TypeTXT, `"ledger org"`), rr("x.oid-res.org", dns.TypeA, "192.0.2.2"))
	s := orsFixture(t, orsTestConfig(), put(org), nsEntry(1, "ns1.dii-nic", testKeys[0], "192.0.2.101"), nsEntry(2, "ns2.dii-nic", nil, "192.0.2.102"))
	checkExports(t, s, []*registry.Record{org})
}

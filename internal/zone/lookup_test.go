package zone

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
)

const (
	rootSOA    = ". 3600 SOA a.root-servers.dii. hostmaster.root-servers.dii. 7 1800 900 604800 300"
	rootNegSOA = ". 300 SOA a.root-servers.dii. hostmaster.root-servers.dii. 7 1800 900 604800 300"
	diiNegSOA  = "dii. 300 SOA a.root-servers.dii. hostmaster.dii. 7 1800 900 604800 300"
	exNegSOA   = "example.dii. 300 SOA a.root-servers.dii. hostmaster.example.dii. 7 1800 900 604800 300"
	dsFoo      = "foo.dii. 300 DS 12345 13 2 ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"
	dsDeleg    = "deleg.dii. 300 DS 54321 8 2 CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD"
	exA        = "example.dii. 300 A 192.0.2.10"
)

var (
	rootGlue = []string{
		"a.root-servers.dii. 86400 A 192.0.2.1",
		"a.root-servers.dii. 86400 AAAA 2001:db8::1",
		"b.root-servers.dii. 300 A 192.0.2.222",
	}
	fooReferral = []string{
		"foo.dii. 300 NS ns1.foo.dii.",
		"foo.dii. 300 NS ns2.example.org.",
		dsFoo,
	}
	delegReferral = []string{
		"deleg.dii. 300 NS ns1.deleg.dii.",
		"deleg.dii. 300 NS ns.other.net.",
		dsDeleg,
	}
	delegGlue = []string{"ns1.deleg.dii. 300 A 192.0.2.99", "ns1.deleg.dii. 300 AAAA 2001:db8::99"}
)

func derivedNS(zone string) []string {
	return []string{zone + " 86400 NS a.root-servers.dii.", zone + " 86400 NS b.root-servers.dii."}
}

type want struct {
	rcode    int
	noAA     bool
	referral bool
	zone     string
	an, ns   []string
	ex       []string
}

func TestLookup(t *testing.T) {
	s := fixture(t)
	long := longLabel + ".big.dii."
	cases := []struct {
		name  string
		qname string
		qtype uint16
		want  want
	}{
		// Exact answers, case and trailing dot.
		{"exact", "example.dii.", dns.TypeA, want{zone: "example.dii.", an: []string{exA}}},
		{"case", "ExAmPlE.DII.", dns.TypeA, want{zone: "example.dii.", an: []string{exA}}},
		{"no trailing dot", "example.dii", dns.TypeA, want{zone: "example.dii.", an: []string{exA}}},
		{"escaped letter", "\\101xample.dii.", dns.TypeA, want{zone: "example.dii.", an: []string{exA}}},
		{"mx", "example.dii.", dns.TypeMX, want{zone: "example.dii.", an: []string{"example.dii. 300 MX 10 mail.example.dii."}}},
		{"below apex", "mail.example.dii.", dns.TypeTXT, want{zone: "example.dii.", an: []string{`mail.example.dii. 300 TXT "v=spf1"`}}},
		{"srv", "_sip._tcp.svc.dii.", dns.TypeSRV, want{zone: "dii.", an: []string{"_sip._tcp.svc.dii. 300 SRV 10 5 5060 sip.example.dii."}}},

		// NODATA and NXDOMAIN.
		{"nodata", "example.dii.", dns.TypeTXT, want{zone: "example.dii.", ns: []string{exNegSOA}}},
		{"nodata below apex", "mail.example.dii.", dns.TypeAAAA, want{zone: "example.dii.", ns: []string{exNegSOA}}},
		{"nxdomain", "nope.example.dii.", dns.TypeA, want{rcode: dns.RcodeNameError, zone: "example.dii.", ns: []string{exNegSOA}}},
		{"nxdomain tld zone", "nope.dii.", dns.TypeA, want{rcode: dns.RcodeNameError, zone: "dii.", ns: []string{diiNegSOA}}},
		{"nxdomain root", "nope.", dns.TypeA, want{rcode: dns.RcodeNameError, zone: ".", ns: []string{rootNegSOA}}},
		{"nxdomain outside tld", "www.example.com.", dns.TypeA, want{rcode: dns.RcodeNameError, zone: ".", ns: []string{rootNegSOA}}},
		{"nxdomain escaped dot", "a\\.b.example.dii.", dns.TypeA, want{rcode: dns.RcodeNameError, zone: "example.dii.", ns: []string{exNegSOA}}},
		{"nxdomain binary label", "\\000\\255.example.dii.", dns.TypeA, want{rcode: dns.RcodeNameError, zone: "example.dii.", ns: []string{exNegSOA}}},

		// Empty non-terminals.
		{"ent srv parent", "_tcp.svc.dii.", dns.TypeSRV, want{zone: "dii.", ns: []string{diiNegSOA}}},
		{"ent two up", "svc.dii.", dns.TypeA, want{zone: "dii.", ns: []string{diiNegSOA}}},
		{"ent above registered", "ent.dii.", dns.TypeA, want{zone: "dii.", ns: []string{diiNegSOA}}},
		{"ent any", "svc.dii.", dns.TypeANY, want{zone: "dii.", ns: []string{diiNegSOA}}},
		{"below ent nxdomain", "x.svc.dii.", dns.TypeA, want{rcode: dns.RcodeNameError, zone: "dii.", ns: []string{diiNegSOA}}},

		// The root zone.
		{"root soa", ".", dns.TypeSOA, want{zone: ".", an: []string{rootSOA}}},
		{"root ns", ".", dns.TypeNS, want{zone: ".", an: derivedNS("."), ex: rootGlue}},
		{"root a", ".", dns.TypeA, want{zone: ".", ns: []string{rootNegSOA}}},
		{"root ds", ".", dns.TypeDS, want{zone: ".", ns: []string{rootNegSOA}}},
		{"root any", ".", dns.TypeANY, want{zone: ".", an: derivedNS(".")}},
		{"root server glue", "a.root-servers.dii.", dns.TypeA, want{zone: "dii.", an: rootGlue[:1]}},
		{"root server glue v6", "A.Root-Servers.DII.", dns.TypeAAAA, want{zone: "dii.", an: rootGlue[1:2]}},
		{"ledger beats config", "b.root-servers.dii.", dns.TypeA, want{zone: "dii.", an: rootGlue[2:]}},
		{"config name nodata", "b.root-servers.dii.", dns.TypeAAAA, want{zone: "dii.", ns: []string{diiNegSOA}}},

		// TLD level.
		{"tld soa", "dii.", dns.TypeSOA, want{zone: "dii.", an: []string{"dii. 3600 SOA a.root-servers.dii. hostmaster.dii. 7 1800 900 604800 300"}}},
		{"tld ns", "dii.", dns.TypeNS, want{zone: "dii.", an: derivedNS("dii."), ex: rootGlue}},
		{"tld txt", "dii.", dns.TypeTXT, want{zone: "dii.", an: []string{`dii. 300 TXT "tld"`}}},
		{"tld ds from root", "dii.", dns.TypeDS, want{zone: ".", ns: []string{rootNegSOA}}},
		{"empty tld", "test.", dns.TypeA, want{zone: "test.", ns: []string{"test. 300 SOA a.root-servers.dii. hostmaster.test. 7 1800 900 604800 300"}}},
		{"ent in empty tld", "www.sld.test.", dns.TypeA, want{zone: "sld.test.", an: []string{"www.sld.test. 300 A 192.0.2.7"}}},

		// Zone apex of a second-level zone.
		{"apex soa", "example.dii.", dns.TypeSOA, want{zone: "example.dii.", an: []string{"example.dii. 3600 SOA a.root-servers.dii. hostmaster.example.dii. 7 1800 900 604800 300"}}},
		{"apex ns", "example.dii.", dns.TypeNS, want{zone: "example.dii.", an: derivedNS("example.dii."), ex: rootGlue}},
		{"ds at hosted apex from parent", "example.dii.", dns.TypeDS, want{zone: "dii.", ns: []string{diiNegSOA}}},

		// Minimal ANY (RFC 8482).
		{"any apex", "example.dii.", dns.TypeANY, want{zone: "example.dii.", an: []string{exA}}},
		{"any tld apex", "dii.", dns.TypeANY, want{zone: "dii.", an: derivedNS("dii.")}},
		{"any", "mail.example.dii.", dns.TypeANY, want{zone: "example.dii.", an: []string{"mail.example.dii. 300 A 192.0.2.25"}}},
		{"any cname", "www.example.dii.", dns.TypeANY, want{zone: "example.dii.", an: []string{"www.example.dii. 300 CNAME example.dii."}}},
		{"any nxdomain", "nope.example.dii.", dns.TypeANY, want{rcode: dns.RcodeNameError, zone: "example.dii.", ns: []string{exNegSOA}}},

		// CNAME.
		{"cname in zone", "www.example.dii.", dns.TypeA, want{zone: "example.dii.", an: []string{"www.example.dii. 300 CNAME example.dii.", exA}}},
		{"cname qtype cname", "www.example.dii.", dns.TypeCNAME, want{zone: "example.dii.", an: []string{"www.example.dii. 300 CNAME example.dii."}}},
		{"cname nodata at target", "www.example.dii.", dns.TypeTXT, want{zone: "example.dii.", an: []string{"www.example.dii. 300 CNAME example.dii."}, ns: []string{exNegSOA}}},
		{"cname cross zone", "alias.dii.", dns.TypeA, want{zone: "dii.", an: []string{"alias.dii. 300 CNAME example.dii.", exA}}},
		{"cname to nxdomain", "broken.dii.", dns.TypeA, want{rcode: dns.RcodeNameError, zone: "dii.", an: []string{"broken.dii. 300 CNAME nothere.example.dii."}, ns: []string{exNegSOA}}},
		{"cname loop", "loop1.dii.", dns.TypeA, want{zone: "dii.", an: []string{"loop1.dii. 300 CNAME loop2.dii.", "loop2.dii. 300 CNAME loop1.dii."}}},
		{"cname outside", "out.dii.", dns.TypeA, want{zone: "dii.", an: []string{"out.dii. 300 CNAME www.example.com."}}},
		{"cname to delegation", "todeleg.dii.", dns.TypeA, want{zone: "dii.", an: []string{"todeleg.dii. 300 CNAME www.deleg.dii."}, ns: delegReferral, ex: delegGlue}},
		{"cname chain 8 links", "ca1.dii.", dns.TypeA, want{zone: "dii.", an: chainAnswer("ca", 8, true)}},
		{"cname chain 9 links cut", "cb1.dii.", dns.TypeA, want{zone: "dii.", an: chainAnswer("cb", 9, false)}},

		// DNAME.
		{"dname", "www.dn.dii.", dns.TypeA, want{zone: "dii.", an: []string{
			"dn.dii. 300 DNAME example.dii.",
			"www.dn.dii. 300 CNAME www.example.dii.",
			"www.example.dii. 300 CNAME example.dii.",
			exA,
		}}},
		{"dname nxdomain", "x.y.dn.dii.", dns.TypeA, want{rcode: dns.RcodeNameError, zone: "dii.", an: []string{
			"dn.dii. 300 DNAME example.dii.",
			"x.y.dn.dii. 300 CNAME x.y.example.dii.",
		}, ns: []string{exNegSOA}}},
		{"dname owner", "dn.dii.", dns.TypeDNAME, want{zone: "dii.", an: []string{"dn.dii. 300 DNAME example.dii."}}},
		{"dname owner other type", "dn.dii.", dns.TypeA, want{zone: "dii.", ns: []string{diiNegSOA}}},
		{"dname escaped", "a\\.b.dn.dii.", dns.TypeA, want{rcode: dns.RcodeNameError, zone: "dii.", an: []string{
			"dn.dii. 300 DNAME example.dii.",
			"a\\.b.dn.dii. 300 CNAME a\\.b.example.dii.",
		}, ns: []string{exNegSOA}}},
		{"dname fits", "x.big.dii.", dns.TypeA, want{zone: "dii.", an: []string{
			"big.dii. 300 DNAME " + longLabel + "." + longLabel + "." + longLabel + ".dii.",
			"x.big.dii. 300 CNAME x." + longLabel + "." + longLabel + "." + longLabel + ".dii.",
		}, rcode: dns.RcodeNameError, ns: []string{diiNegSOA}}},
		{"dname yxdomain", long, dns.TypeA, want{rcode: dns.RcodeYXDomain, zone: "dii.", an: []string{
			"big.dii. 300 DNAME " + longLabel + "." + longLabel + "." + longLabel + ".dii.",
		}}},

		// Wildcards.
		{"wildcard", "anything.wild.dii.", dns.TypeA, want{zone: "dii.", an: []string{"anything.wild.dii. 300 A 192.0.2.80"}}},
		{"wildcard two labels", "a.b.wild.dii.", dns.TypeA, want{zone: "dii.", an: []string{"a.b.wild.dii. 300 A 192.0.2.80"}}},
		{"wildcard case", "ANY.Wild.dii.", dns.TypeA, want{zone: "dii.", an: []string{"any.wild.dii. 300 A 192.0.2.80"}}},
		{"wildcard escaped", "a\\.b.wild.dii.", dns.TypeA, want{zone: "dii.", an: []string{"a\\.b.wild.dii. 300 A 192.0.2.80"}}},
		{"wildcard nodata", "anything.wild.dii.", dns.TypeTXT, want{zone: "dii.", ns: []string{diiNegSOA}}},
		{"wildcard any", "anything.wild.dii.", dns.TypeANY, want{zone: "dii.", an: []string{"anything.wild.dii. 300 A 192.0.2.80"}}},
		{"wildcard itself", "*.wild.dii.", dns.TypeA, want{zone: "dii.", an: []string{"*.wild.dii. 300 A 192.0.2.80"}}},
		{"wildcard not for existing", "sub.wild.dii.", dns.TypeA, want{zone: "dii.", ns: []string{diiNegSOA}}},
		{"wildcard not for ent", "e.wild.dii.", dns.TypeA, want{zone: "dii.", ns: []string{diiNegSOA}}},
		{"wildcard not below ent", "x.e.wild.dii.", dns.TypeA, want{rcode: dns.RcodeNameError, zone: "dii.", ns: []string{diiNegSOA}}},
		{"wildcard parent", "wild.dii.", dns.TypeA, want{zone: "dii.", ns: []string{diiNegSOA}}},
		{"wildcard cname", "foo.wc.dii.", dns.TypeA, want{zone: "dii.", an: []string{"foo.wc.dii. 300 CNAME example.dii.", exA}}},

		// Referrals.
		{"referral cut", "www.foo.dii.", dns.TypeA, want{noAA: true, referral: true, zone: "foo.dii.", ns: fooReferral, ex: []string{"ns1.foo.dii. 300 A 192.0.2.53"}}},
		{"referral cut ns", "foo.dii.", dns.TypeNS, want{noAA: true, referral: true, zone: "foo.dii.", ns: fooReferral, ex: []string{"ns1.foo.dii. 300 A 192.0.2.53"}}},
		{"referral glue name", "ns1.foo.dii.", dns.TypeA, want{noAA: true, referral: true, zone: "foo.dii.", ns: fooReferral, ex: []string{"ns1.foo.dii. 300 A 192.0.2.53"}}},
		{"ds at cut", "foo.dii.", dns.TypeDS, want{zone: "dii.", an: []string{dsFoo}}},
		{"ds below cut", "x.foo.dii.", dns.TypeDS, want{noAA: true, referral: true, zone: "foo.dii.", ns: fooReferral, ex: []string{"ns1.foo.dii. 300 A 192.0.2.53"}}},
		{"referral registered", "deleg.dii.", dns.TypeA, want{noAA: true, referral: true, zone: "deleg.dii.", ns: delegReferral, ex: delegGlue}},
		{"referral registered ns", "deleg.dii.", dns.TypeNS, want{noAA: true, referral: true, zone: "deleg.dii.", ns: delegReferral, ex: delegGlue}},
		{"referral registered below", "www.deleg.dii.", dns.TypeA, want{noAA: true, referral: true, zone: "deleg.dii.", ns: delegReferral, ex: delegGlue}},
		{"referral soa", "deleg.dii.", dns.TypeSOA, want{noAA: true, referral: true, zone: "deleg.dii.", ns: delegReferral, ex: delegGlue}},
		{"ds at registered delegation", "deleg.dii.", dns.TypeDS, want{zone: "dii.", an: []string{dsDeleg}}},
		{"ds absent at delegation", "nods.dii.", dns.TypeDS, want{zone: "dii.", ns: []string{diiNegSOA}}},
		{"referral without ds", "nods.dii.", dns.TypeA, want{noAA: true, referral: true, zone: "nods.dii.", ns: []string{"nods.dii. 300 NS ns.other.net."}}},
		{"occluded registered", "sub.deleg.dii.", dns.TypeA, want{noAA: true, referral: true, zone: "deleg.dii.", ns: delegReferral, ex: delegGlue}},
		{"occluded registered ds", "sub.deleg.dii.", dns.TypeDS, want{noAA: true, referral: true, zone: "deleg.dii.", ns: delegReferral, ex: delegGlue}},
		{"occluded under unregistered cut", "bar.foo.dii.", dns.TypeA, want{noAA: true, referral: true, zone: "foo.dii.", ns: fooReferral, ex: []string{"ns1.foo.dii. 300 A 192.0.2.53"}}},

		// Not a domain name.
		{"empty label", "a..b.", dns.TypeA, want{rcode: dns.RcodeFormatError, noAA: true}},
		{"bad escape", "a\\", dns.TypeA, want{rcode: dns.RcodeFormatError, noAA: true}},
		{"label too long", strings.Repeat("a", 64) + ".dii.", dns.TypeA, want{rcode: dns.RcodeFormatError, noAA: true}},
		{"name too long", strings.Repeat("abcdefgh.", 32), dns.TypeA, want{rcode: dns.RcodeFormatError, noAA: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := s.Lookup(c.qname, c.qtype)
			w := c.want
			if got.Rcode != w.rcode || got.Authoritative == w.noAA || got.Referral != w.referral || got.Zone != w.zone ||
				!slices.Equal(showAll(got.Answer), nonNil(w.an)) || !slices.Equal(showAll(got.Ns), nonNil(w.ns)) ||
				!slices.Equal(showAll(got.Extra), nonNil(w.ex)) {
				t.Errorf("Lookup(%q, %s):\ngot:\n%s", c.qname, dns.TypeToString[c.qtype], render(got))
				t.Logf("want rcode=%s aa=%v referral=%v zone=%s\nan: %s\nns: %s\nex: %s", dns.RcodeToString[w.rcode], !w.noAA, w.referral, w.zone,
					strings.Join(w.an, "\nan: "), strings.Join(w.ns, "\nns: "), strings.Join(w.ex, "\nex: "))
			}
		})
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// chainAnswer is the answer for the chain prefix1 -> prefix2 ... with n
// links; complete says whether it reaches the A record at the end.
func chainAnswer(prefix string, n int, complete bool) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, prefix+itoa(i)+".dii. 300 CNAME "+prefix+itoa(i+1)+".dii.")
	}
	if complete {
		out = append(out, prefix+itoa(n+1)+".dii. 300 A 192.0.2.200")
	}
	return out
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// The answer of a hit shares the snapshot's slice, but appending to it
// must not write into that slice.
func TestLookupSharedSlices(t *testing.T) {
	s := fixture(t)
	r := s.Lookup("example.dii.", dns.TypeA)
	_ = append(r.Answer, &dns.A{})
	r.Answer = append(r.Answer, &dns.TXT{})
	if got := showAll(s.Lookup("example.dii.", dns.TypeA).Answer); !slices.Equal(got, []string{exA}) {
		t.Fatalf("answer changed: %v", got)
	}
}

func TestBuildErrors(t *testing.T) {
	v := fixtureVersion(t)
	if _, err := Build(v, Config{}); err == nil {
		t.Error("Build with no nameservers succeeded")
	}
	if _, err := Build(nil, testConfig()); err == nil {
		t.Error("Build(nil) succeeded")
	}
	bad := testConfig()
	bad.Nameservers[0].Name = "bad..name"
	if _, err := Build(v, bad); err == nil {
		t.Error("Build with a bad nameserver name succeeded")
	}
	bad = testConfig()
	bad.Nameservers[0].IPv4 = append(bad.Nameservers[0].IPv4, bad.Nameservers[0].IPv6[0])
	if _, err := Build(v, bad); err == nil {
		t.Error("Build with an IPv6 address as IPv4 succeeded")
	}
	corrupt := state.Empty().Next(1, []state.Change{{Key: []byte("n/dii"), Value: []byte{9, 9}}})
	if _, err := Build(corrupt, testConfig()); err == nil {
		t.Error("Build on a corrupt record succeeded")
	}
	s := fixture(t)
	if _, err := s.Apply(state.Empty(), v, nil); err == nil {
		t.Error("Apply with prev at another height succeeded")
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg := testConfig()
	cfg.SOATTL, cfg.NSTTL, cfg.NegativeTTL, cfg.RootHostmaster = 7200, 3600, 60, "Admin.Example.dii"
	s, err := Build(fixtureVersion(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := showAll(s.Lookup(".", dns.TypeSOA).Answer)
	if want := ". 7200 SOA a.root-servers.dii. admin.example.dii. 7 1800 900 604800 60"; !slices.Equal(got, []string{want}) {
		t.Errorf("root SOA %v, want %s", got, want)
	}
	got = showAll(s.Lookup("nope.dii.", dns.TypeSOA).Ns)
	if want := "dii. 60 SOA a.root-servers.dii. hostmaster.dii. 7 1800 900 604800 60"; !slices.Equal(got, []string{want}) {
		t.Errorf("negative SOA %v, want %s", got, want)
	}
	got = showAll(s.Lookup("a.root-servers.dii.", dns.TypeA).Answer)
	if want := "a.root-servers.dii. 3600 A 192.0.2.1"; !slices.Equal(got, []string{want}) {
		t.Errorf("glue %v, want %s", got, want)
	}
}

// cornerFixture has DNAMEs above cuts and registered names, a DNAME at a
// zone apex, and a name server outside every TLD.
func cornerFixture(tb testing.TB) (*Snapshot, []*registry.Record) {
	tb.Helper()
	recs := []*registry.Record{
		mkRecord(tb, "dii",
			rr("x.dii", dns.TypeDNAME, "target.dii."),
			rr("a.x.dii", dns.TypeNS, "ns.a.x.dii."),
			rr("ns.a.x.dii", dns.TypeA, "192.0.2.60"),
			rr("www.target.dii", dns.TypeA, "192.0.2.61"),
			rr("ns1.nic.dii", dns.TypeAAAA, "2001:db8::53"),
		),
		mkRecord(tb, "child.x.dii", rr("child.x.dii", dns.TypeA, "192.0.2.62")),
		mkRecord(tb, "apexd.dii", rr("apexd.dii", dns.TypeDNAME, "example.net.")),
	}
	var ch []state.Change
	for _, r := range recs {
		ch = append(ch, put(r))
	}
	cfg := Config{Nameservers: []Nameserver{
		{Name: "ns1.nic.dii", IPv4: []netip.Addr{netip.MustParseAddr("192.0.2.1")}},
		{Name: "NS.Example.Org.", IPv4: []netip.Addr{netip.MustParseAddr("192.0.2.2")}, IPv6: []netip.Addr{netip.MustParseAddr("2001:db8::2")}},
	}}
	s, err := Build(state.Empty().Next(3, ch), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return s, recs
}

func TestLookupCorners(t *testing.T) {
	s, _ := cornerFixture(t)
	const (
		diiNeg  = "dii. 300 SOA ns1.nic.dii. hostmaster.dii. 3 1800 900 604800 300"
		rootNeg = ". 300 SOA ns1.nic.dii. hostmaster.root-servers.dii. 3 1800 900 604800 300"
		dnameX  = "x.dii. 300 DNAME target.dii."
	)
	nsGlue := []string{"ns1.nic.dii. 86400 A 192.0.2.1", "ns1.nic.dii. 300 AAAA 2001:db8::53", "ns.example.org. 86400 A 192.0.2.2", "ns.example.org. 86400 AAAA 2001:db8::2"}
	cases := []struct {
		qname string
		qtype uint16
		want  want
	}{
		{"q.x.dii.", dns.TypeA, want{rcode: dns.RcodeNameError, zone: "dii.", an: []string{dnameX, "q.x.dii. 300 CNAME q.target.dii."}, ns: []string{diiNeg}}},
		{"www.x.dii.", dns.TypeA, want{zone: "dii.", an: []string{dnameX, "www.x.dii. 300 CNAME www.target.dii.", "www.target.dii. 300 A 192.0.2.61"}}},
		// The cut below the DNAME is occluded; the registered child is not.
		{"b.a.x.dii.", dns.TypeA, want{rcode: dns.RcodeNameError, zone: "dii.", an: []string{dnameX, "b.a.x.dii. 300 CNAME b.a.target.dii."}, ns: []string{diiNeg}}},
		{"child.x.dii.", dns.TypeA, want{zone: "child.x.dii.", an: []string{"child.x.dii. 300 A 192.0.2.62"}}},
		{"x.dii.", dns.TypeDNAME, want{zone: "dii.", an: []string{dnameX}}},
		// A DNAME at a zone apex, to a name outside the ledger's TLDs.
		{"www.apexd.dii.", dns.TypeA, want{zone: "apexd.dii.", an: []string{"apexd.dii. 300 DNAME example.net.", "www.apexd.dii. 300 CNAME www.example.net."}}},
		{"apexd.dii.", dns.TypeSOA, want{zone: "apexd.dii.", an: []string{"apexd.dii. 3600 SOA ns1.nic.dii. hostmaster.apexd.dii. 3 1800 900 604800 300"}}},
		{"apexd.dii.", dns.TypeA, want{zone: "apexd.dii.", ns: []string{"apexd.dii. 300 SOA ns1.nic.dii. hostmaster.apexd.dii. 3 1800 900 604800 300"}}},
		// A name server outside every TLD is root zone data.
		{"ns.example.org.", dns.TypeAAAA, want{zone: ".", an: nsGlue[3:]}},
		{"example.org.", dns.TypeA, want{zone: ".", ns: []string{rootNeg}}},
		{".", dns.TypeNS, want{zone: ".", an: []string{". 86400 NS ns1.nic.dii.", ". 86400 NS ns.example.org."}, ex: nsGlue}},
		{"dii.", dns.TypeNS, want{zone: "dii.", an: []string{"dii. 86400 NS ns1.nic.dii.", "dii. 86400 NS ns.example.org."}, ex: nsGlue}},
	}
	for _, c := range cases {
		got := s.Lookup(c.qname, c.qtype)
		w := c.want
		if got.Rcode != w.rcode || got.Authoritative == w.noAA || got.Referral != w.referral || got.Zone != w.zone ||
			!slices.Equal(showAll(got.Answer), nonNil(w.an)) || !slices.Equal(showAll(got.Ns), nonNil(w.ns)) ||
			!slices.Equal(showAll(got.Extra), nonNil(w.ex)) {
			t.Errorf("Lookup(%q, %s):\n%s", c.qname, dns.TypeToString[c.qtype], render(got))
		}
	}
	if got, want := s.Zones(), []string{".", "dii.", "apexd.dii.", "child.x.dii.", "oid-res.org."}; !slices.Equal(got, want) {
		t.Errorf("Zones() = %v, want %v", got, want)
	}
}

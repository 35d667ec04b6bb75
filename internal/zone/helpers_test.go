package zone

import (
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
)

// set is one RRset in test notation.
type set struct {
	owner string
	typ   uint16
	ttl   uint32
	data  []string // presentation RDATA
}

func rr(owner string, typ uint16, data ...string) set {
	return set{owner: owner, typ: typ, ttl: 300, data: data}
}

// mkRecord returns a registry record holding the sets, in canonical order.
func mkRecord(tb testing.TB, name string, sets ...set) *registry.Record {
	tb.Helper()
	rec := &registry.Record{Name: name, Expiry: 1 << 40}
	for _, s := range sets {
		rs := registry.RRset{Name: s.owner, Type: s.typ, TTL: s.ttl}
		for _, d := range s.data {
			b, err := names.ParseRData(s.typ, d)
			if err != nil {
				tb.Fatalf("%s %s %q: %v", s.owner, names.TypeName(s.typ), d, err)
			}
			rs.Records = append(rs.Records, b)
		}
		rec.RRsets = append(rec.RRsets, rs)
	}
	sortRRsets(rec)
	return rec
}

func sortRRsets(rec *registry.Record) {
	sort.SliceStable(rec.RRsets, func(i, j int) bool {
		a, b := names.Reverse(rec.RRsets[i].Name), names.Reverse(rec.RRsets[j].Name)
		if a != b {
			return a < b
		}
		return rec.RRsets[i].Type < rec.RRsets[j].Type
	})
}

func put(rec *registry.Record) state.Change {
	return state.Change{Key: registry.Key(rec.Name), Value: rec.Encode()}
}

func del(name string) state.Change {
	return state.Change{Key: registry.Key(name)}
}

// testConfig has two root name servers under dii.
func testConfig() Config {
	return Config{Nameservers: []Nameserver{
		{Name: "a.root-servers.dii", IPv4: []netip.Addr{netip.MustParseAddr("192.0.2.1")}, IPv6: []netip.Addr{netip.MustParseAddr("2001:db8::1")}},
		{Name: "b.root-servers.dii", IPv4: []netip.Addr{netip.MustParseAddr("192.0.2.2")}},
	}}
}

const fixtureHeight = 7

// longLabel is a 63-octet label.
var longLabel = strings.Repeat("l", 63)

// fixtureRecords is the ledger content most tests use.
func fixtureRecords(tb testing.TB) []*registry.Record {
	chain := func(prefix string, n int) []set {
		var out []set
		for i := 1; i <= n; i++ {
			out = append(out, rr(fmt.Sprintf("%s%d.dii", prefix, i), dns.TypeCNAME, fmt.Sprintf("%s%d.dii.", prefix, i+1)))
		}
		return append(out, rr(fmt.Sprintf("%s%d.dii", prefix, n+1), dns.TypeA, "192.0.2.200"))
	}
	dii := []set{
		rr("dii", dns.TypeTXT, `"tld"`),
		// An unregistered delegation with DS and glue, and a name
		// registered below it (occluded).
		rr("foo.dii", dns.TypeNS, "ns1.foo.dii.", "ns2.example.org."),
		rr("foo.dii", dns.TypeDS, "12345 13 2 "+strings.Repeat("ab", 32)),
		rr("ns1.foo.dii", dns.TypeA, "192.0.2.53"),
		// Empty non-terminals _tcp.svc.dii and svc.dii.
		rr("_sip._tcp.svc.dii", dns.TypeSRV, "10 5 5060 sip.example.dii."),
		// Wildcards.
		rr("*.wild.dii", dns.TypeA, "192.0.2.80"),
		rr("sub.wild.dii", dns.TypeTXT, `"sub"`),
		rr("deep.e.wild.dii", dns.TypeA, "192.0.2.81"),
		rr("*.wc.dii", dns.TypeCNAME, "example.dii."),
		// CNAMEs.
		rr("alias.dii", dns.TypeCNAME, "example.dii."),
		rr("broken.dii", dns.TypeCNAME, "nothere.example.dii."),
		rr("loop1.dii", dns.TypeCNAME, "loop2.dii."),
		rr("loop2.dii", dns.TypeCNAME, "loop1.dii."),
		rr("out.dii", dns.TypeCNAME, "www.example.com."),
		rr("todeleg.dii", dns.TypeCNAME, "www.deleg.dii."),
		// DNAMEs.
		rr("dn.dii", dns.TypeDNAME, "example.dii."),
		rr("big.dii", dns.TypeDNAME, longLabel+"."+longLabel+"."+longLabel+".dii."),
		// Ledger data wins over the config address.
		rr("b.root-servers.dii", dns.TypeA, "192.0.2.222"),
	}
	dii = append(dii, chain("ca", 8)...) // 8 links: followed to the end
	dii = append(dii, chain("cb", 9)...) // 9 links: cut after 8
	return []*registry.Record{
		mkRecord(tb, "dii", dii...),
		mkRecord(tb, "example.dii",
			rr("example.dii", dns.TypeA, "192.0.2.10"),
			rr("example.dii", dns.TypeAAAA, "2001:db8::10"),
			rr("example.dii", dns.TypeMX, "10 mail.example.dii."),
			rr("www.example.dii", dns.TypeCNAME, "example.dii."),
			rr("mail.example.dii", dns.TypeA, "192.0.2.25"),
			rr("mail.example.dii", dns.TypeTXT, `"v=spf1"`),
		),
		mkRecord(tb, "deleg.dii",
			rr("deleg.dii", dns.TypeNS, "ns1.deleg.dii.", "ns.other.net."),
			rr("deleg.dii", dns.TypeDS, "54321 8 2 "+strings.Repeat("cd", 32)),
			rr("ns1.deleg.dii", dns.TypeA, "192.0.2.99"),
			rr("ns1.deleg.dii", dns.TypeAAAA, "2001:db8::99"),
		),
		mkRecord(tb, "sub.deleg.dii", rr("sub.deleg.dii", dns.TypeA, "192.0.2.98")),
		mkRecord(tb, "bar.foo.dii", rr("bar.foo.dii", dns.TypeA, "192.0.2.97")),
		mkRecord(tb, "nods.dii", rr("nods.dii", dns.TypeNS, "ns.other.net.")),
		mkRecord(tb, "deep.ent.dii", rr("deep.ent.dii", dns.TypeTXT, `"deep"`)),
		mkRecord(tb, "test"),
		mkRecord(tb, "sld.test", rr("www.sld.test", dns.TypeA, "192.0.2.7")),
	}
}

func fixtureVersion(tb testing.TB) *state.Version {
	tb.Helper()
	var ch []state.Change
	for _, r := range fixtureRecords(tb) {
		ch = append(ch, put(r))
	}
	return state.Empty().Next(fixtureHeight, ch)
}

func fixture(tb testing.TB) *Snapshot {
	tb.Helper()
	s, err := Build(fixtureVersion(tb), testConfig())
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// show renders one RR as "owner ttl TYPE rdata" (class dropped).
func show(r dns.RR) string {
	if r == nil {
		return "<nil>"
	}
	f := strings.Fields(r.String())
	if len(f) > 2 && f[2] == "IN" {
		f = append(f[:2:2], f[3:]...)
	}
	return strings.Join(f, " ")
}

func showAll(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, r := range rrs {
		out = append(out, show(r))
	}
	return out
}

// render is a complete, comparable rendering of a result.
func render(r *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rcode=%s aa=%v referral=%v zone=%s\n", dns.RcodeToString[r.Rcode], r.Authoritative, r.Referral, r.Zone)
	for _, sec := range []struct {
		name string
		rrs  []dns.RR
	}{{"an", r.Answer}, {"ns", r.Ns}, {"ex", r.Extra}} {
		for _, x := range sec.rrs {
			fmt.Fprintf(&b, "%s: %s\n", sec.name, show(x))
		}
	}
	return b.String()
}

// TestMain merges hash index tries into flat tables after a few changes,
// not hundreds, so that the tests' small zones go through both parts of
// the index and through every kind of merge.
func TestMain(m *testing.M) {
	compactMin, compactShare = 4, 8
	os.Exit(m.Run())
}

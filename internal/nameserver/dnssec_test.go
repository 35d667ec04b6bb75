package nameserver

import (
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
	"github.com/dii-net/dii/internal/zone"
)

// signedNow is the clock of the signed-answer tests.
var signedNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// signedLedger is a ledger with one published name server and key:
//
//	dii            open TLD, hosted; *.wild.dii A, _sip._tcp.svc.dii SRV
//	               (svc.dii an empty non-terminal), alias.dii CNAME into
//	               hello.dii, gone.dii CNAME to a name that does not exist
//	hello.dii      hosted: A, a large TXT set, www CNAME to example.dii
//	example.dii    hosted: A
//	deleg.dii      delegated with DS and glue
//	nods.dii       delegated without DS
func signedLedger(t testing.TB, keys ...*dnssec.Key) *state.Version {
	t.Helper()
	var big [][]byte
	for i := 0; i < 12; i++ {
		big = append(big, rd(t, dns.TypeTXT, `"`+strings.Repeat(string(rune('a'+i)), 60)+`"`))
	}
	set := func(name string, typ uint16, data ...string) registry.RRset {
		s := registry.RRset{Name: name, Type: typ, TTL: 300}
		for _, d := range data {
			s.Records = append(s.Records, rd(t, typ, d))
		}
		return s
	}
	recs := []*registry.Record{
		{Name: "dii", Open: true, RRsets: []registry.RRset{
			set("alias.dii", dns.TypeCNAME, "www.hello.dii."),
			set("gone.dii", dns.TypeCNAME, "nothere.example.dii."),
			set("_sip._tcp.svc.dii", dns.TypeSRV, "10 5 5060 sip.example.dii."),
			set("*.wild.dii", dns.TypeA, "192.0.2.80"),
		}},
		{Name: "hello.dii", RRsets: []registry.RRset{
			set("hello.dii", dns.TypeA, "192.0.2.1"),
			{Name: "hello.dii", Type: dns.TypeTXT, TTL: 300, Records: big},
			set("www.hello.dii", dns.TypeCNAME, "example.dii."),
		}},
		{Name: "example.dii", RRsets: []registry.RRset{set("example.dii", dns.TypeA, "192.0.2.10")}},
		{Name: "deleg.dii", RRsets: []registry.RRset{
			set("deleg.dii", dns.TypeNS, "ns1.deleg.dii."),
			set("deleg.dii", dns.TypeDS, "12345 13 2 "+strings.Repeat("ab", 32)),
			set("ns1.deleg.dii", dns.TypeA, "192.0.2.53"),
		}},
		{Name: "nods.dii", RRsets: []registry.RRset{set("nods.dii", dns.TypeNS, "ns.example.org.")}},
	}
	var changes []state.Change
	for _, r := range recs {
		r.Owner, r.Expiry = tx.Address{1}, 1<<40
		slices.SortStableFunc(r.RRsets, func(a, b registry.RRset) int {
			if c := strings.Compare(reverse(a.Name), reverse(b.Name)); c != 0 {
				return c
			}
			return int(a.Type) - int(b.Type)
		})
		changes = append(changes, state.Change{Key: registry.Key(r.Name), Value: r.Encode()})
	}
	for i, k := range keys {
		e := &registry.Nameserver{Operator: tx.Address{byte(10 + i)}, Name: "ns" + string(rune('1'+i)) + ".dii-nic",
			Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, DNSKEY: k.RData()}
		changes = append(changes, state.Change{Key: registry.NameserverKey(e.Operator), Value: e.Encode()})
	}
	return state.Empty().Next(7, changes)
}

func reverse(name string) string {
	l := strings.Split(name, ".")
	slices.Reverse(l)
	return strings.Join(l, " ")
}

func signedServer(t testing.TB, cacheSize int) (*Server, *dnssec.Key) {
	t.Helper()
	k, err := dnssec.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	z, err := zone.Build(signedLedger(t, k), zone.Config{Nameservers: []zone.Nameserver{{Name: "fallback.example."}}})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Signer: dnssec.NewSigner(k, cacheSize)})
	s.SetSnapshot(z)
	old := timeNow
	timeNow = func() time.Time { return signedNow }
	t.Cleanup(func() { timeNow = old })
	return s, k
}

func doQuery(name string, qtype uint16, do bool) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.SetEdns0(4096, do)
	return m
}

// checkSigned verifies every RRSIG of the answer and authority sections
// with k (RRSIG.Verify of the DNS library, an independent implementation),
// and that every RRset there but a referral's NS has one. It returns the
// signer name of each covered RRset, "owner/TYPE" → signer.
func checkSigned(t *testing.T, k *dnssec.Key, r *dns.Msg) map[string]string {
	t.Helper()
	signers := map[string]string{}
	for _, sec := range [][]dns.RR{r.Answer, r.Ns} {
		sets := map[string][]dns.RR{}
		var order []string
		sigs := map[string]*dns.RRSIG{}
		for _, rr := range sec {
			h := rr.Header()
			if sig, ok := rr.(*dns.RRSIG); ok {
				id := strings.ToLower(h.Name) + "/" + dns.TypeToString[sig.TypeCovered]
				if sigs[id] != nil {
					t.Errorf("two RRSIGs for %s", id)
				}
				sigs[id] = sig
				continue
			}
			id := strings.ToLower(h.Name) + "/" + dns.TypeToString[h.Rrtype]
			if sets[id] == nil {
				order = append(order, id)
			}
			sets[id] = append(sets[id], rr)
		}
		for _, id := range order {
			sig := sigs[id]
			if sig == nil {
				if strings.HasSuffix(id, "/NS") && len(r.Answer) == 0 && !r.Authoritative {
					continue // a referral
				}
				t.Errorf("%s has no RRSIG:\n%v", id, r)
				continue
			}
			delete(sigs, id)
			signers[id] = sig.SignerName
			if err := sig.Verify(k.DNSKEY(sig.SignerName, 3600), sets[id]); err != nil {
				t.Errorf("RRSIG of %s does not verify: %v\n%v", id, err, r)
			}
			if !sig.ValidityPeriod(signedNow) {
				t.Errorf("RRSIG of %s not valid now", id)
			}
		}
		for id := range sigs {
			t.Errorf("RRSIG for %s without its RRset", id)
		}
	}
	return signers
}

func findNSEC(r *dns.Msg) *dns.NSEC {
	for _, rr := range append(slices.Clone(r.Ns), r.Answer...) {
		if n, ok := rr.(*dns.NSEC); ok {
			return n
		}
	}
	return nil
}

func nsecText(n *dns.NSEC) string {
	if n == nil {
		return "<none>"
	}
	f := strings.Fields(n.String())
	return strings.Join(append([]string{f[0]}, f[4:]...), " ")
}

func TestSignedAnswers(t *testing.T) {
	s, k := signedServer(t, 0)
	for _, c := range []struct {
		name    string
		qtype   uint16
		rcode   int
		signers map[string]string // "owner/TYPE" → signer, for every RRset
		nsec    string            // the NSEC, "owner next types..."
	}{
		{"hello.dii.", dns.TypeA, dns.RcodeSuccess, map[string]string{"hello.dii./A": "hello.dii."}, ""},
		{".", dns.TypeDNSKEY, dns.RcodeSuccess, map[string]string{"./DNSKEY": "."}, ""},
		{".", dns.TypeNS, dns.RcodeSuccess, map[string]string{"./NS": "."}, ""},
		{"hello.dii.", dns.TypeDNSKEY, dns.RcodeSuccess, map[string]string{"hello.dii./DNSKEY": "hello.dii."}, ""},
		// DS of a hosted zone: derived from the published key, signed by
		// the parent.
		{"hello.dii.", dns.TypeDS, dns.RcodeSuccess, map[string]string{"hello.dii./DS": "dii."}, ""},
		{"dii.", dns.TypeDS, dns.RcodeSuccess, map[string]string{"dii./DS": "."}, ""},
		// Compact denial: NXDOMAIN becomes NOERROR with an NXNAME NSEC.
		{"nope.hello.dii.", dns.TypeA, dns.RcodeSuccess, map[string]string{"hello.dii./SOA": "hello.dii.", "nope.hello.dii./NSEC": "hello.dii."},
			`nope.hello.dii. \000.nope.hello.dii. RRSIG NSEC NXNAME`},
		{"nope.dii.", dns.TypeAAAA, dns.RcodeSuccess, map[string]string{"dii./SOA": "dii.", "nope.dii./NSEC": "dii."},
			`nope.dii. \000.nope.dii. RRSIG NSEC NXNAME`},
		// NODATA: the types at the name; at an apex the derived ones too.
		{"hello.dii.", dns.TypeAAAA, dns.RcodeSuccess, map[string]string{"hello.dii./SOA": "hello.dii.", "hello.dii./NSEC": "hello.dii."},
			`hello.dii. \000.hello.dii. A NS SOA TXT RRSIG NSEC DNSKEY`},
		{".", dns.TypeMX, dns.RcodeSuccess, map[string]string{"./SOA": ".", "./NSEC": "."},
			`. \000. NS SOA RRSIG NSEC DNSKEY`},
		{"_sip._tcp.svc.dii.", dns.TypeA, dns.RcodeSuccess, map[string]string{"dii./SOA": "dii.", "_sip._tcp.svc.dii./NSEC": "dii."},
			`_sip._tcp.svc.dii. \000._sip._tcp.svc.dii. SRV RRSIG NSEC`},
		// An empty non-terminal has no types but RRSIG and NSEC.
		{"svc.dii.", dns.TypeA, dns.RcodeSuccess, map[string]string{"dii./SOA": "dii.", "svc.dii./NSEC": "dii."},
			`svc.dii. \000.svc.dii. RRSIG NSEC`},
		// A wildcard match is signed as the query name; a wildcard NODATA
		// lists the wildcard's types at the query name.
		{"x.wild.dii.", dns.TypeA, dns.RcodeSuccess, map[string]string{"x.wild.dii./A": "dii."}, ""},
		{"x.wild.dii.", dns.TypeTXT, dns.RcodeSuccess, map[string]string{"dii./SOA": "dii.", "x.wild.dii./NSEC": "dii."},
			`x.wild.dii. \000.x.wild.dii. A RRSIG NSEC`},
		// A chain across zones: each link signed by its own zone.
		{"alias.dii.", dns.TypeA, dns.RcodeSuccess, map[string]string{"alias.dii./CNAME": "dii.", "www.hello.dii./CNAME": "hello.dii.", "example.dii./A": "example.dii."}, ""},
		{"gone.dii.", dns.TypeA, dns.RcodeSuccess, map[string]string{"gone.dii./CNAME": "dii.", "example.dii./SOA": "example.dii.", "nothere.example.dii./NSEC": "example.dii."},
			`nothere.example.dii. \000.nothere.example.dii. RRSIG NSEC NXNAME`},
		// A referral: NS unsigned, DS signed by the parent.
		{"www.deleg.dii.", dns.TypeA, dns.RcodeSuccess, map[string]string{"deleg.dii./DS": "dii."}, ""},
		{"deleg.dii.", dns.TypeDS, dns.RcodeSuccess, map[string]string{"deleg.dii./DS": "dii."}, ""},
		// An unsigned referral: the NSEC at the cut proves there is no DS.
		{"www.nods.dii.", dns.TypeA, dns.RcodeSuccess, map[string]string{"nods.dii./NSEC": "dii."},
			`nods.dii. nods\000.dii. NS RRSIG NSEC`},
		{"nods.dii.", dns.TypeDS, dns.RcodeSuccess, map[string]string{"dii./SOA": "dii.", "nods.dii./NSEC": "dii."},
			`nods.dii. nods\000.dii. NS RRSIG NSEC`},
		// NSEC asked for: the denial's NSEC is the answer.
		{"nope.dii.", dns.TypeNSEC, dns.RcodeSuccess, map[string]string{"nope.dii./NSEC": "dii."},
			`nope.dii. \000.nope.dii. RRSIG NSEC NXNAME`},
	} {
		t.Run(c.name+dns.TypeToString[c.qtype], func(t *testing.T) {
			r := s.Answer(doQuery(c.name, c.qtype, true), true)
			if r.Rcode != c.rcode {
				t.Fatalf("rcode %s, want %s\n%v", dns.RcodeToString[r.Rcode], dns.RcodeToString[c.rcode], r)
			}
			if got := checkSigned(t, k, r); !mapsEqual(got, c.signers) {
				t.Errorf("signers %v, want %v\n%v", got, c.signers, r)
			}
			if got := nsecText(findNSEC(r)); (c.nsec == "" && got != "<none>") || (c.nsec != "" && got != c.nsec) {
				t.Errorf("NSEC %s, want %q", got, c.nsec)
			}
			if opt := r.IsEdns0(); opt == nil || !opt.Do() {
				t.Error("DO not echoed")
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestUnsignedAnswers: without DO, or without a published key, nothing is
// signed and NXDOMAIN stays NXDOMAIN.
func TestUnsignedAnswers(t *testing.T) {
	s, _ := signedServer(t, 0)
	noRRSIG := func(t *testing.T, r *dns.Msg) {
		t.Helper()
		for _, rr := range append(append(slices.Clone(r.Answer), r.Ns...), r.Extra...) {
			if typ := rr.Header().Rrtype; typ == dns.TypeRRSIG || typ == dns.TypeNSEC {
				t.Fatalf("signed: %v", r)
			}
		}
	}
	r := s.Answer(doQuery("nope.dii.", dns.TypeA, false), false)
	if r.Rcode != dns.RcodeNameError {
		t.Fatalf("without DO: %v", r)
	}
	noRRSIG(t, r)
	noRRSIG(t, s.Answer(doQuery("hello.dii.", dns.TypeA, false), false))
	// The DNSKEY RRset is served to anyone.
	if r := s.Answer(doQuery("dii.", dns.TypeDNSKEY, false), false); len(r.Answer) != 1 {
		t.Fatalf("DNSKEY without DO: %v", r)
	}

	// A ledger that publishes no key: no DNSKEY, no signatures.
	k, _ := dnssec.GenerateKey()
	z, err := zone.Build(signedLedger(t), zone.Config{Nameservers: []zone.Nameserver{{Name: "ns1.dii-nic."}}})
	if err != nil {
		t.Fatal(err)
	}
	u := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Signer: dnssec.NewSigner(k, 0)})
	u.SetSnapshot(z)
	r = u.Answer(doQuery("nope.dii.", dns.TypeA, true), false)
	if r.Rcode != dns.RcodeNameError {
		t.Fatalf("unsigned ledger, DO: %v", r)
	}
	noRRSIG(t, r)
	if r := u.Answer(doQuery(".", dns.TypeDNSKEY, true), false); len(r.Answer) != 0 {
		t.Fatalf("DNSKEY with no key published: %v", r)
	}
}

func TestNXNAMEQuery(t *testing.T) {
	s, _ := signedServer(t, 0)
	for _, do := range []bool{false, true} {
		if r := s.Answer(doQuery("hello.dii.", dnssec.TypeNXNAME, do), false); r.Rcode != dns.RcodeFormatError {
			t.Fatalf("NXNAME query: %v", r)
		}
	}
}

// TestSignedTruncation: signatures make answers larger; a UDP answer that
// does not fit is truncated, and still packs.
func TestSignedTruncation(t *testing.T) {
	s, k := signedServer(t, 0)
	m := doQuery("hello.dii.", dns.TypeTXT, true)
	m.SetEdns0(512, true)
	r := s.Answer(m, false)
	b, err := r.Pack()
	if err != nil || len(b) > 512 || !r.Truncated {
		t.Fatalf("UDP 512: %d bytes, TC %v, %v", len(b), r.Truncated, err)
	}
	r = s.Answer(m, true)
	if r.Truncated || len(r.Answer) != 13 {
		t.Fatalf("TCP: %v", r)
	}
	checkSigned(t, k, r)
}

// TestSignCacheHits: the same answer asked again costs no signing.
func TestSignCacheHits(t *testing.T) {
	s, _ := signedServer(t, 0)
	q := doQuery("nope.dii.", dns.TypeA, true)
	s.Answer(q, false)
	h0, m0 := s.Signer().Stats()
	for i := 0; i < 10; i++ {
		s.Answer(q, false)
	}
	h1, m1 := s.Signer().Stats()
	if m1 != m0 || h1-h0 != 20 { // the SOA and the NSEC each time
		t.Fatalf("hits %d→%d misses %d→%d", h0, h1, m0, m1)
	}
	// The next hour signs again.
	timeNow = func() time.Time { return signedNow.Add(time.Hour) }
	s.Answer(q, false)
	if _, m2 := s.Signer().Stats(); m2 != m1+2 {
		t.Fatalf("misses %d after the hour turned, want %d", m2, m1+2)
	}
}

// FuzzAnswerSigned is FuzzAnswer on a signed ledger: every answer packs,
// and a UDP answer fits its limit or has TC.
func FuzzAnswerSigned(f *testing.F) {
	for _, m := range []*dns.Msg{doQuery("hello.dii.", dns.TypeTXT, true), doQuery("nope.dii.", dns.TypeA, true),
		doQuery("x.wild.dii.", dns.TypeA, true), doQuery("www.nods.dii.", dns.TypeA, true), doQuery("alias.dii.", dns.TypeA, true)} {
		b, _ := m.Pack()
		f.Add(b)
	}
	s, _ := signedServer(f, 1000)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var m dns.Msg
		if m.Unpack(raw) != nil {
			return
		}
		for _, tcp := range []bool{false, true} {
			r := s.Answer(&m, tcp)
			b, err := r.Pack()
			if err != nil {
				t.Fatalf("answer does not pack: %v\n%v", err, r)
			}
			if !tcp && len(b) > int(DefaultMaxUDPSize) && !r.Truncated {
				t.Fatalf("UDP answer of %d bytes without TC", len(b))
			}
		}
	})
}

// BenchmarkAnswerDNSSEC compares the answer path unsigned (no DO), signed
// with the signature cache warm (the steady state), and signed without a
// cache (an ECDSA signature per RRset).
func BenchmarkAnswerDNSSEC(b *testing.B) {
	for _, c := range []struct {
		name  string
		do    bool
		cache int
	}{{"unsigned", false, 0}, {"signed-cached", true, 0}, {"signed-uncached", true, -1}} {
		for _, q := range []struct {
			name  string
			qtype uint16
		}{{"hello.dii.", dns.TypeA}, {"nope.dii.", dns.TypeA}} {
			b.Run(c.name+"/"+strings.TrimSuffix(q.name, ".")+"-"+dns.TypeToString[q.qtype], func(b *testing.B) {
				s, _ := signedServer(b, c.cache)
				m := doQuery(q.name, q.qtype, c.do)
				s.Answer(m, false)
				b.ReportAllocs()
				for b.Loop() {
					if r := s.Answer(m, false); r.Rcode == dns.RcodeServerFailure {
						b.Fatal(r)
					}
				}
			})
		}
	}
}

package zone

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// testKeys are DNSKEY RDATA of two fixed ECDSA P-256 public keys.
var testKeys = func() [][]byte {
	var out [][]byte
	for _, pub := range []string{
		"mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
		"oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8KqXXFJkqmVfRvMGPmM1x8fGAa2XhSA==",
	} {
		k := &dns.DNSKEY{Hdr: hdr(".", dns.TypeDNSKEY, 3600), Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256, PublicKey: pub}
		buf := make([]byte, 256)
		n, err := dns.PackRR(k, buf, 0, nil, false)
		if err != nil {
			panic(err)
		}
		out = append(out, buf[11:n])
	}
	return out
}()

// nsEntry is a root name server entry change.
func nsEntry(op byte, name string, key []byte, addrs ...string) state.Change {
	e := &registry.Nameserver{Operator: tx.Address{op}, Name: name, DNSKEY: key}
	for _, a := range addrs {
		e.Addrs = append(e.Addrs, netip.MustParseAddr(a))
	}
	return state.Change{Key: registry.NameserverKey(e.Operator), Value: e.Encode()}
}

func nsWithdraw(op byte) state.Change {
	return state.Change{Key: registry.NameserverKey(tx.Address{op})}
}

// signedFixture is the fixture with two name server entries and one key.
func signedFixture(tb testing.TB) (*Snapshot, *state.Version) {
	tb.Helper()
	var ch []state.Change
	for _, r := range fixtureRecords(tb) {
		ch = append(ch, put(r))
	}
	ch = append(ch,
		nsEntry(2, "ns2.dii-nic", nil, "192.0.2.102", "2001:db8::102"),
		nsEntry(1, "ns1.dii-nic", testKeys[0], "192.0.2.101"))
	v := state.Empty().Next(fixtureHeight, ch)
	s, err := Build(v, testConfig())
	if err != nil {
		tb.Fatal(err)
	}
	return s, v
}

// TestLedgerNameservers: the ledger's entries replace the config's name
// servers; their keys make the DNSKEY RRsets and the DS of hosted zones.
func TestLedgerNameservers(t *testing.T) {
	s, _ := signedFixture(t)
	if !s.Signed() || len(s.DNSKEYs()) != 1 || !slices.Equal(s.Nameservers(), []string{"ns1.dii-nic.", "ns2.dii-nic."}) {
		t.Fatalf("signed %v, keys %v, ns %v", s.Signed(), s.DNSKEYs(), s.Nameservers())
	}
	for _, c := range []struct {
		name  string
		qtype uint16
		want  string
	}{
		{".", dns.TypeNS, "rcode=NOERROR aa=true referral=false zone=.\n" +
			"an: . 86400 NS ns1.dii-nic.\nan: . 86400 NS ns2.dii-nic.\n" +
			"ex: ns1.dii-nic. 86400 A 192.0.2.101\nex: ns2.dii-nic. 86400 A 192.0.2.102\nex: ns2.dii-nic. 86400 AAAA 2001:db8::102\n"},
		{"example.dii.", dns.TypeSOA, "rcode=NOERROR aa=true referral=false zone=example.dii.\n" +
			"an: example.dii. 3600 SOA ns1.dii-nic. hostmaster.example.dii. 7 1800 900 604800 300\n"},
		{".", dns.TypeDNSKEY, "rcode=NOERROR aa=true referral=false zone=.\n" +
			"an: . 3600 DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n"},
		{"Example.DII.", dns.TypeDNSKEY, "rcode=NOERROR aa=true referral=false zone=example.dii.\n" +
			"an: example.dii. 3600 DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n"},
		// DNSKEY only at an apex.
		{"www.example.dii.", dns.TypeDNSKEY, "rcode=NOERROR aa=true referral=false zone=example.dii.\n" +
			"an: www.example.dii. 300 CNAME example.dii.\n" +
			"an: example.dii. 3600 DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n"},
		{"mail.example.dii.", dns.TypeDNSKEY, "rcode=NOERROR aa=true referral=false zone=example.dii.\n" +
			"ns: example.dii. 300 SOA ns1.dii-nic. hostmaster.example.dii. 7 1800 900 604800 300\n"},
		// The parent serves the DS derived from the key for a hosted zone;
		// a delegation's DS stays the ledger's.
		{"example.dii.", dns.TypeDS, "rcode=NOERROR aa=true referral=false zone=dii.\n" +
			"an: example.dii. 3600 DS 2371 13 2 " + dsDigest(t, "example.dii.", testKeys[0]) + "\n"},
		{"deleg.dii.", dns.TypeDS, "rcode=NOERROR aa=true referral=false zone=dii.\n" +
			"an: deleg.dii. 300 DS 54321 8 2 " + strings.Repeat("CD", 32) + "\n"},
	} {
		if got := render(s.Lookup(c.name, c.qtype)); got != c.want {
			t.Errorf("%s %s:\n%s\nwant\n%s", c.name, dns.TypeToString[c.qtype], got, c.want)
		}
	}
	// Without entries the config's name servers serve, and nothing is signed.
	if f := fixture(t); f.Signed() || !slices.Equal(f.Nameservers(), []string{"a.root-servers.dii.", "b.root-servers.dii."}) ||
		len(f.Lookup(".", dns.TypeDNSKEY).Answer) != 0 {
		t.Fatalf("fixture without entries: %v %v", f.Signed(), f.Nameservers())
	}
}

func dsDigest(t *testing.T, owner string, rdata []byte) string {
	k, err := registry.CheckDNSKEY(rdata)
	if err != nil {
		t.Fatal(err)
	}
	k.Hdr.Name = owner
	return strings.ToUpper(k.ToDS(dns.SHA256).Digest)
}

// renderSecure is render plus what LookupDNSSEC adds.
func renderSecure(r *Result) string {
	var b strings.Builder
	b.WriteString(render(r))
	fmt.Fprintf(&b, "authzone=%s", r.AuthZone)
	if d := r.Denial; d != nil {
		fmt.Fprintf(&b, " denial=%s nx=%v cut=%v ttl=%d types=", d.Owner, d.NXName, d.Cut, d.TTL)
		for _, t := range d.Types {
			b.WriteString(dns.TypeToString[t] + ",")
		}
	}
	b.WriteString(" signers=")
	for i := range r.Answer {
		b.WriteString(r.AnswerZone(i) + ",")
	}
	b.WriteString("\n")
	return b.String()
}

func TestLookupDNSSEC(t *testing.T) {
	s, _ := signedFixture(t)
	for _, c := range []struct {
		name  string
		qtype uint16
		want  string // the last line of renderSecure
	}{
		{"example.dii.", dns.TypeA, "authzone= signers=example.dii.,"},
		{"nope.dii.", dns.TypeA, "authzone=dii. denial=nope.dii. nx=true cut=false ttl=300 types= signers="},
		{"nope.example.dii.", dns.TypeA, "authzone=example.dii. denial=nope.example.dii. nx=true cut=false ttl=300 types= signers="},
		{"example.dii.", dns.TypeTXT, "authzone=example.dii. denial=example.dii. nx=false cut=false ttl=300 types=A,NS,SOA,MX,AAAA,DNSKEY, signers="},
		{".", dns.TypeA, "authzone=. denial=. nx=false cut=false ttl=300 types=NS,SOA,DNSKEY, signers="},
		{"dii.", dns.TypeA, "authzone=dii. denial=dii. nx=false cut=false ttl=300 types=NS,SOA,TXT,DNSKEY, signers="},
		{"mail.example.dii.", dns.TypeAAAA, "authzone=example.dii. denial=mail.example.dii. nx=false cut=false ttl=300 types=A,TXT, signers="},
		// Empty non-terminals.
		{"svc.dii.", dns.TypeA, "authzone=dii. denial=svc.dii. nx=false cut=false ttl=300 types= signers="},
		{"ent.dii.", dns.TypeTXT, "authzone=dii. denial=ent.dii. nx=false cut=false ttl=300 types= signers="},
		// Wildcards: the answer is qname's; NODATA lists the wildcard's types.
		{"q.wild.dii.", dns.TypeA, "authzone= signers=dii.,"},
		{"q.wild.dii.", dns.TypeMX, "authzone=dii. denial=q.wild.dii. nx=false cut=false ttl=300 types=A, signers="},
		// Referrals: with DS nothing to deny; without, the cut.
		{"www.deleg.dii.", dns.TypeA, "authzone=dii. signers="},
		{"www.nods.dii.", dns.TypeA, "authzone=dii. denial=nods.dii. nx=false cut=true ttl=300 types=NS, signers="},
		{"nods.dii.", dns.TypeDS, "authzone=dii. denial=nods.dii. nx=false cut=true ttl=300 types=NS, signers="},
		{"x.foo.dii.", dns.TypeA, "authzone=dii. signers="},
		// Chains: each link signed by its zone; the denial is the last name's.
		{"alias.dii.", dns.TypeA, "authzone= signers=dii.,example.dii.,"},
		{"broken.dii.", dns.TypeA, "authzone=example.dii. denial=nothere.example.dii. nx=true cut=false ttl=300 types= signers=dii.,"},
		{"www.example.dii.", dns.TypeMX, "authzone= signers=example.dii.,example.dii.,"},
		{"todeleg.dii.", dns.TypeA, "authzone=dii. signers=dii.,"},
		{"x.dn.dii.", dns.TypeA, "authzone=example.dii. denial=x.example.dii. nx=true cut=false ttl=300 types= signers=dii.,dii.,"},
	} {
		r := s.LookupDNSSEC(c.name, c.qtype)
		got := renderSecure(r)
		lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		if last := lines[len(lines)-1]; last != c.want {
			t.Errorf("%s %s:\n%s\nwant last line\n%s", c.name, dns.TypeToString[c.qtype], got, c.want)
		}
		// The records are Lookup's.
		if a, b := render(r), render(s.Lookup(c.name, c.qtype)); a != b {
			t.Errorf("%s %s: LookupDNSSEC and Lookup differ:\n%s\n%s", c.name, dns.TypeToString[c.qtype], a, b)
		}
	}
	if r := s.Lookup("nope.dii.", dns.TypeA); r.Denial != nil || r.AuthZone != "" {
		t.Errorf("Lookup filled the DNSSEC fields: %+v", r)
	}
}

// TestApplyNameservers changes the name server entries block by block,
// with records, and checks Apply against Build, the secure lookups
// included.
func TestApplyNameservers(t *testing.T) {
	u := newUniverse()
	u.queries = append(u.queries, "ns1.dii-nic.", "ns2.dii-nic.", "ns3.a.dii.", "a.root-servers.dii.")
	types := append(slices.Clone(queryTypes), dns.TypeDNSKEY)
	text := func(s *Snapshot) string {
		var b strings.Builder
		b.WriteString(snapshotText(t, s, u))
		fmt.Fprintf(&b, "ns %v keys %v\n", s.Nameservers(), s.DNSKEYs())
		for _, q := range u.queries {
			for _, qt := range types {
				fmt.Fprintf(&b, "?? %s %s\n%s", q, dns.TypeToString[qt], renderSecure(s.LookupDNSSEC(q, qt)))
			}
		}
		return b.String()
	}
	blocks := [][]state.Change{
		{put(mkRecord(t, "dii")), put(mkRecord(t, "a.dii", rr("a.dii", dns.TypeA, "192.0.2.1")))},
		{nsEntry(1, "ns1.dii-nic", testKeys[0], "192.0.2.101")},
		{nsEntry(2, "ns3.a.dii", testKeys[1], "192.0.2.103", "2001:db8::103"), put(mkRecord(t, "b.dii"))},
		{nsEntry(1, "ns1.dii-nic", testKeys[0], "192.0.2.111")},                                       // new address
		{nsEntry(1, "ns1.dii-nic", testKeys[0], "192.0.2.111")},                                       // no change
		{nsEntry(3, "ns1.dii-nic", testKeys[1], "192.0.2.112"), del("b.dii")},                         // a second operator, same name
		{nsWithdraw(1), put(mkRecord(t, "a.dii", rr("ns3.a.dii", dns.TypeA, "192.0.2.250")))},         // ledger glue wins
		{nsWithdraw(2), nsWithdraw(3)},                                                                // back to the config
		{nsEntry(4, "ns2.dii-nic", nil, "192.0.2.104"), {Key: []byte("s/other"), Value: []byte("x")}}, // no key
	}
	v := state.Empty()
	snap, err := Build(v, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	for i, ch := range blocks {
		next := v.Next(int64(i+1), ch)
		before := text(snap)
		applied, err := snap.Apply(v, next, ch)
		if err != nil {
			t.Fatal(err)
		}
		if after := text(snap); after != before {
			t.Fatalf("block %d: Apply changed the previous snapshot: %s", i, diffText(after, before))
		}
		fresh, err := Build(next, testConfig())
		if err != nil {
			t.Fatal(err)
		}
		if a, b := text(applied), text(fresh); a != b {
			t.Fatalf("block %d: Apply and Build differ: %s", i, diffText(a, b))
		}
		v, snap = next, applied
	}
	if snap.Signed() || !slices.Equal(snap.Nameservers(), []string{"ns2.dii-nic."}) {
		t.Fatalf("at the end: %v %v", snap.Signed(), snap.Nameservers())
	}
	// A corrupt entry is corrupt state.
	bad := []state.Change{{Key: registry.NameserverKey(tx.Address{9}), Value: []byte{1, 2, 3}}}
	if _, err := snap.Apply(v, v.Next(v.Height()+1, bad), bad); err == nil {
		t.Fatal("Apply took a corrupt name server entry")
	}
	if _, err := Build(v.Next(v.Height()+1, bad), testConfig()); err == nil {
		t.Fatal("Build took a corrupt name server entry")
	}
}

// TestApplyNameserversRandom mixes random record changes with entry changes.
func TestApplyNameserversRandom(t *testing.T) {
	u := newUniverse()
	rng := rand.New(rand.NewSource(42))
	model := map[string]*registry.Record{}
	v := state.Empty()
	snap, err := Build(v, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"ns1.dii-nic", "ns.a.dii", "x.b.test", "a.root-servers.dii"}
	for h := int64(1); h <= 12; h++ {
		var touched []string
		for i := 0; i < 1+rng.Intn(4); i++ {
			touched = append(touched, mutate(t, rng, u, model))
		}
		ch := changesFor(model, touched)
		for i := 0; i < rng.Intn(3); i++ {
			op := byte(1 + rng.Intn(3))
			if rng.Intn(4) == 0 {
				ch = append(ch, nsWithdraw(op))
			} else {
				ch = append(ch, nsEntry(op, names[rng.Intn(len(names))], testKeys[rng.Intn(2)], fmt.Sprintf("192.0.2.%d", rng.Intn(256))))
			}
		}
		next := v.Next(h, ch)
		applied, err := snap.Apply(v, next, ch)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := Build(next, testConfig())
		if err != nil {
			t.Fatal(err)
		}
		if a, b := snapshotText(t, applied, u), snapshotText(t, fresh, u); a != b {
			t.Fatalf("height %d: Apply and Build differ: %s", h, diffText(a, b))
		}
		v, snap = next, applied
	}
}

// TestExportSigned: the export carries the DNSKEY RRset at every apex and
// the derived DS of hosted children, and named-checkzone accepts it.
func TestExportSigned(t *testing.T) {
	s, _ := signedFixture(t)
	var root, dii bytes.Buffer
	if err := s.Export(".", &root); err != nil {
		t.Fatal(err)
	}
	if err := s.Export("dii", &dii); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(root.String(), ".\t3600\tIN\tDNSKEY\t257 3 13 ") || !strings.Contains(root.String(), "dii.\t3600\tIN\tDS\t2371 13 2 ") {
		t.Fatalf("root export:\n%s", root.String())
	}
	if !strings.Contains(dii.String(), "dii.\t3600\tIN\tDNSKEY\t257 3 13 ") || !strings.Contains(dii.String(), "example.dii.\t3600\tIN\tDS\t") ||
		!strings.Contains(dii.String(), "deleg.dii.\t300\tIN\tDS\t54321 8 2 ") {
		t.Fatalf("dii export:\n%s", dii.String())
	}
	// Every record is what Lookup gives; named-checkzone and
	// ldns-read-zone accept the files.
	checkExports(t, s, fixtureRecords(t))
}

// FuzzLookupDNSSEC checks LookupDNSSEC against Lookup and the invariants
// of its signing data on the signed fixture.
func FuzzLookupDNSSEC(f *testing.F) {
	s, _ := signedFixture(f)
	for _, q := range []string{"www.example.dii.", "x.wild.dii.", "a.b.dn.dii.", "www.nods.dii.", "nope.dii.", ".", "svc.dii", "\\000.\\255.dii"} {
		f.Add(q, dns.TypeA)
	}
	f.Add("nods.dii.", dns.TypeDS)
	f.Add("example.dii.", dns.TypeDNSKEY)
	f.Fuzz(func(t *testing.T, qname string, qtype uint16) {
		checkSecure(t, s, qname, qtype)
	})
}

func checkSecure(t *testing.T, s *Snapshot, qname string, qtype uint16) {
	t.Helper()
	r := s.LookupDNSSEC(qname, qtype)
	checkWellFormed(t, qname, qtype, r)
	if a, b := render(r), render(s.Lookup(qname, qtype)); a != b {
		t.Fatalf("%q %d: LookupDNSSEC and Lookup differ:\n%s\n%s", qname, qtype, a, b)
	}
	if r.Rcode == dns.RcodeFormatError {
		return
	}
	for i, rr := range r.Answer {
		if z := r.AnswerZone(i); !dns.IsSubDomain(z, rr.Header().Name) {
			t.Fatalf("%q: answer %s signed by %s, not its zone:\n%s", qname, rr, z, renderSecure(r))
		}
	}
	negative := r.Rcode == dns.RcodeNameError || r.Rcode == dns.RcodeSuccess && len(r.Answer) == 0 && !r.Referral
	lastIsSOA := len(r.Ns) > 0 && r.Ns[len(r.Ns)-1].Header().Rrtype == dns.TypeSOA
	d := r.Denial
	switch {
	case lastIsSOA:
		if d == nil || d.Owner == "" || r.AuthZone != r.Ns[len(r.Ns)-1].Header().Name || d.NXName != (r.Rcode == dns.RcodeNameError) {
			t.Fatalf("%q: negative answer without its denial:\n%s", qname, renderSecure(r))
		}
	case len(r.Ns) > 0 && r.Ns[0].Header().Rrtype == dns.TypeNS:
		hasDS := slices.ContainsFunc(r.Ns, func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeDS })
		if hasDS == (d != nil) || d != nil && (!d.Cut || d.Owner != r.Ns[0].Header().Name) || !dns.IsSubDomain(r.AuthZone, r.Ns[0].Header().Name) {
			t.Fatalf("%q: referral with a wrong denial:\n%s", qname, renderSecure(r))
		}
	case negative && r.Rcode != dns.RcodeSuccess:
		t.Fatalf("%q: negative without SOA:\n%s", qname, renderSecure(r))
	}
	if d != nil {
		if !slices.IsSorted(d.Types) || slices.Contains(d.Types, dns.TypeRRSIG) || slices.Contains(d.Types, dns.TypeNSEC) ||
			d.NXName && len(d.Types) > 0 || !dns.IsSubDomain(r.AuthZone, d.Owner) {
			t.Fatalf("%q: bad denial:\n%s", qname, renderSecure(r))
		}
		// The NSEC it describes packs.
		n := &dns.NSEC{Hdr: hdr(d.Owner, dns.TypeNSEC, d.TTL), NextDomain: "\\000." + d.Owner, TypeBitMap: d.Types}
		if d.Owner == "." {
			n.NextDomain = "\\000."
		}
		buf := make([]byte, 1024)
		if _, err := dns.PackRR(n, buf, 0, nil, false); err != nil && !strings.Contains(err.Error(), "domain") {
			t.Fatalf("%q: NSEC %v does not pack: %v", qname, n, err)
		}
	}
}

func TestLookupDNSSECWellFormed(t *testing.T) {
	s, _ := signedFixture(t)
	u := newUniverse()
	for _, r := range fixtureRecords(t) {
		for _, set := range r.RRsets {
			u.queries = append(u.queries, set.Name+".", "q."+set.Name+".", "Q.\\.x."+set.Name)
		}
	}
	for _, q := range u.queries {
		for _, typ := range append(slices.Clone(queryTypes), 0, dns.TypeDNSKEY, dns.TypeNSEC, dns.TypeRRSIG, 65535) {
			checkSecure(t, s, q, typ)
		}
	}
}

// TestAppendCut: the cut of a hosted child zone, written without making
// records, is what writeRRs writes for the derived NS records and the DS
// records dns.DNSKEY.ToDS derives.
func TestAppendCut(t *testing.T) {
	s, _ := signedFixture(t)
	if len(s.keys) == 0 || len(s.ns) == 0 {
		t.Fatal("the fixture publishes no key or name server")
	}
	for _, name := range []string{"example.dii.", "a-b_c.x9.dii.", "*.wild.dii."} {
		var want bytes.Buffer
		bw := bufio.NewWriter(&want)
		writeRRs(bw, s.derivedNS(name))
		for _, k := range s.keys {
			c := *k
			c.Hdr.Name = name
			ds := c.ToDS(dns.SHA256)
			ds.Hdr.Ttl = s.cfg.keyTTL
			writeRRs(bw, []dns.RR{ds})
		}
		_ = bw.Flush()
		if got := string(s.appendCut(nil, name)); got != want.String() {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, want.String())
		}
		allocs := testing.AllocsPerRun(20, func() { s.appendCut(make([]byte, 0, 1024)[:0], name) })
		if allocs > 1 { // the buffer handed in
			t.Errorf("%s: %v allocations", name, allocs)
		}
	}
}

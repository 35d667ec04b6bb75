package dnssec

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// testNow is a fixed clock: 2030-01-02 03:04:05 UTC.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func mustRR(t testing.TB, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return rr
}

func rrs(t testing.TB, lines ...string) []dns.RR {
	out := make([]dns.RR, len(lines))
	for i, l := range lines {
		out[i] = mustRR(t, l)
	}
	return out
}

func testKey(t testing.TB) *Key {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestWindow(t *testing.T) {
	inc, exp := Window(testNow)
	if want := time.Date(2030, 1, 2, 2, 0, 0, 0, time.UTC); !inc.Equal(want) {
		t.Fatalf("inception %v, want %v", inc, want)
	}
	if !exp.Equal(inc.Add(7 * 24 * time.Hour)) {
		t.Fatalf("expiration %v", exp)
	}
	// The whole hour shares one window.
	if i2, _ := Window(testNow.Truncate(time.Hour).Add(59*time.Minute + 59*time.Second)); !i2.Equal(inc) {
		t.Fatalf("window moved within the hour: %v", i2)
	}
	if i3, _ := Window(testNow.Truncate(time.Hour).Add(time.Hour)); i3.Equal(inc) {
		t.Fatal("window did not move with the hour")
	}
}

// TestSignVerify signs RRsets of several shapes and checks each signature
// with the DNS library's independent implementation of RFC 4034.
func TestSignVerify(t *testing.T) {
	k := testKey(t)
	s := NewSigner(k, -1)
	cases := []struct {
		zone string
		set  []dns.RR
	}{
		{"dii.", rrs(t, "hello.dii. 300 IN A 192.0.2.1")},
		// Several records, out of canonical order.
		{"dii.", rrs(t, "hello.dii. 300 IN A 192.0.2.9", "hello.dii. 300 IN A 192.0.2.1", "hello.dii. 300 IN A 10.0.0.1")},
		// Names in RDATA and the owner in upper case: canonical form lowers them.
		{"dii.", rrs(t, "Mail.DII. 60 IN MX 10 MX1.Example.DII.", "Mail.DII. 60 IN MX 5 mx0.example.dii.")},
		{"dii.", rrs(t, "alias.dii. 60 IN CNAME Target.Example.")},
		{"example.dii.", rrs(t, `example.dii. 300 IN TXT "v=spf1 -all" "second string"`, `example.dii. 300 IN TXT "a"`)},
		{"example.dii.", rrs(t, "_sip._tcp.example.dii. 300 IN SRV 10 5 5060 SIP.example.dii.")},
		{".", rrs(t, ". 86400 IN NS ns1.dii-nic.", ". 86400 IN NS ns2.dii-nic.")},
		{".", []dns.RR{k.DNSKEY(".", 3600)}},
		{".", rrs(t, ". 3600 IN SOA ns1.dii-nic. hostmaster.root-servers.dii. 7 1800 900 604800 300")},
		// A wildcard-synthesized answer is signed as the query name.
		{"dii.", rrs(t, "x.wild.dii. 300 IN A 192.0.2.80")},
		// The wildcard itself: every label is counted (RFC 9824 §3.3).
		{"dii.", rrs(t, "*.wild.dii. 300 IN A 192.0.2.80")},
		{"dii.", []dns.RR{NXNameNSEC("nope.dii.", 300)}},
		{"dii.", []dns.RR{CutNSEC("nods.dii.", []uint16{dns.TypeNS}, 300)}},
		{"dii.", rrs(t, "deleg.dii. 3600 IN DS 12345 13 2 "+strings.Repeat("ab", 32))},
		{"\\000.x.dii.", rrs(t, "a\\.b.\\000.x.dii. 300 IN A 192.0.2.2")},
	}
	for _, c := range cases {
		sig, err := s.Sign(c.set, c.zone, testNow)
		if err != nil {
			t.Fatalf("%v: %v", c.set, err)
		}
		key := k.DNSKEY(c.zone, 3600)
		if err := sig.Verify(key, c.set); err != nil {
			t.Errorf("%v: does not verify: %v\n%v", c.set, err, sig)
		}
		if !sig.ValidityPeriod(testNow) || sig.ValidityPeriod(testNow.Add(8*24*time.Hour)) || sig.ValidityPeriod(testNow.Add(-2*time.Hour)) {
			t.Errorf("%v: validity %d..%d", c.set, sig.Inception, sig.Expiration)
		}
		h := c.set[0].Header()
		if sig.Hdr.Name != h.Name || sig.Hdr.Ttl != h.Ttl || sig.OrigTtl != h.Ttl || sig.TypeCovered != h.Rrtype ||
			int(sig.Labels) != dns.CountLabel(h.Name) || sig.Algorithm != dns.ECDSAP256SHA256 || sig.KeyTag != k.KeyTag() {
			t.Errorf("%v: RRSIG fields %v", c.set, sig)
		}
		// A changed signature, or another key, does not verify.
		bad := *sig
		raw := []byte(bad.Signature)
		raw[10] ^= 'A' ^ 'B'
		if raw[10] == sig.Signature[10] {
			raw[10] = 'C'
		}
		bad.Signature = string(raw)
		if err := bad.Verify(key, c.set); err == nil {
			t.Errorf("%v: a changed signature verifies", c.set)
		}
		other := testKey(t).DNSKEY(c.zone, 3600)
		bad = *sig
		bad.KeyTag = other.KeyTag()
		if err := bad.Verify(other, c.set); err == nil {
			t.Errorf("%v: verifies with another key", c.set)
		}
	}
	// Changed data does not verify.
	set := rrs(t, "hello.dii. 300 IN A 192.0.2.1")
	sig, _ := s.Sign(set, "dii.", testNow)
	if err := sig.Verify(k.DNSKEY("dii.", 1), rrs(t, "hello.dii. 300 IN A 192.0.2.66")); err == nil {
		t.Error("changed RDATA verifies")
	}
	if _, err := s.Sign(rrs(t, "a.dii. 300 IN A 192.0.2.1", "b.dii. 300 IN A 192.0.2.1"), "dii.", testNow); err == nil {
		t.Error("two owners signed as one RRset")
	}
	if _, err := s.Sign(nil, "dii.", testNow); err == nil {
		t.Error("empty RRset signed")
	}
}

// TestSignedDataDuplicates: duplicate records are one record in the
// canonical RRset (RFC 4034 §6.3), so the signature is the same.
func TestSignedDataDuplicates(t *testing.T) {
	sig := &dns.RRSIG{TypeCovered: dns.TypeA, Algorithm: Algorithm, Labels: 2, OrigTtl: 300, SignerName: "dii."}
	one, err := signedData(nil, sig, rrs(t, "a.dii. 300 IN A 192.0.2.1", "a.dii. 300 IN A 192.0.2.2"))
	if err != nil {
		t.Fatal(err)
	}
	two, err := signedData(nil, sig, rrs(t, "A.dii. 300 IN A 192.0.2.2", "a.dii. 300 IN A 192.0.2.1", "a.DII. 300 IN A 192.0.2.2"))
	if err != nil {
		t.Fatal(err)
	}
	if string(one) != string(two) {
		t.Fatalf("signed data differs:\n%x\n%x", one, two)
	}
}

func TestSignCache(t *testing.T) {
	k := testKey(t)
	s := NewSigner(k, 64)
	set := rrs(t, "hello.dii. 300 IN A 192.0.2.1")
	a, err := s.Sign(set, "dii.", testNow)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Sign(rrs(t, "hello.dii. 300 IN A 192.0.2.1"), "dii", testNow.Add(30*time.Minute))
	if a != b {
		t.Fatal("the same RRset in the same hour was signed twice")
	}
	if h, m := s.Stats(); h != 1 || m != 1 {
		t.Fatalf("hits %d misses %d, want 1 1", h, m)
	}
	// Another hour, another TTL, another signer zone, other data: misses.
	for _, c := range []struct {
		set  []dns.RR
		zone string
		now  time.Time
	}{
		{set, "dii.", testNow.Add(time.Hour)},
		{rrs(t, "hello.dii. 301 IN A 192.0.2.1"), "dii.", testNow},
		{set, "hello.dii.", testNow},
		{rrs(t, "hello.dii. 300 IN A 192.0.2.2"), "dii.", testNow},
	} {
		sig, err := s.Sign(c.set, c.zone, c.now)
		if err != nil || sig == a {
			t.Fatalf("%v %s %v: served from the cache (%v)", c.set, c.zone, c.now, err)
		}
		if err := sig.Verify(k.DNSKEY(c.zone, 1), c.set); err != nil {
			t.Fatal(err)
		}
	}
	if h, m := s.Stats(); h != 1 || m != 5 {
		t.Fatalf("hits %d misses %d, want 1 5", h, m)
	}
	// The cache is bounded.
	for i := 0; i < 500; i++ {
		if _, err := s.Sign([]dns.RR{NXNameNSEC(strings.Repeat("x", 1+i%60)+".n"+string(rune('a'+i%26))+".dii.", 300)}, "dii.", testNow); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.cache.len(); n > 64+cacheShards {
		t.Fatalf("cache holds %d signatures, bound 64", n)
	}
}

func TestSuccessor(t *testing.T) {
	long := strings.Repeat("a", 63)
	// 4 labels of 63 octets and one of 61: 4*64 + 62 + 1 = 319 > 255, so
	// build names of exactly 253 and 255 octets instead.
	name253 := long + "." + long + "." + long + "." + strings.Repeat("b", 59) + "." // 64*3 + 60 + 1 = 253
	name255 := long + "." + long + "." + long + "." + strings.Repeat("b", 61) + "." // 64*3 + 62 + 1 = 255
	full := strings.Repeat("\\255", 63) + "." + long + "." + long + "." + strings.Repeat("b", 61) + "."
	for _, c := range []struct{ in, succ, sib string }{
		{"a.example.com.", "\\000.a.example.com.", "a\\000.example.com."},
		{"A.Example.COM", "\\000.A.Example.COM.", "A\\000.Example.COM."},
		{".", "\\000.", "\\000."},
		{"nods.dii.", "\\000.nods.dii.", "nods\\000.dii."},
		// A 63-octet first label cannot grow: its last octet is incremented.
		{name253, "\\000." + name253, strings.Repeat("a", 62) + "b." + name253[64:]},
		// No room for a new label: the first label grows, or when it is
		// 63 octets long, its last octet is incremented.
		{strings.Repeat("c", 62) + "." + name255[64:], strings.Repeat("c", 62) + "\\000." + name255[64:], strings.Repeat("c", 62) + "\\000." + name255[64:]},
		{name255, strings.Repeat("a", 62) + "b." + name255[64:], strings.Repeat("a", 62) + "b." + name255[64:]},
		// A first label of 63 0xff octets: the parent's successor.
		{full, strings.Repeat("a", 62) + "b." + name255[128:], strings.Repeat("a", 62) + "b." + name255[128:]},
	} {
		if got := Successor(c.in); got != c.succ {
			t.Errorf("Successor(%q) = %q, want %q", c.in, got, c.succ)
		}
		if got := SiblingSuccessor(c.in); got != c.sib {
			t.Errorf("SiblingSuccessor(%q) = %q, want %q", c.in, got, c.sib)
		}
		// The successor sorts after the name (RFC 4034 §6.1).
		if c.in != "." && !canonicalLess(c.in, Successor(c.in)) {
			t.Errorf("%q does not sort before %q", c.in, Successor(c.in))
		}
	}
}

// canonicalLess compares names in the canonical order of RFC 4034 §6.1.
func canonicalLess(a, b string) bool {
	la, _, _ := wireLabels(strings.ToLower(a))
	lb, _, _ := wireLabels(strings.ToLower(b))
	for i, j := len(la)-1, len(lb)-1; i >= 0 || j >= 0; i, j = i-1, j-1 {
		if i < 0 {
			return true
		}
		if j < 0 {
			return false
		}
		if c := strings.Compare(string(la[i]), string(lb[j])); c != 0 {
			return c < 0
		}
	}
	return false
}

func TestNSEC(t *testing.T) {
	nx := NXNameNSEC("nope.dii.", 300)
	if got := nx.String(); got != "nope.dii.\t300\tIN\tNSEC\t\\000.nope.dii. RRSIG NSEC NXNAME" {
		t.Errorf("NXNAME NSEC: %s", got)
	}
	nd := NoDataNSEC("hello.dii.", []uint16{dns.TypeTXT, dns.TypeA, dns.TypeNSEC}, 60)
	if got := nd.String(); got != "hello.dii.\t60\tIN\tNSEC\t\\000.hello.dii. A TXT RRSIG NSEC" {
		t.Errorf("NODATA NSEC: %s", got)
	}
	ent := NoDataNSEC("svc.dii.", nil, 60)
	if got := ent.String(); got != "svc.dii.\t60\tIN\tNSEC\t\\000.svc.dii. RRSIG NSEC" {
		t.Errorf("ENT NSEC: %s", got)
	}
	cut := CutNSEC("sub.example.com.", []uint16{dns.TypeNS}, 3600)
	if got := cut.String(); got != "sub.example.com.\t3600\tIN\tNSEC\tsub\\000.example.com. NS RRSIG NSEC" {
		t.Errorf("cut NSEC: %s", got)
	}
	for _, n := range []*dns.NSEC{nx, nd, ent, cut} {
		buf := make([]byte, 512)
		if _, err := dns.PackRR(n, buf, 0, nil, false); err != nil {
			t.Errorf("%v does not pack: %v", n, err)
		}
	}
}

func TestAnchor(t *testing.T) {
	k1, k2 := testKey(t), testKey(t)
	a := NewAnchor(".", []*dns.DNSKEY{k1.DNSKEY("x.", 1), k2.DNSKEY(".", 1), k1.DNSKEY(".", 5)}, 3600)
	if len(a.DNSKEY) != 2 || len(a.DS) != 2 {
		t.Fatalf("anchor: %v", a)
	}
	for i, k := range a.DNSKEY {
		if k.Hdr.Name != "." || k.Hdr.Ttl != 3600 {
			t.Errorf("DNSKEY %v", k)
		}
		want := k.ToDS(dns.SHA256)
		if d := a.DS[i]; d.KeyTag != k.KeyTag() || d.DigestType != dns.SHA256 || !strings.EqualFold(d.Digest, want.Digest) {
			t.Errorf("DS %v for %v", d, k)
		}
	}
	text := a.String()
	zp := dns.NewZoneParser(strings.NewReader(text), ".", "")
	n := 0
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		n++
		_ = rr
	}
	if err := zp.Err(); err != nil || n != 4 {
		t.Fatalf("presentation form parses to %d records (%v):\n%s", n, err, text)
	}
	ub := a.Unbound()
	for _, line := range strings.Split(strings.TrimSpace(ub), "\n") {
		rest, ok := strings.CutPrefix(line, `trust-anchor: "`)
		if !ok || !strings.HasSuffix(rest, `"`) {
			t.Fatalf("unbound line %q", line)
		}
		rr := mustRR(t, strings.TrimSuffix(rest, `"`))
		if ds, ok := rr.(*dns.DS); !ok || ds.Hdr.Name != "." {
			t.Fatalf("unbound line %q is not a root DS", line)
		}
	}
	if d := DS(k1.DNSKEY(".", 1), "Example.", 60); d.Hdr.Name != "example." || d.Hdr.Ttl != 60 {
		t.Fatalf("DS owner/TTL: %v", d)
	}
}

func BenchmarkSign(b *testing.B) {
	k := testKey(b)
	set := rrs(b, "hello.dii. 300 IN A 192.0.2.1", "hello.dii. 300 IN A 192.0.2.2")
	b.Run("cached", func(b *testing.B) {
		s := NewSigner(k, 0)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Sign(set, "dii.", testNow); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("uncached", func(b *testing.B) {
		s := NewSigner(k, -1)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Sign(set, "dii.", testNow); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestSignConcurrent signs from many goroutines at once (run with -race).
func TestSignConcurrent(t *testing.T) {
	k := testKey(t)
	s := NewSigner(k, 32)
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func() {
			var err error
			for i := 0; i < 200 && err == nil; i++ {
				set := []dns.RR{NXNameNSEC(string(rune('a'+i%40))+".dii.", 300)}
				var sig *dns.RRSIG
				if sig, err = s.Sign(set, "dii.", testNow); err == nil {
					err = sig.Verify(k.DNSKEY("dii.", 1), set)
				}
			}
			done <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if h, m := s.Stats(); h+m != 1600 || h == 0 {
		t.Fatalf("hits %d misses %d", h, m)
	}
}

package nameserver

import (
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/zone"
)

var testClient = netip.MustParseAddrPort("192.0.2.99:5300")

// slowAnswer is what the full path sends for raw: the decoded response,
// or nil for none.
func slowAnswer(t testing.TB, s *Server, raw []byte) *dns.Msg {
	t.Helper()
	resp, _ := s.answerSlow(raw, testClient)
	if resp == nil {
		return nil
	}
	b, err := resp.Pack()
	if err != nil {
		t.Fatalf("slow answer does not pack: %v", err)
	}
	var m dns.Msg
	if err := m.Unpack(b); err != nil {
		t.Fatalf("slow answer does not unpack: %v", err)
	}
	return &m
}

// fastAnswer is what the fast path sends for raw, decoded; nil when it
// declines.
func fastAnswer(t testing.TB, s *Server, raw []byte) *dns.Msg {
	t.Helper()
	var q wireQuery
	if !parseQuery(raw, &q) {
		return nil
	}
	out, rcode, ok := s.answerFast(raw, &q, s.snap.Load(), make([]byte, 0, 512))
	if !ok {
		return nil
	}
	var m dns.Msg
	if err := m.Unpack(out); err != nil {
		t.Fatalf("fast answer does not unpack: %v\n%x", err, out)
	}
	if m.Rcode != rcode {
		t.Fatalf("fast path says rcode %d, the message %d", rcode, m.Rcode)
	}
	if q.edns && len(out) > q.udpLimit(s.cfg.MaxUDPSize) || !q.edns && len(out) > 512 {
		t.Fatalf("fast answer of %d bytes over the limit", len(out))
	}
	return &m
}

// sameAnswer compares two responses: header bits, question, and every
// section, owner names compared without case (the fast path's owners
// point at the question).
func sameAnswer(a, b *dns.Msg) error {
	norm := func(m *dns.Msg) string {
		c := m.Copy()
		for _, sec := range [][]dns.RR{c.Answer, c.Ns, c.Extra} {
			for _, rr := range sec {
				rr.Header().Name = strings.ToLower(rr.Header().Name)
			}
		}
		c.Compress = false
		return c.String()
	}
	if x, y := norm(a), norm(b); x != y {
		return fmt.Errorf("fast:\n%s\nslow:\n%s", x, y)
	}
	return nil
}

// fastCases are queries of every shape: what the fast path answers must
// equal the slow path's answer.
func fastCases(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	add := func(m *dns.Msg) {
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	names := []string{"hello.dii.", "HeLLo.DII.", "nope.dii.", "x.nope.dii.", "dii.", ".", "example.dii.", "www.hello.dii.",
		"x.deleg.dii.", "deleg.dii.", "ns1.deleg.dii.", "nods.dii.", "a.wild.dii.", "_tcp.svc.dii.", "svc.dii.",
		"alias.dii.", "gone.dii.", "nothere.example.", "ns1.dii-nic.", "dii-nic.", "x.dii-nic.", "a\\.b.dii."}
	types := []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeTXT, dns.TypeMX, dns.TypeNS, dns.TypeSOA, dns.TypeDS,
		dns.TypeDNSKEY, dns.TypeCNAME, dns.TypeANY, dns.TypeNSEC, dns.TypeAXFR, dnssec.TypeNXNAME, dns.TypeOPT}
	for _, n := range names {
		for _, typ := range types {
			m := q(n, typ)
			add(m)
			m = q(n, typ)
			m.RecursionDesired = false
			m.CheckingDisabled = true
			m.SetEdns0(1232, false)
			add(m)
			m = q(n, typ)
			m.SetEdns0(4096, true)
			add(m)
		}
	}
	m := q("hello.dii.", dns.TypeA)
	m.SetEdns0(1232, false)
	m.IsEdns0().SetVersion(1)
	add(m)
	m = q("hello.dii.", dns.TypeA)
	m.SetEdns0(100, false) // below 512: 512
	m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_LOCAL{Code: 65001, Data: []byte{1, 2}})
	add(m)
	m = q("hello.dii.", dns.TypeA)
	m.Question[0].Qclass = dns.ClassCHAOS
	add(m)
	m = q("hello.dii.", dns.TypeA)
	m.Opcode = dns.OpcodeStatus
	add(m)
	m = q("hello.dii.", dns.TypeA)
	m.Response = true
	add(m)
	m = q("hello.dii.", dns.TypeA)
	m.Question = append(m.Question, m.Question[0])
	add(m)
	m = q("hello.dii.", dns.TypeA)
	m.Zero, m.AuthenticatedData, m.Authoritative, m.Truncated = true, true, true, true
	add(m)
	return out
}

// TestFastMatchesSlow: on a ledger with delegations, wildcards, CNAMEs
// and published keys, whatever the fast path answers is what the full
// path answers, with and without a signer, and the fast path does answer
// the common questions.
func TestFastMatchesSlow(t *testing.T) {
	signed, _ := signedServer(t, 0)
	k, err := dnssec.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	z, err := zone.Build(signedLedger(t, k), zone.Config{Nameservers: []zone.Nameserver{{Name: "fallback.example."}}})
	if err != nil {
		t.Fatal(err)
	}
	unsigned := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	unsigned.SetSnapshot(z)
	for _, c := range []struct {
		name string
		s    *Server
	}{{"signer", signed}, {"no signer", unsigned}, {"small", startServer(t, Config{})}} {
		t.Run(c.name, func(t *testing.T) {
			fast := 0
			for _, raw := range fastCases(t) {
				f := fastAnswer(t, c.s, raw)
				if f == nil {
					continue
				}
				fast++
				if err := sameAnswer(f, slowAnswer(t, c.s, raw)); err != nil {
					var m dns.Msg
					_ = m.Unpack(raw)
					t.Fatalf("query %v:\n%v", m.Question, err)
				}
			}
			if fast < 100 {
				t.Fatalf("only %d queries took the fast path", fast)
			}
		})
	}
	for _, c := range []struct {
		name string
		m    *dns.Msg
		fast bool
	}{
		{"A", q("hello.dii.", dns.TypeA), true},
		{"NXDOMAIN", q("nope.dii.", dns.TypeA), true},
		{"referral", q("x.deleg.dii.", dns.TypeA), true},
		{"outside the namespace: REFUSED", q("nothere.example.", dns.TypeA), true},
		{"signed", doQuery("hello.dii.", dns.TypeA, true), false},
		{"CNAME", q("www.hello.dii.", dns.TypeA), false},
		{"large", q("hello.dii.", dns.TypeTXT), false},
	} {
		raw, _ := c.m.Pack()
		if got := fastAnswer(t, signed, raw) != nil; got != c.fast {
			t.Errorf("%s: fast path %v, want %v", c.name, got, c.fast)
		}
	}
}

// TestParseQueryShapes: the parser takes the common shape and leaves the
// others to the full decoder.
func TestParseQueryShapes(t *testing.T) {
	base := func() []byte {
		m := q("Hello.dii.", dns.TypeA)
		m.Id = 0x1234
		b, _ := m.Pack()
		return b
	}
	var qq wireQuery
	if !parseQuery(base(), &qq) || qq.id != 0x1234 || qq.qtype != dns.TypeA || qq.class != dns.ClassINET ||
		string(qq.name()) != "\x05hello\x03dii\x00" || qq.edns || qq.qend != len(base()) {
		t.Fatalf("plain query: %+v", qq)
	}
	m := q("hello.dii.", dns.TypeAAAA)
	m.SetEdns0(1400, true)
	b, _ := m.Pack()
	if !parseQuery(b, &qq) || !qq.edns || qq.udpSize != 1400 || !qq.do || qq.version != 0 || qq.udpLimit(1232) != 1232 {
		t.Fatalf("EDNS query: %+v", qq)
	}
	pointer := append(base()[:12:12], 0xc0, 12, 0, 1, 0, 1)
	trailing := append(base(), 0)
	twoq := base()
	binary.BigEndian.PutUint16(twoq[4:], 2)
	response := base()
	response[2] |= 0x80
	notify := base()
	notify[2] |= dns.OpcodeNotify << 3
	answer := base()
	binary.BigEndian.PutUint16(answer[6:], 1)
	badOpt := append(b[:len(b)-2:len(b)-2], 0, 3) // RDLENGTH past the end
	shortOpt := append(b[:len(b)-2:len(b)-2], 0, 2, 0, 1)
	for name, raw := range map[string][]byte{
		"empty": {}, "header only": base()[:12], "compressed name": pointer, "trailing byte": trailing,
		"two questions": twoq, "response": response, "notify": notify, "an answer record": answer,
		"OPT past the end": badOpt, "OPT option cut short": shortOpt, "cut in the name": base()[:15],
		"cut in the type": base()[:len(base())-3], "label over 63": append(append(base()[:12:12], 64), make([]byte, 70)...),
	} {
		if parseQuery(raw, &qq) {
			t.Errorf("%s: parsed", name)
		}
	}
}

// TestAnswerFastAllocs: the fast path allocates nothing.
func TestAnswerFastAllocs(t *testing.T) {
	s := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RRLRate: 1 << 30})
	s.SetSnapshot(testSnapshot(t))
	buf := make([]byte, 0, 1024)
	for _, m := range []*dns.Msg{q("hello.dii.", dns.TypeA), q("nope.dii.", dns.TypeA), doQuery("HELLO.dii.", dns.TypeA, false)} {
		raw, _ := m.Pack()
		var qq wireQuery
		z := s.snap.Load()
		ip := testClient.Addr()
		allocs := testing.AllocsPerRun(200, func() {
			if !parseQuery(raw, &qq) {
				t.Fatal("not parsed")
			}
			if _, rc, ok := s.answerFast(raw, &qq, z, buf); !ok {
				t.Fatal("declined")
			} else {
				s.rrl.checkName(ip, qq.name(), qq.qtype, rc)
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations", m.Question, allocs)
		}
	}
}

// FuzzParseQuery gives the parser arbitrary datagrams: it must not panic;
// what it takes must decode with miekg/dns to the same question and EDNS
// values; and an answer from the fast path must equal the full path's.
func FuzzParseQuery(f *testing.F) {
	for _, m := range []*dns.Msg{q("hello.dii.", dns.TypeA), q("NOPE.dii.", dns.TypeAAAA), doQuery("x.dii.", dns.TypeMX, true)} {
		b, _ := m.Pack()
		f.Add(b)
	}
	s := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s.SetSnapshot(testSnapshot(f))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var qq wireQuery
		if !parseQuery(raw, &qq) {
			return
		}
		var m dns.Msg
		if err := m.Unpack(raw); err != nil {
			t.Fatalf("parsed, but miekg/dns cannot decode it: %v", err)
		}
		if len(m.Question) != 1 || m.Question[0].Qtype != qq.qtype || m.Question[0].Qclass != qq.class || m.Id != qq.id {
			t.Fatalf("question %v, parsed %+v", m.Question, qq)
		}
		buf := make([]byte, 256)
		n, err := dns.PackDomainName(m.Question[0].Name, buf, 0, nil, false)
		if err != nil || !strings.EqualFold(string(buf[:n]), string(qq.name())) || !isLower(qq.name()) {
			t.Fatalf("name %q, parsed %q", buf[:n], qq.name())
		}
		opt := m.IsEdns0()
		if (opt != nil) != qq.edns || opt != nil && (opt.UDPSize() != qq.udpSize || opt.Do() != qq.do || opt.Version() != qq.version) {
			t.Fatalf("EDNS %v, parsed %+v", opt, qq)
		}
		if f := fastAnswer(t, s, raw); f != nil {
			if err := sameAnswer(f, slowAnswer(t, s, raw)); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func isLower(b []byte) bool {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// TestServeUDPFamilies: the batched socket path answers over IPv4 and
// IPv6, fast and slow queries alike, and many queries in flight at once.
func TestServeUDPFamilies(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			s := New(Config{Addr: net.JoinHostPort(host, "0"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			s.SetSnapshot(testSnapshot(t))
			if err := s.Start(); err != nil {
				t.Skipf("no %s: %v", host, err)
			}
			t.Cleanup(func() { _ = s.Stop() })
			if r := query(t, s.Addr(), "udp", q("HELLO.dii.", dns.TypeA)); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 ||
				r.Question[0].Name != "HELLO.dii." || !strings.EqualFold(r.Answer[0].Header().Name, "hello.dii.") {
				t.Fatalf("fast A: %v", r)
			}
			if r := query(t, s.Addr(), "udp", q("hello.dii.", dns.TypeTXT)); !r.Truncated {
				t.Fatalf("slow, truncated TXT: %v", r)
			}
			// Many at once, on one socket: batches of reads and writes.
			c, err := net.Dial("udp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// Waves of 100 datagrams, each read back before the next, so
			// that neither side's socket queue (about 256 datagrams by
			// default) overflows.
			const n, wave = 300, 100
			seen := map[uint16]bool{}
			buf := make([]byte, 1500)
			for w := 0; w < n; w += wave {
				for i := w; i < w+wave; i++ {
					m := q("hello.dii.", dns.TypeA)
					if i%3 == 0 {
						m = q("nope.dii.", dns.TypeA)
					}
					m.Id = uint16(i)
					b, _ := m.Pack()
					if _, err := c.Write(b); err != nil {
						t.Fatal(err)
					}
				}
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				for len(seen) < w+wave {
					k, err := c.Read(buf)
					if err != nil {
						break // lost on a loopback queue: counted below
					}
					var r dns.Msg
					if err := r.Unpack(buf[:k]); err != nil {
						t.Fatal(err)
					}
					want := dns.RcodeSuccess
					if r.Id%3 == 0 {
						want = dns.RcodeNameError
					}
					if r.Rcode != want {
						t.Fatalf("id %d: %v", r.Id, &r)
					}
					seen[r.Id] = true
				}
			}
			if len(seen) < n*9/10 {
				t.Fatalf("%d of %d answered", len(seen), n)
			}
		})
	}
}

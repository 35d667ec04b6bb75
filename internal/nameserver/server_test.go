package nameserver

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
	"github.com/dii-net/dii/internal/zone"
)

func rd(t testing.TB, typ uint16, s string) []byte {
	t.Helper()
	b, err := names.ParseRData(typ, s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testSnapshot is a small ledger: the open TLD dii and hello.dii with
// records, one of them a large TXT set that does not fit 512 bytes.
func testSnapshot(t testing.TB) *zone.Snapshot {
	t.Helper()
	var big [][]byte
	for i := 0; i < 12; i++ {
		big = append(big, rd(t, dns.TypeTXT, `"`+strings.Repeat(string(rune('a'+i)), 60)+`"`))
	}
	recs := []*registry.Record{
		{Name: "dii", Expiry: 1 << 40, Open: true},
		{Name: "hello.dii", Expiry: 1 << 40, RRsets: []registry.RRset{
			{Name: "hello.dii", Type: dns.TypeA, TTL: 300, Records: [][]byte{rd(t, dns.TypeA, "192.0.2.1")}},
			{Name: "hello.dii", Type: dns.TypeTXT, TTL: 300, Records: big},
		}},
	}
	var changes []state.Change
	for _, r := range recs {
		r.Owner = tx.Address{1}
		changes = append(changes, state.Change{Key: registry.Key(r.Name), Value: r.Encode()})
	}
	v := state.Empty().Next(7, changes)
	z, err := zone.Build(v, zone.Config{Nameservers: []zone.Nameserver{{Name: "ns1.dii-nic.", IPv4: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}}})
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s := New(cfg)
	s.SetSnapshot(testSnapshot(t))
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

func query(t *testing.T, addr, net string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: net, Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s query %v: %v", net, m.Question, err)
	}
	return r
}

func q(name string, t uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, t)
	return m
}

func TestServe(t *testing.T) {
	s := startServer(t, Config{})
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			r := query(t, s.Addr(), transport, q("HELLO.dii.", dns.TypeA))
			if r.Rcode != dns.RcodeSuccess || !r.Authoritative || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.1" {
				t.Fatalf("A answer: %v", r)
			}
			if r.Question[0].Name != "HELLO.dii." {
				t.Fatalf("question not echoed: %v", r.Question)
			}
			r = query(t, s.Addr(), transport, q("nope.dii.", dns.TypeA))
			if r.Rcode != dns.RcodeNameError || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
				t.Fatalf("NXDOMAIN: %v", r)
			}
		})
	}
}

func TestEDNS(t *testing.T) {
	s := startServer(t, Config{})
	// No EDNS: 512 bytes, truncated with TC; TCP gets everything.
	r := query(t, s.Addr(), "udp", q("hello.dii.", dns.TypeTXT))
	r.Compress = true // measure as it came on the wire
	if !r.Truncated || r.Len() > 512 {
		t.Fatalf("plain UDP: tc=%v len=%d", r.Truncated, r.Len())
	}
	r = query(t, s.Addr(), "tcp", q("hello.dii.", dns.TypeTXT))
	if r.Truncated || len(r.Answer) != 12 {
		t.Fatalf("TCP: tc=%v answers=%d", r.Truncated, len(r.Answer))
	}
	// A 4096-byte buffer is honoured up to the server's 1232.
	m := q("hello.dii.", dns.TypeTXT)
	m.SetEdns0(4096, true)
	r = query(t, s.Addr(), "udp", m)
	if r.Truncated || len(r.Answer) != 12 {
		t.Fatalf("EDNS 4096: tc=%v answers=%d len=%d", r.Truncated, len(r.Answer), r.Len())
	}
	opt := r.IsEdns0()
	if opt == nil || !opt.Do() || opt.UDPSize() != DefaultMaxUDPSize {
		t.Fatalf("OPT in response: %v", opt)
	}
	// Unknown version: BADVERS; unknown options ignored.
	m = q("hello.dii.", dns.TypeA)
	m.SetEdns0(1232, false)
	m.IsEdns0().SetVersion(1)
	r = query(t, s.Addr(), "udp", m)
	if r.Rcode != dns.RcodeBadVers {
		t.Fatalf("EDNS version 1: rcode %s", dns.RcodeToString[r.Rcode])
	}
	m = q("hello.dii.", dns.TypeA)
	m.SetEdns0(1232, false)
	m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_LOCAL{Code: 65001, Data: []byte{1, 2}})
	r = query(t, s.Addr(), "udp", m)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("unknown option: %v", r)
	}
}

func TestRcodes(t *testing.T) {
	s := startServer(t, Config{})
	status := q("hello.dii.", dns.TypeA)
	status.Opcode = dns.OpcodeStatus
	chaos := q("version.bind.", dns.TypeTXT)
	chaos.Question[0].Qclass = dns.ClassCHAOS
	noq := new(dns.Msg)
	noq.Id = dns.Id()
	cases := []struct {
		name  string
		m     *dns.Msg
		rcode int
	}{
		{"status opcode", status, dns.RcodeNotImplemented},
		{"chaos class", chaos, dns.RcodeRefused},
		{"axfr", q("dii.", dns.TypeAXFR), dns.RcodeRefused},
		{"no question", noq, dns.RcodeFormatError},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := query(t, s.Addr(), "tcp", c.m)
			if r.Rcode != c.rcode {
				t.Fatalf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[c.rcode])
			}
		})
	}
}

// TestGarbageAndFloods sends garbage datagrams, a compression loop, and
// more TCP connections than the limit: the server keeps answering.
func TestGarbageAndFloods(t *testing.T) {
	s := startServer(t, Config{MaxTCPConns: 8, TCPIdle: 500 * time.Millisecond})
	conn, err := net.Dial("udp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	loop := []byte{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1} // name points at itself
	for _, g := range [][]byte{{}, {0}, bytes.Repeat([]byte{0xff}, 12), bytes.Repeat([]byte{0x41}, 4000), loop} {
		conn.Write(g)
	}
	var held []net.Conn
	for i := 0; i < 20; i++ {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			break
		}
		held = append(held, c)
	}
	if r := query(t, s.Addr(), "udp", q("hello.dii.", dns.TypeA)); r.Rcode != dns.RcodeSuccess {
		t.Fatalf("after garbage: %v", r)
	}
	for _, c := range held {
		c.Close()
	}
	// Once the flood is gone, TCP serves again.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := &dns.Client{Net: "tcp", Timeout: time.Second}
		r, _, err := c.Exchange(q("hello.dii.", dns.TypeA), s.Addr())
		if err == nil && r.Rcode == dns.RcodeSuccess {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("TCP not serving after the flood: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTCPPipelining sends several queries on one connection before reading
// any answer (RFC 7766 §6.2.1).
func TestTCPPipelining(t *testing.T) {
	s := startServer(t, Config{})
	c, err := dns.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ids := map[uint16]bool{}
	for i := 0; i < 10; i++ {
		m := q("hello.dii.", dns.TypeA)
		ids[m.Id] = true
		if err := c.WriteMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := 0; i < 10; i++ {
		r, err := c.ReadMsg()
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		if !ids[r.Id] {
			t.Fatalf("unexpected id %d", r.Id)
		}
		delete(ids, r.Id)
	}
}

// TestDig asks with dig, a real client.
func TestDig(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("dig not installed (Debian package bind9-dnsutils)")
		}
		t.Skip("dig not installed (Debian package bind9-dnsutils)")
	}
	s := startServer(t, Config{})
	host, port, _ := net.SplitHostPort(s.Addr())
	out, err := exec.Command(dig, "@"+host, "-p", port, "+norec", "hello.dii", "A").CombinedOutput()
	if err != nil {
		t.Fatalf("dig: %v\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(text, "status: NOERROR") || !strings.Contains(text, " aa") || !strings.Contains(text, "192.0.2.1") {
		t.Fatalf("dig output:\n%s", text)
	}
	out, _ = exec.Command(dig, "@"+host, "-p", port, "+tcp", "nope.dii", "A").CombinedOutput()
	if !strings.Contains(string(out), "status: NXDOMAIN") {
		t.Fatalf("dig NXDOMAIN:\n%s", out)
	}
}

// TestTCPMalformed: a framed message that does not parse gets FORMERR
// under its id, and the connection keeps serving.
func TestTCPMalformed(t *testing.T) {
	s := startServer(t, Config{})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bad := []byte{0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1} // a compression loop
	c.Write(append([]byte{0, byte(len(bad))}, bad...))
	dc := &dns.Conn{Conn: c}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	r, err := dc.ReadMsg()
	if err != nil || r.Id != 0x1234 || r.Rcode != dns.RcodeFormatError {
		t.Fatalf("malformed query: %v %v", r, err)
	}
	m := q("hello.dii.", dns.TypeA)
	if err := dc.WriteMsg(m); err != nil {
		t.Fatal(err)
	}
	if r, err = dc.ReadMsg(); err != nil || r.Id != m.Id || len(r.Answer) != 1 {
		t.Fatalf("after the malformed query: %v %v", r, err)
	}
}

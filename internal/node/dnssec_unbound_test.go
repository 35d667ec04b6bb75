package node_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/keyring"
	"github.com/dii-net/dii/internal/nameserver"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/testnode"
	"github.com/dii-net/dii/internal/tx"
	"github.com/dii-net/dii/internal/zone"
)

// childAddr is where the second node serves child.dii when the test may
// bind it: a resolver follows referrals to port 53 only.
const childAddr = "127.0.0.2:53"

// TestDNSSECUnbound runs a real validating resolver, Unbound, against two
// dii nodes of two chains:
//
//	node A   the root, and the open TLD dii with hello.dii A (hosted);
//	         a second operator publishes a second name server and key;
//	         child.dii delegated, with DS, to
//	node B   which hosts child.dii (www.child.dii A), signed with its key;
//	         insecure.dii is delegated to B as well, without DS.
//
// Unbound trusts the anchor "dii dns trust-anchor" prints for A and
// reaches A through stub zones (root hints cannot carry a port): one for
// ".", and one for each other zone A hosts, since Unbound asks the name
// servers of a zone it has learnt (ns1.dii-nic. at 127.0.0.1) on port 53,
// which in production is where they are.
// It must mark the answers AD, follow the referral to child.dii (when the
// test may bind 127.0.0.2:53: a resolver follows a referral to port 53
// only; otherwise a stub zone points Unbound at B, and the chain of trust
// still goes through A's DS), prove nonexistence, accept the answers of a
// server signing with the second published key, and call answers bogus
// (SERVFAIL) when they are tampered with on the wire or signed with a key
// the anchor does not know.
func TestDNSSECUnbound(t *testing.T) {
	unbound := tool(t, "unbound", "unbound")
	ctx := context.Background()

	// Node B: child.dii, on 127.0.0.2:53 when that can be bound.
	referral := canBind(childAddr)
	childIP := "127.0.0.1"
	bDNS := "127.0.0.1:0"
	if referral {
		childIP, bDNS = "127.0.0.2", childAddr
	}
	b := startNode(t, initOptions{InitOptions: node.InitOptions{ChainID: "dii-child", DNSName: "ns1.child.dii", DNSAddrs: []string{childIP}}}, bDNS)
	ok(b.Operator(t).Submit(ctx, client.WaitCommit,
		&tx.Register{Name: "dii", Open: true},
		&tx.Register{Name: "child.dii"},
		&tx.SetRRset{Name: "www.child.dii", Type: dns.TypeA, TTL: 300, Records: [][]byte{rd(t, dns.TypeA, "192.0.2.77")}},
		&tx.Register{Name: "insecure.dii"},
		&tx.SetRRset{Name: "www.insecure.dii", Type: dns.TypeA, TTL: 300, Records: [][]byte{rd(t, dns.TypeA, "192.0.2.78")}}))(t)
	bKey, err := dnssec.LoadKey(node.DNSKeyFile(b.Home))
	if err != nil {
		t.Fatal(err)
	}
	childDS := dnssec.DS(bKey.DNSKEY(".", 3600), "child.dii.", 3600)

	// Node A: the root and dii, delegating child.dii to B. A second
	// registry operator publishes a second root name server and key, as
	// the operator of a second node would.
	aHome := t.TempDir()
	op2, err := keyring.Open(node.KeysDir(aHome)).Add("op2")
	if err != nil {
		t.Fatal(err)
	}
	a := startNode(t, initOptions{InitOptions: node.InitOptions{ChainID: "dii-test", Operators: []tx.Address{op2.Address()}}, home: aHome}, "127.0.0.1:0")
	key2, err := dnssec.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ok(a.Signer(t, "op2").Submit(ctx, client.WaitCommit,
		&tx.Nameserver{Name: "ns2.dii-nic", Addrs: [][]byte{{127, 0, 0, 1}}, DNSKEY: key2.RData()}))(t)
	ok(a.Operator(t).Submit(ctx, client.WaitCommit,
		&tx.Register{Name: "dii", Open: true},
		&tx.Register{Name: "hello.dii"},
		&tx.SetRRset{Name: "hello.dii", Type: dns.TypeA, TTL: 300, Records: [][]byte{rd(t, dns.TypeA, "192.0.2.1")}},
		&tx.Register{Name: "child.dii"},
		&tx.SetRRset{Name: "child.dii", Type: dns.TypeNS, TTL: 300, Records: [][]byte{rd(t, dns.TypeNS, "ns1.child.dii.")}},
		&tx.SetRRset{Name: "child.dii", Type: dns.TypeDS, TTL: 300, Records: [][]byte{rd(t, dns.TypeDS,
			fmt.Sprintf("%d %d %d %s", childDS.KeyTag, childDS.Algorithm, childDS.DigestType, childDS.Digest))}},
		&tx.SetRRset{Name: "ns1.child.dii", Type: dns.TypeA, TTL: 300, Records: [][]byte{rd(t, dns.TypeA, childIP)}},
		&tx.Register{Name: "insecure.dii"},
		&tx.SetRRset{Name: "insecure.dii", Type: dns.TypeNS, TTL: 300, Records: [][]byte{rd(t, dns.TypeNS, "ns1.insecure.dii.")}},
		&tx.SetRRset{Name: "ns1.insecure.dii", Type: dns.TypeA, TTL: 300, Records: [][]byte{rd(t, dns.TypeA, childIP)}},
	))(t)
	aDNS := a.Addrs().DNS

	// The trust anchor, as "dii dns trust-anchor --unbound" makes it: the
	// DNSKEY RRset of A's root zone export.
	export := ok(a.Client.ExportZone(ctx, "."))(t)
	keys, err := dnssec.ZoneKeys(export, ".")
	if err != nil || len(keys) != 2 {
		t.Fatalf("root DNSKEYs in the export: %v %v\n%s", keys, err, export)
	}
	anchor := dnssec.NewAnchor(".", keys, keys[0].Hdr.Ttl).Unbound()

	// A's referral to child.dii, asked directly: NS unsigned, DS signed by
	// dii., glue; and the unsigned referral's NSEC.
	t.Run("referral", func(t *testing.T) {
		r := askDO(t, aDNS, "www.child.dii.", dns.TypeA)
		if r.Authoritative || len(r.Answer) != 0 || !hasRR(r.Ns, "child.dii.", dns.TypeNS) || !hasRR(r.Ns, "child.dii.", dns.TypeDS) ||
			!hasSig(r.Ns, "child.dii.", dns.TypeDS, "dii.") || hasSig(r.Ns, "child.dii.", dns.TypeNS, "") || !hasRR(r.Extra, "ns1.child.dii.", dns.TypeA) {
			t.Fatalf("referral to child.dii:\n%v", r)
		}
		r = askDO(t, aDNS, "www.insecure.dii.", dns.TypeA)
		if !hasRR(r.Ns, "insecure.dii.", dns.TypeNSEC) || !hasSig(r.Ns, "insecure.dii.", dns.TypeNSEC, "dii.") {
			t.Fatalf("unsigned referral to insecure.dii:\n%v", r)
		}
	})

	t.Run("dig +dnssec", func(t *testing.T) {
		dig := tool(t, "dig", "bind9-dnsutils")
		host, port, _ := net.SplitHostPort(aDNS)
		out, err := exec.Command(dig, "@"+host, "-p", port, "+dnssec", "+norec", "hello.dii", "A").CombinedOutput()
		ans := section(string(out), "ANSWER")
		if err != nil || !strings.Contains(ans, "192.0.2.1") || !strings.Contains(ans, "RRSIG\tA 13 2 300") {
			t.Fatalf("dig +dnssec: %v\n%s", err, out)
		}
	})

	zones := ok(a.Client.Zones(ctx))(t).Zones
	stubsAt := func(addr string) []string {
		var s []string
		for _, z := range zones {
			s = append(s, dns.Fqdn(z), addr)
		}
		if !referral {
			s = append(s, "child.dii.", b.Addrs().DNS, "insecure.dii.", b.Addrs().DNS)
		}
		return s
	}
	if !referral {
		t.Logf("%s cannot be bound here: Unbound reaches child.dii through a stub zone instead of A's referral", childAddr)
	}

	t.Run("validated", func(t *testing.T) {
		u := startUnbound(t, unbound, anchor, stubsAt(aDNS)...)
		for _, c := range []struct {
			name  string
			qtype uint16
			want  string // an answer RDATA; "" for none
		}{
			{"hello.dii.", dns.TypeA, "192.0.2.1"},
			{"www.child.dii.", dns.TypeA, "192.0.2.77"}, // through the referral
			{"dii.", dns.TypeSOA, ""},
			{"insecure.dii.", dns.TypeDS, ""}, // no DS, proven by the cut NSEC
		} {
			r := u.ask(t, c.name, c.qtype)
			if r.Rcode != dns.RcodeSuccess || !r.AuthenticatedData {
				t.Fatalf("%s %s: want NOERROR with AD\n%v\n%s", c.name, dns.TypeToString[c.qtype], r, u.log())
			}
			if c.want != "" && !hasData(r.Answer, c.want) {
				t.Fatalf("%s: no %s in\n%v", c.name, c.want, r)
			}
			if c.want == "" && c.qtype == dns.TypeDS && len(r.Answer) != 0 {
				t.Fatalf("%s DS: %v", c.name, r)
			}
		}
		// Below the delegation without DS: the NSEC at the cut proves it
		// unsigned, so the answer is insecure (no AD), not bogus.
		if r := u.ask(t, "www.insecure.dii.", dns.TypeA); r.Rcode != dns.RcodeSuccess || r.AuthenticatedData || !hasData(r.Answer, "192.0.2.78") {
			t.Fatalf("www.insecure.dii: want an insecure answer\n%v\n%s", r, u.log())
		}
		// A name that does not exist. RFC 9824 answers NOERROR with an
		// NSEC at the name whose bitmap has NXNAME; a resolver may turn it
		// back into NXDOMAIN (§5), which Unbound 1.17 does not do: it
		// validates the NSEC as a NODATA proof and answers NOERROR, no
		// data, AD — a secure denial.
		for _, name := range []string{"nope.dii.", "nope.child.dii."} {
			r := u.ask(t, name, dns.TypeA)
			if !r.AuthenticatedData || len(r.Answer) != 0 || (r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError) {
				t.Fatalf("%s: want a secure denial\n%v", name, r)
			}
			var nx bool
			for _, rr := range r.Ns {
				if n, isNSEC := rr.(*dns.NSEC); isNSEC && n.Hdr.Name == name {
					nx = slices.Contains(n.TypeBitMap, dnssec.TypeNXNAME)
				}
			}
			if !nx {
				t.Fatalf("%s: no NSEC with NXNAME\n%v", name, r)
			}
			t.Logf("%s: Unbound answers %s with AD", name, dns.RcodeToString[r.Rcode])
		}
	})

	// Tampered on the wire: a man in the middle changes hello.dii's
	// address and keeps the signature.
	t.Run("tampered", func(t *testing.T) {
		mitm := startMITM(t, aDNS, func(r *dns.Msg) {
			for _, rr := range r.Answer {
				if a, isA := rr.(*dns.A); isA && a.Hdr.Name == "hello.dii." {
					a.A = net.ParseIP("192.0.2.66").To4()
				}
			}
		})
		u := startUnbound(t, unbound, anchor, stubsAt(mitm)...)
		u.wantBogus(t, "hello.dii.", dns.TypeA)
	})

	// Signed with the second published key: another node's server, with
	// A's data. A resolver that trusts that key accepts its answers.
	t.Run("second key", func(t *testing.T) {
		second := startSigner(t, key2, node.DNSSnapshot(a.Node))
		u := startUnbound(t, unbound, anchor, stubsAt(second)...)
		if r := u.ask(t, "hello.dii.", dns.TypeA); r.Rcode != dns.RcodeSuccess || !r.AuthenticatedData || !hasData(r.Answer, "192.0.2.1") {
			t.Fatalf("answer signed with the second key: want NOERROR with AD\n%v\n%s", r, u.log())
		}
	})

	// Signed with a key the ledger does not publish: a server with A's
	// data that has none of the published keys.
	t.Run("wrong key", func(t *testing.T) {
		k, err := dnssec.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		rogue := startSigner(t, k, node.DNSSnapshot(a.Node))
		u := startUnbound(t, unbound, anchor, stubsAt(rogue)...)
		u.wantBogus(t, "hello.dii.", dns.TypeA)
	})
}

// canBind reports whether addr can be listened on, UDP and TCP.
func canBind(addr string) bool {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	pc.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// startNode runs a node in a new home (opts.home when set) made with
// opts, its name server on dnsAddr: testnode.Start with these choices.
func startNode(t *testing.T, opts initOptions, dnsAddr string) *testnode.Node {
	t.Helper()
	home := opts.home
	if home == "" {
		home = t.TempDir()
	}
	if _, err := node.Init(home, opts.InitOptions); err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), node.Config{
		Home: home, API: "127.0.0.1:0", RPC: "127.0.0.1:0", P2P: "127.0.0.1:0", DNS: dnsAddr,
		TimeoutCommit: 100 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	tn := &testnode.Node{Node: n, Home: home, Client: client.New(n.Addrs().API)}
	t.Cleanup(func() { _ = n.Stop() })
	tn.WaitHeight(t, 1)
	return tn
}

// initOptions are node.InitOptions and the home to use.
type initOptions struct {
	node.InitOptions
	home string
}

// startSigner serves snap with a name server that signs with k.
func startSigner(t *testing.T, k *dnssec.Key, snap *zone.Snapshot) string {
	t.Helper()
	s := nameserver.New(nameserver.Config{Addr: "127.0.0.1:0", Sockets: 1, Signer: dnssec.NewSigner(k, 0),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s.SetSnapshot(snap)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s.Addr()
}

func askDO(t *testing.T, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = false
	m.SetEdns0(4096, true)
	c := &dns.Client{Timeout: 5 * time.Second, Net: "tcp"}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s: %v", name, err)
	}
	return r
}

func hasRR(rrs []dns.RR, name string, typ uint16) bool {
	return slices.ContainsFunc(rrs, func(rr dns.RR) bool { return rr.Header().Name == name && rr.Header().Rrtype == typ })
}

// hasSig reports whether rrs hold an RRSIG over (name, typ) by signer (any
// signer when "").
func hasSig(rrs []dns.RR, name string, typ uint16, signer string) bool {
	return slices.ContainsFunc(rrs, func(rr dns.RR) bool {
		s, isSig := rr.(*dns.RRSIG)
		return isSig && s.Hdr.Name == name && s.TypeCovered == typ && (signer == "" || s.SignerName == signer)
	})
}

func hasData(rrs []dns.RR, data string) bool {
	return slices.ContainsFunc(rrs, func(rr dns.RR) bool { return strings.HasSuffix(rr.String(), "\t"+data) })
}

// section returns one section of dig's output.
func section(out, name string) string {
	_, after, found := strings.Cut(out, ";; "+name+" SECTION:\n")
	if !found {
		return ""
	}
	s, _, _ := strings.Cut(after, "\n\n")
	return s
}

// resolver is a running Unbound.
type resolver struct {
	addr    string
	logPath string
}

// startUnbound runs Unbound in the foreground with the anchor and a stub
// zone for each (zone, host:port) pair in stubs, "." among them. It
// returns once Unbound answers.
func startUnbound(t *testing.T, bin, anchor string, stubs ...string) *resolver {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	var conf bytes.Buffer
	fmt.Fprintf(&conf, `server:
	interface: 127.0.0.1
	port: %d
	do-daemonize: no
	use-syslog: no
	logfile: ""
	chroot: ""
	username: ""
	directory: %q
	pidfile: ""
	do-not-query-localhost: no
	module-config: "validator iterator"
	harden-referral-path: no
	val-log-level: 2
	ede: yes
	verbosity: %s
	num-threads: 1
	outgoing-range: 64
	msg-cache-size: 1m
	rrset-cache-size: 1m
	key-cache-size: 1m
	neg-cache-size: 256k
	infra-cache-numhosts: 100
%s`, port, dir, verbosity(), indent(anchor))
	// A stub's address keeps its port only without priming: the NS
	// addresses priming learns would be asked on port 53.
	for i := 0; i+1 < len(stubs); i += 2 {
		h, sp, _ := net.SplitHostPort(stubs[i+1])
		fmt.Fprintf(&conf, "stub-zone:\n\tname: %q\n\tstub-addr: %s@%s\n\tstub-prime: no\n", stubs[i], h, sp)
	}
	confPath := filepath.Join(dir, "unbound.conf")
	if err := os.WriteFile(confPath, conf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &resolver{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), logPath: filepath.Join(dir, "unbound.log")}
	logf, err := os.Create(r.logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-d", "-c", confPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("unbound: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if os.Getenv("DII_UNBOUND_VERBOSITY") != "" {
			t.Logf("unbound log:\n%s", r.log())
		}
	})
	// Poll until it answers anything.
	deadline := time.Now().Add(15 * time.Second)
	for {
		m := new(dns.Msg)
		m.SetQuestion("localhost.", dns.TypeA)
		c := &dns.Client{Timeout: 300 * time.Millisecond}
		if _, _, err := c.Exchange(m, r.addr); err == nil {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("unbound did not start\n%s\n%s", conf.String(), r.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// verbosity is Unbound's log level: DII_UNBOUND_VERBOSITY, default 1; when
// set, the tests also print Unbound's log.
func verbosity() string {
	if v := os.Getenv("DII_UNBOUND_VERBOSITY"); v != "" {
		return v
	}
	return "1"
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		b.WriteString("\t" + l + "\n")
	}
	return b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 20; i++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		pc.Close()
		if ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

func (r *resolver) log() string {
	b, _ := os.ReadFile(r.logPath)
	return string(b)
}

// ask sends a recursive query with DO, as a stub resolver would.
func (r *resolver) ask(t *testing.T, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = true
	m.SetEdns0(4096, true)
	c := &dns.Client{Timeout: 10 * time.Second}
	resp, _, err := c.Exchange(m, r.addr)
	if err != nil {
		t.Fatalf("unbound %s: %v\n%s", name, err, r.log())
	}
	return resp
}

// wantBogus asks for name and wants SERVFAIL, the answer to data that does
// not validate, with the validator's reason in the log.
func (r *resolver) wantBogus(t *testing.T, name string, qtype uint16) {
	t.Helper()
	resp := r.ask(t, name, qtype)
	if resp.Rcode != dns.RcodeServerFailure || len(resp.Answer) != 0 {
		t.Fatalf("%s: want SERVFAIL (bogus)\n%v\n%s", name, resp, r.log())
	}
	var ede string
	if opt := resp.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if e, isEDE := o.(*dns.EDNS0_EDE); isEDE {
				ede = e.String()
			}
		}
	}
	var reason string
	for _, l := range strings.Split(r.log(), "\n") {
		if strings.Contains(l, "validation failure") {
			reason = l
		}
	}
	if reason == "" {
		t.Fatalf("%s: SERVFAIL without a validation failure in the log\n%s", name, r.log())
	}
	t.Logf("%s: SERVFAIL, EDE %q; %s", name, ede, reason)
}

// startMITM relays DNS messages to upstream over UDP and TCP, passing each
// response through edit. It returns its address.
func startMITM(t *testing.T, upstream string, edit func(*dns.Msg)) string {
	t.Helper()
	var mu sync.Mutex
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		netw := "udp"
		if _, isTCP := w.RemoteAddr().(*net.TCPAddr); isTCP {
			netw = "tcp"
		}
		c := &dns.Client{Net: netw, Timeout: 5 * time.Second, UDPSize: 4096}
		resp, _, err := c.Exchange(req, upstream)
		if err != nil {
			return
		}
		mu.Lock()
		edit(resp)
		mu.Unlock()
		_ = w.WriteMsg(resp)
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: handler}, {Listener: ln, Handler: handler}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return pc.LocalAddr().String()
}

package node_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/testnode"
	"github.com/dii-net/dii/internal/tx"
)

func ask(t *testing.T, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	c := &dns.Client{Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s %s: %v", name, dns.TypeToString[qtype], err)
	}
	return r
}

// TestDNSFreshness: a record is answered over DNS as soon as its commit is
// reported, with no wait on any TTL or timer.
func TestDNSFreshness(t *testing.T) {
	n := testnode.Start(t)
	ctx := context.Background()
	op := n.Operator(t)
	ok(op.Submit(ctx, client.WaitCommit, &tx.Register{Name: "dii", Open: true}))(t)
	addr := n.Addrs().DNS
	if r := ask(t, addr, "fresh.dii.", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Fatalf("before registration: %v", r)
	}
	for i, ip := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		ops := []tx.Op{&tx.SetRRset{Name: "fresh.dii", Type: dns.TypeA, TTL: 3600, Records: [][]byte{rd(t, dns.TypeA, ip)}}}
		if i == 0 {
			ops = append([]tx.Op{&tx.Register{Name: "fresh.dii"}}, ops...)
		}
		res := ok(op.Submit(ctx, client.WaitCommit, ops...))(t)
		r := ask(t, addr, "fresh.dii.", dns.TypeA)
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != ip {
			t.Fatalf("right after the commit at height %d: %v", res.Height, r)
		}
	}
	// The root zone: SOA serial follows the ledger height; NS is served.
	r := ask(t, addr, ".", dns.TypeSOA)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || !r.Authoritative {
		t.Fatalf("root SOA: %v", r)
	}
	if got := ask(t, addr, ".", dns.TypeNS); len(got.Answer) == 0 {
		t.Fatalf("root NS: %v", got)
	}
	// The zone list and export go through the API.
	zl := ok(n.Client.Zones(ctx))(t)
	if len(zl.Zones) < 3 {
		t.Fatalf("zones: %+v", zl)
	}
	text := ok(n.Client.ExportZone(ctx, "fresh.dii"))(t)
	if len(text) == 0 {
		t.Fatal("empty export")
	}
}

// TestDoHAndDoT asks over DNS-over-HTTPS's wire format (GET and POST) and
// DNS over TLS, and with kdig and dig where installed.
func TestDoHAndDoT(t *testing.T) {
	n := testnode.Start(t)
	ctx := context.Background()
	ok(n.Operator(t).Submit(ctx, client.WaitCommit, &tx.Register{Name: "dii", Open: true},
		&tx.Register{Name: "doh.dii"},
		&tx.SetRRset{Name: "doh.dii", Type: dns.TypeA, TTL: 120, Records: [][]byte{rd(t, dns.TypeA, "192.0.2.53")}}))(t)
	m := new(dns.Msg)
	m.SetQuestion("doh.dii.", dns.TypeA)
	m.Id = 0 // RFC 8484 §4.1: 0 for cache friendliness
	raw, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + n.Addrs().API + "/dns-query"
	check := func(t *testing.T, resp *http.Response) {
		t.Helper()
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/dns-message" {
			t.Fatalf("status %d type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "max-age=120" {
			t.Fatalf("Cache-Control %q", cc)
		}
		var r dns.Msg
		if err := r.Unpack(body); err != nil || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.53" {
			t.Fatalf("answer %v %v", &r, err)
		}
	}
	t.Run("GET", func(t *testing.T) {
		resp, err := http.Get(url + "?dns=" + base64.RawURLEncoding.EncodeToString(raw))
		if err != nil {
			t.Fatal(err)
		}
		check(t, resp)
	})
	t.Run("POST", func(t *testing.T) {
		resp, err := http.Post(url, "application/dns-message", bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		check(t, resp)
	})
	t.Run("bad requests", func(t *testing.T) {
		for _, u := range []string{url, url + "?dns=!!!", url + "?dns=AAAA"} {
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 400 {
				t.Fatalf("%s: status %d", u, resp.StatusCode)
			}
		}
	})
	t.Run("DoT", func(t *testing.T) {
		c := &dns.Client{Net: "tcp-tls", Timeout: 5 * time.Second, TLSConfig: &tls.Config{InsecureSkipVerify: true}}
		r, _, err := c.Exchange(m, n.Addrs().DoT)
		if err != nil || len(r.Answer) != 1 {
			t.Fatalf("DoT: %v %v", r, err)
		}
	})
	t.Run("kdig +tls", func(t *testing.T) {
		kdig := tool(t, "kdig", "knot-dnsutils")
		host, port, _ := net.SplitHostPort(n.Addrs().DoT)
		out, err := exec.Command(kdig, "@"+host, "-p", port, "+tls", "doh.dii", "A").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "192.0.2.53") {
			t.Fatalf("kdig +tls: %v\n%s", err, out)
		}
	})
	t.Run("dig", func(t *testing.T) {
		dig := tool(t, "dig", "bind9-dnsutils")
		host, port, _ := net.SplitHostPort(n.Addrs().DNS)
		out, err := exec.Command(dig, "@"+host, "-p", port, "+norec", "doh.dii", "A").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "192.0.2.53") || !strings.Contains(string(out), "flags: qr aa") {
			t.Fatalf("dig: %v\n%s", err, out)
		}
	})
}

// tool finds an external program, skipping the test when it is missing,
// except under CI=true where a missing tool fails it.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed (Debian package %s)", name, pkg)
		}
		t.Skipf("%s not installed (Debian package %s)", name, pkg)
	}
	return p
}

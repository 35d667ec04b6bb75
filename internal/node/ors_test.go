package node_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/testnode"
	"github.com/dii-net/dii/internal/tx"
)

// startORSNode is testnode.Start with the HTTP API on a fixed free port,
// so that the ORS zone's RINF, CINF and LINF records can point at it.
func startORSNode(t *testing.T) *testnode.Node {
	t.Helper()
	home := t.TempDir()
	if _, err := node.Init(home, node.InitOptions{ChainID: "dii-test"}); err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), node.Config{
		Home: home, API: fmt.Sprintf("127.0.0.1:%d", freePort(t)), RPC: "127.0.0.1:0", P2P: "127.0.0.1:0", DNS: "127.0.0.1:0",
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

// askUDP asks one question over UDP, with the DO bit when do is set.
func askUDP(t *testing.T, addr, name string, qtype uint16, do bool) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = false
	m.SetEdns0(1232, do)
	c := &dns.Client{Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s %s: %v", name, dns.TypeToString[qtype], err)
	}
	if r.Truncated {
		t.Fatalf("query %s %s: truncated over UDP", name, dns.TypeToString[qtype])
	}
	return r
}

// naptrs maps the services of the NAPTR records owned by name to their
// regexp's result.
func naptrs(rrs []dns.RR, name string) map[string]string {
	out := map[string]string{}
	for _, rr := range rrs {
		if n, ok := rr.(*dns.NAPTR); ok && n.Hdr.Name == name {
			re := strings.Split(n.Regexp, "!")
			if n.Flags == "U" && len(re) == 4 && re[1] == "^.*$" {
				out[n.Service] = re[2]
			}
		}
	}
	return out
}

// TestORS registers arcs through the API and resolves them as X.672 ORS
// does, over UDP DNS with miekg/dns and with dig: NAPTR at the reversed
// arcs under oid-res.org, DNAME for labels (OID-IRIs with non-ASCII
// labels), NXDOMAIN for unknown arcs, and DNSSEC signatures.
func TestORS(t *testing.T) {
	n := startORSNode(t)
	ctx := context.Background()
	op := n.Operator(t)
	ok(op.Submit(ctx, client.WaitCommit,
		&tx.OIDAllocate{OID: "2.999.5"},
		&tx.OIDSet{OID: "2.999.5", Labels: []string{"Lab", "中国"}, Identifiers: []string{"lab"}, Name: "A lab"},
		&tx.OIDAllocate{OID: "2.999.5.1"},
		&tx.OIDSet{OID: "2.999.5.1", Labels: []string{"Éins"}},
		&tx.OIDAllocate{OID: "2.999.5.2"}))(t)
	ok(op.Submit(ctx, client.WaitCommit, &tx.OIDRetire{OID: "2.999.5.2"}))(t)
	addr := n.Addrs().DNS
	api := "http://" + n.Addrs().API

	// The arc's own name: every service, pointing at this node's API.
	r := askUDP(t, addr, "5.999.2.oid-res.org.", dns.TypeNAPTR, false)
	sv := naptrs(r.Answer, "5.999.2.oid-res.org.")
	if r.Rcode != dns.RcodeSuccess || !r.Authoritative || sv["COID"] != "urn:oid:2.999.5" ||
		sv["RINF"] != api+"/v1/oids/2.999.5" || sv["CINF"] != api+"/v1/oids/2.999.5?children=1" || sv["LINF"] != api+"/v1/oids/2.999.5/proof" {
		t.Fatalf("NAPTR 5.999.2.oid-res.org: %v", r)
	}
	// RINF and LINF lead to the registration information and the proof.
	for _, u := range []string{sv["RINF"], sv["LINF"]} {
		var body struct {
			OID  string `json:"oid"`
			Name string `json:"name"`
			Kind string `json:"kind"`
		}
		getJSON(t, u, &body)
		if body.OID != "2.999.5" {
			t.Fatalf("%s: %+v", u, body)
		}
	}
	// A retired arc resolves, its registration information says so.
	r = askUDP(t, addr, "2.5.999.2.oid-res.org.", dns.TypeNAPTR, false)
	if sv := naptrs(r.Answer, "2.5.999.2.oid-res.org."); sv["COID"] != "urn:oid:2.999.5.2" {
		t.Fatalf("retired arc: %v", r)
	}
	var retired struct{ Status string }
	getJSON(t, api+"/v1/oids/2.999.5.2", &retired)
	if retired.Status != "retired" {
		t.Fatalf("retired arc's RINF: %+v", retired)
	}

	// OID-IRIs, with non-ASCII labels: the DNAME chain leads to the arc.
	for _, c := range []struct{ iri, oid string }{
		{"/Joint-ISO-ITU-T/Example/中国", "2.999.5"},
		{"/Joint-ISO-ITU-T/Example/Lab/Éins", "2.999.5.1"},
		{"/2/999/5/Éins", "2.999.5.1"},
	} {
		name, err := oid.ORSIRIName(c.iri, "")
		if err != nil {
			t.Fatal(err)
		}
		r := askUDP(t, addr, name, dns.TypeNAPTR, true)
		last := r.Answer[len(r.Answer)-2] // the NAPTR, then its RRSIG
		if r.Rcode != dns.RcodeSuccess || naptrs(r.Answer, last.Header().Name)["COID"] != "urn:oid:"+c.oid ||
			!hasRR(r.Answer, name, dns.TypeCNAME) && !strings.HasPrefix(c.iri, "/2/") {
			t.Fatalf("%s (%s): %v", c.iri, name, r)
		}
		if !hasSig(r.Answer, last.Header().Name, dns.TypeNAPTR, "oid-res.org.") {
			t.Fatalf("%s: the COID record is not signed: %v", c.iri, r)
		}
	}

	// Unknown arcs: NXDOMAIN from the ORS zone, not REFUSED as a name
	// outside the ledger's namespace is.
	r = askUDP(t, addr, "77.999.2.oid-res.org.", dns.TypeNAPTR, false)
	if r.Rcode != dns.RcodeNameError || !r.Authoritative || len(r.Ns) != 1 || r.Ns[0].Header().Name != "oid-res.org." {
		t.Fatalf("unknown arc: %v", r)
	}
	if r := askUDP(t, addr, "www.example.org.", dns.TypeA, false); r.Rcode != dns.RcodeRefused {
		t.Fatalf("a name outside the ledger and the ORS zone: %v", r)
	}

	// DNSSEC: signed NAPTR, verifiable with the zone's DNSKEY; a signed
	// compact denial for an unknown arc.
	keys := askUDP(t, addr, "oid-res.org.", dns.TypeDNSKEY, true)
	r = askUDP(t, addr, "5.999.2.oid-res.org.", dns.TypeNAPTR, true)
	verifyRRSIG(t, r.Answer, keys.Answer)
	r = askUDP(t, addr, "77.999.2.oid-res.org.", dns.TypeNAPTR, true)
	if !hasRR(r.Ns, "77.999.2.oid-res.org.", dns.TypeNSEC) || !hasSig(r.Ns, "77.999.2.oid-res.org.", dns.TypeNSEC, "oid-res.org.") {
		t.Fatalf("signed denial: %v", r)
	}

	// Any DNS client: dig.
	dig := tool(t, "dig", "bind9-dnsutils")
	_, port, _ := strings.Cut(addr, ":")
	digq := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(dig, append([]string{"@127.0.0.1", "-p", port, "+norec", "+dnssec", "+noidnin", "+noidnout"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("dig %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := digq("NAPTR", "5.999.2.oid-res.org")
	for _, want := range []string{"status: NOERROR", `NAPTR	100 10 "U" "COID" "!^.*$!urn:oid:2.999.5!" .`, "RRSIG	NAPTR 13 5 3600", " oid-res.org. "} {
		if !strings.Contains(out, want) {
			t.Fatalf("dig NAPTR lacks %q:\n%s", want, out)
		}
	}
	name, _ := oid.ORSIRIName("/Joint-ISO-ITU-T/Example/Lab/Éins", "")
	out = digq("NAPTR", name)
	for _, want := range []string{"status: NOERROR", "DNAME	5.999.2.oid-res.org.", `"!^.*$!urn:oid:2.999.5.1!"`, "RRSIG	NAPTR"} {
		if !strings.Contains(out, want) {
			t.Fatalf("dig NAPTR %s lacks %q:\n%s", name, want, out)
		}
	}
	// Compact denial (RFC 9824): NOERROR and an NSEC with NXNAME (TYPE128).
	if out := digq("NAPTR", "77.999.2.oid-res.org"); !strings.Contains(out, "NSEC\t\\000.77.999.2.oid-res.org. RRSIG NSEC TYPE128") {
		t.Fatalf("dig, unknown arc:\n%s", out)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, body)
	}
}

// verifyRRSIG checks the RRSIG over the NAPTR RRset of answer with one of
// the keys.
func verifyRRSIG(t *testing.T, answer, keys []dns.RR) {
	t.Helper()
	var set []dns.RR
	var sig *dns.RRSIG
	for _, rr := range answer {
		switch x := rr.(type) {
		case *dns.NAPTR:
			set = append(set, x)
		case *dns.RRSIG:
			if x.TypeCovered == dns.TypeNAPTR {
				sig = x
			}
		}
	}
	if sig == nil || len(set) == 0 {
		t.Fatalf("no signed NAPTR RRset: %v", answer)
	}
	for _, k := range keys {
		if dk, ok := k.(*dns.DNSKEY); ok && dk.KeyTag() == sig.KeyTag {
			if err := sig.Verify(dk, set); err != nil {
				t.Fatalf("RRSIG does not verify: %v", err)
			}
			if !sig.ValidityPeriod(time.Now()) {
				t.Fatal("RRSIG not valid now")
			}
			return
		}
	}
	t.Fatalf("no DNSKEY with tag %d at the apex: %v", sig.KeyTag, keys)
}

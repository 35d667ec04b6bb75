package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/testnode"
)

// startFixedAPI runs a test node whose HTTP API has a fixed port, so that
// its ORS zone's RINF, CINF and LINF records point at it.
func startFixedAPI(t *testing.T) *testnode.Node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	api := ln.Addr().String()
	ln.Close()
	home := t.TempDir()
	if _, err := node.Init(home, node.InitOptions{ChainID: "dii-test"}); err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), node.Config{Home: home, API: api, RPC: "127.0.0.1:0", P2P: "127.0.0.1:0",
		DNS: "127.0.0.1:0", TimeoutCommit: 100 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	tn := &testnode.Node{Node: n, Home: home, Client: client.New(n.Addrs().API)}
	t.Cleanup(func() { _ = n.Stop() })
	tn.WaitHeight(t, 1)
	return tn
}

// TestOIDResolve registers arcs with the CLI and resolves them with
// "dii oid resolve", the ORS client, over the node's DNS server.
func TestOIDResolve(t *testing.T) {
	n := startFixedAPI(t)
	g := []string{"--home", n.Home, "--node", n.Addrs().API}
	dns := []string{"--server", n.Addrs().DNS}
	dii, _ := against(t, n.Home, n.Addrs().API)
	dii("oid", "register", "2.999.5", "--label", "Lab", "--label", "中国", "--id", "lab", "--name", "A lab")
	dii("oid", "register", "2.999.5.1", "--label", "E\u0301ins") // NFC: Éins

	api := "http://" + n.Addrs().API
	out := dii(append([]string{"oid", "resolve", "2.999.5"}, dns...)...)
	for _, want := range []string{
		"2.999.5  (urn:oid:2.999.5)",
		"fqdn      5.999.2.oid-res.org.",
		"services  COID  urn:oid:2.999.5",
		"RINF  " + api + "/v1/oids/2.999.5\n",
		"CINF  " + api + "/v1/oids/2.999.5?children=1",
		"LINF  " + api + "/v1/oids/2.999.5/proof",
		"dnssec    signed by oid-res.org.",
		"the signature checks with its DNSKEY",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("resolve 2.999.5 lacks %q:\n%s", want, out)
		}
	}

	// An OID-IRI with non-ASCII labels: the DNAME chain, then the
	// canonical name for every service.
	var res oid.ORSResult
	runJSON(t, &res, append(append([]string{"oid", "resolve", "/Joint-ISO-ITU-T/Example/中国/E\u0301ins"}, g...), dns...)...)
	if res.OID != "2.999.5.1" || res.Name != "1.5.999.2.oid-res.org." || res.FQDN != "xn--ins-mia.xn--fiqs8s.example.joint-iso-itu-t.oid-res.org." ||
		len(res.Chain) != 3 || res.Chain[2].Owner != "xn--fiqs8s.999.2.oid-res.org." || res.Chain[2].Type != "DNAME" || !res.Verified {
		t.Fatalf("resolve IRI: %+v", res)
	}
	if len(res.Records) != 3 || res.Records[0].Service != "COID" || res.Records[1].Result != api+"/v1/oids/2.999.5.1" {
		t.Fatalf("resolve IRI records: %+v", res.Records)
	}
	// A secondary identifier leads there too, and one service is picked.
	out = dii(append([]string{"oid", "resolve", "/joint-iso-ccitt/example/lab/1", "--service", "rinf"}, dns...)...)
	if !strings.Contains(out, "RINF  "+api+"/v1/oids/2.999.5.1") || strings.Contains(out, "COID") {
		t.Fatalf("resolve by identifiers, RINF only:\n%s", out)
	}

	fail := func(want string, args ...string) {
		t.Helper()
		msg := run(t, true, append(append(append([]string{}, g...), args...), dns...)...)
		if !strings.Contains(msg, want) {
			t.Fatalf("dii %s: %q lacks %q", strings.Join(args, " "), msg, want)
		}
	}
	fail("no such OID in ORS", "oid", "resolve", "2.999.77")
	fail("no such OID in ORS", "oid", "resolve", "/Joint-ISO-ITU-T/Example/Nope")
	fail("has no CINF record", "oid", "resolve", "2.999.5.1", "--service", "CINF")
	fail("REFUSED", "oid", "resolve", "2.999.5", "--ors-domain", "ors.example")
	fail("invalid OID", "oid", "resolve", "2.999.05")
}

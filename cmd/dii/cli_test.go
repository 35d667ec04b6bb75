package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/testnode"
)

// TestCLI drives a real node with the dii binary, as a user would.
func TestCLI(t *testing.T) {
	n := testnode.Start(t)
	g := []string{"--home", n.Home, "--node", n.Addrs().API}
	dii, fail := against(t, n.Home, n.Addrs().API)

	// Keys.
	out := dii("key", "add", "alice")
	if !strings.Contains(out, "address dii1") {
		t.Fatalf("key add: %s", out)
	}
	var keys []struct{ Name, Address string }
	runJSON(t, &keys, append([]string{"key", "list"}, g...)...)
	if len(keys) != 2 || keys[0].Name != "alice" || keys[1].Name != "operator" {
		t.Fatalf("key list: %+v", keys)
	}
	alice := keys[0].Address
	if pub := strings.TrimSpace(dii("key", "export-pub", "alice", "--format", "hex")); len(pub) != 64 {
		t.Fatalf("export-pub: %q", pub)
	}
	fail("key", "add", "alice")

	// A TLD by the operator, a name by alice, records.
	dii("name", "register", "dii", "--open")
	dii("name", "register", "bücher.dii", "--key", "alice")
	dii("name", "set", "bücher.dii", "A", "192.0.2.1", "192.0.2.2", "--key", "alice", "--ttl", "120")
	dii("name", "set", "www.xn--bcher-kva.dii", "CNAME", "xn--bcher-kva.dii.", "--key", "alice")
	dii("name", "set", "bücher.dii", "TXT", `"hello world"`, "--key", "alice")

	var name api.Name
	runJSON(t, &name, append([]string{"name", "show", "bücher.dii"}, g...)...)
	if name.Name != "xn--bcher-kva.dii" || name.Unicode != "bücher.dii" || name.Owner != alice || len(name.RRsets) != 3 {
		t.Fatalf("name show: %+v", name)
	}
	if rs := name.RRsets[0]; rs.Type != "A" || rs.TTL != 120 || strings.Join(rs.Records, ",") != "192.0.2.1,192.0.2.2" {
		t.Fatalf("A rrset: %+v", rs)
	}
	text := dii("name", "show", "xn--bcher-kva.dii")
	if !strings.Contains(text, "www.xn--bcher-kva.dii.\t3600\tIN\tCNAME\txn--bcher-kva.dii.") {
		t.Fatalf("text output:\n%s", text)
	}

	// Rejections: a clear message and a non-zero exit.
	if msg := fail("name", "set", "bücher.dii", "A", "192.0.2.9"); !strings.Contains(msg, "unauthorized") {
		t.Fatalf("operator changing alice's name: %s", msg)
	}
	if msg := fail("name", "set", "bücher.dii", "SOA", "x", "--key", "alice"); !strings.Contains(msg, "SOA") {
		t.Fatalf("SOA: %s", msg)
	}
	if msg := fail("name", "register", "--", "-bad.dii"); !strings.Contains(msg, "hyphen") {
		t.Fatalf("bad name: %s", msg)
	}

	// Proofs: presence and absence verify offline; tampering fails.
	proof := filepath.Join(t.TempDir(), "proof.json")
	os.WriteFile(proof, []byte(dii("name", "show", "bücher.dii", "--prove", "--json")), 0o644)
	if out := dii("verify", proof); !strings.Contains(out, "proof of presence verified") {
		t.Fatalf("verify: %s", out)
	}
	absent := filepath.Join(t.TempDir(), "absent.json")
	os.WriteFile(absent, []byte(dii("name", "show", "nobody.dii", "--prove", "--json")), 0o644)
	if out := dii("verify", absent); !strings.Contains(out, "proof of absence verified") {
		t.Fatalf("verify absence: %s", out)
	}
	raw, _ := os.ReadFile(proof)
	bad := strings.Replace(string(raw), `"name": "xn--bcher-kva.dii"`, `"name": "other.dii"`, 1)
	if bad == string(raw) {
		t.Fatal("test could not tamper with the proof")
	}
	os.WriteFile(proof, []byte(bad), 0o644)
	if msg := fail("verify", proof); !strings.Contains(msg, "does NOT verify") {
		t.Fatalf("tampered verify: %s", msg)
	}
	// A trust file saved from the node works the same as genesis.
	trust := filepath.Join(t.TempDir(), "vals.json")
	os.WriteFile(trust, []byte(dii("validators")), 0o644)
	if out := dii("verify", absent, "--trust", trust); !strings.Contains(out, "verified") {
		t.Fatalf("verify --trust: %s", out)
	}
	if out := dii("name", "show", "bücher.dii", "--prove"); !strings.Contains(out, "proof of presence verified") {
		t.Fatalf("show --prove: %s", out)
	}

	// Listing, delegation, transfer, renew, delete.
	list := dii("name", "list", "--zone", "dii")
	if !strings.Contains(list, "xn--bcher-kva.dii") {
		t.Fatalf("list: %s", list)
	}
	dii("key", "add", "bob")
	var bob struct{ Address string }
	runJSON(t, &bob, append([]string{"key", "show", "bob"}, g...)...)
	fail("name", "set", "bücher.dii", "A", "192.0.2.3", "--key", "bob")
	dii("name", "delegate", "bücher.dii", bob.Address, "--key", "alice")
	dii("name", "set", "bücher.dii", "A", "192.0.2.3", "--key", "bob")
	dii("name", "renew", "bücher.dii", "--period", "30d", "--key", "alice")
	dii("name", "transfer", "bücher.dii", bob.Address, "--key", "alice")
	fail("name", "delete", "bücher.dii", "--key", "alice")
	dii("name", "delete", "bücher.dii", "--key", "bob")
	if msg := fail("name", "show", "bücher.dii"); !strings.Contains(msg, "not registered") {
		t.Fatalf("after delete: %s", msg)
	}

	if out := dii("status"); !strings.Contains(out, "chain       dii-test") {
		t.Fatalf("status: %s", out)
	}
}

// TestCLIDNS publishes a name server, then reads the DNS side with the
// CLI: dns query, zone export and trust-anchor.
func TestCLIDNS(t *testing.T) {
	n := testnode.Start(t)
	dii, fail := against(t, n.Home, n.Addrs().API)

	dii("name", "register", "dii", "--open")
	dii("name", "register", "cli.dii")
	dii("name", "set", "cli.dii", "A", "192.0.2.77")
	out := dii("dns", "query", "cli.dii", "A", "--server", n.Addrs().DNS)
	if !strings.Contains(out, "192.0.2.77") || !strings.Contains(out, "status: NOERROR") {
		t.Fatalf("dns query:\n%s", out)
	}
	// Publish the node's name server with another address: the root's
	// glue follows the ledger.
	dii("dns", "publish", "--name", "ns9.dii-nic", "--addr", "192.0.2.53")
	out = dii("dns", "query", ".", "NS", "--server", n.Addrs().DNS)
	if !strings.Contains(out, "ns9.dii-nic.") {
		t.Fatalf("root NS after publish:\n%s", out)
	}
	out = dii("zone", "export", ".")
	if !strings.Contains(out, "ns9.dii-nic.") || !strings.Contains(out, "192.0.2.53") || !strings.Contains(out, "DNSKEY") {
		t.Fatalf("root zone after publish:\n%s", out)
	}
	if out := dii("dns", "trust-anchor", "--unbound"); !strings.Contains(out, "trust-anchor:") || !strings.Contains(out, " DS ") {
		t.Fatalf("trust-anchor --unbound:\n%s", out)
	}
	fail("dns", "publish", "--name", "ns9.dii-nic")
	if msg := fail("dns", "publish", "--name", "x.dii-nic", "--addr", "1.2.3.4", "--key", "nobody"); !strings.Contains(msg, "no such key") {
		t.Fatalf("unknown key: %s", msg)
	}
}

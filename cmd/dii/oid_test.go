package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/testnode"
)

// TestOIDCLI drives the OID and X.677 commands against a real node.
func TestOIDCLI(t *testing.T) {
	n := testnode.Start(t)
	g := []string{"--home", n.Home, "--node", n.Addrs().API}
	dii, fail := against(t, n.Home, n.Addrs().API)
	dii("key", "add", "alice")
	var alice struct{ Address string }
	runJSON(t, &alice, append([]string{"key", "show", "alice"}, g...)...)

	dii("oid", "register", "2.999.5", "--authority", alice.Address, "--label", "Lab", "--id", "lab", "--name", "Alice's lab")
	dii("oid", "register", "2.999.5.1", "--key", "alice", "--label", "E\u0301ins") // put in NFC by the CLI
	dii("oid", "set", "/Joint-ISO-ITU-T/Example/Lab", "--key", "alice", "--contact", "alice@example.org")

	var a api.OIDArc
	runJSON(t, &a, append([]string{"oid", "show", "2.999.5", "--children"}, g...)...)
	if a.Name != "Alice's lab" || a.Contact != "alice@example.org" || a.Authority != alice.Address || len(a.ChildArcs) != 1 || a.ChildArcs[0].Labels[0] != "Éins" {
		t.Fatalf("show --json: %+v", a)
	}
	out := dii("oid", "show", "/Joint-ISO-ITU-T/Example/Lab/Éins")
	for _, want := range []string{"2.999.5.1  /Joint-ISO-ITU-T/Example/Lab/Éins  {joint-iso-itu-t(2) example(999) lab(5) 1}", "status       active", "authority    " + alice.Address} {
		if !strings.Contains(out, want) {
			t.Fatalf("show lacks %q:\n%s", want, out)
		}
	}
	if out := dii("oid", "list"); !strings.Contains(out, "Joint-ISO-ITU-T") || !strings.Contains(out, "ITU-T") {
		t.Fatalf("list:\n%s", out)
	}
	if out := dii("oid", "list", "2.999.5"); !strings.Contains(out, "2.999.5.1") {
		t.Fatalf("list 2.999.5:\n%s", out)
	}

	// Rejections: the ledger's code and message, a non-zero exit.
	if msg := fail("oid", "register", "2.999.5.2"); !strings.Contains(msg, "unauthorized") {
		t.Fatalf("operator below alice's arc: %s", msg)
	}
	if msg := fail("oid", "register", "2.999.05"); !strings.Contains(msg, "invalid_oid") || !strings.Contains(msg, "leading zero") {
		t.Fatalf("leading zero: %s", msg)
	}
	if msg := fail("oid", "set", "2.999.5", "--label", "ab--c", "--key", "alice"); !strings.Contains(msg, "invalid_label") {
		t.Fatalf("bad label: %s", msg)
	}

	// Proofs.
	if out := dii("oid", "show", "2.999.5", "--prove"); !strings.Contains(out, "proof of presence verified") || !strings.Contains(out, "Alice's lab") {
		t.Fatalf("show --prove:\n%s", out)
	}
	proof := filepath.Join(t.TempDir(), "arc.json")
	os.WriteFile(proof, []byte(dii("oid", "show", "2.999.404", "--prove", "--json")), 0o644)
	if out := dii("oid", "verify", proof); !strings.Contains(out, "proof of absence verified") {
		t.Fatalf("verify absence:\n%s", out)
	}
	raw, _ := os.ReadFile(proof)
	os.WriteFile(proof, []byte(strings.Replace(string(raw), `"oid": "2.999.404"`, `"oid": "2.999.405"`, 1)), 0o644)
	if msg := fail("oid", "verify", proof); !strings.Contains(msg, "does NOT verify") {
		t.Fatalf("tampered: %s", msg)
	}

	// X.677.
	uav := "2.999.677.1.1001"
	dii("oid", "uav", "apply", uav, "--key", "alice", "--holder-name", "Acme Drones", "--serial", "SN-1001")
	dii("oid", "uav", "verify", uav, "--note", "documents checked")
	dii("oid", "uav", "announce", uav, "--key", "alice")
	if out := dii("oid", "uav", "show", uav); !strings.Contains(out, "full-life-cycle identity  announced (active)") || !strings.Contains(out, "SN-1001") {
		t.Fatalf("uav show:\n%s", out)
	}
	dii("oid", "uav", "change", uav, "--key", "alice", "--model", "X2")
	if out := dii("oid", "uav", "show", uav); !strings.Contains(out, "pending change") || !strings.Contains(out, "serial       SN-1001") {
		t.Fatalf("uav show pending:\n%s", out)
	}
	dii("oid", "uav", "revoke", uav, "--reason", "stolen")
	var id api.UAVIdentity
	runJSON(t, &id, append([]string{"oid", "uav", "show", uav}, g...)...)
	if id.Status != "revoked" || id.Active || id.Note != "stolen" || id.Pending != nil {
		t.Fatalf("revoked: %+v", id)
	}
	if out := dii("oid", "uav", "show", uav, "--prove"); !strings.Contains(out, "revoked") || !strings.Contains(out, "proof of presence verified") {
		t.Fatalf("uav show --prove:\n%s", out)
	}
	if msg := fail("oid", "uav", "announce", uav, "--key", "alice"); !strings.Contains(msg, "revoked") {
		t.Fatalf("announce revoked: %s", msg)
	}
	if out := dii("oid", "uav", "list"); !strings.Contains(out, uav) || !strings.Contains(out, "revoked") {
		t.Fatalf("uav list:\n%s", out)
	}
	if msg := fail("oid", "uav", "show", "2.999.677.1.1002"); !strings.Contains(msg, "not_found") {
		t.Fatalf("unknown identity: %s", msg)
	}

	// Retirement.
	dii("oid", "retire", "2.999.5.1", "--key", "alice")
	if out := dii("oid", "show", "2.999.5.1"); !strings.Contains(out, "status       retired") || !strings.Contains(out, "retired      20") {
		t.Fatalf("retired:\n%s", out)
	}
	if msg := fail("oid", "register", "2.999.5.1", "--key", "alice"); !strings.Contains(msg, "exists") {
		t.Fatalf("reuse: %s", msg)
	}
}

package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/lightclient"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/testnode"
	"github.com/dii-net/dii/internal/tx"
)

// TestOIDEndToEnd registers arcs and runs an X.677 life cycle on a real
// node through the API client, reads them back, and checks proofs of
// presence and absence against the genesis validator set.
func TestOIDEndToEnd(t *testing.T) {
	n := testnode.Start(t)
	ctx := context.Background()
	c := n.Client
	op := n.Operator(t)
	alice := n.Signer(t, "alice")
	bob := n.Signer(t, "bob")
	commit := func(s *client.Signer, ops ...tx.Op) {
		t.Helper()
		if _, err := s.Submit(ctx, client.WaitCommit, ops...); err != nil {
			t.Fatalf("submit %s %s: %v", ops[0].Kind(), ops[0].Target(), err)
		}
	}
	refused := func(s *client.Signer, code string, abci uint32, ops ...tx.Op) {
		t.Helper()
		_, err := s.Submit(ctx, client.WaitCommit, ops...)
		var e *api.Error
		if !errors.As(err, &e) || e.Code != code || e.ABCICode != abci || e.Message == "" {
			t.Fatalf("%s %s: %v, want %s (%d)", ops[0].Kind(), ops[0].Target(), err, code, abci)
		}
	}

	// The genesis tree.
	top, err := c.TopArcs(ctx, client.OIDPage{})
	if err != nil || len(top.Arcs) != 3 || top.Arcs[1].IRI != "/ISO" || top.Arcs[2].ASN1 != "{joint-iso-itu-t(2)}" {
		t.Fatalf("top arcs: %+v %v", top, err)
	}

	// The operator allocates 2.999.5 to alice, who names it and
	// allocates below it.
	commit(op, &tx.OIDAllocate{OID: "2.999.5", Authority: alice.Address()},
		&tx.OIDSet{OID: "2.999.5", Identifiers: []string{"lab"}, Labels: []string{"Lab"}, Name: "Alice's lab"})
	commit(alice, &tx.OIDAllocate{OID: "2.999.5.1"}, &tx.OIDAllocate{OID: "2.999.5.2"},
		&tx.OIDSet{OID: "2.999.5.2", Labels: []string{"Zwei"}, Contact: "alice@example.org"},
		&tx.OIDDelegate{OID: "2.999.5.1", To: bob.Address()})
	refused(bob, "unauthorized", 5, &tx.OIDAllocate{OID: "2.999.5.3"})
	refused(alice, "invalid_oid", 15, &tx.OIDAllocate{OID: "2.999.5.03"})
	refused(alice, "invalid_label", 16, &tx.OIDSet{OID: "2.999.5.2", Labels: []string{"E\u0301"}})
	refused(alice, "exists", 11, &tx.OIDAllocate{OID: "2.999.5.2"})

	a, err := c.OID(ctx, "/Joint-ISO-ITU-T/Example/Lab", true, client.OIDPage{})
	if err != nil {
		t.Fatal(err)
	}
	if a.OID != "2.999.5" || a.IRI != "/Joint-ISO-ITU-T/Example/Lab" || a.ASN1 != "{joint-iso-itu-t(2) example(999) lab(5)}" ||
		a.Authority != alice.Address().String() || a.Status != "active" || a.Name != "Alice's lab" ||
		a.Children == nil || *a.Children != 2 || len(a.ChildArcs) != 2 || a.Created.IsZero() {
		t.Fatalf("arc: %+v", a)
	}
	if ch := a.ChildArcs[1]; ch.OID != "2.999.5.2" || ch.IRI != "/Joint-ISO-ITU-T/Example/Lab/Zwei" || ch.Contact != "alice@example.org" {
		t.Fatalf("child: %+v", ch)
	}
	page, err := c.OID(ctx, "2.999.5", true, client.OIDPage{Limit: 1})
	if err != nil || len(page.ChildArcs) != 1 || page.Next != "1" {
		t.Fatalf("first page: %+v %v", page, err)
	}
	page, err = c.OID(ctx, "2.999.5", true, client.OIDPage{Limit: 1, After: page.Next})
	if err != nil || len(page.ChildArcs) != 1 || page.ChildArcs[0].OID != "2.999.5.2" || page.Next != "" {
		t.Fatalf("second page: %+v %v", page, err)
	}
	if b, err := c.OID(ctx, "2.999.5.1", false, client.OIDPage{}); err != nil || b.Authority != bob.Address().String() {
		t.Fatalf("delegated arc: %+v %v", b, err)
	}

	// Proofs: presence, absence, tampering.
	chainID, vals, err := lightclient.LoadTrust(node.GenesisFile(n.Home))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.OIDProof(ctx, "2.999.5", 0)
	if err != nil {
		t.Fatal(err)
	}
	v, err := oid.Verify(b, chainID, vals)
	if err != nil || !v.Present || v.Arc.Name != "Alice's lab" || v.Arc.Authority != alice.Address() {
		t.Fatalf("verify: %+v %v", v, err)
	}
	// The bundle survives JSON, as "dii oid verify" reads it.
	raw, _ := json.Marshal(b)
	var back oid.Bundle
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if _, err := oid.Verify(&back, chainID, vals); err != nil {
		t.Fatalf("verify after JSON: %v", err)
	}
	tampered := *b
	tampered.OID = "2.999.5.1"
	if _, err := oid.Verify(&tampered, chainID, vals); !errors.Is(err, lightclient.ErrBundle) {
		t.Fatalf("tampered OID: %v", err)
	}
	tampered = *b
	tampered.Kind = oid.BundleUAV
	if _, err := oid.Verify(&tampered, chainID, vals); err == nil {
		t.Fatal("an arc's proof verified as an identity's")
	}
	absent, err := c.OIDProof(ctx, "2.999.404", 0)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := oid.Verify(absent, chainID, vals); err != nil || v.Present {
		t.Fatalf("absence: %+v %v", v, err)
	}

	// X.677: apply, verify, announce, an operating identity, revocation.
	commit(alice, &tx.UAVApply{OID: "2.999.677.1.1001", Info: tx.UAVInfo{HolderName: "Acme", Serial: "SN-1"}})
	commit(op, &tx.UAVVerify{OID: "2.999.677.1.1001", Accept: true, Note: "checked"})
	commit(alice, &tx.UAVAnnounce{OID: "2.999.677.1.1001"},
		&tx.UAVApply{OID: "2.999.677.2.7", FLC: "2.999.677.1.1001", Info: tx.UAVInfo{HolderName: "Acme ops"}})
	refused(bob, "unauthorized", 5, &tx.UAVVerify{OID: "2.999.677.2.7", Accept: true})
	id, err := c.UAV(ctx, "2.999.677.1.1001")
	if err != nil || id.Status != "announced" || !id.Active || id.Kind != "full-life-cycle" || id.Info.Serial != "SN-1" ||
		id.Authority != op.Address().String() || id.Announced == nil || id.Note != "checked" {
		t.Fatalf("identity: %+v %v", id, err)
	}
	commit(op, &tx.UAVRevoke{OID: "2.999.677.1.1001", Reason: "stolen"})
	refused(alice, "revoked", 18, &tx.UAVAnnounce{OID: "2.999.677.1.1001"})
	id, err = c.UAV(ctx, "2.999.677.1.1001")
	if err != nil || id.Status != "revoked" || id.Active || id.Revoked == nil || id.Note != "stolen" {
		t.Fatalf("revoked identity: %+v %v", id, err)
	}
	opid, err := c.UAV(ctx, "2.999.677.2.7")
	if err != nil || opid.Status != "applied" || opid.FLC != "2.999.677.1.1001" || opid.FLCStatus != "revoked" || opid.Active {
		t.Fatalf("operating identity: %+v %v", opid, err)
	}
	l, err := c.UAVs(ctx, "operating", client.OIDPage{})
	if err != nil || len(l.Identities) != 1 || l.Kind != "operating" {
		t.Fatalf("list: %+v %v", l, err)
	}
	ub, err := c.UAVProof(ctx, "2.999.677.1.1001", 0)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := oid.Verify(ub, chainID, vals); err != nil || v.Identity == nil || v.Identity.Status != oid.StatusRevoked {
		t.Fatalf("identity proof: %+v %v", v, err)
	}

	// Errors: JSON with stable codes.
	base := "http://" + n.Addrs().API
	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/oids/2.x", 400, "bad_request"},
		{"/v1/oids/2.05", 400, "bad_request"},
		{"/v1/oids/" + url.PathEscape("/Joint-ISO-ITU-T/-x"), 400, "bad_request"},
		{"/v1/oids/2.999.404", 404, "not_found"},
		{"/v1/oids/" + url.PathEscape("/Joint-ISO-ITU-T/Nope"), 404, "not_found"},
		{"/v1/oids/2.999.677.1.1001", 404, "not_found"},
		{"/v1/oids/2.999.5?children=1&limit=0", 400, "bad_request"},
		{"/v1/oids/2.999.5?children=1&after=01", 400, "bad_request"},
		{"/v1/uav/2.999.677.1.99", 404, "not_found"},
		{"/v1/uav?kind=other", 400, "bad_request"},
		{"/v1/oids/2.999.5?height=999999", 404, "not_found"},
	} {
		resp, err := http.Get(base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var eb api.ErrorBody
		if err := json.Unmarshal(body, &eb); err != nil || eb.Error == nil || resp.StatusCode != tc.status || eb.Error.Code != tc.code || eb.Error.Message == "" {
			t.Errorf("GET %s: %d %s, want %d %s", tc.path, resp.StatusCode, body, tc.status, tc.code)
		}
	}
}

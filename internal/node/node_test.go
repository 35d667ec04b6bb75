package node_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/lightclient"
	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/testnode"
	"github.com/dii-net/dii/internal/tx"
)

func rd(t *testing.T, typ uint16, s string) []byte {
	t.Helper()
	b, err := names.ParseRData(typ, s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ok unwraps (v, err) and fails the test on error: ok(f())(t).
func ok[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func apiCode(err error) string {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// TestRegisterReadProve runs the whole write and read path through a real
// node: signed transactions over the HTTP API, reads, listings and proofs
// checked as a light client checks them.
func TestRegisterReadProve(t *testing.T) {
	n := testnode.Start(t)
	ctx := context.Background()
	op := n.Operator(t)
	alice := n.Signer(t, "alice")
	bob := n.Signer(t, "bob")

	ok(op.Submit(ctx, client.WaitCommit, &tx.Register{Name: "dii", Open: true}))(t)
	res := ok(alice.Submit(ctx, client.WaitCommit,
		&tx.Register{Name: "alice.dii"},
		&tx.SetRRset{Name: "alice.dii", Type: dns.TypeA, TTL: 300, Records: [][]byte{rd(t, dns.TypeA, "192.0.2.1")}},
		&tx.SetRRset{Name: "www.alice.dii", Type: dns.TypeCNAME, TTL: 300, Records: [][]byte{rd(t, dns.TypeCNAME, "alice.dii.")}},
	))(t)
	if res.Status != "committed" || res.Height < 1 {
		t.Fatalf("submit result %+v", res)
	}

	// Read it back.
	got := ok(n.Client.Name(ctx, "alice.dii"))(t)
	if got.Owner != alice.Address().String() || len(got.RRsets) != 2 || got.RRsets[0].Records[0] != "192.0.2.1" {
		t.Fatalf("name = %+v", got)
	}

	// Someone else may not change it; the rejection has a stable code and
	// leaves the name as it was.
	_, err := bob.Submit(ctx, client.WaitCommit, &tx.SetRRset{Name: "alice.dii", Type: dns.TypeA, TTL: 1, Records: [][]byte{rd(t, dns.TypeA, "198.51.100.1")}})
	if apiCode(err) != "unauthorized" {
		t.Fatalf("bob's change: err %v, want unauthorized", err)
	}
	if again := ok(n.Client.Name(ctx, "alice.dii"))(t); again.RRsets[0].Records[0] != "192.0.2.1" {
		t.Fatalf("record changed by a rejected transaction: %+v", again)
	}

	// Trusted validator set: the node's own genesis, as a user would have it.
	chainID, vals, err := lightclient.LoadTrust(node.GenesisFile(n.Home))
	if err != nil {
		t.Fatal(err)
	}

	// Presence.
	b := ok(n.Client.Proof(ctx, "alice.dii", 0))(t)
	vr, err := lightclient.Verify(b, chainID, vals)
	if err != nil {
		t.Fatalf("verify presence: %v", err)
	}
	if !vr.Present || vr.Record.Owner != alice.Address() || len(vr.Record.RRsets) != 2 {
		t.Fatalf("verified record %+v", vr.Record)
	}
	if len(b.Proof) > 1500 {
		t.Errorf("proof is %d bytes", len(b.Proof))
	}

	// Absence.
	nb := ok(n.Client.Proof(ctx, "nobody.dii", 0))(t)
	ar, err := lightclient.Verify(nb, chainID, vals)
	if err != nil || ar.Present {
		t.Fatalf("verify absence: %v present=%v", err, ar != nil && ar.Present)
	}

	// Tampering with any part fails.
	tamper := map[string]func(*lightclient.Bundle){
		"value":      func(b *lightclient.Bundle) { b.Value[len(b.Value)-1] ^= 1 },
		"drop value": func(b *lightclient.Bundle) { b.Value = nil },
		"proof":      func(b *lightclient.Bundle) { b.Proof[len(b.Proof)-1] ^= 1 },
		"name":       func(b *lightclient.Bundle) { b.Name = "bob.dii" },
		"height":     func(b *lightclient.Bundle) { b.Height++ },
		"chain":      func(b *lightclient.Bundle) { b.ChainID = "other" },
		"app hash": func(b *lightclient.Bundle) {
			b.SignedHeader = editHeader(t, b.SignedHeader, func(sh *types.SignedHeader) { sh.AppHash[0] ^= 1 })
		},
		"signature": func(b *lightclient.Bundle) {
			b.SignedHeader = editHeader(t, b.SignedHeader, func(sh *types.SignedHeader) { sh.Commit.Signatures[0].Signature[0] ^= 1 })
		},
		"no signature": func(b *lightclient.Bundle) {
			b.SignedHeader = editHeader(t, b.SignedHeader, func(sh *types.SignedHeader) { sh.Commit.Signatures = nil })
		},
	}
	for what, f := range tamper {
		t.Run("tampered "+what, func(t *testing.T) {
			c := cloneBundle(t, b)
			f(c)
			if _, err := lightclient.Verify(c, chainID, vals); err == nil {
				t.Fatal("tampered bundle verified")
			}
		})
	}
	// A validator set the user does not trust fails.
	other := testnode.Start(t)
	_, otherVals, err := lightclient.LoadTrust(node.GenesisFile(other.Home))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lightclient.Verify(b, chainID, otherVals); !errors.Is(err, lightclient.ErrValidators) {
		t.Fatalf("foreign validator set: %v", err)
	}

	// Listing with pagination.
	for i := 0; i < 5; i++ {
		ok(bob.Submit(ctx, client.WaitCommit, &tx.Register{Name: fmt.Sprintf("bob%d.dii", i)}))(t)
	}
	var all []string
	o := client.ListOptions{Zone: "dii", Prefix: "bob", Limit: 2}
	for {
		l := ok(n.Client.List(ctx, o))(t)
		for _, nm := range l.Names {
			all = append(all, nm.Name)
		}
		if l.Next == "" {
			break
		}
		o.After = l.Next
	}
	if fmt.Sprint(all) != "[bob0.dii bob1.dii bob2.dii bob3.dii bob4.dii]" {
		t.Fatalf("paged listing = %v", all)
	}

	// Blocks and status.
	st := ok(n.Client.Status(ctx))(t)
	if st.ChainID != "dii-test" || st.StateHeight < res.Height {
		t.Fatalf("status %+v", st)
	}
	blk := ok(n.Client.Block(ctx, res.Height))(t)
	found := false
	for _, h := range blk.Txs {
		found = found || h == res.Hash
	}
	if !found {
		t.Fatalf("block %d does not list tx %s: %v", res.Height, res.Hash, blk.Txs)
	}
}

func editHeader(t *testing.T, raw json.RawMessage, f func(*types.SignedHeader)) json.RawMessage {
	t.Helper()
	var sh types.SignedHeader
	if err := cmtjson.Unmarshal(raw, &sh); err != nil {
		t.Fatal(err)
	}
	f(&sh)
	out, err := cmtjson.Marshal(&sh)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func cloneBundle(t *testing.T, b *lightclient.Bundle) *lightclient.Bundle {
	t.Helper()
	raw, _ := json.Marshal(b)
	var c lightclient.Bundle
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// TestRestartKeepsState stops a node and starts it again on the same home:
// every committed name is there and the chain goes on from where it was.
func TestRestartKeepsState(t *testing.T) {
	n := testnode.Start(t)
	ctx := context.Background()
	op := n.Operator(t)
	ok(op.Submit(ctx, client.WaitCommit, &tx.Register{Name: "dii", Open: true}))(t)
	res := ok(op.Submit(ctx, client.WaitCommit, &tx.Register{Name: "keep.dii"}))(t)
	n.WaitHeight(t, res.Height+1)
	before := ok(n.Client.Block(ctx, res.Height+1))(t)
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}

	n2 := testnode.StartHome(t, n.Home)
	if _, err := n2.Client.Name(ctx, "keep.dii"); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	after := ok(n2.Client.Block(ctx, res.Height+1))(t)
	if after.AppHash != before.AppHash || after.Hash != before.Hash {
		t.Fatalf("block %d changed across restart", res.Height+1)
	}
	s2 := n2.Operator(t)
	res2 := ok(s2.Submit(ctx, client.WaitCommit, &tx.Register{Name: "more.dii"}))(t)
	if res2.Height <= res.Height {
		t.Fatalf("chain did not continue: %d after %d", res2.Height, res.Height)
	}
}

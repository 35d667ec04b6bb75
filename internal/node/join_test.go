package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/testnode"
	"github.com/dii-net/dii/internal/tx"
)

// TestInitJoin: a home made with another chain's genesis and a peer
// syncs that chain from the peer and serves what it holds.
func TestInitJoin(t *testing.T) {
	a := testnode.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res := ok(a.Operator(t).Submit(ctx, client.WaitCommit, &tx.Register{Name: "joined"}))(t)

	gen, err := types.GenesisDocFromFile(node.GenesisFile(a.Home))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	h, err := node.Init(dir, node.InitOptions{Genesis: gen, Peers: []string{a.NodeID() + "@" + a.Addrs().P2P}})
	if err != nil {
		t.Fatal(err)
	}
	if h.ChainID != gen.ChainID || !h.Created || h.NodeID == "" || len(h.ConsensusKey) != 32 {
		t.Fatalf("home %+v", h)
	}
	b := testnode.StartHome(t, dir)
	b.WaitHeight(t, res.Height)
	if _, err := b.Client.Name(ctx, "joined"); err != nil {
		t.Fatalf("the joined node lacks the name: %v", err)
	}
	va, errA := a.App().Store().At(res.Height)
	vb, errB := b.App().Store().At(res.Height)
	if errA != nil || errB != nil || va.Root() != vb.Root() {
		t.Fatalf("state at height %d differs: %v %v", res.Height, errA, errB)
	}
}

package ledger

import (
	"context"
	"encoding/json"
	"testing"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/tx"
)

// TestGenesisTLDs: TLDs named in genesis are registered by the first
// registry operator, open ones to anyone's names; a TLD that cannot be
// registered stops InitChain.
func TestGenesisTLDs(t *testing.T) {
	h := &harness{t: t}
	h.app = newApp(t, dbm.NewMemDB())
	p := registry.DefaultParams()
	p.Operators = []tx.Address{addr(opKey)}
	gs, _ := json.Marshal(GenesisState{Registry: p, TLDs: []GenesisTLD{{Name: "load", Open: true}, {Name: "bob", Owner: addr(bobKey)}}})
	if _, err := h.app.InitChain(context.Background(), &abci.InitChainRequest{ChainId: chainID, AppStateBytes: gs, InitialHeight: 1, Time: t0}); err != nil {
		t.Fatal(err)
	}
	v := h.app.Store().Latest()
	if r, err := registry.Get(v, "load"); err != nil || !r.Open || r.Owner != addr(opKey) {
		t.Fatalf("load: %+v %v", r, err)
	}
	if r, err := registry.Get(v, "bob"); err != nil || r.Open || r.Owner != addr(bobKey) {
		t.Fatalf("bob: %+v %v", r, err)
	}
	// Anyone may register under the open TLD.
	res := h.block(h.sign(aliceKey, 0, &tx.Register{Name: "alice.load"}))
	if res[0].Code != 0 {
		t.Fatalf("alice.load: %d %s", res[0].Code, res[0].Log)
	}

	for name, tlds := range map[string][]GenesisTLD{
		"bad name": {{Name: "-x"}},
		"twice":    {{Name: "x"}, {Name: "x"}},
	} {
		a := newApp(t, dbm.NewMemDB())
		gs, _ := json.Marshal(GenesisState{Registry: p, TLDs: tlds})
		if _, err := a.InitChain(context.Background(), &abci.InitChainRequest{ChainId: chainID, AppStateBytes: gs, InitialHeight: 1, Time: t0}); err == nil {
			t.Errorf("%s: InitChain accepted it", name)
		}
	}
	a := newApp(t, dbm.NewMemDB())
	gs, _ = json.Marshal(GenesisState{TLDs: []GenesisTLD{{Name: "x"}}})
	if _, err := a.InitChain(context.Background(), &abci.InitChainRequest{ChainId: chainID, AppStateBytes: gs, InitialHeight: 1, Time: t0}); err == nil {
		t.Error("a TLD without a registry operator was accepted")
	}
}

package ledger

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// TestRegistryEntriesMetric: the registry sizes follow every commit, and
// a restart counts them again from the stored state.
func TestRegistryEntriesMetric(t *testing.T) {
	db := dbm.NewMemDB()
	reg := prometheus.NewRegistry()
	st, err := state.Open(db, 10)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := New(st, log, NewMetrics(reg))
	if err != nil {
		t.Fatal(err)
	}
	a.SetChainID(chainID)
	h := &harness{t: t, db: db, app: a}
	p := registry.DefaultParams()
	p.Operators = []tx.Address{addr(opKey)}
	gs, _ := json.Marshal(GenesisState{Registry: p})
	if _, err := a.InitChain(context.Background(), &abci.InitChainRequest{ChainId: chainID, AppStateBytes: gs, InitialHeight: 1, Time: t0,
		Validators: []abci.ValidatorUpdate{{Power: 1, PubKeyType: "ed25519", PubKeyBytes: val1}}}); err != nil {
		t.Fatal(err)
	}
	entries := func(m *Metrics, r string) float64 { return testutil.ToFloat64(m.entries.WithLabelValues(r)) }
	h.block(h.sign(opKey, 0, &tx.Register{Name: "dii", Open: true}), h.sign(aliceKey, 0, &tx.Register{Name: "a.dii"}, &tx.Register{Name: "b.dii"}))
	h.block(h.sign(aliceKey, 1, &tx.Delete{Name: "b.dii"}))
	want := map[string]float64{"names": 2, "accounts": 2, "validators": 1, "nameservers": 0}
	for r, n := range want {
		if got := entries(a.metrics, r); got != n {
			t.Errorf("%s: %v, want %v", r, got, n)
		}
	}
	// One observation per commit: the two blocks.
	var m dto.Metric
	if err := a.metrics.serve.Write(&m); err != nil || m.GetHistogram().GetSampleCount() != 2 {
		t.Errorf("commit_to_serve_seconds: %d observations (%v), want 2", m.GetHistogram().GetSampleCount(), err)
	}
	if c := testutil.ToFloat64(a.metrics.txs.WithLabelValues("ok")); c != 3 {
		t.Errorf("txs_total{code=ok} %v, want 3", c)
	}
	// A new application over the same store counts the same.
	b, err := New(st, log, NewMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	for r, n := range want {
		if got := entries(b.metrics, r); got != n {
			t.Errorf("after restart, %s: %v, want %v", r, got, n)
		}
	}
}

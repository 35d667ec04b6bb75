package ledger

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"testing"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/tx"
	"github.com/dii-net/dii/internal/validator"
)

// consensus keys of validators (not accounts).
var (
	val1 = key(0x51).Public().(ed25519.PublicKey)
	val2 = key(0x52).Public().(ed25519.PublicKey)
	val3 = key(0x53).Public().(ed25519.PublicKey)
)

// newValHarness starts a chain with val1 (run by the operator) as its
// only validator and at most limit validators.
func newValHarness(t *testing.T, limit int) *harness {
	t.Helper()
	h := &harness{t: t}
	h.app = newApp(t, dbm.NewMemDB())
	p := registry.DefaultParams()
	p.Operators = []tx.Address{addr(opKey)}
	gs, _ := json.Marshal(GenesisState{Registry: p, Validators: &validator.Genesis{MaxValidators: limit,
		Operators: []validator.GenesisOperator{{PubKey: val1, Operator: addr(opKey)}}}})
	_, err := h.app.InitChain(context.Background(), &abci.InitChainRequest{ChainId: chainID, AppStateBytes: gs, InitialHeight: 1, Time: t0,
		Validators: []abci.ValidatorUpdate{{Power: 10, PubKeyType: "ed25519", PubKeyBytes: val1}}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func wantCodes(t *testing.T, r *abci.FinalizeBlockResponse, codes ...Code) {
	t.Helper()
	for i, c := range codes {
		if Code(r.TxResults[i].Code) != c {
			t.Fatalf("tx %d: code %d (%s), want %d (%s)", i, r.TxResults[i].Code, r.TxResults[i].Log, c, c)
		}
	}
}

func wantUpdates(t *testing.T, r *abci.FinalizeBlockResponse, want map[string]int64) {
	t.Helper()
	if len(r.ValidatorUpdates) != len(want) {
		t.Fatalf("%d validator updates %v, want %d", len(r.ValidatorUpdates), r.ValidatorUpdates, len(want))
	}
	for _, u := range r.ValidatorUpdates {
		p, ok := want[string(u.PubKeyBytes)]
		if !ok || p != u.Power || u.PubKeyType != "ed25519" {
			t.Fatalf("update %X power %d type %q not wanted", u.PubKeyBytes, u.Power, u.PubKeyType)
		}
	}
}

func TestValidatorGenesis(t *testing.T) {
	h := newValHarness(t, 0)
	v := h.app.Store().Latest()
	vs, err := validator.List(v)
	if err != nil || len(vs) != 1 || !bytes.Equal(vs[0].PubKey, val1) || vs[0].Power != 10 || vs[0].Operator != addr(opKey) {
		t.Fatalf("genesis set %+v %v", vs, err)
	}
	p, err := validator.LoadParams(v)
	if err != nil || len(p.Admins) != 1 || p.Admins[0] != addr(opKey) || p.MaxValidators != validator.DefaultMaxValidators {
		t.Fatalf("params %+v %v: want the registry operator as admin and the default limit", p, err)
	}
}

func TestValidatorChanges(t *testing.T) {
	h := newValHarness(t, 3)
	seq := map[tx.Address]uint64{}
	s := func(k ed25519.PrivateKey, ops ...tx.Op) []byte {
		raw := h.sign(k, seq[addr(k)], ops...)
		seq[addr(k)]++
		return raw
	}
	alice := addr(aliceKey)

	// Only an admin may change the set; a refused change updates nothing.
	r := h.finalize(s(aliceKey, &tx.Validator{PubKey: val2, Power: 5}))
	wantCodes(t, r, CodeUnauthorized)
	wantUpdates(t, r, nil)

	// Add val2, run by alice: CometBFT is told.
	r = h.finalize(s(opKey, &tx.Validator{PubKey: val2, Power: 5, Operator: alice}))
	wantCodes(t, r, CodeOK)
	wantUpdates(t, r, map[string]int64{string(val2): 5})

	// Alice, not a registry operator, may now publish a name server;
	// bob may not.
	ns := &tx.Nameserver{Name: "ns2.dii-nic", Addrs: [][]byte{{127, 0, 0, 2}}}
	r = h.finalize(s(aliceKey, ns), s(bobKey, ns))
	wantCodes(t, r, CodeOK, CodeUnauthorized)
	if _, ok := h.app.Store().Latest().Get(registry.NameserverKey(alice)); !ok {
		t.Fatal("alice's name server entry not written")
	}

	// Re-weigh: the operator stays when the op names none.
	r = h.finalize(s(opKey, &tx.Validator{PubKey: val2, Power: 7}))
	wantCodes(t, r, CodeOK)
	wantUpdates(t, r, map[string]int64{string(val2): 7})
	if v, ok, _ := validator.Get(h.app.Store().Latest(), val2); !ok || v.Operator != alice || v.Power != 7 {
		t.Fatalf("after re-weigh: %+v", v)
	}

	// Added and removed in one block: nothing for CometBFT.
	r = h.finalize(s(opKey, &tx.Validator{PubKey: val3, Power: 1}), s(opKey, &tx.Validator{PubKey: val3}))
	wantCodes(t, r, CodeOK, CodeOK)
	wantUpdates(t, r, nil)

	// The limit (3), then removing one that is not there.
	extra := key(0x54).Public().(ed25519.PublicKey)
	r = h.finalize(s(opKey, &tx.Validator{PubKey: val3, Power: 1}), s(opKey, &tx.Validator{PubKey: extra, Power: 1}),
		s(opKey, &tx.Validator{PubKey: extra}), s(opKey, &tx.Validator{PubKey: val2, Power: tx.MaxValidatorPower + 1}))
	wantCodes(t, r, CodeOK, CodeTooLarge, CodeNotFound, CodeTooLarge)
	wantUpdates(t, r, map[string]int64{string(val3): 1})

	// Removing val2 withdraws its operator's name server entry.
	r = h.finalize(s(opKey, &tx.Validator{PubKey: val2}))
	wantCodes(t, r, CodeOK)
	wantUpdates(t, r, map[string]int64{string(val2): 0})
	if _, ok := h.app.Store().Latest().Get(registry.NameserverKey(alice)); ok {
		t.Fatal("the removed validator's name server entry is still published")
	}
	// And alice may publish no more.
	r = h.finalize(s(aliceKey, ns))
	wantCodes(t, r, CodeUnauthorized)

	// The last validator stays.
	r = h.finalize(s(opKey, &tx.Validator{PubKey: val3}), s(opKey, &tx.Validator{PubKey: val1}))
	wantCodes(t, r, CodeOK, CodeInvalidOp)
	wantUpdates(t, r, map[string]int64{string(val3): 0})
	if vs, _ := validator.List(h.app.Store().Latest()); len(vs) != 1 || !bytes.Equal(vs[0].PubKey, val1) {
		t.Fatalf("final set %+v", vs)
	}
}

// TestValidatorCheckTx: the mempool applies the same rules.
func TestValidatorCheckTx(t *testing.T) {
	h := newValHarness(t, 0)
	if r := h.check(h.sign(aliceKey, 0, &tx.Validator{PubKey: val2, Power: 1})); Code(r.Code) != CodeUnauthorized {
		t.Fatalf("non-admin: code %d", r.Code)
	}
	if r := h.check(h.sign(opKey, 0, &tx.Validator{PubKey: val1})); Code(r.Code) != CodeInvalidOp {
		t.Fatalf("last validator: code %d", r.Code)
	}
}

// TestGenesisValidatorsRejects: genesis that breaks the set's rules stops
// the chain at InitChain.
func TestGenesisValidatorsRejects(t *testing.T) {
	p := registry.DefaultParams()
	cases := map[string]struct {
		g    *validator.Genesis
		vals []abci.ValidatorUpdate
	}{
		"secp256k1": {nil, []abci.ValidatorUpdate{{Power: 1, PubKeyType: "secp256k1", PubKeyBytes: make([]byte, 33)}}},
		"over max":  {&validator.Genesis{MaxValidators: 1}, []abci.ValidatorUpdate{{Power: 1, PubKeyType: "ed25519", PubKeyBytes: val1}, {Power: 1, PubKeyType: "ed25519", PubKeyBytes: val2}}},
		"operator of no validator": {&validator.Genesis{Operators: []validator.GenesisOperator{{PubKey: val2}}},
			[]abci.ValidatorUpdate{{Power: 1, PubKeyType: "ed25519", PubKeyBytes: val1}}},
		"max too high": {&validator.Genesis{MaxValidators: validator.MaxMaxValidators + 1}, nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a := newApp(t, dbm.NewMemDB())
			gs, _ := json.Marshal(GenesisState{Registry: p, Validators: c.g})
			if _, err := a.InitChain(context.Background(), &abci.InitChainRequest{ChainId: chainID, AppStateBytes: gs, InitialHeight: 1, Time: t0, Validators: c.vals}); err == nil {
				t.Fatal("InitChain accepted it")
			}
		})
	}
}

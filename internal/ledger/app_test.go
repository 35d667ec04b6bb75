package ledger

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

const chainID = "dii-test"

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func key(seed byte) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32)) }

var (
	opKey    = key(1)
	aliceKey = key(2)
	bobKey   = key(3)
)

func addr(k ed25519.PrivateKey) tx.Address { return tx.AddressOf(k.Public().(ed25519.PublicKey)) }

type harness struct {
	t      *testing.T
	db     dbm.DB
	app    *App
	height int64
}

func newApp(t *testing.T, db dbm.DB) *App {
	t.Helper()
	st, err := state.Open(db, 10)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	a.SetChainID(chainID)
	return a
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, db: dbm.NewMemDB()}
	h.app = newApp(t, h.db)
	p := registry.DefaultParams()
	p.Operators = []tx.Address{addr(opKey)}
	gs, _ := json.Marshal(GenesisState{Registry: p})
	if _, err := h.app.InitChain(context.Background(), &abci.InitChainRequest{ChainId: chainID, AppStateBytes: gs, InitialHeight: 1, Time: t0}); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) sign(k ed25519.PrivateKey, seq uint64, ops ...tx.Op) []byte {
	h.t.Helper()
	tr := &tx.Tx{ChainID: chainID, Sequence: seq, Ops: ops}
	if err := tr.Sign(k); err != nil {
		h.t.Fatal(err)
	}
	raw, err := tr.Encode()
	if err != nil {
		h.t.Fatal(err)
	}
	return raw
}

func (h *harness) check(raw []byte) *abci.CheckTxResponse {
	h.t.Helper()
	r, err := h.app.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: raw, Type: abci.CHECK_TX_TYPE_CHECK})
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// finalize runs one block and returns CometBFT's view of it.
func (h *harness) finalize(txs ...[]byte) *abci.FinalizeBlockResponse {
	h.t.Helper()
	h.height++
	r, err := h.app.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: h.height, Txs: txs, Time: t0.Add(time.Duration(h.height) * time.Second)})
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.app.Commit(context.Background(), &abci.CommitRequest{}); err != nil {
		h.t.Fatal(err)
	}
	return r
}

// block finalizes and commits a block of txs and returns the results.
func (h *harness) block(txs ...[]byte) []*abci.ExecTxResult {
	h.t.Helper()
	return h.finalize(txs...).TxResults
}

func (h *harness) root() [32]byte { return h.app.Store().Latest().Root() }

func rdata(t *testing.T, typ uint16, text string) []byte {
	t.Helper()
	b, err := names.ParseRData(typ, text)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setup: operator creates the open TLD "dii"; alice registers alice.dii.
func setup(t *testing.T) *harness {
	h := newHarness(t)
	res := h.block(
		h.sign(opKey, 0, &tx.Register{Name: "dii", Open: true}),
		h.sign(aliceKey, 0, &tx.Register{Name: "alice.dii"}),
	)
	for i, r := range res {
		if r.Code != 0 {
			t.Fatalf("setup tx %d: code %d %s", i, r.Code, r.Log)
		}
	}
	return h
}

func TestCheckTxRejects(t *testing.T) {
	h := setup(t)
	a := rdata(t, dns.TypeA, "192.0.2.1")
	good := h.sign(aliceKey, 1, &tx.SetRRset{Name: "alice.dii", Type: dns.TypeA, TTL: 60, Records: [][]byte{a}})

	badSig := append([]byte(nil), good...)
	badSig[len(badSig)-1] ^= 1
	otherChain := func() []byte {
		tr := &tx.Tx{ChainID: "other-chain", Sequence: 1, Ops: []tx.Op{&tx.Renew{Name: "alice.dii"}}}
		tr.Sign(aliceKey)
		b, _ := tr.Encode()
		return b
	}()
	big := make([][]byte, 0, 40)
	for i := 0; i < 40; i++ {
		big = append(big, rdata(t, dns.TypeA, fmt.Sprintf("192.0.2.%d", i+1)))
	}
	cases := []struct {
		name string
		raw  []byte
		code Code
	}{
		{"malformed", []byte("not a transaction"), CodeEncoding},
		{"truncated", good[:len(good)-10], CodeEncoding},
		{"bad signature", badSig, CodeSignature},
		{"wrong chain", otherChain, CodeChainID},
		{"replayed sequence", h.sign(aliceKey, 0, &tx.Renew{Name: "alice.dii"}), CodeSequence},
		{"future sequence", h.sign(aliceKey, 5, &tx.Renew{Name: "alice.dii"}), CodeSequence},
		{"unauthorised change", h.sign(bobKey, 0, &tx.SetRRset{Name: "alice.dii", Type: dns.TypeA, TTL: 60, Records: [][]byte{a}}), CodeUnauthorized},
		{"unauthorised tld", h.sign(bobKey, 0, &tx.Register{Name: "bob"}), CodeUnauthorized},
		{"invalid name", h.sign(bobKey, 0, &tx.Register{Name: "-bad-.dii"}), CodeInvalidName},
		{"name too long label", h.sign(bobKey, 0, &tx.Register{Name: string(bytes.Repeat([]byte("a"), 64)) + ".dii"}), CodeInvalidName},
		{"unknown type", h.sign(aliceKey, 1, &tx.SetRRset{Name: "alice.dii", Type: 6, TTL: 60, Records: [][]byte{a}}), CodeUnknownType},
		{"unknown type number", h.sign(aliceKey, 1, &tx.SetRRset{Name: "alice.dii", Type: 65280, TTL: 60, Records: [][]byte{a}}), CodeUnknownType},
		{"oversized rrset", h.sign(aliceKey, 1, &tx.SetRRset{Name: "alice.dii", Type: dns.TypeA, TTL: 60, Records: big}), CodeTooLarge},
		{"bad rdata", h.sign(aliceKey, 1, &tx.SetRRset{Name: "alice.dii", Type: dns.TypeA, TTL: 60, Records: [][]byte{{1, 2, 3}}}), CodeInvalidData},
		{"taken", h.sign(bobKey, 0, &tx.Register{Name: "alice.dii"}), CodeExists},
		{"no such tld", h.sign(bobKey, 0, &tx.Register{Name: "bob.nowhere"}), CodeNotFound},
	}
	before := h.root()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.check(c.raw)
			if Code(r.Code) != c.code {
				t.Fatalf("code %d (%s) %q, want %d (%s)", r.Code, Code(r.Code), r.Log, c.code, c.code)
			}
			if r.Log == "" {
				t.Fatal("rejection without a message")
			}
		})
	}
	// The same transactions in a block fail with the same codes and
	// change nothing but spent sequence numbers.
	if got := h.check(good); got.Code != 0 {
		t.Fatalf("good tx rejected: %d %s", got.Code, got.Log)
	}
	if h.root() != before {
		t.Fatal("CheckTx changed committed state")
	}
	rec, err := registry.Get(h.app.Store().Latest(), "alice.dii")
	if err != nil || len(rec.RRsets) != 0 {
		t.Fatalf("alice.dii changed by rejected transactions: %+v %v", rec, err)
	}
}

func TestFailedTxSpendsSequence(t *testing.T) {
	h := setup(t)
	bad := h.sign(bobKey, 0, &tx.Register{Name: "alice.dii"}) // taken
	res := h.block(bad)
	if Code(res[0].Code) != CodeExists {
		t.Fatalf("code %d, want exists", res[0].Code)
	}
	acc, ok, _ := GetAccount(h.app.Store().Latest(), addr(bobKey))
	if !ok || acc.Sequence != 1 {
		t.Fatalf("bob's sequence after a failed tx = %d (ok %v), want 1", acc.Sequence, ok)
	}
	// Replaying the failed bytes is now a sequence error.
	res = h.block(bad)
	if Code(res[0].Code) != CodeSequence {
		t.Fatalf("replay code %d, want sequence", res[0].Code)
	}
}

func TestBlockAtomicity(t *testing.T) {
	h := setup(t)
	before, _ := h.app.Store().Latest().Get(registry.Key("alice.dii"))
	a := rdata(t, dns.TypeA, "192.0.2.1")
	// The second op fails, so the first must not apply either.
	raw := h.sign(aliceKey, 1,
		&tx.SetRRset{Name: "alice.dii", Type: dns.TypeA, TTL: 60, Records: [][]byte{a}},
		&tx.Register{Name: "x.alice.dii", Open: true})
	res := h.block(raw)
	if res[0].Code == 0 {
		t.Fatal("tx with a failing op succeeded")
	}
	after, _ := h.app.Store().Latest().Get(registry.Key("alice.dii"))
	if !bytes.Equal(before, after) {
		t.Fatal("a failed transaction's first op was applied")
	}
}

func TestDeterminismAndRestart(t *testing.T) {
	run := func(db dbm.DB) (*harness, [][32]byte) {
		h := &harness{t: t, db: db}
		h.app = newApp(t, db)
		p := registry.DefaultParams()
		p.Operators = []tx.Address{addr(opKey)}
		gs, _ := json.Marshal(GenesisState{Registry: p})
		if _, err := h.app.InitChain(context.Background(), &abci.InitChainRequest{ChainId: chainID, AppStateBytes: gs, InitialHeight: 1, Time: t0}); err != nil {
			t.Fatal(err)
		}
		var roots [][32]byte
		h.block(h.sign(opKey, 0, &tx.Register{Name: "dii", Open: true}))
		roots = append(roots, h.root())
		for i := 0; i < 5; i++ {
			var txs [][]byte
			for j := 0; j < 10; j++ {
				k := key(byte(10 + j))
				name := string(rune('a'+j)) + string(rune('a'+i)) + ".dii"
				txs = append(txs, h.sign(k, uint64(i), &tx.Register{Name: name},
					&tx.SetRRset{Name: name, Type: dns.TypeTXT, TTL: 300, Records: [][]byte{rdata(t, dns.TypeTXT, `"x"`)}}))
			}
			for _, r := range h.block(txs...) {
				if r.Code != 0 {
					t.Fatalf("code %d: %s", r.Code, r.Log)
				}
			}
			roots = append(roots, h.root())
		}
		return h, roots
	}
	h1, r1 := run(dbm.NewMemDB())
	_, r2 := run(dbm.NewMemDB())
	for i := range r1 {
		if r1[i] != r2[i] {
			t.Fatalf("height %d: app hashes differ between two runs of the same blocks", i+1)
		}
	}
	// Reopen the first app's database: same height and root.
	a2 := newApp(t, h1.db)
	info, err := a2.Info(context.Background(), &abci.InfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := r1[len(r1)-1]
	if info.LastBlockHeight != h1.height || !bytes.Equal(info.LastBlockAppHash, want[:]) {
		t.Fatalf("after reopen: height %d hash %X, want %d %X", info.LastBlockHeight, info.LastBlockAppHash, h1.height, want)
	}
}

func TestQueryProof(t *testing.T) {
	h := setup(t)
	r, err := h.app.Query(context.Background(), &abci.QueryRequest{Path: "/key", Data: registry.Key("alice.dii"), Prove: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Value) == 0 || r.ProofOps == nil || len(r.ProofOps.Ops) != 1 || r.ProofOps.Ops[0].Type != ProofOpType {
		t.Fatalf("query response %+v", r)
	}
	r, _ = h.app.Query(context.Background(), &abci.QueryRequest{Path: "/nope"})
	if r.Code == 0 {
		t.Fatal("unknown path accepted")
	}
}

// TestCheckTimeAfterRestart: the mempool checks against the last block's
// time right after a restart, not time zero.
func TestCheckTimeAfterRestart(t *testing.T) {
	h := setup(t)
	a2 := newApp(t, h.db)
	if got, want := a2.checkTime, t0.Add(time.Duration(h.height)*time.Second).Unix(); got != want {
		t.Fatalf("check time after reopen = %d, want the last block's %d", got, want)
	}
	// A renewal that is valid at block time is accepted by CheckTx at once.
	h.app = a2
	if r := h.check(h.sign(aliceKey, 1, &tx.Renew{Name: "alice.dii", PeriodDays: 365})); r.Code != 0 {
		t.Fatalf("renew after restart: %d %s", r.Code, r.Log)
	}
}

func TestRecordDataCodes(t *testing.T) {
	h := setup(t)
	upperMX := []byte{0, 10, 4, 'M', 'A', 'I', 'L', 3, 'd', 'i', 'i', 0}
	r := h.check(h.sign(aliceKey, 1, &tx.SetRRset{Name: "alice.dii", Type: dns.TypeMX, TTL: 60, Records: [][]byte{upperMX}}))
	if Code(r.Code) != CodeInvalidData {
		t.Fatalf("non-canonical record data: code %d (%s) %s, want invalid_data", r.Code, Code(r.Code), r.Log)
	}
}

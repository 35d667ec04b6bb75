package ledger

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/api/cometbft/crypto/v1"
	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
	"github.com/dii-net/dii/internal/validator"
)

// AppVersion is the application protocol version reported to CometBFT.
const AppVersion = 1

// Version is the software version string reported by Info.
var Version = "0.1.0"

var paramsKey = []byte("p/registry")

// ProofOpType names dii's Merkle proofs in ABCI query responses.
const ProofOpType = "dii/smt"

// AccountKey is the state key of an account.
func AccountKey(a tx.Address) []byte { return append([]byte(AccountPrefix), a[:]...) }

// AccountPrefix starts the state key of every account.
const AccountPrefix = "a/"

// Account is an account's state.
type Account struct {
	Address  tx.Address
	PubKey   ed25519.PublicKey
	Sequence uint64 // the next sequence number the account must use
}

func decodeAccount(a tx.Address, b []byte) (*Account, error) {
	if len(b) != tx.PubKeyLen+8 {
		return nil, fmt.Errorf("account %s: stored value is %d bytes", a, len(b))
	}
	return &Account{Address: a, PubKey: ed25519.PublicKey(b[:tx.PubKeyLen]), Sequence: binary.BigEndian.Uint64(b[tx.PubKeyLen:])}, nil
}

func (acc *Account) encode() []byte {
	b := make([]byte, 0, tx.PubKeyLen+8)
	b = append(b, acc.PubKey...)
	return binary.BigEndian.AppendUint64(b, acc.Sequence)
}

// GetAccount reads an account; ok is false for an account never used.
func GetAccount(r state.Reader, a tx.Address) (*Account, bool, error) {
	b, ok := r.Get(AccountKey(a))
	if !ok {
		return &Account{Address: a}, false, nil
	}
	acc, err := decodeAccount(a, b)
	return acc, err == nil, err
}

// Params reads the registry parameters.
func Params(r state.Reader) (*registry.Params, error) {
	b, ok := r.Get(paramsKey)
	if !ok {
		p := registry.DefaultParams()
		return &p, nil
	}
	var p registry.Params
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("registry params: %w", err)
	}
	return &p, nil
}

// Result is what a committed transaction did.
type Result struct {
	Hash   [32]byte
	Height int64
	Index  int
	Code   Code
	Log    string
}

// App is the ABCI application.
type App struct {
	abci.BaseApplication

	store   *state.Store
	log     *slog.Logger
	metrics *Metrics

	// Consensus connection state, used only from FinalizeBlock and Commit
	// (CometBFT calls them one at a time).
	chainID string
	pending *state.Version
	changes []state.Change
	results []Result

	// Mempool connection state.
	// params are fixed at genesis; cached so transactions need not decode
	// them.
	params    atomic.Pointer[registry.Params]
	valParams atomic.Pointer[validator.Params]

	checkMu    sync.Mutex
	checkState *state.Overlay
	checkTime  int64

	watchMu  sync.Mutex
	watchers map[[32]byte][]chan Result

	// onCommit is called after each commit with the previous and new state
	// and the changes between them, before waiters are woken, so anything
	// derived from state (the DNS snapshot) is current when a client hears
	// of the commit.
	onCommit func(prev, next *state.Version, changes []state.Change)
}

// OnCommit registers f to run after every commit, in the consensus
// goroutine, before transaction waiters are woken. Set it before the node
// starts; f must be quick and must not fail the commit.
func (a *App) OnCommit(f func(prev, next *state.Version, changes []state.Change)) { a.onCommit = f }

// New returns an application over store.
func New(store *state.Store, log *slog.Logger, m *Metrics) (*App, error) {
	if m == nil {
		m = NewMetrics(nil)
	}
	a := &App{store: store, log: log, metrics: m, watchers: make(map[[32]byte][]chan Result)}
	a.checkState = state.NewOverlay(store.Latest())
	// The mempool checks transactions at the last block's time, which the
	// store keeps, so rules that depend on time hold from the first check
	// after a restart.
	a.checkTime = store.Latest().Time()
	if store.Latest().Height() > 0 || store.Latest().Len() > 0 {
		p, err := Params(store.Latest())
		if err != nil {
			return nil, err
		}
		a.params.Store(p)
		if err := a.loadValParams(store.Latest()); err != nil {
			return nil, err
		}
	}
	m.observe(store.Latest())
	m.count(store.Latest())
	return a, nil
}

func (a *App) loadValParams(r state.Reader) error {
	vp, err := validator.LoadParams(r)
	if err != nil {
		return err
	}
	a.valParams.Store(vp)
	return nil
}

// Store is the application's state store, for readers.
func (a *App) Store() *state.Store { return a.store }

// Info reports the last committed height and app hash, so CometBFT replays
// any blocks the application has not committed.
func (a *App) Info(context.Context, *abci.InfoRequest) (*abci.InfoResponse, error) {
	v := a.store.Latest()
	root := v.Root()
	resp := &abci.InfoResponse{Data: "dii", Version: Version, AppVersion: AppVersion, LastBlockHeight: v.Height()}
	if v.Height() > 0 {
		resp.LastBlockAppHash = root[:]
	}
	return resp, nil
}

// GenesisState is the application part of genesis.json (app_state).
type GenesisState struct {
	Registry registry.Params `json:"registry"`
	// Nameservers are the root zone's name servers at genesis, each
	// published by a registry operator (as a tx.Nameserver would).
	Nameservers []GenesisNameserver `json:"nameservers,omitempty"`
	// OID is the OID tree at genesis: its top arcs (by default 0, 1 and
	// 2, held by the first registry operator) and the X.677 UAV arc.
	OID *oid.Genesis `json:"oid,omitempty"`
	// TLDs are registered at genesis by the first registry operator.
	TLDs []GenesisTLD `json:"tlds,omitempty"`
	// Validators holds the validator admins, the largest set allowed, and
	// the operator account of each genesis validator.
	Validators *validator.Genesis `json:"validators,omitempty"`
}

// GenesisNameserver is a root name server entry in genesis.
type GenesisNameserver struct {
	Operator tx.Address `json:"operator"`
	Name     string     `json:"name"`
	Addrs    []string   `json:"addrs"`
	DNSKEY   []byte     `json:"dnskey,omitempty"` // DNSKEY RDATA, base64
}

// GenesisTLD is a TLD registered at genesis.
type GenesisTLD struct {
	Name string `json:"name"`
	// Owner of the TLD; zero: the first registry operator.
	Owner tx.Address `json:"owner,omitzero"`
	// Open lets anyone register names under it.
	Open bool `json:"open,omitempty"`
}

// InitChain writes the genesis state and returns its root.
func (a *App) InitChain(_ context.Context, req *abci.InitChainRequest) (*abci.InitChainResponse, error) {
	var gs GenesisState
	if len(req.AppStateBytes) > 0 {
		if err := json.Unmarshal(req.AppStateBytes, &gs); err != nil {
			return nil, fmt.Errorf("genesis app_state: %w", err)
		}
	}
	def := registry.DefaultParams()
	if gs.Registry.DefaultPeriodDays == 0 {
		gs.Registry.DefaultPeriodDays = def.DefaultPeriodDays
	}
	if gs.Registry.MaxPeriodDays == 0 {
		gs.Registry.MaxPeriodDays = def.MaxPeriodDays
	}
	if gs.Registry.GraceDays == 0 {
		gs.Registry.GraceDays = def.GraceDays
	}
	pb, err := json.Marshal(gs.Registry)
	if err != nil {
		return nil, err
	}
	w := state.NewOverlay(state.Empty())
	w.Set(paramsKey, pb)
	for i, ns := range gs.Nameservers {
		op := &tx.Nameserver{Name: ns.Name, DNSKEY: ns.DNSKEY}
		for _, a := range ns.Addrs {
			ip, err := netip.ParseAddr(a)
			if err != nil {
				return nil, fmt.Errorf("genesis nameserver %d: %w", i, err)
			}
			op.Addrs = append(op.Addrs, ip.AsSlice())
		}
		if err := registry.Exec(w, &gs.Registry, ns.Operator, req.Time.Unix(), op); err != nil {
			return nil, fmt.Errorf("genesis nameserver %d (%s): %w", i, ns.Name, err)
		}
	}
	for i, tld := range gs.TLDs {
		if len(gs.Registry.Operators) == 0 {
			return nil, fmt.Errorf("genesis tld %d (%s): no registry operator to register it", i, tld.Name)
		}
		op := &tx.Register{Name: tld.Name, Owner: tld.Owner, Open: tld.Open}
		if err := registry.Exec(w, &gs.Registry, gs.Registry.Operators[0], req.Time.Unix(), op); err != nil {
			return nil, fmt.Errorf("genesis tld %d (%s): %w", i, tld.Name, err)
		}
	}
	if err := oid.InitGenesis(w, gs.OID, gs.Registry.Operators, req.Time.Unix()); err != nil {
		return nil, err
	}
	gvals := make([]validator.GenesisValidator, 0, len(req.Validators))
	for i, v := range req.Validators {
		if v.PubKeyType != cmted25519.KeyType || len(v.PubKeyBytes) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("genesis validator %d: key type %q: dii validators use ed25519 keys", i, v.PubKeyType)
		}
		gvals = append(gvals, validator.GenesisValidator{PubKey: v.PubKeyBytes, Power: v.Power})
	}
	if err := validator.InitGenesis(w, gs.Validators, gs.Registry.Operators, gvals); err != nil {
		return nil, err
	}
	v := state.Empty().NextAt(req.InitialHeight-1, req.Time.Unix(), w.Changes())
	if err := a.store.Reset(v); err != nil {
		return nil, err
	}
	a.chainID = req.ChainId
	a.metrics.count(v)
	p := gs.Registry
	a.params.Store(&p)
	if err := a.loadValParams(v); err != nil {
		return nil, err
	}
	a.resetCheck(req.Time.Unix())
	root := v.Root()
	a.log.Info("genesis state written", "chain_id", req.ChainId, "operators", len(gs.Registry.Operators), "app_hash", fmt.Sprintf("%X", root))
	return &abci.InitChainResponse{AppHash: root[:]}, nil
}

// SetChainID tells the application its chain id (from genesis) at start.
func (a *App) SetChainID(id string) { a.chainID = id }

func (a *App) resetCheck(now int64) {
	a.checkMu.Lock()
	a.checkState = state.NewOverlay(a.store.Latest())
	if now != 0 {
		a.checkTime = now
	}
	a.checkMu.Unlock()
}

// CheckTx runs the transaction against the mempool state.
func (a *App) CheckTx(_ context.Context, req *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	_, code, err := a.run(a.checkState, req.Tx, a.checkTime, false)
	a.metrics.checked(code)
	if err != nil {
		return &abci.CheckTxResponse{Code: uint32(code), Log: err.Error(), Codespace: "dii"}, nil
	}
	return &abci.CheckTxResponse{Code: 0}, nil
}

// run decodes, authenticates and executes one transaction over w. On
// failure w is untouched, except that with consume (a transaction in a
// block) an authenticated transaction's sequence number is spent.
func (a *App) run(w *state.Overlay, raw []byte, now int64, consume bool) (*tx.Tx, Code, error) {
	t, err := tx.Decode(raw)
	if err != nil {
		return nil, CodeEncoding, err
	}
	if t.ChainID != a.chainID {
		return t, CodeChainID, fmt.Errorf("transaction is for chain %q, this is %q", t.ChainID, a.chainID)
	}
	if err := t.VerifySignature(); err != nil {
		return t, CodeSignature, err
	}
	signer := t.SignerAddress()
	acc, _, err := GetAccount(w, signer)
	if err != nil {
		return t, CodeInternal, err
	}
	if t.Sequence != acc.Sequence {
		return t, CodeSequence, fmt.Errorf("account %s: sequence %d, expected %d", signer, t.Sequence, acc.Sequence)
	}
	params := a.params.Load()
	if params == nil {
		return t, CodeInternal, errors.New("registry parameters not loaded")
	}
	acc.PubKey = t.Signer
	acc.Sequence++
	txw := state.NewOverlay(w)
	for i, op := range t.Ops {
		err := a.exec(txw, params, signer, t.Signer, now, op)
		if err != nil {
			if consume {
				// The transaction is in a block: its sequence number is
				// spent even though its operations failed, so the same
				// signed bytes can never be replayed later.
				w.Set(AccountKey(signer), acc.encode())
			}
			return t, codeOf(err), fmt.Errorf("op %d (%s %s): %w", i, op.Kind(), op.Target(), err)
		}
	}
	txw.Set(AccountKey(signer), acc.encode())
	txw.WriteTo(w)
	return t, CodeOK, nil
}

// exec dispatches one operation to the registry it belongs to.
func (a *App) exec(w *state.Overlay, params *registry.Params, signer tx.Address, pub ed25519.PublicKey, now int64, op tx.Op) error {
	switch o := op.(type) {
	case *tx.Validator:
		vp := a.valParams.Load()
		if vp == nil {
			return errors.New("validator parameters not loaded")
		}
		return validator.Exec(w, vp, signer, o)
	case *tx.Nameserver:
		// A validator's operator publishes its name server as a registry
		// operator does, so the root zone's NS set can follow the set.
		if !params.IsOperator(signer) {
			isOp, err := validator.IsOperator(w, signer)
			if err != nil {
				return err
			}
			if isOp {
				return registry.PutNameserver(w, signer, o)
			}
		}
	}
	switch {
	case oid.Handles(op):
		return oid.Exec(w, signer, now, op)
	case handle.Handles(op):
		return handle.Exec(w, params.Operators, handle.Signer{Address: signer, PubKey: pub}, now, op)
	}
	return registry.Exec(w, params, signer, now, op)
}

// FinalizeBlock executes a decided block and returns the new app hash.
func (a *App) FinalizeBlock(_ context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	base := a.store.Latest()
	if base.Height() != req.Height-1 {
		return nil, fmt.Errorf("finalize block %d on state at height %d", req.Height, base.Height())
	}
	now := req.Time.Unix()
	w := state.NewOverlay(base)
	res := make([]*abci.ExecTxResult, len(req.Txs))
	a.results = a.results[:0]
	updates := 0
	for i, raw := range req.Txs {
		t, code, err := a.run(w, raw, now, true)
		r := &abci.ExecTxResult{Code: uint32(code), Codespace: "dii"}
		if err != nil {
			r.Log = err.Error()
		} else {
			updates += len(t.Ops)
			r.Events = []abci.Event{{Type: "dii", Attributes: []abci.EventAttribute{
				{Key: "signer", Value: t.SignerAddress().String(), Index: true},
				{Key: "ops", Value: fmt.Sprint(len(t.Ops))},
			}}}
		}
		res[i] = r
		a.results = append(a.results, Result{Hash: tx.Hash(raw), Height: req.Height, Index: i, Code: code, Log: r.Log})
		a.metrics.delivered(code)
	}
	a.changes = w.Changes()
	vals, err := validator.Updates(base, a.changes)
	if err != nil {
		return nil, fmt.Errorf("validator updates at height %d: %w", req.Height, err)
	}
	a.pending = base.NextAt(req.Height, now, a.changes)
	a.metrics.updates.Add(float64(updates))
	root := a.pending.Root()
	resp := &abci.FinalizeBlockResponse{TxResults: res, AppHash: root[:]}
	for _, u := range vals {
		resp.ValidatorUpdates = append(resp.ValidatorUpdates, abci.ValidatorUpdate{Power: u.Power, PubKeyType: cmted25519.KeyType, PubKeyBytes: u.PubKey})
		a.log.Info("validator set change", "height", req.Height, "pub_key", fmt.Sprintf("%X", []byte(u.PubKey)), "power", u.Power)
	}
	return resp, nil
}

// Commit persists the state FinalizeBlock produced and publishes it.
func (a *App) Commit(context.Context, *abci.CommitRequest) (*abci.CommitResponse, error) {
	if a.pending == nil {
		return nil, errors.New("commit without a finalized block")
	}
	start := time.Now() // for the commit-to-serve metric only
	prev := a.store.Latest()
	if err := a.store.Commit(a.pending, a.changes); err != nil {
		return nil, err
	}
	if a.onCommit != nil {
		a.onCommit(prev, a.pending, a.changes)
	}
	a.metrics.committed(prev, a.changes, start)
	a.metrics.observe(a.pending)
	a.resetCheck(a.pending.Time())
	a.pending, a.changes = nil, nil
	a.notify(a.results)
	return &abci.CommitResponse{}, nil
}

// Query serves "/key" (data: a raw state key) at the latest or a kept
// height, with the Merkle proof as one ProofOp of type "dii/smt".
func (a *App) Query(_ context.Context, req *abci.QueryRequest) (*abci.QueryResponse, error) {
	if req.Path != "/key" {
		return &abci.QueryResponse{Code: uint32(CodeInvalidOp), Log: fmt.Sprintf("unknown query path %q; supported: /key", req.Path)}, nil
	}
	v := a.store.Latest()
	if req.Height != 0 {
		var err error
		if v, err = a.store.At(req.Height); err != nil {
			return &abci.QueryResponse{Code: uint32(CodeNotFound), Log: err.Error()}, nil
		}
	}
	val, proof := v.Prove(req.Data)
	resp := &abci.QueryResponse{Key: req.Data, Value: val, Height: v.Height()}
	if req.Prove {
		pb, err := proof.MarshalBinary()
		if err != nil {
			return nil, err
		}
		resp.ProofOps = &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: ProofOpType, Key: req.Data, Data: pb}}}
	}
	return resp, nil
}

// Watch returns a channel that receives the result of the transaction with
// hash h when a block including it is committed. Call the returned cancel
// function when no longer interested.
func (a *App) Watch(h [32]byte) (<-chan Result, func()) {
	ch := make(chan Result, 1)
	a.watchMu.Lock()
	a.watchers[h] = append(a.watchers[h], ch)
	a.watchMu.Unlock()
	return ch, func() {
		a.watchMu.Lock()
		defer a.watchMu.Unlock()
		ws := a.watchers[h]
		for i, w := range ws {
			if w == ch {
				ws = append(ws[:i], ws[i+1:]...)
				break
			}
		}
		if len(ws) == 0 {
			delete(a.watchers, h)
		} else {
			a.watchers[h] = ws
		}
	}
}

func (a *App) notify(results []Result) {
	a.watchMu.Lock()
	defer a.watchMu.Unlock()
	if len(a.watchers) == 0 {
		return
	}
	for _, r := range results {
		for _, ch := range a.watchers[r.Hash] {
			select {
			case ch <- r:
			default:
			}
		}
		delete(a.watchers, r.Hash)
	}
}

// NextSequence is the sequence the account must use for its next
// transaction, counting transactions already accepted into the mempool.
func (a *App) NextSequence(addr tx.Address) (uint64, error) {
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	acc, _, err := GetAccount(a.checkState, addr)
	if err != nil {
		return 0, err
	}
	return acc.Sequence, nil
}

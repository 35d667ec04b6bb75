package api

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cometbft/cometbft/libs/bytes"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/mempool"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dii-net/dii/internal/ledger"
	"github.com/dii-net/dii/internal/lightclient"
	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
	"github.com/dii-net/dii/internal/zone"
)

// Chain is the part of CometBFT's RPC client the API uses.
type Chain interface {
	Status(ctx context.Context) (*ctypes.ResultStatus, error)
	BroadcastTxSync(ctx context.Context, tx types.Tx) (*ctypes.ResultBroadcastTx, error)
	BroadcastTxAsync(ctx context.Context, tx types.Tx) (*ctypes.ResultBroadcastTx, error)
	Block(ctx context.Context, height *int64) (*ctypes.ResultBlock, error)
	Commit(ctx context.Context, height *int64) (*ctypes.ResultCommit, error)
	Validators(ctx context.Context, height *int64, page, perPage *int) (*ctypes.ResultValidators, error)
	Tx(ctx context.Context, hash []byte, prove bool) (*ctypes.ResultTx, error)
}

// Backend is what the API serves from.
type Backend struct {
	App     *ledger.App
	Client  Chain
	Genesis *types.GenesisDoc
	// Zones returns the DNS zone snapshot being served; nil when the node
	// serves no DNS.
	Zones func() *zone.Snapshot
	// DoH serves DNS over HTTPS at /dns-query; nil: not served.
	DoH http.Handler
}

// Limits.
const (
	maxBodyBytes     = 2 * tx.MaxTxBytes // base64 in JSON
	defaultListLimit = 100
	maxListLimit     = 1000
	commitWait       = 30 * time.Second
	proofWait        = 10 * time.Second
)

type server struct {
	b   Backend
	log *slog.Logger
}

type handlerFunc func(r *http.Request) (any, error)

// New returns the API's HTTP handler.
func New(b Backend, metrics prometheus.Gatherer, log *slog.Logger) http.Handler {
	s := &server{b: b, log: log}
	mux := http.NewServeMux()
	route := func(pattern string, h handlerFunc) { mux.Handle(pattern, s.wrap(h)) }
	route("GET /v1/status", s.status)
	route("POST /v1/txs", s.submit)
	route("GET /v1/txs/{hash}", s.getTx)
	route("GET /v1/names", s.listNames)
	route("GET /v1/names/{name}", s.getName)
	route("GET /v1/names/{name}/proof", s.proveName)
	route("GET /v1/accounts/{address}", s.getAccount)
	route("GET /v1/blocks/{height}", s.getBlock)
	route("GET /v1/validators", s.validators)
	route("GET /v1/genesis", s.genesis)
	route("GET /v1/zones", s.listZones)
	route("GET /v1/zones/export", s.exportZone)
	s.oidRoutes(route)
	s.handleRoutes(mux)
	mux.Handle("GET /metrics", promhttp.HandlerFor(metrics, promhttp.HandlerOpts{}))
	if b.DoH != nil {
		mux.Handle("/dns-query", b.DoH)
	}
	route("/", func(r *http.Request) (any, error) {
		return nil, notFound("no route %s %s; see docs/openapi.yaml", r.Method, r.URL.Path)
	})
	return mux
}

func (s *server) wrap(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if err != nil {
			e := asError(err)
			if e.Status >= 500 {
				s.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeJSON(w, e.Status, ErrorBody{Error: e})
			return
		}
		status := http.StatusOK
		if sv, ok := v.(withStatus); ok {
			status, v = sv.status, sv.v
		}
		if mf, ok := v.(masterFile); ok {
			// Streamed: a large zone is never held in memory whole. An
			// error before the first byte is still a JSON error.
			lw := &lazyWriter{w: w, ctype: "text/dns; charset=utf-8", status: status}
			if err := mf(lw); err != nil {
				if !lw.started {
					e := asError(err)
					writeJSON(w, e.Status, ErrorBody{Error: e})
					return
				}
				s.log.Error("api stream cut short", "path", r.URL.Path, "err", err)
				return
			}
			lw.start()
			return
		}
		if raw, ok := v.(json.RawMessage); ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write(raw)
			return
		}
		writeJSON(w, status, v)
	})
}

type withStatus struct {
	status int
	v      any
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client may have gone; nothing to do
}

func hexUpper(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

func (s *server) status(r *http.Request) (any, error) {
	st, err := s.b.Client.Status(r.Context())
	if err != nil {
		return nil, errorf(http.StatusServiceUnavailable, CodeUnavailable, "%v", err)
	}
	v := s.b.App.Store().Latest()
	root := v.Root()
	return &Status{
		ChainID:         st.NodeInfo.Network,
		NodeID:          string(st.NodeInfo.DefaultNodeID),
		Moniker:         st.NodeInfo.Moniker,
		Version:         ledger.Version,
		LatestHeight:    st.SyncInfo.LatestBlockHeight,
		LatestBlockTime: st.SyncInfo.LatestBlockTime,
		LatestBlockHash: st.SyncInfo.LatestBlockHash.String(),
		LatestAppHash:   st.SyncInfo.LatestAppHash.String(),
		StateHeight:     v.Height(),
		StateRoot:       hexUpper(root[:]),
		StateKeys:       v.Len(),
		CatchingUp:      st.SyncInfo.CatchingUp,
		ValidatorAddr:   st.ValidatorInfo.Address.String(),
		VotingPower:     st.ValidatorInfo.VotingPower,
	}, nil
}

func readTx(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err != nil {
		return nil, badRequest("read body: %v", err)
	}
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/octet-stream") {
		return body, nil
	}
	var req SubmitRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest("body must be JSON {\"tx\": \"<base64>\"} or application/octet-stream: %v", err)
	}
	if len(req.Tx) == 0 {
		return nil, badRequest("empty tx")
	}
	return req.Tx, nil
}

func rejected(hash []byte, code uint32, log string) *Error {
	c := ledger.Code(code)
	return &Error{Status: http.StatusUnprocessableEntity, Code: c.String(), Message: log, ABCICode: code, Hash: hexUpper(hash)}
}

// submit is POST /v1/txs?wait=none|sync|commit (default sync).
func (s *server) submit(r *http.Request) (any, error) {
	raw, err := readTx(r)
	if err != nil {
		return nil, err
	}
	wait := r.URL.Query().Get("wait")
	h := tx.Hash(raw)
	res := &TxResult{Hash: hexUpper(h[:]), Status: "accepted", CodeName: ledger.CodeOK.String()}
	switch wait {
	case "none":
		if _, err := s.b.Client.BroadcastTxAsync(r.Context(), raw); err != nil {
			return nil, broadcastError(err)
		}
		return withStatus{http.StatusAccepted, res}, nil
	case "", "sync":
	case "commit":
		return s.broadcastCommit(r.Context(), raw)
	default:
		return nil, badRequest("wait=%q: want none, sync or commit", wait)
	}
	bres, err := s.b.Client.BroadcastTxSync(r.Context(), raw)
	if err != nil {
		return nil, broadcastError(err)
	}
	if bres.Code != 0 {
		return nil, rejected(h[:], bres.Code, bres.Log)
	}
	return withStatus{http.StatusAccepted, res}, nil
}

// broadcastCommit submits raw and waits until a block commits it. A
// transaction refused by CheckTx or failing in its block is an *Error
// carrying the ledger's result code.
func (s *server) broadcastCommit(ctx context.Context, raw []byte) (*TxResult, error) {
	h := tx.Hash(raw)
	res := &TxResult{Hash: hexUpper(h[:]), Status: "accepted", CodeName: ledger.CodeOK.String()}
	ch, cancelWatch := s.b.App.Watch(h)
	defer cancelWatch()
	bres, err := s.b.Client.BroadcastTxSync(ctx, raw)
	if err != nil {
		return nil, broadcastError(err)
	}
	if bres.Code != 0 {
		return nil, rejected(h[:], bres.Code, bres.Log)
	}
	ctx, cancel := context.WithTimeout(ctx, commitWait)
	defer cancel()
	select {
	case cr := <-ch:
		if cr.Code != ledger.CodeOK {
			e := rejected(h[:], uint32(cr.Code), cr.Log)
			e.Height = cr.Height
			return nil, e
		}
		res.Status, res.Height, res.Index = "committed", cr.Height, cr.Index
		return res, nil
	case <-ctx.Done():
		return nil, &Error{Status: http.StatusGatewayTimeout, Code: CodeTimeout, Hash: res.Hash,
			Message: fmt.Sprintf("transaction accepted but not committed within %s; look it up with GET /v1/txs/%s", commitWait, res.Hash)}
	}
}

func broadcastError(err error) *Error {
	var invalid mempool.ErrInvalidTx
	var full mempool.ErrMempoolIsFull
	switch {
	case errors.As(err, &invalid):
		return rejected(invalid.Hash, invalid.Code, invalid.Log)
	case errors.Is(err, mempool.ErrTxInCache):
		return errorf(http.StatusConflict, CodeDuplicate, "transaction already submitted")
	case errors.As(err, &full):
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "%v", err)
	default:
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "%v", err)
	}
}

func (s *server) getTx(r *http.Request) (any, error) {
	h, err := hex.DecodeString(r.PathValue("hash"))
	if err != nil || len(h) != 32 {
		return nil, badRequest("hash must be 64 hex digits")
	}
	res, err := s.b.Client.Tx(r.Context(), h, false)
	if err != nil {
		return nil, notFound("transaction %X not found in committed blocks", h)
	}
	return &TxResult{Hash: hexUpper(h), Status: "committed", Height: res.Height, Index: int(res.Index),
		Code: res.TxResult.Code, CodeName: ledger.Code(res.TxResult.Code).String(), Log: res.TxResult.Log}, nil
}

// version returns the state at ?height= or the latest.
func (s *server) version(r *http.Request) (*state.Version, error) {
	hs := r.URL.Query().Get("height")
	if hs == "" {
		return s.b.App.Store().Latest(), nil
	}
	h, err := strconv.ParseInt(hs, 10, 64)
	if err != nil || h < 1 {
		return nil, badRequest("height=%q: want a positive integer", hs)
	}
	v, err := s.b.App.Store().At(h)
	if err != nil {
		return nil, notFound("%v", err)
	}
	return v, nil
}

func parseName(s string) (string, *Error) {
	n, err := names.ParseDomain(s)
	if err != nil {
		if a, aerr := names.ToASCII(s); aerr == nil {
			return a, nil
		}
		return "", badRequest("name %q: %v", s, err)
	}
	return n, nil
}

// View renders a registry record for the API.
func View(rec *registry.Record, height int64) Name {
	n := Name{Name: rec.Name, Owner: rec.Owner.String(), Created: time.Unix(rec.Created, 0).UTC(),
		Expiry: time.Unix(rec.Expiry, 0).UTC(), Open: rec.Open, Height: height, RRsets: []RRset{}}
	if u := names.ToUnicode(rec.Name); u != rec.Name {
		n.Unicode = u
	}
	for _, d := range rec.Delegates {
		n.Delegates = append(n.Delegates, d.String())
	}
	for _, rs := range rec.RRsets {
		v := RRset{Name: rs.Name, Type: names.TypeName(rs.Type), TTL: rs.TTL}
		for _, rd := range rs.Records {
			txt, err := names.FormatRData(rs.Type, rd)
			if err != nil {
				txt = fmt.Sprintf("\\# %d %X", len(rd), rd)
			}
			v.Records = append(v.Records, txt)
		}
		n.RRsets = append(n.RRsets, v)
	}
	return n
}

func (s *server) getName(r *http.Request) (any, error) {
	name, perr := parseName(r.PathValue("name"))
	if perr != nil {
		return nil, perr
	}
	v, err := s.version(r)
	if err != nil {
		return nil, err
	}
	rec, err := registry.Get(v, name)
	if errors.Is(err, registry.ErrNotFound) {
		return nil, notFound("name %s is not registered (height %d)", name, v.Height())
	}
	if err != nil {
		return nil, err
	}
	return View(rec, v.Height()), nil
}

func (s *server) listNames(r *http.Request) (any, error) {
	q := r.URL.Query()
	zone := q.Get("zone")
	if zone != "" && zone != "." {
		z, perr := parseName(zone)
		if perr != nil {
			return nil, perr
		}
		zone = z
	} else {
		zone = ""
	}
	prefix := strings.ToLower(q.Get("prefix"))
	if strings.Contains(prefix, ".") {
		return nil, badRequest("prefix %q: a prefix is part of one label; use zone= for the part after the dot", prefix)
	}
	limit := defaultListLimit
	if ls := q.Get("limit"); ls != "" {
		l, err := strconv.Atoi(ls)
		if err != nil || l < 1 || l > maxListLimit {
			return nil, badRequest("limit=%q: want 1..%d", ls, maxListLimit)
		}
		limit = l
	}
	after := q.Get("after")
	if after != "" {
		a, perr := parseName(after)
		if perr != nil {
			return nil, perr
		}
		after = a
	}
	v, err := s.version(r)
	if err != nil {
		return nil, err
	}
	recs, next, err := registry.List(v, zone, prefix, after, limit)
	if err != nil {
		return nil, err
	}
	out := &NameList{Names: make([]Name, 0, len(recs)), Next: next, Height: v.Height()}
	for _, rec := range recs {
		out.Names = append(out.Names, View(rec, v.Height()))
	}
	return out, nil
}

// proveName is GET /v1/names/{name}/proof?height=: a lightclient.Bundle
// for the state at height (default: the latest), with the signed header of
// the next block, waiting briefly for that block if needed.
func (s *server) proveName(r *http.Request) (any, error) {
	name, perr := parseName(r.PathValue("name"))
	if perr != nil {
		return nil, perr
	}
	v, err := s.version(r)
	if err != nil {
		return nil, err
	}
	key := registry.Key(name)
	p, err := s.prove(r.Context(), v, key)
	if err != nil {
		return nil, err
	}
	return &lightclient.Bundle{ChainID: s.b.Genesis.ChainID, Name: name, Height: p.height,
		Key: key, Value: p.value, Proof: p.proof, SignedHeader: p.header}, nil
}

// proof is the common part of every proof bundle.
type proof struct {
	height int64
	value  []byte
	proof  []byte
	header json.RawMessage
}

// prove makes a Merkle proof of key in state v, with the signed header
// that carries v's root (waiting briefly for it, see signedHeaderFor).
func (s *server) prove(ctx context.Context, v *state.Version, key []byte) (*proof, error) {
	ctx, cancel := context.WithTimeout(ctx, proofWait)
	defer cancel()
	sh, v, err := s.signedHeaderFor(ctx, v)
	if err != nil {
		return nil, err
	}
	shJSON, err := cmtjson.Marshal(sh)
	if err != nil {
		return nil, err
	}
	val, pr := v.Prove(key)
	pb, err := pr.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &proof{height: v.Height(), value: val, proof: pb, header: shJSON}, nil
}

// signedHeaderFor finds the signed header whose app hash is v's root:
// header h+1 for the state at height h. When block h+1 is not made yet
// and block h changed nothing, the identical state at h-1 and header h
// serve; otherwise it waits for block h+1, which CometBFT makes at once
// after a block that changed the app hash.
func (s *server) signedHeaderFor(ctx context.Context, v *state.Version) (*types.SignedHeader, *state.Version, error) {
	for {
		next := v.Height() + 1
		if c, err := s.b.Client.Commit(ctx, &next); err == nil && c.SignedHeader.Commit != nil {
			return &c.SignedHeader, v, nil
		}
		if prev, err := s.b.App.Store().At(v.Height() - 1); err == nil && prev.Root() == v.Root() {
			v = prev
			continue
		}
		select {
		case <-ctx.Done():
			return nil, nil, errorf(http.StatusServiceUnavailable, CodeUnavailable, "block %d, which carries the app hash of height %d, is not committed yet", next, v.Height())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *server) getAccount(r *http.Request) (any, error) {
	addr, err := tx.ParseAddress(r.PathValue("address"))
	if err != nil {
		return nil, badRequest("%v", err)
	}
	v := s.b.App.Store().Latest()
	acc, _, err := ledger.GetAccount(v, addr)
	if err != nil {
		return nil, err
	}
	next, err := s.b.App.NextSequence(addr)
	if err != nil {
		return nil, err
	}
	return &Account{Address: addr.String(), PubKey: acc.PubKey, Sequence: acc.Sequence, NextSequence: next, Height: v.Height()}, nil
}

func (s *server) getBlock(r *http.Request) (any, error) {
	var hp *int64
	if hs := r.PathValue("height"); hs != "latest" {
		h, err := strconv.ParseInt(hs, 10, 64)
		if err != nil || h < 1 {
			return nil, badRequest("height %q: want a positive integer or latest", hs)
		}
		hp = &h
	}
	b, err := s.b.Client.Block(r.Context(), hp)
	if err != nil || b.Block == nil {
		return nil, notFound("block: %v", err)
	}
	blk := &Block{Height: b.Block.Height, Hash: b.BlockID.Hash.String(), Time: b.Block.Time, ChainID: b.Block.ChainID,
		Proposer: b.Block.ProposerAddress.String(), AppHash: b.Block.AppHash.String(),
		LastBlockHash: b.Block.LastBlockID.Hash.String(), ValidatorsHash: b.Block.ValidatorsHash.String(),
		DataHash: b.Block.DataHash.String(), Txs: []string{}}
	for _, t := range b.Block.Txs {
		blk.Txs = append(blk.Txs, bytes.HexBytes(t.Hash()).String())
	}
	if b.Block.LastCommit != nil {
		for _, sig := range b.Block.LastCommit.Signatures {
			if sig.BlockIDFlag == types.BlockIDFlagCommit {
				blk.LastCommitSigns++
			}
		}
	}
	return blk, nil
}

// validators is GET /v1/validators?height=, as a lightclient.TrustFile.
func (s *server) validators(r *http.Request) (any, error) {
	var hp *int64
	if hs := r.URL.Query().Get("height"); hs != "" {
		h, err := strconv.ParseInt(hs, 10, 64)
		if err != nil || h < 1 {
			return nil, badRequest("height=%q: want a positive integer", hs)
		}
		hp = &h
	}
	// CometBFT answers at most 100 validators a page; a set may hold up to
	// validator.MaxMaxValidators. The later pages are read at the first
	// page's height, so that the list is one height's set.
	perPage, page := 100, 1
	vs, err := s.b.Client.Validators(r.Context(), hp, &page, &perPage)
	if err != nil {
		return nil, notFound("validators: %v", err)
	}
	all := vs.Validators
	for len(all) < vs.Total && len(vs.Validators) > 0 {
		page++
		if vs, err = s.b.Client.Validators(r.Context(), &vs.BlockHeight, &page, &perPage); err != nil {
			return nil, notFound("validators, page %d: %v", page, err)
		}
		all = append(all, vs.Validators...)
	}
	raw, err := cmtjson.Marshal(lightclient.TrustFile{ChainID: s.b.Genesis.ChainID, Height: vs.BlockHeight, Validators: all})
	if err != nil {
		return nil, err
	}
	return json.RawMessage(raw), nil
}

func (s *server) genesis(*http.Request) (any, error) {
	raw, err := cmtjson.Marshal(s.b.Genesis)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(raw), nil
}

func (s *server) zones() (*zone.Snapshot, error) {
	if s.b.Zones == nil {
		return nil, errorf(http.StatusNotFound, CodeNotFound, "this node serves no DNS (start it with --dns)")
	}
	z := s.b.Zones()
	if z == nil {
		return nil, errorf(http.StatusServiceUnavailable, CodeUnavailable, "no zone snapshot yet")
	}
	return z, nil
}

// ZoneList is GET /v1/zones.
type ZoneList struct {
	Height int64    `json:"height"`
	Zones  []string `json:"zones"`
}

func (s *server) listZones(*http.Request) (any, error) {
	z, err := s.zones()
	if err != nil {
		return nil, err
	}
	return &ZoneList{Height: z.Height(), Zones: z.Zones()}, nil
}

// exportZone is GET /v1/zones/export?zone=NAME: an RFC 1035 master file.
// The zone is a query parameter because "." would not survive as a path
// segment.
func (s *server) exportZone(r *http.Request) (any, error) {
	z, err := s.zones()
	if err != nil {
		return nil, err
	}
	name := r.URL.Query().Get("zone")
	if name == "" {
		return nil, badRequest("zone= is required (\".\" for the root zone)")
	}
	if name != "." {
		n, perr := parseName(name)
		if perr != nil {
			return nil, perr
		}
		name = n + "."
	}
	return masterFile(func(w io.Writer) error {
		if err := z.Export(name, w); err != nil {
			if errors.Is(err, zone.ErrNoZone) {
				return notFound("zone %s: %v", name, err)
			}
			return err
		}
		return nil
	}), nil
}

// masterFile writes a zone, served as text/dns rather than JSON.
type masterFile func(w io.Writer) error

// lazyWriter sends the status and content type with the first byte.
type lazyWriter struct {
	w       http.ResponseWriter
	ctype   string
	status  int
	started bool
}

func (l *lazyWriter) start() {
	if !l.started {
		l.started = true
		l.w.Header().Set("Content-Type", l.ctype)
		l.w.WriteHeader(l.status)
	}
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	l.start()
	return l.w.Write(p)
}

package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/ledger"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// The Handle.Net proxy's REST API, on the ledger's handle registry:
//
//	GET    /api/handles/{handle}   resolve (index=, type=, publicOnly=)
//	PUT    /api/handles/{handle}   create or change, by a signed transaction
//	DELETE /api/handles/{handle}   delete the handle, or with index= values
//	GET    /api/handles?prefix=P   list the handles of a prefix
//	GET    /{prefix}/{suffix}      302 to the handle's URL, as hdl.handle.net
//	GET    /v1/handles/proof?handle=H   a Merkle proof of the handle's record
//
// Answers carry a Handle protocol response code ("responseCode") and use
// HTTP statuses as the proxy maps them.

// HandleValue is one handle value in the proxy's JSON.
type HandleValue struct {
	Index uint32     `json:"index"`
	Type  string     `json:"type"`
	Data  HandleData `json:"data"`
	// Permissions are the value's permission bits as four digits, admin
	// read, admin write, public read, public write; only when they are not
	// the usual "1110".
	Permissions string `json:"permissions,omitempty"`
	// TTL is seconds (a number), or for an absolute TTL the time it ends
	// (an ISO 8601 string).
	TTL        any               `json:"ttl"`
	Timestamp  string            `json:"timestamp,omitempty"`
	References []HandleReference `json:"references,omitempty"`
}

// HandleData is a value's data and how it is written: "string",
// "base64", "admin" (an HS_ADMIN record), "vlist" (an HS_VLIST) or "key"
// (an HS_PUBKEY, as a JSON Web Key).
type HandleData struct {
	Format string `json:"format"`
	Value  any    `json:"value"`
}

// HandleReference names a value of a handle.
type HandleReference struct {
	Handle string `json:"handle"`
	Index  uint32 `json:"index"`
}

// HandleAdmin is the value of "admin" data.
type HandleAdmin struct {
	Handle string `json:"handle"`
	Index  uint32 `json:"index"`
	// Permissions are the 12 permission bits, most significant first:
	// list handles, read value, add, remove, modify admin, add, remove,
	// modify value, delete and add derived prefix, delete and add handle.
	Permissions string `json:"permissions"`
}

// HandleKey is the value of "key" data for an ed25519 key (RFC 8037).
type HandleKey struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
}

// HandleResponse is the answer of the handle routes.
type HandleResponse struct {
	ResponseCode handleproto.ResponseCode `json:"responseCode"`
	Handle       string                   `json:"handle,omitempty"`
	Message      string                   `json:"message,omitempty"`
	Values       []HandleValue            `json:"values,omitempty"`
	// For changes: the transaction and the block that committed it.
	Hash   string `json:"hash,omitempty"`
	Height int64  `json:"height,omitempty"`
}

// HandleList is GET /api/handles?prefix=.
type HandleList struct {
	ResponseCode handleproto.ResponseCode `json:"responseCode"`
	Prefix       string                   `json:"prefix"`
	PageSize     int                      `json:"pageSize"`
	Handles      []string                 `json:"handles"`
	// Next is the handle to pass as after= for the next page.
	Next   string `json:"next,omitempty"`
	Height int64  `json:"height"`
}

// handleAnswer is a handle route's answer: an HTTP status and a body.
type handleAnswer struct {
	status int
	body   any
	loc    string // Location, for a redirect
	// v1 writes body as the /v1 routes do (a path that is not a handle).
	v1 bool
}

// HandleStatus is the HTTP status the Handle.Net proxy gives a response
// code: 1 is 200 (201 when something was created), 100 is 404, 101 and
// 201 are 409, 102, 202, 301 and protocol errors are 400, 200 is 200 for
// a resolution and 400 otherwise, 402 is 401, the other 40x are 403.
func HandleStatus(rc handleproto.ResponseCode, resolution, created bool) int {
	switch rc {
	case handleproto.RCSuccess:
		if created {
			return http.StatusCreated
		}
		return http.StatusOK
	case handleproto.RCHandleNotFound:
		return http.StatusNotFound
	case handleproto.RCHandleAlreadyExists, handleproto.RCValueAlreadyExists:
		return http.StatusConflict
	case handleproto.RCInvalidHandle, handleproto.RCValueInvalid, handleproto.RCServerNotResp, handleproto.RCProtocolError:
		return http.StatusBadRequest
	case handleproto.RCValueNotFound:
		if resolution {
			return http.StatusOK
		}
		return http.StatusBadRequest
	case handleproto.RCAuthenNeeded:
		return http.StatusUnauthorized
	case handleproto.RCServerTooBusy:
		return http.StatusServiceUnavailable
	}
	if rc >= 400 && rc < 500 {
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

func handleFail(rc handleproto.ResponseCode, h, format string, args ...any) handleAnswer {
	return handleAnswer{status: HandleStatus(rc, false, false), body: &HandleResponse{ResponseCode: rc, Handle: h, Message: fmt.Sprintf(format, args...)}}
}

func (s *server) handleRoutes(mux *http.ServeMux) {
	h := func(pattern string, f func(r *http.Request) handleAnswer) {
		mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := f(r)
			if a.loc != "" {
				http.Redirect(w, r, a.loc, a.status)
				return
			}
			if a.v1 {
				writeJSON(w, a.status, a.body)
				return
			}
			writeHandleJSON(w, a.status, a.body)
		}))
	}
	h("GET /api/handles", s.listHandles)
	h("GET /api/handles/{handle...}", s.getHandle)
	h("PUT /api/handles/{handle...}", s.putHandle)
	h("DELETE /api/handles/{handle...}", s.deleteHandle)
	h("GET /{prefix}/{suffix...}", s.redirectHandle)
	mux.Handle("GET /v1/handles/proof", s.wrap(s.proveHandle))
}

// proveHandle is GET /v1/handles/proof?handle=H&height=: a handle.Bundle
// for the handle's record (or its absence) in the state at height
// (default: the latest), with the signed header that carries that state's
// root. The handle is a query parameter because it holds a "/".
func (s *server) proveHandle(r *http.Request) (any, error) {
	hs := r.URL.Query().Get("handle")
	h, err := handle.Parse(hs)
	if err != nil {
		return nil, badRequest("handle=%q: %v", hs, err)
	}
	v, err := s.version(r)
	if err != nil {
		return nil, err
	}
	p, err := s.prove(r.Context(), v, handle.Key(h))
	if err != nil {
		return nil, err
	}
	return &handle.Bundle{ChainID: s.b.Genesis.ChainID, Handle: h.Text, Height: p.height, Key: handle.Key(h),
		Value: p.value, Proof: p.proof, SignedHeader: p.header}, nil
}

// writeHandleJSON writes as the proxy does: no HTML escaping, so URLs
// keep their "&".
func writeHandleJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client may have gone; nothing to do
}

// handleQuery is a resolution's selection.
type handleQuery struct {
	indexes    []uint32
	types      []string
	publicOnly bool
	follow     bool
}

func parseHandleQuery(r *http.Request) (handleQuery, error) {
	q := r.URL.Query()
	hq := handleQuery{publicOnly: true, types: q["type"]}
	for _, s := range q["index"] {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return hq, fmt.Errorf("index=%q: want a value index (0..4294967295)", s)
		}
		hq.indexes = append(hq.indexes, uint32(n))
	}
	for _, t := range hq.types {
		if t == "" {
			return hq, errors.New("type= is empty")
		}
	}
	var err error
	if hq.publicOnly, err = boolParam(q.Get("publicOnly"), true); err != nil {
		return hq, fmt.Errorf("publicOnly=: %w", err)
	}
	if hq.follow, err = boolParam(q.Get("followAliases"), false); err != nil {
		return hq, fmt.Errorf("followAliases=: %w", err)
	}
	return hq, nil
}

func boolParam(s string, def bool) (bool, error) {
	switch strings.ToLower(s) {
	case "":
		return def, nil
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("%q: want true or false", s)
}

func (s *server) getHandle(r *http.Request) handleAnswer {
	return s.resolveHandle(r, r.PathValue("handle"))
}

// resolveHandle answers a resolution of h from the latest state.
func (s *server) resolveHandle(r *http.Request, h string) handleAnswer {
	hq, err := parseHandleQuery(r)
	if err != nil {
		return handleFail(handleproto.RCProtocolError, h, "%v", err)
	}
	v := s.b.App.Store().Latest()
	rec, err := lookupHandle(v, h, hq.follow)
	if err != nil {
		return handleError(h, err)
	}
	out := &HandleResponse{ResponseCode: handleproto.RCSuccess, Handle: h, Values: []HandleValue{}}
	wire := rec.Wire()
	for i := range wire {
		val := &wire[i]
		if hq.publicOnly && !val.PublicRead() {
			continue
		}
		if !handleproto.Selected(val, hq.indexes, hq.types) {
			continue
		}
		out.Values = append(out.Values, HandleValueView(val))
	}
	if len(out.Values) == 0 {
		return handleAnswer{status: http.StatusOK, body: &handleValuesNotFound{ResponseCode: handleproto.RCValueNotFound, Handle: h, Values: []HandleValue{}}}
	}
	return handleAnswer{status: http.StatusOK, body: out}
}

// handleValuesNotFound keeps "values": [] in the answer, as the proxy
// does when nothing matches.
type handleValuesNotFound struct {
	ResponseCode handleproto.ResponseCode `json:"responseCode"`
	Handle       string                   `json:"handle"`
	Values       []HandleValue            `json:"values"`
}

func lookupHandle(v *state.Version, h string, follow bool) (*handle.Record, error) {
	if follow {
		rec, _, err := handle.Resolve(v, h)
		return rec, err
	}
	return handle.Get(v, h)
}

// handleError turns a registry read error into the proxy's answer.
func handleError(h string, err error) handleAnswer {
	switch {
	case errors.Is(err, handle.ErrInvalidHandle):
		return handleFail(handleproto.RCInvalidHandle, h, "%v", err)
	case errors.Is(err, handle.ErrNotFound):
		return handleFail(handleproto.RCHandleNotFound, h, "%v", err)
	case errors.Is(err, handle.ErrAliasLoop), errors.Is(err, handle.ErrAliasDepth):
		a := handleFail(handleproto.RCRecursionCountTooHigh, h, "%v", err)
		a.status = http.StatusBadRequest
		return a
	case errors.Is(err, handle.ErrInvalidValue):
		return handleFail(handleproto.RCValueInvalid, h, "%v", err)
	}
	return handleFail(handleproto.RCError, h, "%v", err)
}

// HandleValueView renders one value as the proxy does.
func HandleValueView(v *handleproto.Value) HandleValue {
	out := HandleValue{Index: v.Index, Type: v.Type, Data: handleDataView(v.Type, v.Data), TTL: v.TTL}
	if v.Permissions != handle.DefaultPerms {
		out.Permissions = fmt.Sprintf("%04b", v.Permissions)
	}
	if v.TTLType == handleproto.TTLAbsolute {
		out.TTL = isoTime(int64(v.TTL))
	}
	if v.Timestamp != 0 {
		out.Timestamp = isoTime(int64(v.Timestamp))
	}
	for _, ref := range v.References {
		out.References = append(out.References, HandleReference(ref))
	}
	return out
}

func isoTime(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02T15:04:05Z") }

func handleDataView(typ string, data []byte) HandleData {
	switch typ {
	case handle.TypeAdmin:
		if a, err := handleproto.ParseAdminRecord(data); err == nil {
			return HandleData{Format: "admin", Value: HandleAdmin{Handle: a.Admin.Handle, Index: a.Admin.Index, Permissions: fmt.Sprintf("%012b", a.Permissions)}}
		}
	case handle.TypeVList:
		if refs, err := handleproto.ParseValueList(data); err == nil {
			out := make([]HandleReference, 0, len(refs))
			for _, ref := range refs {
				out = append(out, HandleReference(ref))
			}
			return HandleData{Format: "vlist", Value: out}
		}
	case handle.TypePubKey:
		if _, pub, err := handle.ParsePubKey(data); err == nil && pub != nil {
			return HandleData{Format: "key", Value: HandleKey{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub)}}
		}
	}
	if looksLikeText(data) {
		return HandleData{Format: "string", Value: string(data)}
	}
	return HandleData{Format: "base64", Value: base64.StdEncoding.EncodeToString(data)}
}

// looksLikeText: valid UTF-8 without control characters other than tab,
// line feed and carriage return.
func looksLikeText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return false
		}
	}
	return true
}

func (s *server) listHandles(r *http.Request) handleAnswer {
	q := r.URL.Query()
	prefix := strings.TrimPrefix(q.Get("prefix"), handle.NAPrefix+"/")
	if q.Get("prefix") == handle.NAPrefix {
		prefix = handle.NAPrefix
	}
	if prefix == "" {
		return handleFail(handleproto.RCProtocolError, "", "prefix= is required (0.NA lists the prefixes)")
	}
	size := defaultListLimit
	if ps := q.Get("pageSize"); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 || n > maxListLimit {
			return handleFail(handleproto.RCProtocolError, "", "pageSize=%q: want 1..%d", ps, maxListLimit)
		}
		size = n
	}
	v := s.b.App.Store().Latest()
	recs, next, err := handle.List(v, prefix, q.Get("after"), size)
	if err != nil {
		return handleError("", err)
	}
	out := &HandleList{ResponseCode: handleproto.RCSuccess, Prefix: prefix, PageSize: size, Handles: make([]string, 0, len(recs)), Next: next, Height: v.Height()}
	for _, rec := range recs {
		out.Handles = append(out.Handles, rec.Handle)
	}
	return handleAnswer{status: http.StatusOK, body: out}
}

// redirectHandle is GET /{prefix}/{suffix}: a 302 to the handle's first
// publicly readable URL value (after its aliases), as hdl.handle.net
// answers; with ?noredirect the record as JSON.
func (s *server) redirectHandle(r *http.Request) handleAnswer {
	prefix := r.PathValue("prefix")
	switch prefix {
	case "v1", "api", "metrics", "dns-query":
		return handleAnswer{status: http.StatusNotFound, body: ErrorBody{Error: notFound("no route %s %s; see docs/openapi.yaml", r.Method, r.URL.Path)}, v1: true}
	}
	h := prefix + "/" + r.PathValue("suffix")
	if r.URL.Query().Has("noredirect") {
		return s.resolveHandle(r, h)
	}
	rec, _, err := handle.Resolve(s.b.App.Store().Latest(), h)
	if err != nil {
		return handleError(h, err)
	}
	for i := range rec.Values {
		v := &rec.Values[i]
		if v.Type == handle.TypeURL && v.Perms&handleproto.PermPublicRead != 0 && len(v.Data) > 0 {
			return handleAnswer{status: http.StatusFound, loc: string(v.Data)}
		}
	}
	a := handleFail(handleproto.RCValueNotFound, h, "%s has no URL value to redirect to; GET /api/handles/%s shows its values", rec.Handle, h)
	a.status = http.StatusNotFound
	return a
}

// Changes. The body is a signed transaction, as for POST /v1/txs: raw
// bytes (Content-Type application/octet-stream) or JSON {"tx":
// "<base64>"}. Every operation must be a handle operation on the handle
// of the URL: PUT takes create, add, modify and remove; with index= only
// add and modify of those indexes. DELETE takes a delete of the handle,
// or with index= a remove of exactly those indexes.

func (s *server) putHandle(r *http.Request) handleAnswer {
	return s.changeHandle(r, false)
}

func (s *server) deleteHandle(r *http.Request) handleAnswer {
	return s.changeHandle(r, true)
}

func (s *server) changeHandle(r *http.Request, del bool) handleAnswer {
	h := r.PathValue("handle")
	hp, err := handle.Parse(h)
	if err != nil {
		return handleFail(handleproto.RCInvalidHandle, h, "%v", err)
	}
	hq, err := parseHandleQuery(r)
	if err != nil {
		return handleFail(handleproto.RCProtocolError, h, "%v", err)
	}
	raw, err := readTx(r)
	if err != nil || len(raw) == 0 {
		msg := "empty body"
		if err != nil {
			msg = asError(err).Message
		}
		return handleFail(handleproto.RCAuthenNeeded, h, "changes are signed ledger transactions: send one as the body (%s); dii handle builds them", msg)
	}
	t, err := tx.Decode(raw)
	if err != nil {
		return handleFail(handleproto.RCProtocolError, h, "body is not a dii transaction: %v", err)
	}
	created, err := checkHandleOps(t.Ops, hp, del, hq.indexes)
	if err != nil {
		return handleFail(handleproto.RCProtocolError, h, "%v", err)
	}
	res, err := s.broadcastCommit(r.Context(), raw)
	if err != nil {
		e := asError(err)
		rc := handleproto.RCError
		status := e.Status
		switch {
		case e.ABCICode != 0:
			c := ledger.Code(e.ABCICode)
			rc = c.HandleRC()
			status = HandleStatus(rc, false, false)
			if c == ledger.CodeHasChildren {
				status = http.StatusConflict
			}
		case e.Code == CodeUnavailable:
			rc = handleproto.RCServerTooBusy
		}
		return handleAnswer{status: status, body: &HandleResponse{ResponseCode: rc, Handle: h, Message: e.Message, Hash: e.Hash, Height: e.Height}}
	}
	return handleAnswer{status: HandleStatus(handleproto.RCSuccess, false, created),
		body: &HandleResponse{ResponseCode: handleproto.RCSuccess, Handle: h, Hash: res.Hash, Height: res.Height}}
}

// checkHandleOps checks that a transaction does what the request says;
// created reports whether it creates the handle.
func checkHandleOps(ops []tx.Op, h handle.Handle, del bool, indexes []uint32) (created bool, err error) {
	for i, op := range ops {
		if !handle.Handles(op) {
			return false, fmt.Errorf("op %d is %s, not a handle operation", i, op.Kind())
		}
		if !handle.EqualFold(op.Target(), h.Text) {
			return false, fmt.Errorf("op %d acts on %s, not on %s", i, op.Target(), h)
		}
		switch o := op.(type) {
		case *tx.HandleCreate:
			if del || len(indexes) > 0 {
				return false, fmt.Errorf("op %d creates the handle; that is a PUT without index=", i)
			}
			created = true
		case *tx.HandleAdd:
			if err := checkValueOp(i, op, o.Values, del, indexes); err != nil {
				return false, err
			}
		case *tx.HandleModify:
			if err := checkValueOp(i, op, o.Values, del, indexes); err != nil {
				return false, err
			}
		case *tx.HandleRemove:
			switch {
			case del && len(indexes) == 0:
				return false, fmt.Errorf("op %d removes values; name them with index=", i)
			case del:
				if !sameIndexes(o.Indexes, indexes) {
					return false, fmt.Errorf("op %d removes indexes %v, index= names %v", i, o.Indexes, indexes)
				}
			case len(indexes) > 0:
				return false, fmt.Errorf("op %d removes values; with index= PUT adds or replaces them", i)
			}
		case *tx.HandleDelete:
			if !del || len(indexes) > 0 {
				return false, fmt.Errorf("op %d deletes the handle; that is a DELETE without index=", i)
			}
		}
	}
	return created, nil
}

// checkValueOp checks op i, which adds or modifies values, against the
// request: not a DELETE, and only indexes that index= names (if any).
func checkValueOp(i int, op tx.Op, values []tx.HandleValue, del bool, indexes []uint32) error {
	if del {
		return fmt.Errorf("op %d is %s; DELETE takes handle-delete, or handle-remove with index=", i, op.Kind())
	}
	if len(indexes) > 0 {
		for _, v := range values {
			if !slices.Contains(indexes, v.Index) {
				return fmt.Errorf("op %d changes index %d, which index= does not name", i, v.Index)
			}
		}
	}
	return nil
}

func sameIndexes(a, b []uint32) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

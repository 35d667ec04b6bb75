package api_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/testnode"
	"github.com/dii-net/dii/internal/tx"
)

// TestHandleAPI drives the Handle.Net-shaped API of a real node: changes
// by signed transactions through PUT and DELETE, resolutions with their
// JSON checked field by field, the proxy's status mapping, listing and
// the hdl.handle.net style redirect.
func TestHandleAPI(t *testing.T) {
	n := testnode.Start(t)
	ctx := context.Background()
	base := "http://" + n.Addrs().API
	op := n.Operator(t)
	alice := n.Signer(t, "alice")
	bob := n.Signer(t, "bob")
	hc := &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	type answer struct {
		status int
		body   map[string]any
		loc    string
	}
	do := func(method, path string, body []byte) answer {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(string(body)))
		if body != nil {
			req.Header.Set("Content-Type", "application/octet-stream")
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		a := answer{status: resp.StatusCode, loc: resp.Header.Get("Location")}
		if strings.Contains(resp.Header.Get("Content-Type"), "json") && json.Unmarshal(raw, &a.body) != nil {
			t.Fatalf("%s %s: not JSON: %s", method, path, raw)
		}
		return a
	}
	// signed signs ops with the account's next sequence as the node knows
	// it: transactions refused before a block do not spend one.
	signed := func(s *client.Signer, ops ...tx.Op) []byte {
		t.Helper()
		fresh, err := client.NewSigner(ctx, n.Client, s.Key, "")
		if err != nil {
			t.Fatal(err)
		}
		raw, err := fresh.Build(ctx, ops...)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	expect := func(a answer, status int, rc float64, msg string) {
		t.Helper()
		if a.status != status || a.body["responseCode"] != rc || (msg != "" && !strings.Contains(fmt.Sprint(a.body["message"]), msg)) {
			t.Fatalf("status %d body %v, want %d responseCode %v saying %q", a.status, a.body, status, rc, msg)
		}
	}

	// A prefix for alice, created by the operator.
	a := do("PUT", "/api/handles/0.NA/20.500.dii", signed(op, &tx.HandleCreate{Handle: "0.NA/20.500.dii", Values: []tx.HandleValue{
		handle.AdminValue(100, handle.AccountHandle(alice.Address()), 0, handleproto.AdminAll)}}))
	expect(a, http.StatusCreated, 1, "")
	if a.body["handle"] != "0.NA/20.500.dii" || a.body["hash"] == "" || a.body["height"].(float64) < 1 {
		t.Fatalf("create answer %v", a.body)
	}

	// alice creates a handle with values of every kind.
	private := tx.HandleValue{Index: 5, Type: "NOTE", Data: []byte("admins only"), TTL: 60, Perms: handleproto.PermAdminRead | handleproto.PermAdminWrite}
	hello := []tx.HandleValue{
		{Index: 1, Type: "URL", Data: []byte("https://example.org/hello?a=1&b=2"), TTL: 86400, Perms: handle.DefaultPerms},
		{Index: 2, Type: "EMAIL", Data: []byte("hello@example.org"), TTL: 86400, Perms: handle.DefaultPerms},
		{Index: 3, Type: "URL.mirror", Data: []byte("https://mirror.example.org/hello"), TTLType: 1, TTL: 1798761600, Perms: handle.DefaultPerms,
			Refs: []tx.HandleRef{{Handle: "20.500.dii/other", Index: 1}}},
		{Index: 4, Type: "BLOB", Data: []byte{0, 1, 2, 0xff}, TTL: 10, Perms: handle.DefaultPerms | handleproto.PermPublicWrite},
		private,
		{Index: 300, Type: "HS_PUBKEY", Data: handle.PubKeyData(alice.Key.Public().(ed25519.PublicKey)), TTL: 86400, Perms: handle.DefaultPerms},
		{Index: 200, Type: "HS_VLIST", Data: handleproto.AppendValueList(nil, []handleproto.Reference{{Handle: "20.500.dii/hello", Index: 300}}), TTL: 86400, Perms: handle.DefaultPerms},
	}
	a = do("PUT", "/api/handles/20.500.dii/hello", signed(alice, &tx.HandleCreate{Handle: "20.500.dii/hello", Values: hello}))
	expect(a, http.StatusCreated, 1, "")
	height := int64(a.body["height"].(float64))
	blk, err := n.Client.Block(ctx, height)
	if err != nil {
		t.Fatal(err)
	}
	stamp := blk.Time.UTC().Format("2006-01-02T15:04:05Z")

	// The JSON, field by field.
	a = do("GET", "/api/handles/20.500.dii/hello", nil)
	if a.status != 200 || a.body["responseCode"] != 1.0 || a.body["handle"] != "20.500.dii/hello" || len(a.body) != 3 {
		t.Fatalf("resolution: %d %v", a.status, a.body)
	}
	vals := a.body["values"].([]any)
	want := []map[string]any{
		{"index": 1.0, "type": "URL", "data": map[string]any{"format": "string", "value": "https://example.org/hello?a=1&b=2"}, "ttl": 86400.0, "timestamp": stamp},
		{"index": 2.0, "type": "EMAIL", "data": map[string]any{"format": "string", "value": "hello@example.org"}, "ttl": 86400.0, "timestamp": stamp},
		{"index": 3.0, "type": "URL.mirror", "data": map[string]any{"format": "string", "value": "https://mirror.example.org/hello"},
			"ttl": "2027-01-01T00:00:00Z", "timestamp": stamp, "references": []any{map[string]any{"handle": "20.500.dii/other", "index": 1.0}}},
		{"index": 4.0, "type": "BLOB", "data": map[string]any{"format": "base64", "value": "AAEC/w=="}, "permissions": "1111", "ttl": 10.0, "timestamp": stamp},
		{"index": 100.0, "type": "HS_ADMIN", "data": map[string]any{"format": "admin", "value": map[string]any{
			"handle": handle.AccountHandle(alice.Address()), "index": 0.0, "permissions": "011111110011"}}, "ttl": 86400.0, "timestamp": stamp},
		{"index": 200.0, "type": "HS_VLIST", "data": map[string]any{"format": "vlist", "value": []any{map[string]any{"handle": "20.500.dii/hello", "index": 300.0}}},
			"ttl": 86400.0, "timestamp": stamp},
		{"index": 300.0, "type": "HS_PUBKEY", "data": map[string]any{"format": "key", "value": map[string]any{
			"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(alice.Key.Public().(ed25519.PublicKey))}}, "ttl": 86400.0, "timestamp": stamp},
	}
	if len(vals) != len(want) {
		t.Fatalf("%d values, want %d: %v", len(vals), len(want), vals)
	}
	for i, w := range want {
		if !reflect.DeepEqual(vals[i], any(w)) {
			t.Errorf("value %d:\n got %v\nwant %v", i, vals[i], w)
		}
	}
	raw, err := n.Client.HandleRaw(ctx, "20.500.dii/hello", client.HandleQuery{Indexes: []uint32{1}})
	if err != nil || !strings.Contains(string(raw), `"https://example.org/hello?a=1&b=2"`) || !regexp.MustCompile(`"timestamp": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"`).Match(raw) {
		t.Fatalf("raw answer (no HTML escaping, ISO timestamps): %s %v", raw, err)
	}

	// Selection: index= and type= are repeatable and a union; "URL."
	// is the URL family; publicOnly=false shows what is not public.
	sel := func(q string) []float64 {
		t.Helper()
		a := do("GET", "/api/handles/20.500.dii/hello?"+q, nil)
		var idx []float64
		for _, v := range a.body["values"].([]any) {
			idx = append(idx, v.(map[string]any)["index"].(float64))
		}
		return idx
	}
	for q, w := range map[string][]float64{
		"index=2":                    {2},
		"index=2&index=300":          {2, 300},
		"type=URL":                   {1},
		"type=url.":                  {1, 3},
		"type=EMAIL&index=4":         {2, 4},
		"publicOnly=false&type=NOTE": {5},
		"type=NOTE":                  nil,
		"auth=true&index=1":          {1},
	} {
		if got := sel(q); !reflect.DeepEqual(got, w) {
			t.Errorf("%s: indexes %v, want %v", q, got, w)
		}
	}
	a = do("GET", "/api/handles/20.500.dii/hello?publicOnly=false&index=5", nil)
	if v := a.body["values"].([]any)[0].(map[string]any); v["permissions"] != "1100" || v["ttl"] != 60.0 {
		t.Fatalf("private value %v", v)
	}

	// Failures and their statuses.
	a = do("GET", "/api/handles/20.500.dii/hello?type=NOTHING", nil)
	if a.status != 200 || a.body["responseCode"] != 200.0 || !reflect.DeepEqual(a.body["values"], []any{}) {
		t.Fatalf("no match: %d %v", a.status, a.body)
	}
	expect(do("GET", "/api/handles/20.500.dii/nothing", nil), 404, 100, "not found")
	expect(do("GET", "/api/handles/nohandle", nil), 400, 102, `no "/"`)
	expect(do("GET", "/api/handles/20.500.dii/hello?index=x", nil), 400, 4, "index=")
	expect(do("PUT", "/api/handles/20.500.dii/hello", nil), 401, 402, "signed ledger transactions")
	expect(do("PUT", "/api/handles/20.500.dii/hello", []byte("junk")), 400, 4, "not a dii transaction")
	expect(do("PUT", "/api/handles/20.500.dii/hello", signed(alice, &tx.HandleDelete{Handle: "20.500.dii/other"})), 400, 4, "not on 20.500.dii/hello")
	expect(do("DELETE", "/api/handles/20.500.dii/hello?index=2", signed(alice, &tx.HandleRemove{Handle: "20.500.dii/hello", Indexes: []uint32{2, 4}})), 400, 4, "index= names [2]")
	expect(do("PUT", "/api/handles/20.500.dii/hello", signed(alice, &tx.HandleCreate{Handle: "20.500.dii/HELLO"})), 409, 101, "already exists")
	expect(do("PUT", "/api/handles/20.500.dii/hello", signed(alice, &tx.HandleAdd{Handle: "20.500.dii/hello", Values: hello[:1]})), 409, 201, "index 1")
	expect(do("PUT", "/api/handles/20.500.dii/hello", signed(alice, &tx.HandleAdd{Handle: "20.500.dii/hello", Values: []tx.HandleValue{{Index: 9, Type: "HS_SITE"}}})), 400, 202, "only handle service")
	expect(do("DELETE", "/api/handles/20.500.dii/hello?index=77", signed(alice, &tx.HandleRemove{Handle: "20.500.dii/hello", Indexes: []uint32{77}})), 400, 200, "index 77")

	// bob may not change alice's handle; the record stays as it was.
	before := do("GET", "/api/handles/20.500.dii/hello?publicOnly=false", nil)
	expect(do("PUT", "/api/handles/20.500.dii/hello", signed(bob, &tx.HandleModify{Handle: "20.500.dii/hello", Values: []tx.HandleValue{
		{Index: 1, Type: "URL", Data: []byte("https://evil.example/"), Perms: handle.DefaultPerms}}})), 403, 400, "modify-value")
	expect(do("DELETE", "/api/handles/20.500.dii/hello", signed(bob, &tx.HandleDelete{Handle: "20.500.dii/hello"})), 403, 400, "delete-handle")
	// ...but the publicly writable value anyone may change.
	expect(do("PUT", "/api/handles/20.500.dii/hello?index=4", signed(bob, &tx.HandleModify{Handle: "20.500.dii/hello", Values: []tx.HandleValue{
		{Index: 4, Type: "BLOB", Data: []byte("bob"), Perms: handle.DefaultPerms | handleproto.PermPublicWrite}}})), 200, 1, "")
	after := do("GET", "/api/handles/20.500.dii/hello?publicOnly=false", nil)
	bv, av := before.body["values"].([]any), after.body["values"].([]any)
	for i := range bv {
		if i != 3 && !reflect.DeepEqual(bv[i], av[i]) {
			t.Fatalf("value %d changed by refused changes:\n%v\n%v", i, bv[i], av[i])
		}
	}

	// The redirect, through an alias; ?noredirect shows the record.
	if _, err := alice.ChangeHandle(ctx, "20.500.dii/alias", false, nil, &tx.HandleCreate{Handle: "20.500.dii/alias", Values: []tx.HandleValue{
		{Index: 1, Type: "HS_ALIAS", Data: []byte("20.500.dii/hello"), TTL: 86400, Perms: handle.DefaultPerms}}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/20.500.dii/hello", "/20.500.DII/Alias"} {
		if a := do("GET", p, nil); a.status != http.StatusFound || a.loc != "https://example.org/hello?a=1&b=2" {
			t.Fatalf("GET %s: %d %q", p, a.status, a.loc)
		}
	}
	expect(do("GET", "/20.500.dii/nothing", nil), 404, 100, "")
	if a := do("GET", "/20.500.dii/alias?noredirect", nil); a.status != 200 || a.body["values"].([]any)[0].(map[string]any)["type"] != "HS_ALIAS" {
		t.Fatalf("noredirect: %d %v", a.status, a.body)
	}
	if a := do("GET", "/api/handles/20.500.dii/alias?followAliases=true&type=EMAIL", nil); a.status != 200 || len(a.body["values"].([]any)) != 1 {
		t.Fatalf("followAliases: %d %v", a.status, a.body)
	}
	for _, p := range []string{"/v1/nothing/here", "/v1/nope", "/api/x", "/metrics/x"} {
		if a := do("GET", p, nil); a.status != 404 || a.body["error"] == nil {
			t.Fatalf("GET %s is not a handle: %d %v", p, a.status, a.body)
		}
	}

	// Listing, paged.
	var got []string
	after2 := ""
	for {
		l, err := n.Client.HandleList(ctx, "20.500.dii", after2, 1)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, l.Handles...)
		if l.Next == "" {
			break
		}
		after2 = l.Next
	}
	if strings.Join(got, " ") != "20.500.dii/alias 20.500.dii/hello" {
		t.Fatalf("list: %v", got)
	}
	if l, err := n.Client.HandleList(ctx, "0.NA", "", 0); err != nil || len(l.Handles) != 1 || l.Handles[0] != "0.NA/20.500.dii" {
		t.Fatalf("prefixes: %+v %v", l, err)
	}

	// Deleting values, then the handle.
	if _, err := alice.ChangeHandle(ctx, "20.500.dii/hello", true, []uint32{2, 4}, &tx.HandleRemove{Handle: "20.500.dii/hello", Indexes: []uint32{4, 2}}); err != nil {
		t.Fatal(err)
	}
	if r, err := n.Client.Handle(ctx, "20.500.dii/hello", client.HandleQuery{Indexes: []uint32{2, 4}}); err != nil || r.ResponseCode != 200 {
		t.Fatalf("removed values: %+v %v", r, err)
	}
	if _, err := alice.ChangeHandle(ctx, "20.500.dii/hello", true, nil, &tx.HandleDelete{Handle: "20.500.dii/hello"}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Client.Handle(ctx, "20.500.dii/hello", client.HandleQuery{}); !client.IsHandleCode(err, handleproto.RCHandleNotFound) {
		t.Fatalf("deleted handle: %v", err)
	}
}

func TestHandleStatus(t *testing.T) {
	for _, c := range []struct {
		rc         handleproto.ResponseCode
		resolution bool
		created    bool
		want       int
	}{
		{1, false, false, 200}, {1, false, true, 201}, {2, false, false, 500}, {100, true, false, 404},
		{101, false, false, 409}, {102, true, false, 400}, {200, true, false, 200}, {200, false, false, 400},
		{201, false, false, 409}, {202, false, false, 400}, {301, true, false, 400}, {400, false, false, 403},
		{401, false, false, 403}, {402, false, false, 401}, {403, false, false, 403}, {404, false, false, 403},
		{3, false, false, 503}, {4, false, false, 400},
	} {
		if got := api.HandleStatus(c.rc, c.resolution, c.created); got != c.want {
			t.Errorf("HandleStatus(%d, %v, %v) = %d, want %d", c.rc, c.resolution, c.created, got, c.want)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/handleserver"
	"github.com/dii-net/dii/internal/testnode"
)

// TestHandleEndToEnd creates a handle with the dii CLI, then resolves it
// through the Handle.Net-shaped HTTP API (the JSON checked field by field)
// and through the native Handle protocol over UDP and over TCP, both with
// "dii handle resolve" and with the protocol client.
func TestHandleEndToEnd(t *testing.T) {
	n := testnode.Start(t)
	dii, fail := against(t, n.Home, n.Addrs().API)
	hs := n.Addrs().Handle
	ctx := context.Background()

	alice := keyAddress(t, dii, "alice")
	dii("handle", "prefix", "create", "20.500.test", "--holder", alice)
	var created struct {
		ResponseCode int    `json:"responseCode"`
		Handle       string `json:"handle"`
		Height       int64  `json:"height"`
	}
	out := dii("handle", "create", "20.500.test/doc-1", "--url", "https://example.org/doc-1?x=1&y=2",
		"--email", "docs@example.org", "--key", "alice", "--json")
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.ResponseCode != 1 || created.Handle != "20.500.test/doc-1" || created.Height == 0 {
		t.Fatalf("create: %v %s", err, out)
	}
	blk, err := n.Client.Block(ctx, created.Height)
	if err != nil {
		t.Fatal(err)
	}
	stamp := blk.Time.UTC().Format("2006-01-02T15:04:05Z")

	// HTTP, field by field.
	resp, err := http.Get("http://" + n.Addrs().API + "/api/handles/20.500.test/doc-1")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET: %d %v %s", resp.StatusCode, err, raw)
	}
	want := map[string]any{
		"responseCode": 1.0,
		"handle":       "20.500.test/doc-1",
		"values": []any{
			map[string]any{"index": 1.0, "type": "URL", "data": map[string]any{"format": "string", "value": "https://example.org/doc-1?x=1&y=2"},
				"ttl": 86400.0, "timestamp": stamp},
			map[string]any{"index": 2.0, "type": "EMAIL", "data": map[string]any{"format": "string", "value": "docs@example.org"},
				"ttl": 86400.0, "timestamp": stamp},
			map[string]any{"index": 100.0, "type": "HS_ADMIN", "data": map[string]any{"format": "admin",
				"value": map[string]any{"handle": "0.DII/" + alice, "index": 0.0, "permissions": "011111110011"}},
				"ttl": 86400.0, "timestamp": stamp},
		},
	}
	for _, k := range []string{"responseCode", "handle"} {
		if got[k] != want[k] {
			t.Errorf("%s = %v, want %v", k, got[k], want[k])
		}
	}
	gv, wv := got["values"].([]any), want["values"].([]any)
	if len(gv) != len(wv) || len(got) != len(want) {
		t.Fatalf("answer has %d fields and %d values: %s", len(got), len(gv), raw)
	}
	for i := range wv {
		g, w := gv[i].(map[string]any), wv[i].(map[string]any)
		for _, f := range []string{"index", "type", "data", "ttl", "timestamp"} {
			if !reflect.DeepEqual(g[f], w[f]) {
				t.Errorf("value %d %s = %v, want %v", i, f, g[f], w[f])
			}
		}
		if len(g) != len(w) {
			t.Errorf("value %d has fields %v", i, g)
		}
	}

	// The native protocol, with the CLI over UDP and TCP...
	type resolved struct {
		Handle  string   `json:"handle"`
		Aliases []string `json:"aliases"`
		Values  []struct {
			Index uint32
			Type  string
			Data  struct{ Format, Value any }
		} `json:"values"`
	}
	for _, tr := range [][]string{nil, {"--tcp"}} {
		var r resolved
		out := dii(append([]string{"handle", "resolve", "20.500.TEST/doc-1", "--server", hs, "--type", "URL", "--json"}, tr...)...)
		if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Values) != 1 || r.Values[0].Index != 1 || r.Values[0].Data.Value != "https://example.org/doc-1?x=1&y=2" {
			t.Fatalf("dii handle resolve %v: %v %s", tr, err, out)
		}
	}
	// ...and with the protocol client.
	for _, tcp := range []bool{false, true} {
		vals, rc, err := handleserver.Resolve(ctx, hs, "20.500.test/doc-1", handleserver.ResolveOptions{Transport: handleserver.Transport{TCPOnly: tcp}})
		if err != nil || rc != handleproto.RCSuccess || len(vals) != 3 || vals[1].Type != "EMAIL" || string(vals[1].Data) != "docs@example.org" ||
			int64(vals[1].Timestamp) != blk.Time.Unix() || vals[2].Type != "HS_ADMIN" {
			t.Fatalf("tcp=%v: %v %v %v", tcp, vals, rc, err)
		}
	}

	// Changes by the CLI; the text forms.
	dii("handle", "add", "20.500.test/doc-1", "--value", "10:DESC:First document", "--url", "https://mirror.example.org/doc-1", "--key", "alice")
	dii("handle", "modify", "20.500.test/doc-1", "--url", "https://example.org/v2/doc-1", "--key", "alice")
	dii("handle", "remove", "20.500.test/doc-1", "2", "--key", "alice")
	show := dii("handle", "show", "20.500.test/doc-1")
	for _, s := range []string{"20.500.test/doc-1", "https://example.org/v2/doc-1", "3      URL", "https://mirror.example.org/doc-1",
		"10     DESC", "First document", "admin 0.DII/" + alice + " index 0 permissions 011111110011"} {
		if !strings.Contains(show, s) {
			t.Errorf("show lacks %q:\n%s", s, show)
		}
	}
	if strings.Contains(show, "EMAIL") {
		t.Errorf("removed value still shown:\n%s", show)
	}
	dii("handle", "create", "20.500.test/old", "--alias", "20.500.test/doc-1", "--key", "alice")
	if out := dii("handle", "resolve", "20.500.test/old", "--server", hs, "--type", "URL"); !strings.Contains(out, "alias path: 20.500.test/old -> 20.500.test/doc-1") ||
		!strings.Contains(out, "https://example.org/v2/doc-1") {
		t.Fatalf("resolve through the alias:\n%s", out)
	}
	if out := dii("handle", "list", "20.500.test"); out != "20.500.test/doc-1\n20.500.test/old\n" {
		t.Fatalf("list:\n%s", out)
	}
	if out := dii("handle", "list", "0.NA", "--limit", "1", "--all"); out != "0.NA/20.500.test\n" {
		t.Fatalf("list 0.NA:\n%s", out)
	}

	// Proofs: presence and absence verify offline; tampering fails.
	if out := dii("handle", "show", "20.500.test/doc-1", "--prove"); !strings.Contains(out, "proof of presence verified") ||
		!strings.Contains(out, "https://example.org/v2/doc-1") {
		t.Fatalf("show --prove:\n%s", out)
	}
	dir := t.TempDir()
	proof, absent := filepath.Join(dir, "proof.json"), filepath.Join(dir, "absent.json")
	os.WriteFile(proof, []byte(dii("handle", "show", "20.500.test/doc-1", "--prove", "--json")), 0o644)
	os.WriteFile(absent, []byte(dii("handle", "show", "20.500.test/nothing", "--prove", "--json")), 0o644)
	if out := dii("handle", "verify", proof); !strings.Contains(out, "proof of presence verified") {
		t.Fatalf("verify: %s", out)
	}
	if out := dii("handle", "verify", absent); !strings.Contains(out, "20.500.test/nothing is not on the ledger") || !strings.Contains(out, "proof of absence verified") {
		t.Fatalf("verify absence: %s", out)
	}
	raw, _ = os.ReadFile(absent)
	bad := strings.Replace(string(raw), `"handle": "20.500.test/nothing"`, `"handle": "20.500.test/doc-1"`, 1)
	if bad == string(raw) {
		t.Fatal("test could not tamper with the proof")
	}
	os.WriteFile(absent, []byte(bad), 0o644)
	if msg := fail("handle", "verify", absent); !strings.Contains(msg, "does NOT verify") {
		t.Fatalf("tampered proof: %s", msg)
	}

	// Refusals: clear messages, and the ledger unchanged.
	before := dii("handle", "show", "20.500.test/doc-1", "--json")
	if msg := fail("handle", "modify", "20.500.test/doc-1", "--url", "https://evil.example/"); !strings.Contains(msg, "not authorised") || !strings.Contains(msg, "response code 400") {
		t.Fatalf("operator changing alice's handle: %s", msg)
	}
	if msg := fail("handle", "create", "20.500.test/doc-1", "--key", "alice"); !strings.Contains(msg, "already exists") {
		t.Fatalf("create twice: %s", msg)
	}
	if msg := fail("handle", "add", "20.500.test/doc-1", "--value", "x:URL:y", "--key", "alice"); !strings.Contains(msg, "INDEX:") {
		t.Fatalf("bad --value: %s", msg)
	}
	if msg := fail("handle", "resolve", "20.500.test/none", "--server", hs); !strings.Contains(msg, "HANDLE_NOT_FOUND") {
		t.Fatalf("resolve a missing handle: %s", msg)
	}
	if after := dii("handle", "show", "20.500.test/doc-1", "--json"); after != before {
		t.Fatalf("refused changes changed the handle:\n%s\n%s", before, after)
	}
	dii("handle", "delete", "20.500.test/old", "--key", "alice")
	if msg := fail("handle", "show", "20.500.test/old"); !strings.Contains(msg, "handle not found") {
		t.Fatalf("deleted: %s", msg)
	}
}

// keyAddress adds a key to the keyring and returns its address.
func keyAddress(t *testing.T, dii func(...string) string, name string) string {
	t.Helper()
	out := dii("key", "add", name)
	i := strings.Index(out, "dii1")
	if i < 0 {
		t.Fatalf("key add: %s", out)
	}
	return strings.Fields(out[i:])[0]
}

package node_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/testnode"
)

// TestAPIErrors checks that bad requests get JSON errors with stable codes
// and the documented HTTP statuses.
func TestAPIErrors(t *testing.T) {
	n := testnode.Start(t)
	base := "http://" + n.Addrs().API
	cases := []struct {
		method, path, body, ctype string
		status                    int
		code                      string
	}{
		{"GET", "/v1/names/-bad-", "", "", 400, "bad_request"},
		{"GET", "/v1/names/nobody.dii", "", "", 404, "not_found"},
		{"GET", "/v1/names?limit=0", "", "", 400, "bad_request"},
		{"GET", "/v1/names?prefix=a.b", "", "", 400, "bad_request"},
		{"GET", "/v1/names/x.dii?height=999999", "", "", 404, "not_found"},
		{"GET", "/v1/accounts/dii1notanaddress", "", "", 400, "bad_request"},
		{"GET", "/v1/blocks/abc", "", "", 400, "bad_request"},
		{"GET", "/v1/blocks/999999", "", "", 404, "not_found"},
		{"GET", "/v1/txs/00", "", "", 400, "bad_request"},
		{"GET", "/v1/nope", "", "", 404, "not_found"},
		{"GET", "/v1/zones/export?zone=nobody.dii", "", "", 404, "not_found"},
		{"GET", "/v1/zones/export", "", "", 400, "bad_request"},
		{"POST", "/v1/txs", `{"tx":"bm90IGEgdHg="}`, "application/json", 422, "encoding"},
		{"POST", "/v1/txs", "garbage", "application/octet-stream", 422, "encoding"},
		{"POST", "/v1/txs", `{"tx":`, "application/json", 400, "bad_request"},
		{"POST", "/v1/txs?wait=forever", `{"tx":"AAAA"}`, "application/json", 400, "bad_request"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var eb api.ErrorBody
			if err := json.Unmarshal(raw, &eb); err != nil || eb.Error == nil {
				t.Fatalf("not a JSON error body: %s", raw)
			}
			if resp.StatusCode != c.status || eb.Error.Code != c.code || eb.Error.Message == "" {
				t.Fatalf("got %d %q %q, want %d %q", resp.StatusCode, eb.Error.Code, eb.Error.Message, c.status, c.code)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("content type %q", ct)
			}
		})
	}
	// Metrics are served.
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(raw), "dii_ledger_height") {
		t.Fatalf("metrics lack dii_ledger_height:\n%.500s", raw)
	}
}

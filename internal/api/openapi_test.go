package api_test

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestOpenAPI: docs/openapi.yaml is YAML of OpenAPI 3 shape, every $ref
// in it names a component that exists, and the handle routes are there.
func TestOpenAPI(t *testing.T) {
	raw, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	if doc["openapi"] != "3.0.3" {
		t.Fatalf("openapi: %v", doc["openapi"])
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range []string{"/api/handles", "/api/handles/{handle}", "/{prefix}/{suffix}", "/v1/handles/proof", "/v1/status", "/v1/txs"} {
		if paths[p] == nil {
			t.Errorf("path %s is not documented", p)
		}
	}
	comps, _ := doc["components"].(map[string]any)
	var walk func(v any)
	refs := 0
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "$ref" {
					refs++
					s, _ := e.(string)
					parts := strings.Split(strings.TrimPrefix(s, "#/components/"), "/")
					if !strings.HasPrefix(s, "#/components/") || len(parts) != 2 {
						t.Errorf("$ref %q is not a local component", s)
						continue
					}
					sec, _ := comps[parts[0]].(map[string]any)
					if sec[parts[1]] == nil {
						t.Errorf("$ref %q names nothing", s)
					}
					continue
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	if refs < 50 {
		t.Fatalf("only %d $refs found", refs)
	}
}

package lightclient_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/lightclient"
	"github.com/dii-net/dii/internal/testnode"
	"github.com/dii-net/dii/internal/tx"
)

// The fixtures are a real proof bundle and the validator set that signed
// it, made once by TestWriteFixtures. A bundle made by an old release must
// go on verifying: the format is a promise to clients.
const (
	bundleFile = "testdata/bundle.json"
	absentFile = "testdata/absent.json"
	trustFile  = "testdata/trust.json"
)

func TestWriteFixtures(t *testing.T) {
	if os.Getenv("DII_WRITE_FIXTURES") == "" {
		t.Skip("set DII_WRITE_FIXTURES=1 to regenerate testdata/")
	}
	n := testnode.Start(t)
	ctx := context.Background()
	op := n.Operator(t)
	if _, err := op.Submit(ctx, client.WaitCommit, &tx.Register{Name: "dii", Open: true}, &tx.Register{Name: "fixture.dii"}); err != nil {
		t.Fatal(err)
	}
	write := func(path string, v any) {
		raw, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := n.Client.Proof(ctx, "fixture.dii", 0)
	if err != nil {
		t.Fatal(err)
	}
	write(bundleFile, b)
	a, err := n.Client.Proof(ctx, "absent.dii", 0)
	if err != nil {
		t.Fatal(err)
	}
	write(absentFile, a)
	vals, err := n.Client.Validators(ctx)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(trustFile, vals, 0o644)
	// Seed the fuzz corpus with the real bundles.
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	os.MkdirAll(dir, 0o755)
	for name, path := range map[string]string{"bundle": bundleFile, "absent": absentFile} {
		raw, _ := os.ReadFile(path)
		os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n[]byte("+quote(raw)+")\n"), 0o644)
	}
}

func quote(b []byte) string {
	out, _ := json.Marshal(string(b))
	return string(out)
}

func load(t testing.TB, path string) *lightclient.Bundle {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b lightclient.Bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	return &b
}

func TestFixturesVerify(t *testing.T) {
	chainID, vals, err := lightclient.LoadTrust(trustFile)
	if err != nil {
		t.Fatal(err)
	}
	res, err := lightclient.Verify(load(t, bundleFile), chainID, vals)
	if err != nil || !res.Present || res.Record.Name != "fixture.dii" {
		t.Fatalf("presence fixture: %v %+v", err, res)
	}
	res, err = lightclient.Verify(load(t, absentFile), chainID, vals)
	if err != nil || res.Present {
		t.Fatalf("absence fixture: %v", err)
	}
	// The presence bundle's proof does not prove the absent name, nor the
	// other way round.
	b := load(t, bundleFile)
	a := load(t, absentFile)
	b.Name, b.Key = a.Name, a.Key
	if _, err := lightclient.Verify(b, chainID, vals); err == nil {
		t.Fatal("presence proof accepted for another name")
	}
}

// FuzzVerify feeds arbitrary bytes, starting from real bundles, through the
// bundle decoder and the verifier: no input may panic, and an input that
// verifies must name a record the trusted chain really holds.
func FuzzVerify(f *testing.F) {
	for _, p := range []string{bundleFile, absentFile} {
		raw, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	chainID, vals, err := lightclient.LoadTrust(trustFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var b lightclient.Bundle
		if json.Unmarshal(raw, &b) != nil {
			return
		}
		res, err := lightclient.Verify(&b, chainID, vals)
		if err != nil {
			return
		}
		if res.Present && res.Record.Name != "fixture.dii" {
			t.Fatalf("verified a record the chain does not hold: %q", res.Record.Name)
		}
		if !res.Present && b.Name == "fixture.dii" {
			t.Fatal("verified the absence of a name the chain holds")
		}
	})
}

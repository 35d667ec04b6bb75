package validator

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

func pub(b byte) ed25519.PublicKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, 32)).Public().(ed25519.PublicKey)
}

func acct(b byte) tx.Address { return tx.Address{b} }

func TestRecordRoundTrip(t *testing.T) {
	v := &Validator{PubKey: pub(1), Power: 42, Operator: acct(9)}
	b := v.Encode()
	if len(b) != 1+32+8+20 {
		t.Fatalf("record is %d bytes", len(b))
	}
	got, err := Decode(b)
	if err != nil || !bytes.Equal(got.PubKey, v.PubKey) || got.Power != 42 || got.Operator != v.Operator {
		t.Fatalf("decoded %+v %v", got, err)
	}
	bad := map[string][]byte{
		"empty":     nil,
		"version 2": append([]byte{2}, b[1:]...),
		"truncated": b[:len(b)-1],
		"trailing":  append(append([]byte(nil), b...), 0),
		"power 0":   (&Validator{PubKey: pub(1), Power: 0}).Encode(),
		"power max": (&Validator{PubKey: pub(1), Power: tx.MaxValidatorPower + 1}).Encode(),
	}
	for name, in := range bad {
		if _, err := Decode(in); !errors.Is(err, ErrBadRecord) {
			t.Errorf("%s: %v, want ErrBadRecord", name, err)
		}
	}
}

// genesisState is a state with validators 1 (operator 1) and 2 (operator
// 2) and admin 1.
func genesisState(t *testing.T, limit int) *state.Overlay {
	t.Helper()
	w := state.NewOverlay(state.Empty())
	g := &Genesis{MaxValidators: limit, Operators: []GenesisOperator{{PubKey: pub(1), Operator: acct(1)}, {PubKey: pub(2), Operator: acct(2)}}}
	if err := InitGenesis(w, g, []tx.Address{acct(1)}, []GenesisValidator{{pub(1), 10}, {pub(2), 10}}); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestExecOperatorChange(t *testing.T) {
	w := genesisState(t, 0)
	for _, a := range []tx.Address{acct(1), acct(2)} {
		if err := registry.PutNameserver(w, a, &tx.Nameserver{Name: fmt.Sprintf("ns%d.dii-nic", a[0]), Addrs: [][]byte{{127, 0, 0, a[0]}}}); err != nil {
			t.Fatal(err)
		}
	}
	p, _ := LoadParams(w)
	// Validator 2 is handed to operator 1: operator 2 runs nothing now,
	// so its entry goes; operator 1's stays.
	if err := Exec(w, p, acct(1), &tx.Validator{PubKey: pub(2), Power: 3, Operator: acct(1)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.Get(registry.NameserverKey(acct(2))); ok {
		t.Fatal("operator 2's entry stayed")
	}
	// Removing validator 1 keeps operator 1's entry: it runs validator 2.
	if err := Exec(w, p, acct(1), &tx.Validator{PubKey: pub(1)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.Get(registry.NameserverKey(acct(1))); !ok {
		t.Fatal("operator 1's entry went while it still runs a validator")
	}
	if ok, _ := IsOperator(w, acct(1)); !ok {
		t.Fatal("IsOperator(1)")
	}
	if ok, _ := IsOperator(w, acct(2)); ok {
		t.Fatal("IsOperator(2)")
	}
}

func TestUpdates(t *testing.T) {
	base := state.Empty().Next(1, genesisState(t, 0).Changes())
	w := state.NewOverlay(base)
	p, _ := LoadParams(w)
	for _, o := range []*tx.Validator{
		{PubKey: pub(3), Power: 4},
		{PubKey: pub(1), Power: 10}, // unchanged power: no update
		{PubKey: pub(2)},
	} {
		if err := Exec(w, p, acct(1), o); err != nil {
			t.Fatal(err)
		}
	}
	w.Set([]byte("v/short"), []byte("not a validator key")) // ignored
	us, err := Updates(base, w.Changes())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, u := range us {
		got[string(u.PubKey)] = u.Power
	}
	if len(us) != 2 || got[string(pub(3))] != 4 || got[string(pub(2))] != 0 {
		t.Fatalf("updates %v", us)
	}
	// Sorted by key, as the changes are.
	if bytes.Compare(us[0].PubKey, us[1].PubKey) >= 0 {
		t.Fatal("updates out of key order")
	}
}

// fuzzDir holds FuzzDecode's committed seed corpus.
const fuzzDir = "testdata/fuzz/FuzzDecode"

func seeds() map[string][]byte {
	good := (&Validator{PubKey: pub(1), Power: 10, Operator: acct(7)}).Encode()
	return map[string][]byte{
		"record":        good,
		"no-operator":   (&Validator{PubKey: pub(2), Power: tx.MaxValidatorPower}).Encode(),
		"truncated":     good[:40],
		"trailing":      append(append([]byte(nil), good...), 1),
		"bad-version":   append([]byte{9}, good[1:]...),
		"zero-power":    (&Validator{PubKey: pub(1)}).Encode(),
		"empty":         {},
		"version-alone": {1},
	}
}

// TestWriteFuzzSeeds keeps the committed corpus in step with seeds():
// it fails when a seed file is missing or differs (rewrite them with
// DII_WRITE_SEEDS=1).
func TestWriteFuzzSeeds(t *testing.T) {
	for name, b := range seeds() {
		path := filepath.Join(fuzzDir, name)
		want := fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", b)
		if os.Getenv("DII_WRITE_SEEDS") != "" {
			if err := os.MkdirAll(fuzzDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("seed %s missing or stale (%v); run with DII_WRITE_SEEDS=1", path, err)
		}
	}
}

// FuzzDecode: Decode never panics, and what it accepts re-encodes to the
// same bytes.
func FuzzDecode(f *testing.F) {
	for _, b := range seeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := Decode(in)
		if err != nil {
			if v != nil {
				t.Fatal("a record and an error")
			}
			return
		}
		if !bytes.Equal(v.Encode(), in) {
			t.Fatalf("not canonical: %x", in)
		}
	})
}

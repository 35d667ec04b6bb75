package registry_test

import (
	"errors"
	"testing"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

const (
	day = int64(86400)
	t0  = int64(1_700_000_000) // block time of the first step, Unix seconds
)

func account(b byte) tx.Address {
	var a tx.Address
	a[0] = b
	a[19] = b
	return a
}

var (
	operator = account(0x0f)
	alice    = account(0xa1)
	bob      = account(0xb0)
	carol    = account(0xc0)
	dave     = account(0xd0)
)

func params() *registry.Params {
	return &registry.Params{Operators: []tx.Address{operator}, DefaultPeriodDays: 365, MaxPeriodDays: 3650, GraceDays: 30}
}

// step is one operation at block time now; want is the expected error
// (nil: success).
type step struct {
	signer tx.Address
	now    int64
	op     tx.Op
	want   error
}

// exec runs one step the way the ledger runs a transaction: in a fresh
// overlay over w, written to w only on success. On failure it checks that
// w did not change.
func exec(t *testing.T, w *state.Overlay, p *registry.Params, s step) error {
	t.Helper()
	before := w.Changes()
	txw := state.NewOverlay(w)
	err := registry.Exec(txw, p, s.signer, s.now, s.op)
	if err != nil {
		// Exec itself writes nothing when it fails.
		if txw.Len() != 0 {
			t.Errorf("%s %s failed (%v) but left %d writes in its overlay", s.op.Kind(), s.op.Target(), err, txw.Len())
		}
		if after := w.Changes(); !sameChanges(before, after) {
			t.Errorf("%s %s failed but changed the state", s.op.Kind(), s.op.Target())
		}
		return err
	}
	txw.WriteTo(w)
	return nil
}

func sameChanges(a, b []state.Change) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if string(a[i].Key) != string(b[i].Key) || string(a[i].Value) != string(b[i].Value) || (a[i].Value == nil) != (b[i].Value == nil) {
			return false
		}
	}
	return true
}

// run executes steps in order, checking each one's error with errors.Is.
func run(t *testing.T, w *state.Overlay, p *registry.Params, steps ...step) {
	t.Helper()
	for i, s := range steps {
		err := exec(t, w, p, s)
		if !isErr(err, s.want) {
			t.Fatalf("step %d (%s %s by %x at t0%+ds): %v, want %v", i, s.op.Kind(), s.op.Target(), s.signer[0], s.now-t0, err, s.want)
		}
	}
}

func isErr(err, want error) bool {
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}

// world returns state with the open TLD "dii" and the closed TLD "corp"
// (both owned by the operator, registered at t0 for 3650 days) and
// example.dii owned by alice (registered at t0 for 365 days).
func world(t *testing.T) *state.Overlay {
	t.Helper()
	w := state.NewOverlay(state.Empty())
	run(t, w, params(),
		step{operator, t0, &tx.Register{Name: "dii", PeriodDays: 3650, Open: true}, nil},
		step{operator, t0, &tx.Register{Name: "corp", PeriodDays: 3650}, nil},
		step{alice, t0, &tx.Register{Name: "example.dii"}, nil},
	)
	return w
}

func get(t *testing.T, r state.Reader, name string) *registry.Record {
	t.Helper()
	rec, err := registry.Get(r, name)
	if err != nil {
		t.Fatalf("Get(%s): %v", name, err)
	}
	return rec
}

func rdata(t *testing.T, typ uint16, text string) []byte {
	t.Helper()
	b, err := names.ParseRData(typ, text)
	if err != nil {
		t.Fatalf("ParseRData(%s, %q): %v", names.TypeName(typ), text, err)
	}
	return b
}

func setOp(name string, typ uint16, records ...[]byte) *tx.SetRRset {
	return &tx.SetRRset{Name: name, Type: typ, TTL: 3600, Records: records}
}

package oid_test

import (
	"errors"
	"testing"

	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

const t0 = int64(1_700_000_000) // block time of the first step, Unix seconds

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
)

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
// Exec wrote nothing.
func exec(t *testing.T, w *state.Overlay, s step) error {
	t.Helper()
	txw := state.NewOverlay(w)
	err := oid.Exec(txw, s.signer, s.now, s.op)
	if err != nil {
		if txw.Len() != 0 {
			t.Errorf("%s %s failed (%v) but left %d writes", s.op.Kind(), s.op.Target(), err, txw.Len())
		}
		return err
	}
	txw.WriteTo(w)
	return nil
}

func run(t *testing.T, w *state.Overlay, steps ...step) {
	t.Helper()
	for i, s := range steps {
		err := exec(t, w, s)
		if !isErr(err, s.want) {
			t.Fatalf("step %d (%s %s by %x): %v, want %v", i, s.op.Kind(), s.op.Target(), s.signer[0], err, s.want)
		}
	}
}

func isErr(err, want error) bool {
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}

// world is the default genesis with operator as the first registry
// operator: top arcs 0, 1, 2, and the UAV arc 2.999.677 with its spaces,
// all held by operator.
func world(t *testing.T) *state.Overlay {
	t.Helper()
	w := state.NewOverlay(state.Empty())
	if err := oid.InitGenesis(w, nil, []tx.Address{operator}, t0); err != nil {
		t.Fatal(err)
	}
	return w
}

func mustParse(t *testing.T, s string) oid.OID {
	t.Helper()
	o, err := oid.Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return o
}

func arc(t *testing.T, r state.Reader, s string) *oid.Arc {
	t.Helper()
	a, err := oid.Get(r, mustParse(t, s))
	if err != nil {
		t.Fatalf("Get(%s): %v", s, err)
	}
	return a
}

func identity(t *testing.T, r state.Reader, s string) *oid.Identity {
	t.Helper()
	id, err := oid.GetIdentity(r, mustParse(t, s))
	if err != nil {
		t.Fatalf("GetIdentity(%s): %v", s, err)
	}
	return id
}

func alloc(o string, auth tx.Address) *tx.OIDAllocate {
	return &tx.OIDAllocate{OID: o, Authority: auth}
}

func labels(o string, ls ...string) *tx.OIDSet { return &tx.OIDSet{OID: o, Labels: ls} }

type stateReader = state.Reader

// newEmptyWorld has the top arcs but no UAV arc.
func newEmptyWorld(t *testing.T) *state.Overlay {
	t.Helper()
	w := state.NewOverlay(state.Empty())
	if err := oid.InitGenesis(w, &oid.Genesis{UAVArc: oid.NoUAVArc}, []tx.Address{operator}, t0); err != nil {
		t.Fatal(err)
	}
	return w
}

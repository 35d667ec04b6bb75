package handle_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

func key(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func signer(b byte) handle.Signer {
	pub := key(b).Public().(ed25519.PublicKey)
	return handle.Signer{Address: tx.AddressOf(pub), PubKey: pub}
}

var (
	opr   = signer(1) // the registry operator
	alice = signer(2)
	bob   = signer(3)
	carol = signer(4)
)

var operators = []tx.Address{opr.Address}

// world is a state being changed by operations, one block time per op.
type world struct {
	t   *testing.T
	w   *state.Overlay
	now int64
}

func newWorld(t *testing.T) *world {
	return &world{t: t, w: state.NewOverlay(state.Empty()), now: 1_800_000_000}
}

// exec runs op and checks its error against want (nil: success). A failed
// operation must leave the state exactly as it was.
func (w *world) exec(s handle.Signer, op tx.Op, want error, msg ...string) {
	w.t.Helper()
	w.now++
	before := w.w.Changes()
	err := handle.Exec(w.w, operators, s, w.now, op)
	switch {
	case want == nil && err != nil:
		w.t.Fatalf("%s %s: %v", op.Kind(), op.Target(), err)
	case want != nil && !errors.Is(err, want):
		w.t.Fatalf("%s %s: error %v, want %v", op.Kind(), op.Target(), err, want)
	}
	for _, m := range msg {
		if err == nil || !strings.Contains(err.Error(), m) {
			w.t.Fatalf("%s %s: error %v, want it to say %q", op.Kind(), op.Target(), err, m)
		}
	}
	if err != nil && !reflect.DeepEqual(before, w.w.Changes()) {
		w.t.Fatalf("%s %s failed (%v) but changed the state", op.Kind(), op.Target(), err)
	}
}

func (w *world) get(h string) *handle.Record {
	w.t.Helper()
	rec, err := handle.Get(w.w, h)
	if err != nil {
		w.t.Fatalf("get %s: %v", h, err)
	}
	return rec
}

func str(index uint32, typ, data string) tx.HandleValue {
	return tx.HandleValue{Index: index, Type: typ, Data: []byte(data), TTL: handle.DefaultTTL, Perms: handle.DefaultPerms}
}

func admin(index uint32, h string, adminIndex uint32, perms uint16) tx.HandleValue {
	return handle.AdminValue(index, h, adminIndex, perms)
}

func pubkey(index uint32, s handle.Signer) tx.HandleValue {
	return tx.HandleValue{Index: index, Type: handle.TypePubKey, Data: handle.PubKeyData(s.PubKey), TTL: handle.DefaultTTL, Perms: handle.DefaultPerms}
}

func vlist(index uint32, refs ...handleproto.Reference) tx.HandleValue {
	return tx.HandleValue{Index: index, Type: handle.TypeVList, Data: handleproto.AppendValueList(nil, refs), TTL: handle.DefaultTTL, Perms: handle.DefaultPerms}
}

func acct(s handle.Signer) string { return handle.AccountHandle(s.Address) }

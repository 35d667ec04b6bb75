package ledger

import (
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/tx"
)

// TestHandleCodes runs handle registry operations through the
// application: results carry their codes (and Handle response codes),
// value timestamps are block times, and an unauthorised change leaves the
// ledger as it was — refused by CheckTx with the app hash untouched, and,
// in a block, changing nothing but the signer's sequence.
func TestHandleCodes(t *testing.T) {
	h := newHarness(t)
	url := tx.HandleValue{Index: 1, Type: "URL", Data: []byte("https://example.org/"), TTL: 86400, Perms: handle.DefaultPerms}
	res := h.block(
		h.sign(opKey, 0, &tx.HandleCreate{Handle: "0.NA/20.500.dii", Values: []tx.HandleValue{
			handle.AdminValue(100, handle.AccountHandle(addr(aliceKey)), 0, handleproto.AdminAll)}}),
		h.sign(aliceKey, 0, &tx.HandleCreate{Handle: "20.500.dii/hello", Values: []tx.HandleValue{url}}),
	)
	for i, r := range res {
		if r.Code != 0 {
			t.Fatalf("tx %d: code %d %s", i, r.Code, r.Log)
		}
	}
	v := h.app.Store().Latest()
	rec, err := handle.Get(v, "20.500.dii/hello")
	if err != nil || len(rec.Values) != 2 || rec.Values[0].Timestamp != v.Time() || v.Time() != t0.Unix()+1 {
		t.Fatalf("record %+v %v (block time %d)", rec, err, v.Time())
	}

	cases := []struct {
		name string
		bob  bool // signed by bob (sequence 0), else by alice (1)
		op   tx.Op
		code Code
		rc   handleproto.ResponseCode
		msg  string
	}{
		{"not an administrator", true, &tx.HandleModify{Handle: "20.500.dii/hello", Values: []tx.HandleValue{url}}, CodeUnauthorized, 400, "modify-value"},
		{"no prefix", false, &tx.HandleCreate{Handle: "21/x"}, CodeNotFound, 100, "prefix 21"},
		{"exists", false, &tx.HandleCreate{Handle: "20.500.DII/Hello"}, CodeExists, 101, "already exists"},
		{"bad handle", false, &tx.HandleCreate{Handle: "20.500.dii"}, CodeInvalidHandle, 102, `no "/"`},
		{"no value", false, &tx.HandleRemove{Handle: "20.500.dii/hello", Indexes: []uint32{9}}, CodeValueNotFound, 200, "index 9"},
		{"value exists", false, &tx.HandleAdd{Handle: "20.500.dii/hello", Values: []tx.HandleValue{url}}, CodeValueExists, 201, "index 1"},
		{"bad value", false, &tx.HandleAdd{Handle: "20.500.dii/hello", Values: []tx.HandleValue{{Index: 2, Type: "HS_SECKEY"}}}, CodeInvalidValue, 202, "public ledger"},
		{"too large", false, &tx.HandleAdd{Handle: "20.500.dii/hello", Values: []tx.HandleValue{{Index: 2, Type: "X", Data: make([]byte, 20000)}}}, CodeTooLarge, 202, "limit 16384"},
		{"prefix not empty", false, &tx.HandleDelete{Handle: "0.NA/20.500.dii"}, CodeHasChildren, 2, "first"},
	}
	root := h.root()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := h.sign(aliceKey, 1, c.op)
			if c.bob {
				raw = h.sign(bobKey, 0, c.op)
			}
			r := h.check(raw)
			if Code(r.Code) != c.code || Code(r.Code).HandleRC() != c.rc || !strings.Contains(r.Log, c.msg) {
				t.Fatalf("code %d (%s, Handle %d) %q, want %d (%s, %d) saying %q", r.Code, Code(r.Code), Code(r.Code).HandleRC(), r.Log, c.code, c.code, c.rc, c.msg)
			}
			if h.root() != root {
				t.Fatal("a refused transaction changed the app hash")
			}
		})
	}

	// In a block, the unauthorised change spends bob's sequence and
	// nothing else.
	before := h.app.Store().Latest()
	res = h.block(h.sign(bobKey, 0,
		&tx.HandleModify{Handle: "20.500.dii/hello", Values: []tx.HandleValue{{Index: 1, Type: "URL", Data: []byte("https://evil.example/")}}}))
	if Code(res[0].Code) != CodeUnauthorized {
		t.Fatalf("code %d %s", res[0].Code, res[0].Log)
	}
	changed := diff(before, h.app.Store().Latest())
	if len(changed) != 1 || string(changed[0]) != string(AccountKey(addr(bobKey))) {
		t.Fatalf("the refused change changed %q", changed)
	}
	if Code(0).HandleRC() != handleproto.RCSuccess || CodeSignature.HandleRC() != handleproto.RCAuthenFailed || CodeSequence.HandleRC() != handleproto.RCInvalidCredential {
		t.Fatal("HandleRC of ok, signature, sequence")
	}
}

package handle_test

import (
	"fmt"
	"testing"

	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// BenchmarkLookup is the registry's share of one resolution: read a
// handle's record from a state of 100,000 handles, decode it and convert
// its values to the protocol's form (what the Handle server's source
// does).
func BenchmarkLookup(b *testing.B) {
	const n = 100_000
	ch := make([]state.Change, 0, n)
	for i := 0; i < n; i++ {
		h, _ := handle.Parse(fmt.Sprintf("20.500.bench/h%d", i))
		rec := &handle.Record{Handle: h.Text, Values: []handle.Value{
			{Index: 1, Type: "URL", Data: []byte(fmt.Sprintf("https://example.org/objects/%d", i)), TTL: 86400, Perms: handle.DefaultPerms},
			{Index: 2, Type: "EMAIL", Data: []byte("objects@example.org"), TTL: 86400, Perms: handle.DefaultPerms},
			{Index: 100, Type: "HS_ADMIN", Data: []byte("\x07\xf3\x00\x00\x00\x0b0.NA/20.500\x00\x00\x00\x00"), TTL: 86400, Perms: handle.DefaultPerms},
		}}
		ch = append(ch, state.Change{Key: handle.Key(h), Value: rec.Encode()})
	}
	v := state.Empty().Next(1, ch)
	names := make([]string, 1024)
	for i := range names {
		names[i] = fmt.Sprintf("20.500.bench/h%d", i*97%n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec, err := handle.Get(v, names[i%len(names)])
		if err != nil || len(rec.Wire()) != 3 {
			b.Fatal(err)
		}
	}
}

// BenchmarkModifyThroughGroup is the most authorisation work one operation
// can ask for: a modify of 127 values of a handle whose only HS_ADMIN
// names an HS_VLIST of 31 group handles, the signer's public key in the
// last one (a walk reads 32 handles).
func BenchmarkModifyThroughGroup(b *testing.B) {
	w := &world{t: &testing.T{}, w: state.NewOverlay(state.Empty()), now: 1_800_000_000}
	w.exec(opr, &tx.HandleCreate{Handle: "0.NA/20.500", Values: []tx.HandleValue{
		admin(100, acct(alice), 0, handleproto.AdminAll)}}, nil)
	var refs []handleproto.Reference
	for i := range 31 {
		h := fmt.Sprintf("20.500/g%d", i)
		vals := []tx.HandleValue{admin(100, acct(alice), 0, handleproto.AdminAll)}
		if i == 30 {
			vals = append(vals, pubkey(300, bob))
		}
		w.exec(alice, &tx.HandleCreate{Handle: h, Values: vals}, nil)
		refs = append(refs, handleproto.Reference{Handle: h, Index: 300})
	}
	vals := []tx.HandleValue{admin(100, "20.500/group", 200, handleproto.AdminModifyValue), vlist(200, refs...)}
	for i := range 126 {
		vals = append(vals, str(uint32(1000+i), "DESC", "x"))
	}
	w.exec(alice, &tx.HandleCreate{Handle: "20.500/group", Values: vals[1:2]}, nil)
	w.exec(alice, &tx.HandleCreate{Handle: "20.500/target", Values: append(vals[:1:1], vals[2:]...)}, nil)
	mod := &tx.HandleModify{Handle: "20.500/target"}
	for i := range 126 {
		mod.Values = append(mod.Values, str(uint32(1000+i), "DESC", "y"))
	}
	for b.Loop() {
		ov := state.NewOverlay(w.w)
		if err := handle.Exec(ov, operators, bob, w.now+1, mod); err != nil {
			b.Fatal(err)
		}
	}
}

package tx_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/tx"
)

// adminData is an HS_ADMIN value's data in the RFC 3651 layout: all
// permissions but list, for the admin 0.NA/20.500.dii index 200.
var adminData = []byte("\x0f\xff\x00\x00\x00\x0f0.NA/20.500.dii\x00\x00\x00\xc8")

// handleSamples covers every handle registry op kind. Their golden files
// are testdata/golden/handle-*, and they seed FuzzDecode as
// testdata/fuzz/FuzzDecode/handle-*; both are rewritten by
// go test -run TestHandleGolden -update ./internal/tx/.
func handleSamples() []sample {
	url := tx.HandleValue{Index: 1, Type: "URL", Data: []byte("https://example.org/hello"), TTL: 86400, Perms: 0x0e}
	return []sample{
		{"handle-create-prefix", []tx.Op{&tx.HandleCreate{Handle: "0.NA/20.500.dii", Values: []tx.HandleValue{
			{Index: 100, Type: "HS_ADMIN", Data: adminData, TTL: 86400, Perms: 0x0e},
		}}}, 0},
		{"handle-create", []tx.Op{&tx.HandleCreate{Handle: "20.500.dii/hello", Values: []tx.HandleValue{
			url,
			{Index: 2, Type: "EMAIL", Data: []byte("hello@example.org"), TTLType: 1, TTL: 1798761600, Perms: 0x0a,
				Refs: []tx.HandleRef{{Handle: "20.500.dii/contact", Index: 1}, {Handle: "0.NA/20.500.dii", Index: 0}}},
		}}}, 1},
		{"handle-create-empty", []tx.Op{&tx.HandleCreate{Handle: "20.500.dii/empty"}}, 2},
		{"handle-add", []tx.Op{&tx.HandleAdd{Handle: "20.500.dii/hello", Values: []tx.HandleValue{
			{Index: 3, Type: "HS_ALIAS", Data: []byte("20.500.dii/other"), Perms: 0x0f},
			{Index: 4, Type: "EMPTY"},
		}}}, 3},
		{"handle-modify", []tx.Op{&tx.HandleModify{Handle: "20.500.dii/hello", Values: []tx.HandleValue{
			{Index: 1, Type: "URL", Data: []byte("https://example.org/moved"), TTL: 3600, Perms: 0x0e},
		}}}, 4},
		{"handle-remove", []tx.Op{&tx.HandleRemove{Handle: "20.500.dii/hello", Indexes: []uint32{2, 3, 4294967295}}}, 5},
		{"handle-remove-none", []tx.Op{&tx.HandleRemove{Handle: "20.500.dii/hello"}}, 6},
		{"handle-delete", []tx.Op{&tx.HandleDelete{Handle: "20.500.dii/hello"}}, 7},
		{"handle-multi", []tx.Op{
			&tx.HandleCreate{Handle: "20.500.dii/a", Values: []tx.HandleValue{url}},
			&tx.HandleAdd{Handle: "20.500.dii/a", Values: []tx.HandleValue{{Index: 2, Type: "DESC", Data: []byte("Ünïcode"), Perms: 0x0e}}},
			&tx.HandleRemove{Handle: "20.500.dii/a", Indexes: []uint32{2}},
			&tx.HandleDelete{Handle: "20.500.dii/a"},
		}, 8},
	}
}

func TestHandleGolden(t *testing.T) {
	for _, s := range handleSamples() {
		t.Run(s.name, func(t *testing.T) {
			raw := encoded(t, s.seq, s.ops...)
			bin := filepath.Join(goldenDir, s.name+".bin")
			txt := filepath.Join(goldenDir, s.name+".txt")
			if *update {
				writeFile(t, bin, raw)
				writeFile(t, txt, hexDump(s.name, raw))
				writeFile(t, filepath.Join(fuzzDir, s.name), fuzzFile(raw))
				return
			}
			want, err := os.ReadFile(bin)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(raw, want) {
				t.Fatalf("encoding differs from %s\n got:\n%s\nwant:\n%s", bin, hex.Dump(raw), hex.Dump(want))
			}
			if wantTxt, err := os.ReadFile(txt); err != nil || !bytes.Equal(hexDump(s.name, raw), wantTxt) {
				t.Fatalf("%s is missing or stale (run with -update): %v", txt, err)
			}
			x, err := tx.Decode(want)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if err := x.VerifySignature(); err != nil {
				t.Fatal(err)
			}
			again, err := x.Encode()
			if err != nil || !bytes.Equal(again, want) {
				t.Fatalf("re-encoding: %v", err)
			}
			for i, op := range x.Ops {
				if op.Kind() != s.ops[i].Kind() || op.Target() != s.ops[i].Target() || !tx.IsHandleKind(op.Kind()) {
					t.Fatalf("op %d: %s %s", i, op.Kind(), op.Target())
				}
			}
		})
	}
}

// TestHandleOpLayout pins the field layout of one op by offset, as
// docs/handle.md describes it.
func TestHandleOpLayout(t *testing.T) {
	raw := encoded(t, 0, &tx.HandleAdd{Handle: "p/s", Values: []tx.HandleValue{
		{Index: 7, Type: "URL", Data: []byte("u"), TTLType: 1, TTL: 0x01020304, Perms: 0x0e, Refs: []tx.HandleRef{{Handle: "p/t", Index: 9}}},
	}})
	op := raw[opsOffset():]
	want := []byte{65, 0, 3, 'p', '/', 's', // kind, handle
		0, 1, // value count
		0, 0, 0, 7, 3, 'U', 'R', 'L', 0, 1, 'u', // index, type, data
		1, 1, 2, 3, 4, 0x0e, // ttl type, ttl, permissions
		1, 0, 3, 'p', '/', 't', 0, 0, 0, 9} // references
	if !bytes.Equal(op[:len(want)], want) || len(op) != len(want)+tx.SignatureLen {
		t.Fatalf("handle-add op bytes\n%x\nwant\n%x + signature", op, want)
	}
	raw = encoded(t, 0, &tx.HandleRemove{Handle: "p/s", Indexes: []uint32{1, 258}})
	want = []byte{67, 0, 3, 'p', '/', 's', 0, 2, 0, 0, 0, 1, 0, 0, 1, 2}
	if op := raw[opsOffset():]; !bytes.Equal(op[:len(want)], want) {
		t.Fatalf("handle-remove op bytes %x, want %x", op, want)
	}
}

func TestHandleKinds(t *testing.T) {
	want := map[tx.Kind]string{
		64: "handle-create", 65: "handle-add", 66: "handle-modify", 67: "handle-remove", 68: "handle-delete",
		63: "kind(63)", 69: "kind(69)",
	}
	for k, s := range want {
		if k.String() != s {
			t.Errorf("Kind(%d) = %q, want %q", k, k.String(), s)
		}
		if tx.IsHandleKind(k) != (k >= 64 && k <= 68) {
			t.Errorf("IsHandleKind(%d)", k)
		}
	}
	reg := encoded(t, 0, &tx.HandleDelete{Handle: "p/s"})
	for _, k := range []byte{41, 63, 69} {
		b := append([]byte(nil), reg...)
		b[opsOffset()] = k
		if _, err := tx.Decode(b); !errors.Is(err, tx.ErrUnknownOp) {
			t.Errorf("kind %d: %v", k, err)
		}
	}
}

func TestHandleOpBounds(t *testing.T) {
	long := "p/" + strings.Repeat("s", tx.MaxHandleLen-2)
	many := make([]tx.HandleValue, tx.MaxHandleValues)
	for i := range many {
		many[i] = tx.HandleValue{Index: uint32(i + 1), Type: "T"}
	}
	refs := make([]tx.HandleRef, tx.MaxHandleRefs)
	for i := range refs {
		refs[i] = tx.HandleRef{Handle: "p/r", Index: uint32(i)}
	}
	for _, op := range []tx.Op{
		&tx.HandleDelete{Handle: long},
		&tx.HandleAdd{Handle: "p/s", Values: many},
		&tx.HandleAdd{Handle: "p/s", Values: []tx.HandleValue{{Index: 1, Type: strings.Repeat("T", 255), Data: make([]byte, 65535), Refs: refs}}},
		&tx.HandleRemove{Handle: "p/s", Indexes: make([]uint32, tx.MaxHandleValues)},
	} {
		raw := encoded(t, 0, op)
		if x, err := tx.Decode(raw); err != nil || x.Ops[0].Target() != op.Target() {
			t.Errorf("%s at the limits: %v", op.Kind(), err)
		}
	}
	for name, op := range map[string]tx.Op{
		"empty handle":       &tx.HandleDelete{},
		"handle too long":    &tx.HandleDelete{Handle: long + "s"},
		"too many values":    &tx.HandleCreate{Handle: "p/s", Values: append(many, tx.HandleValue{Index: 999, Type: "T"})},
		"empty type":         &tx.HandleAdd{Handle: "p/s", Values: []tx.HandleValue{{Index: 1}}},
		"type too long":      &tx.HandleAdd{Handle: "p/s", Values: []tx.HandleValue{{Index: 1, Type: strings.Repeat("T", 256)}}},
		"data too long":      &tx.HandleAdd{Handle: "p/s", Values: []tx.HandleValue{{Index: 1, Type: "T", Data: make([]byte, 65536)}}},
		"ttl type 2":         &tx.HandleModify{Handle: "p/s", Values: []tx.HandleValue{{Index: 1, Type: "T", TTLType: 2}}},
		"permissions 0x10":   &tx.HandleModify{Handle: "p/s", Values: []tx.HandleValue{{Index: 1, Type: "T", Perms: 0x10}}},
		"too many refs":      &tx.HandleAdd{Handle: "p/s", Values: []tx.HandleValue{{Index: 1, Type: "T", Refs: append(refs, refs[0])}}},
		"empty ref handle":   &tx.HandleAdd{Handle: "p/s", Values: []tx.HandleValue{{Index: 1, Type: "T", Refs: []tx.HandleRef{{}}}}},
		"too many indexes":   &tx.HandleRemove{Handle: "p/s", Indexes: make([]uint32, tx.MaxHandleValues+1)},
		"create, no handle":  &tx.HandleCreate{},
		"modify, long":       &tx.HandleModify{Handle: long + "x"},
		"remove, no handle:": &tx.HandleRemove{},
	} {
		x := &tx.Tx{ChainID: testChainID, Ops: []tx.Op{op}}
		if err := x.Sign(testKey()); !errors.Is(err, tx.ErrField) {
			t.Errorf("%s: %v, want ErrField", name, err)
		}
	}
	// On the wire: bad counts, lengths and flag bytes.
	raw := encoded(t, 0, &tx.HandleAdd{Handle: "p/s", Values: []tx.HandleValue{{Index: 1, Type: "T", Data: []byte("d"), Perms: 0x0e}}})
	at := opsOffset() + 1 // handle length
	value := at + 2 + 3 + 2
	for name, c := range map[string]struct {
		off int
		b   []byte
	}{
		"handle length 0":      {at, []byte{0, 0}},
		"handle length 513":    {at, []byte{0x02, 0x01}},
		"value count 129":      {at + 5, []byte{0, 129}},
		"type length 0":        {value + 4, []byte{0}},
		"data length too long": {value + 4 + 2, []byte{0xff, 0xff}},
		"ttl type 2":           {value + 4 + 2 + 3, []byte{2}},
		"permissions 0x1e":     {value + 4 + 2 + 3 + 5, []byte{0x1e}},
		"reference count 17":   {value + 4 + 2 + 3 + 6, []byte{17}},
	} {
		b := append([]byte(nil), raw...)
		copy(b[c.off:], c.b)
		if _, err := tx.Decode(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

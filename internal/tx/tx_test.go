package tx_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/tx"
)

func TestRoundTrip(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			orig := signed(t, s.seq, s.ops...)
			raw, err := orig.Encode()
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got, err := tx.Decode(raw)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			again, err := got.Encode()
			if err != nil {
				t.Fatalf("re-Encode: %v", err)
			}
			if !bytes.Equal(again, raw) {
				t.Fatalf("re-encoding differs\n got %x\nwant %x", again, raw)
			}
			if got.ChainID != orig.ChainID || got.Sequence != orig.Sequence ||
				!bytes.Equal(got.Signer, orig.Signer) || !bytes.Equal(got.Signature, orig.Signature) {
				t.Fatalf("header differs: got %+v, want %+v", got, orig)
			}
			if len(got.Ops) != len(orig.Ops) {
				t.Fatalf("%d ops, want %d", len(got.Ops), len(orig.Ops))
			}
			for i := range got.Ops {
				if got.Ops[i].Kind() != orig.Ops[i].Kind() || got.Ops[i].Target() != orig.Ops[i].Target() {
					t.Errorf("op %d: %s %s, want %s %s", i, got.Ops[i].Kind(), got.Ops[i].Target(), orig.Ops[i].Kind(), orig.Ops[i].Target())
				}
				if !opsEqual(got.Ops[i], orig.Ops[i]) {
					t.Errorf("op %d: got %#v, want %#v", i, got.Ops[i], orig.Ops[i])
				}
			}
			if err := got.VerifySignature(); err != nil {
				t.Fatalf("VerifySignature after decode: %v", err)
			}
			if got.SignerAddress() != tx.AddressOf(testKey().Public().(ed25519.PublicKey)) {
				t.Fatal("SignerAddress does not match the signing key")
			}
			if tx.Hash(raw) != tx.Hash(again) {
				t.Fatal("hash differs")
			}
		})
	}
}

// opsEqual compares ops treating a nil and an empty record as equal (the
// encoding cannot tell them apart).
func opsEqual(a, b tx.Op) bool {
	sa, okA := a.(*tx.SetRRset)
	sb, okB := b.(*tx.SetRRset)
	if okA && okB {
		if sa.Name != sb.Name || sa.Type != sb.Type || sa.TTL != sb.TTL || len(sa.Records) != len(sb.Records) {
			return false
		}
		for i := range sa.Records {
			if !bytes.Equal(sa.Records[i], sb.Records[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func TestDecodeCopiesRecords(t *testing.T) {
	raw := encoded(t, 0, &tx.SetRRset{Name: "a.dii", Type: 1, TTL: 1, Records: [][]byte{{1, 2, 3, 4}}})
	got, err := tx.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		raw[i] = 0
	}
	if rd := got.Ops[0].(*tx.SetRRset).Records[0]; !bytes.Equal(rd, []byte{1, 2, 3, 4}) {
		t.Fatalf("record data changed with the input: %x", rd)
	}
}

func TestKindString(t *testing.T) {
	want := map[tx.Kind]string{
		tx.KindRegister: "register", tx.KindSetRRset: "set", tx.KindTransfer: "transfer",
		tx.KindRenew: "renew", tx.KindDelete: "delete", tx.KindDelegate: "delegate",
		0: "kind(0)", 7: "nameserver", 8: "kind(8)", 15: "kind(15)", 16: "validator", 17: "kind(17)", 255: "kind(255)",
	}
	for k, s := range want {
		if k.String() != s {
			t.Errorf("Kind(%d).String() = %q, want %q", uint8(k), k.String(), s)
		}
	}
	// Wire numbers are part of the format and never change.
	ops := []tx.Op{&tx.Register{}, &tx.SetRRset{}, &tx.Transfer{}, &tx.Renew{}, &tx.Delete{}, &tx.Delegate{}}
	for i, op := range ops {
		if uint8(op.Kind()) != uint8(i+1) {
			t.Errorf("%T kind %d, want %d", op, op.Kind(), i+1)
		}
	}
}

func TestSignVerify(t *testing.T) {
	x := signed(t, 42, &tx.Register{Name: "example.dii"})
	if err := x.VerifySignature(); err != nil {
		t.Fatalf("VerifySignature: %v", err)
	}
	if !bytes.Equal(x.Signer, testKey().Public().(ed25519.PublicKey)) {
		t.Fatal("Sign did not set Signer")
	}
	sb, err := x.SignBytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(sb, []byte("dii/tx/v1\x00")) {
		t.Fatalf("SignBytes lacks the domain tag: %q", sb[:12])
	}
	raw, err := x.Encode()
	if err != nil {
		t.Fatal(err)
	}
	// The signed body is the encoding without magic and signature.
	if body := raw[2 : len(raw)-tx.SignatureLen]; !bytes.Equal(sb[len("dii/tx/v1\x00"):], body) {
		t.Fatal("SignBytes is not the domain tag followed by the encoded body")
	}

	// Missing or malformed signature or signer.
	for name, mutate := range map[string]func(*tx.Tx){
		"no signature":    func(x *tx.Tx) { x.Signature = nil },
		"short signature": func(x *tx.Tx) { x.Signature = x.Signature[:63] },
		"no signer":       func(x *tx.Tx) { x.Signer = nil },
		"short signer":    func(x *tx.Tx) { x.Signer = x.Signer[:31] },
	} {
		c := signed(t, 42, &tx.Register{Name: "example.dii"})
		mutate(c)
		if err := c.VerifySignature(); !errors.Is(err, tx.ErrBadSignature) {
			t.Errorf("%s: VerifySignature = %v, want ErrBadSignature", name, err)
		}
	}

	// A transaction that cannot be encoded cannot be signed.
	bad := &tx.Tx{ChainID: "", Ops: []tx.Op{&tx.Delete{Name: "a.dii"}}}
	if err := bad.Sign(testKey()); !errors.Is(err, tx.ErrField) {
		t.Fatalf("Sign with empty chain id: %v, want ErrField", err)
	}
}

// TestSignatureCoversEveryField changes one field of a signed transaction
// at a time and expects verification to fail.
func TestSignatureCoversEveryField(t *testing.T) {
	base := func() *tx.Tx {
		return signed(t, 7,
			&tx.Register{Name: "example.dii", Owner: addr(1), PeriodDays: 10, Open: false},
			&tx.SetRRset{Name: "www.example.dii", Type: 1, TTL: 60, Records: [][]byte{{1, 2, 3, 4}}},
			&tx.Transfer{Name: "example.dii", To: addr(2)},
			&tx.Renew{Name: "example.dii", PeriodDays: 5},
			&tx.Delete{Name: "old.dii"},
			&tx.Delegate{Name: "example.dii", Account: addr(3), Allow: true},
		)
	}
	tests := []struct {
		name   string
		mutate func(*tx.Tx)
	}{
		{"chain id", func(x *tx.Tx) { x.ChainID = "dii-test-2" }},
		{"sequence", func(x *tx.Tx) { x.Sequence++ }},
		{"signer", func(x *tx.Tx) { x.Signer = otherKey().Public().(ed25519.PublicKey) }},
		{"signature", func(x *tx.Tx) { x.Signature = append([]byte(nil), x.Signature...); x.Signature[10] ^= 1 }},
		{"op dropped", func(x *tx.Tx) { x.Ops = x.Ops[:len(x.Ops)-1] }},
		{"ops swapped", func(x *tx.Tx) { x.Ops[0], x.Ops[1] = x.Ops[1], x.Ops[0] }},
		{"op added", func(x *tx.Tx) { x.Ops = append(x.Ops, &tx.Delete{Name: "x.dii"}) }},
		{"register name", func(x *tx.Tx) { x.Ops[0].(*tx.Register).Name = "exampla.dii" }},
		{"register owner", func(x *tx.Tx) { x.Ops[0].(*tx.Register).Owner[19] ^= 1 }},
		{"register period", func(x *tx.Tx) { x.Ops[0].(*tx.Register).PeriodDays++ }},
		{"register open", func(x *tx.Tx) { x.Ops[0].(*tx.Register).Open = true }},
		{"set name", func(x *tx.Tx) { x.Ops[1].(*tx.SetRRset).Name = "ww.example.dii" }},
		{"set type", func(x *tx.Tx) { x.Ops[1].(*tx.SetRRset).Type = 28 }},
		{"set ttl", func(x *tx.Tx) { x.Ops[1].(*tx.SetRRset).TTL = 61 }},
		{"set record", func(x *tx.Tx) { x.Ops[1].(*tx.SetRRset).Records = [][]byte{{1, 2, 3, 5}} }},
		{"set record added", func(x *tx.Tx) {
			o := x.Ops[1].(*tx.SetRRset)
			o.Records = append(o.Records, []byte{9, 9, 9, 9})
		}},
		{"set records removed", func(x *tx.Tx) { x.Ops[1].(*tx.SetRRset).Records = nil }},
		{"transfer name", func(x *tx.Tx) { x.Ops[2].(*tx.Transfer).Name = "other.dii" }},
		{"transfer to", func(x *tx.Tx) { x.Ops[2].(*tx.Transfer).To = addr(9) }},
		{"renew name", func(x *tx.Tx) { x.Ops[3].(*tx.Renew).Name = "other.dii" }},
		{"renew period", func(x *tx.Tx) { x.Ops[3].(*tx.Renew).PeriodDays = 0 }},
		{"delete name", func(x *tx.Tx) { x.Ops[4].(*tx.Delete).Name = "new.dii" }},
		{"delegate name", func(x *tx.Tx) { x.Ops[5].(*tx.Delegate).Name = "other.dii" }},
		{"delegate account", func(x *tx.Tx) { x.Ops[5].(*tx.Delegate).Account = addr(4) }},
		{"delegate allow", func(x *tx.Tx) { x.Ops[5].(*tx.Delegate).Allow = false }},
		{"op kind", func(x *tx.Tx) {
			// Same name, different meaning.
			x.Ops[4] = &tx.Renew{Name: "old.dii"}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := base()
			if err := x.VerifySignature(); err != nil {
				t.Fatalf("unmodified: %v", err)
			}
			tc.mutate(x)
			if err := x.VerifySignature(); !errors.Is(err, tx.ErrBadSignature) {
				t.Fatalf("VerifySignature after changing the %s = %v, want ErrBadSignature", tc.name, err)
			}
		})
	}
}

// TestEveryByteMatters flips each bit of a valid encoding: the result must
// fail to decode or fail verification.
func TestEveryByteMatters(t *testing.T) {
	for _, s := range samples() {
		raw := encoded(t, s.seq, s.ops...)
		for i := range raw {
			for bit := 0; bit < 8; bit++ {
				b := append([]byte(nil), raw...)
				b[i] ^= 1 << bit
				x, err := tx.Decode(b)
				if err != nil {
					continue
				}
				if err := x.VerifySignature(); err == nil {
					t.Fatalf("%s: flipping bit %d of byte %d still verifies", s.name, bit, i)
				}
			}
		}
	}
}

func TestDecodeTruncated(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			raw := encoded(t, s.seq, s.ops...)
			for n := 0; n < len(raw); n++ {
				x, err := tx.Decode(raw[:n])
				if !errors.Is(err, tx.ErrTruncated) {
					t.Fatalf("Decode of the first %d of %d bytes: %v, want ErrTruncated", n, len(raw), err)
				}
				if x != nil {
					t.Fatalf("Decode of the first %d bytes returned a transaction with an error", n)
				}
			}
		})
	}
}

func TestDecodeTrailing(t *testing.T) {
	raw := encoded(t, 0, &tx.Delete{Name: "example.dii"})
	for _, extra := range [][]byte{{0}, {1, 2, 3}, raw} {
		b := append(append([]byte(nil), raw...), extra...)
		if _, err := tx.Decode(b); !errors.Is(err, tx.ErrTrailing) {
			t.Errorf("Decode with %d trailing bytes: %v, want ErrTrailing", len(extra), err)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	reg := encoded(t, 0, &tx.Register{Name: "example.dii", Owner: addr(1), PeriodDays: 1})
	del := encoded(t, 0, &tx.Delegate{Name: "example.dii", Account: addr(1), Allow: true})
	set := encoded(t, 0, &tx.SetRRset{Name: "example.dii", Type: 1, Records: [][]byte{{1, 2, 3, 4}}})
	op := opsOffset()
	cnt := opCountOffset()
	patch := func(b []byte, off int, v ...byte) []byte {
		c := append([]byte(nil), b...)
		copy(c[off:], v)
		return c
	}
	withCount := func(b []byte, n uint16) []byte {
		c := append([]byte(nil), b...)
		binary.BigEndian.PutUint16(c[cnt:], n)
		return c
	}
	// The register op: kind, name length, name, owner, period, open.
	regOpen := op + 1 + 1 + len("example.dii") + tx.AddressLen + 2
	// The delegate op: kind, name length, name, account, allow.
	delAllow := op + 1 + 1 + len("example.dii") + tx.AddressLen
	// Sanity: the offsets point at the boolean bytes.
	if reg[regOpen] != 0 || del[delAllow] != 1 {
		t.Fatalf("test offsets are wrong: open=%d allow=%d", reg[regOpen], del[delAllow])
	}
	splice := func(b []byte, off, drop int, ins ...byte) []byte {
		c := append([]byte(nil), b[:off]...)
		c = append(c, ins...)
		return append(c, b[off+drop:]...)
	}

	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, tx.ErrTruncated},
		{"one byte", []byte{'d'}, tx.ErrTruncated},
		{"wrong magic", patch(reg, 0, 'd', 't'), tx.ErrBadMagic},
		{"wrong magic first byte", patch(reg, 0, 'D'), tx.ErrBadMagic},
		{"magic only wrong", []byte{'x', 'y'}, tx.ErrBadMagic},
		{"version 0", patch(reg, 2, 0), tx.ErrVersion},
		{"version 2", patch(reg, 2, 2), tx.ErrVersion},
		{"version 255", patch(reg, 2, 255), tx.ErrVersion},
		{"chain id length 0", splice(reg, 3, 1+len(testChainID), 0), tx.ErrField},
		{"chain id length 51", splice(reg, 3, 1+len(testChainID), append([]byte{51}, strings.Repeat("c", 51)...)...), tx.ErrField},
		{"chain id space", patch(reg, 4, ' '), tx.ErrField},
		{"chain id NUL", patch(reg, 4, 0), tx.ErrField},
		{"chain id DEL", patch(reg, 5, 0x7f), tx.ErrField},
		{"chain id high byte", patch(reg, 4+len(testChainID)-1, 0xc3), tx.ErrField},
		{"op count 0", withCount(reg, 0), tx.ErrField},
		{"op count MaxOps+1", withCount(reg, tx.MaxOps+1), tx.ErrField},
		{"op count 65535", withCount(reg, 0xffff), tx.ErrField},
		{"op count 2 with one op", withCount(reg, 2), nil}, // some error; see below
		{"op kind 0", patch(reg, op, 0), tx.ErrUnknownOp},
		{"op kind 8", patch(reg, op, 8), tx.ErrUnknownOp},
		{"op kind 255", patch(reg, op, 255), tx.ErrUnknownOp},
		{"register open 2", patch(reg, regOpen, 2), tx.ErrField},
		{"register open 255", patch(reg, regOpen, 255), tx.ErrField},
		{"delegate allow 2", patch(del, delAllow, 2), tx.ErrField},
		{"name length 0", splice(reg, op+1, 1+len("example.dii"), 0), tx.ErrField},
		{"name length 254", splice(reg, op+1, 1+len("example.dii"), append([]byte{254}, strings.Repeat("a", 254)...)...), tx.ErrField},
		{"record count over data", patch(set, op+1+1+len("example.dii")+2+4, 2), tx.ErrTruncated},
		{"record length over data", patch(set, op+1+1+len("example.dii")+2+4+1, 0xff, 0xff), tx.ErrTruncated},
		{"too large", make([]byte, tx.MaxTxBytes+1), tx.ErrTooLarge},
		{"too large valid prefix", append(append([]byte(nil), reg...), make([]byte, tx.MaxTxBytes)...), tx.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := tx.Decode(tc.in)
			if err == nil {
				t.Fatalf("Decode accepted it: %+v", x)
			}
			if x != nil {
				t.Fatal("Decode returned a transaction with an error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Decode: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	okOps := []tx.Op{&tx.Delete{Name: "a.dii"}}
	sig := make([]byte, tx.SignatureLen)
	pub := testKey().Public().(ed25519.PublicKey)
	tooMany := make([]tx.Op, tx.MaxOps+1)
	for i := range tooMany {
		tooMany[i] = &tx.Delete{Name: "a.dii"}
	}
	long := strings.Repeat("a", tx.MaxNameLen+1)
	tests := []struct {
		name string
		x    tx.Tx
		want error
	}{
		{"no signature", tx.Tx{ChainID: "c", Signer: pub, Ops: okOps}, tx.ErrField},
		{"short signature", tx.Tx{ChainID: "c", Signer: pub, Ops: okOps, Signature: sig[:63]}, tx.ErrField},
		{"empty chain id", tx.Tx{ChainID: "", Signer: pub, Ops: okOps, Signature: sig}, tx.ErrField},
		{"long chain id", tx.Tx{ChainID: strings.Repeat("c", tx.MaxChainIDLen+1), Signer: pub, Ops: okOps, Signature: sig}, tx.ErrField},
		{"chain id space", tx.Tx{ChainID: "a b", Signer: pub, Ops: okOps, Signature: sig}, tx.ErrField},
		{"chain id unicode", tx.Tx{ChainID: "é", Signer: pub, Ops: okOps, Signature: sig}, tx.ErrField},
		{"short signer", tx.Tx{ChainID: "c", Signer: pub[:31], Ops: okOps, Signature: sig}, tx.ErrField},
		{"no ops", tx.Tx{ChainID: "c", Signer: pub, Signature: sig}, tx.ErrField},
		{"too many ops", tx.Tx{ChainID: "c", Signer: pub, Ops: tooMany, Signature: sig}, tx.ErrField},
		{"nil op", tx.Tx{ChainID: "c", Signer: pub, Ops: []tx.Op{nil}, Signature: sig}, tx.ErrField},
		{"register empty name", tx.Tx{ChainID: "c", Signer: pub, Ops: []tx.Op{&tx.Register{}}, Signature: sig}, tx.ErrField},
		{"register long name", tx.Tx{ChainID: "c", Signer: pub, Ops: []tx.Op{&tx.Register{Name: long}}, Signature: sig}, tx.ErrField},
		{"set empty name", tx.Tx{ChainID: "c", Signer: pub, Ops: []tx.Op{&tx.SetRRset{}}, Signature: sig}, tx.ErrField},
		{"transfer long name", tx.Tx{ChainID: "c", Signer: pub, Ops: []tx.Op{&tx.Transfer{Name: long}}, Signature: sig}, tx.ErrField},
		{"renew empty name", tx.Tx{ChainID: "c", Signer: pub, Ops: []tx.Op{&tx.Renew{}}, Signature: sig}, tx.ErrField},
		{"delete empty name", tx.Tx{ChainID: "c", Signer: pub, Ops: []tx.Op{&tx.Delete{}}, Signature: sig}, tx.ErrField},
		{"delegate empty name", tx.Tx{ChainID: "c", Signer: pub, Ops: []tx.Op{&tx.Delegate{}}, Signature: sig}, tx.ErrField},
		{"too many records", tx.Tx{ChainID: "c", Signer: pub, Ops: []tx.Op{&tx.SetRRset{Name: "a", Records: make([][]byte, tx.MaxRecords+1)}}, Signature: sig}, tx.ErrField},
		{"record too long", tx.Tx{ChainID: "c", Signer: pub, Ops: []tx.Op{&tx.SetRRset{Name: "a", Records: [][]byte{make([]byte, tx.MaxRDataLen+1)}}}, Signature: sig}, tx.ErrField},
		{"too large", tx.Tx{ChainID: "c", Signer: pub, Ops: bigOps(17), Signature: sig}, tx.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.x.Encode()
			if !errors.Is(err, tc.want) {
				t.Fatalf("Encode = %d bytes, %v; want %v", len(b), err, tc.want)
			}
			if b != nil {
				t.Fatal("Encode returned bytes with an error")
			}
		})
	}
}

// bigOps returns n SetRRset ops each holding one maximal record.
func bigOps(n int) []tx.Op {
	ops := make([]tx.Op, n)
	for i := range ops {
		ops[i] = &tx.SetRRset{Name: "big.dii", Type: 16, Records: [][]byte{make([]byte, tx.MaxRDataLen)}}
	}
	return ops
}

// TestSizeLimitBoundary builds a transaction of exactly MaxTxBytes, which
// both Encode and Decode accept, and one byte more, which both refuse.
func TestSizeLimitBoundary(t *testing.T) {
	// overhead is what an op with one record adds besides the record:
	// kind, name, type, ttl, count and the record's length prefix.
	const overhead = 1 + 1 + len("big.dii") + 2 + 4 + 1 + 2
	build := func(total int) *tx.Tx {
		t.Helper()
		x := signed(t, 0, bigOps(15)...)
		for {
			raw, err := x.Encode()
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			missing := total - len(raw)
			if missing == 0 {
				return x
			}
			rec := missing - overhead
			if rec < 0 {
				t.Fatalf("test setup: %d bytes missing", missing)
			}
			if rec > tx.MaxRDataLen {
				rec = tx.MaxRDataLen / 2
			}
			x.Ops = append(x.Ops, &tx.SetRRset{Name: "big.dii", Type: 16, Records: [][]byte{make([]byte, rec)}})
			if err := x.Sign(testKey()); err != nil {
				t.Fatal(err)
			}
		}
	}
	x := build(tx.MaxTxBytes)
	raw, err := x.Encode()
	if err != nil {
		t.Fatalf("Encode at exactly MaxTxBytes: %v", err)
	}
	if len(raw) != tx.MaxTxBytes {
		t.Fatalf("test setup: %d bytes, want %d", len(raw), tx.MaxTxBytes)
	}
	got, err := tx.Decode(raw)
	if err != nil {
		t.Fatalf("Decode at exactly MaxTxBytes: %v", err)
	}
	if err := got.VerifySignature(); err != nil {
		t.Fatal(err)
	}

	// One more byte in the last record.
	last := x.Ops[len(x.Ops)-1].(*tx.SetRRset)
	last.Records[0] = append(last.Records[0], 0)
	if err := x.Sign(testKey()); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Encode(); !errors.Is(err, tx.ErrTooLarge) {
		t.Fatalf("Encode at MaxTxBytes+1: %v, want ErrTooLarge", err)
	}
	if _, err := tx.Decode(append(raw, 0)); !errors.Is(err, tx.ErrTooLarge) {
		t.Fatalf("Decode at MaxTxBytes+1: %v, want ErrTooLarge", err)
	}
}

func TestMaxOpsAccepted(t *testing.T) {
	ops := make([]tx.Op, tx.MaxOps)
	for i := range ops {
		ops[i] = &tx.Delete{Name: "a.dii"}
	}
	raw := encoded(t, 0, ops...)
	got, err := tx.Decode(raw)
	if err != nil {
		t.Fatalf("Decode with MaxOps ops: %v", err)
	}
	if len(got.Ops) != tx.MaxOps {
		t.Fatalf("%d ops, want %d", len(got.Ops), tx.MaxOps)
	}
}

func TestLimitsAccepted(t *testing.T) {
	name := strings.Repeat("n", tx.MaxNameLen)
	x := &tx.Tx{ChainID: strings.Repeat("!", tx.MaxChainIDLen), Sequence: ^uint64(0), Ops: []tx.Op{
		&tx.Register{Name: name, Owner: addr(0xf0), PeriodDays: 0xffff, Open: true},
		&tx.SetRRset{Name: "~", Type: 0xffff, TTL: 0xffffffff, Records: make([][]byte, tx.MaxRecords)},
	}}
	if err := x.Sign(testKey()); err != nil {
		t.Fatal(err)
	}
	raw, err := x.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := tx.Decode(raw)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	again, err := got.Encode()
	if err != nil || !bytes.Equal(again, raw) {
		t.Fatalf("round trip at the limits failed: %v", err)
	}
	if got.Sequence != ^uint64(0) || got.Ops[0].Target() != name || len(got.Ops[1].(*tx.SetRRset).Records) != tx.MaxRecords {
		t.Fatal("fields at their limits did not survive the round trip")
	}
}

func TestDecodeDoesNotVerify(t *testing.T) {
	x := signed(t, 0, &tx.Delete{Name: "a.dii"})
	x.Signature = make([]byte, tx.SignatureLen)
	raw, err := x.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := tx.Decode(raw)
	if err != nil {
		t.Fatalf("Decode of a badly signed tx: %v (Decode checks encoding only)", err)
	}
	if err := got.VerifySignature(); !errors.Is(err, tx.ErrBadSignature) {
		t.Fatalf("VerifySignature = %v, want ErrBadSignature", err)
	}
}

func TestAddressOf(t *testing.T) {
	pub := testKey().Public().(ed25519.PublicKey)
	a := tx.AddressOf(pub)
	b := tx.AddressOf(otherKey().Public().(ed25519.PublicKey))
	if a == b || a.IsZero() || b.IsZero() {
		t.Fatalf("AddressOf gives %x and %x", a, b)
	}
	x := signed(t, 0, &tx.Delete{Name: "a.dii"})
	if x.SignerAddress() != a {
		t.Fatal("SignerAddress differs from AddressOf(Signer)")
	}
}

// TestDecodeNameBounds checks the name length bounds of every op kind.
func TestDecodeNameBounds(t *testing.T) {
	ops := []tx.Op{
		&tx.Register{Name: "n"},
		&tx.SetRRset{Name: "n"},
		&tx.Transfer{Name: "n"},
		&tx.Renew{Name: "n"},
		&tx.Delete{Name: "n"},
		&tx.Delegate{Name: "n"},
	}
	nameAt := opsOffset() + 1 // after the op kind
	for _, op := range ops {
		t.Run(op.Kind().String(), func(t *testing.T) {
			raw := encoded(t, 0, op)
			if raw[nameAt] != 1 || raw[nameAt+1] != 'n' {
				t.Fatalf("test setup: name not at offset %d", nameAt)
			}
			splice := func(name []byte) []byte {
				c := append([]byte(nil), raw[:nameAt]...)
				c = append(c, byte(len(name)))
				c = append(c, name...)
				return append(c, raw[nameAt+2:]...)
			}
			if _, err := tx.Decode(splice(nil)); !errors.Is(err, tx.ErrField) {
				t.Errorf("empty name: %v, want ErrField", err)
			}
			if _, err := tx.Decode(splice(bytes.Repeat([]byte{'a'}, tx.MaxNameLen+1))); !errors.Is(err, tx.ErrField) {
				t.Errorf("%d-byte name: %v, want ErrField", tx.MaxNameLen+1, err)
			}
			// At the limit the encoding is valid (the signature no longer
			// matches, which Decode does not check).
			x, err := tx.Decode(splice(bytes.Repeat([]byte{'a'}, tx.MaxNameLen)))
			if err != nil {
				t.Fatalf("%d-byte name: %v", tx.MaxNameLen, err)
			}
			if len(x.Ops[0].Target()) != tx.MaxNameLen {
				t.Fatalf("name of %d bytes", len(x.Ops[0].Target()))
			}
		})
	}
}

func TestNameserverOp(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 68)
	cases := []*tx.Nameserver{
		{Name: "ns1.dii-nic", Addrs: [][]byte{{127, 0, 0, 1}, bytes.Repeat([]byte{1}, 16)}, DNSKEY: key},
		{Name: "ns1.dii-nic"},
		{}, // withdraw
	}
	for _, o := range cases {
		tr := signed(t, 1, o)
		raw, err := tr.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := tx.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		again, err := got.Encode()
		if err != nil || !bytes.Equal(raw, again) {
			t.Fatalf("round trip differs: %v", err)
		}
		g := got.Ops[0].(*tx.Nameserver)
		if g.Name != o.Name || len(g.Addrs) != len(o.Addrs) || !bytes.Equal(g.DNSKEY, o.DNSKEY) {
			t.Fatalf("decoded %+v, want %+v", g, o)
		}
	}
	bad := &tx.Tx{ChainID: "c", Ops: []tx.Op{&tx.Nameserver{Name: "x", Addrs: [][]byte{{1, 2, 3}}}}}
	if err := bad.Sign(testKey()); !errors.Is(err, tx.ErrField) {
		t.Fatalf("3-byte address: %v", err)
	}
}

func TestValidatorOp(t *testing.T) {
	pub := otherKey().Public().(ed25519.PublicKey)
	for _, o := range []*tx.Validator{
		{PubKey: pub, Power: 10, Operator: addr(3)},
		{PubKey: pub, Power: 1<<64 - 1},
		{PubKey: pub},
	} {
		raw, err := signed(t, 1, o).Encode()
		if err != nil {
			t.Fatal(err)
		}
		if want := 2 + 1 + 1 + len(testChainID) + 32 + 8 + 2 + 1 + 32 + 8 + 20 + 64; len(raw) != want {
			t.Fatalf("encoding is %d bytes, want %d", len(raw), want)
		}
		got, err := tx.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		g := got.Ops[0].(*tx.Validator)
		if !bytes.Equal(g.PubKey, o.PubKey) || g.Power != o.Power || g.Operator != o.Operator {
			t.Fatalf("decoded %+v, want %+v", g, o)
		}
		if g.Target() != fmt.Sprintf("%X", []byte(pub)) {
			t.Fatalf("target %q", g.Target())
		}
	}
	for _, n := range []int{0, 31, 33} {
		bad := &tx.Tx{ChainID: "c", Ops: []tx.Op{&tx.Validator{PubKey: make([]byte, n)}}}
		if err := bad.Sign(testKey()); !errors.Is(err, tx.ErrField) {
			t.Fatalf("%d-byte key: %v", n, err)
		}
	}
	// Truncated inside the op.
	raw, _ := signed(t, 1, &tx.Validator{PubKey: pub, Power: 1}).Encode()
	cut := raw[:opsOffset()+1+20]
	if _, err := tx.Decode(cut); !errors.Is(err, tx.ErrTruncated) {
		t.Fatalf("truncated: %v", err)
	}
}

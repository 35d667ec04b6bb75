package tx_test

import (
	"bytes"
	"crypto/ed25519"
	"testing"

	"github.com/dii-net/dii/internal/tx"
)

const testChainID = "dii-test-1"

// testKey is the fixed signing key of the tests: seed 32 bytes of 0x01, so
// signatures (ed25519 is deterministic) and golden files are stable.
func testKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x01}, ed25519.SeedSize))
}

// otherKey is a second fixed key (seed 32 bytes of 0x02).
func otherKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x02}, ed25519.SeedSize))
}

func addr(b byte) tx.Address {
	var a tx.Address
	for i := range a {
		a[i] = b + byte(i)
	}
	return a
}

// sample is a named transaction used by several tests.
type sample struct {
	name string
	ops  []tx.Op
	seq  uint64
}

// samples covers every op kind, edge values and multi-op transactions.
// The golden files are generated from these: changing one means running
// the golden test with -update and reviewing the diff.
func samples() []sample {
	return []sample{
		{"register", []tx.Op{&tx.Register{Name: "example.dii", Owner: addr(0x10), PeriodDays: 365}}, 0},
		{"register-tld-open", []tx.Op{&tx.Register{Name: "dii", PeriodDays: 3650, Open: true}}, 1},
		{"setrrset-empty", []tx.Op{&tx.SetRRset{Name: "www.example.dii", Type: 1, TTL: 300}}, 2},
		{"setrrset-one", []tx.Op{&tx.SetRRset{Name: "www.example.dii", Type: 1, TTL: 300, Records: [][]byte{{192, 0, 2, 1}}}}, 3},
		{"setrrset-many", []tx.Op{&tx.SetRRset{Name: "example.dii", Type: 16, TTL: 604800, Records: [][]byte{
			append([]byte{5}, "hello"...),
			append([]byte{5}, "world"...),
			{0},
		}}}, 4},
		{"transfer", []tx.Op{&tx.Transfer{Name: "example.dii", To: addr(0x20)}}, 5},
		{"renew", []tx.Op{&tx.Renew{Name: "example.dii", PeriodDays: 30}}, 6},
		{"delete", []tx.Op{&tx.Delete{Name: "example.dii"}}, 7},
		{"delegate-allow", []tx.Op{&tx.Delegate{Name: "example.dii", Account: addr(0x30), Allow: true}}, 8},
		{"delegate-disallow", []tx.Op{&tx.Delegate{Name: "example.dii", Account: addr(0x30), Allow: false}}, 9},
		{"multi", []tx.Op{
			&tx.Register{Name: "shop.dii", PeriodDays: 0},
			&tx.SetRRset{Name: "shop.dii", Type: 2, TTL: 3600, Records: [][]byte{
				[]byte("\x03ns1\x04shop\x03dii\x00"),
				[]byte("\x03ns2\x04shop\x03dii\x00"),
			}},
			&tx.SetRRset{Name: "ns1.shop.dii", Type: 28, TTL: 0, Records: [][]byte{bytes.Repeat([]byte{0x20}, 16)}},
			&tx.Delegate{Name: "shop.dii", Account: addr(0x40), Allow: true},
			&tx.Renew{Name: "shop.dii"},
			&tx.Transfer{Name: "shop.dii", To: addr(0x50)},
			&tx.Delete{Name: "old.dii"},
		}, 1<<63 + 5},
		{"validator-add", []tx.Op{&tx.Validator{PubKey: otherKey().Public().(ed25519.PublicKey), Power: 10, Operator: addr(0x60)}}, 10},
		{"validator-remove", []tx.Op{&tx.Validator{PubKey: otherKey().Public().(ed25519.PublicKey)}}, 11},
	}
}

// signed builds and signs a transaction with testKey.
func signed(t testing.TB, seq uint64, ops ...tx.Op) *tx.Tx {
	t.Helper()
	x := &tx.Tx{ChainID: testChainID, Sequence: seq, Ops: ops}
	if err := x.Sign(testKey()); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return x
}

// encoded signs and encodes a transaction with testKey.
func encoded(t testing.TB, seq uint64, ops ...tx.Op) []byte {
	t.Helper()
	b, err := signed(t, seq, ops...).Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return b
}

// opsOffset is where the first op starts in an encoding with testChainID.
func opsOffset() int {
	return 2 + 1 + 1 + len(testChainID) + tx.PubKeyLen + 8 + 2
}

// opCountOffset is where the op count sits in an encoding with testChainID.
func opCountOffset() int { return opsOffset() - 2 }

package tx_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/bech32"

	"github.com/dii-net/dii/internal/tx"
)

func TestAddressRoundTrip(t *testing.T) {
	var ff tx.Address
	for i := range ff {
		ff[i] = 0xff
	}
	tests := []struct {
		name string
		a    tx.Address
	}{
		{"zero", tx.Address{}},
		{"ones", ff},
		{"counting", addr(1)},
		{"test key", tx.AddressOf(testKey().Public().(ed25519.PublicKey))},
		{"other key", tx.AddressOf(otherKey().Public().(ed25519.PublicKey))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.a.String()
			if !strings.HasPrefix(s, tx.AddressHRP+"1") {
				t.Fatalf("String() = %q lacks the %q prefix", s, tx.AddressHRP+"1")
			}
			// 3 (hrp) + 1 (separator) + 32 (160 bits in 5-bit groups) + 6
			// (checksum).
			if len(s) != 42 {
				t.Fatalf("String() = %q is %d characters, want 42", s, len(s))
			}
			if s != strings.ToLower(s) {
				t.Fatalf("String() = %q is not lower case", s)
			}
			got, err := tx.ParseAddress(s)
			if err != nil {
				t.Fatalf("ParseAddress(%q): %v", s, err)
			}
			if got != tc.a {
				t.Fatalf("ParseAddress(%q) = %x, want %x", s, got, tc.a)
			}
			// bech32 allows an all upper-case form.
			if got, err := tx.ParseAddress(strings.ToUpper(s)); err != nil || got != tc.a {
				t.Fatalf("ParseAddress(upper case) = %x, %v", got, err)
			}
			// Text marshalling, as used in JSON.
			j, err := json.Marshal(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			if string(j) != `"`+s+`"` {
				t.Fatalf("json = %s, want %q", j, s)
			}
			var back tx.Address
			if err := json.Unmarshal(j, &back); err != nil || back != tc.a {
				t.Fatalf("json round trip = %x, %v", back, err)
			}
		})
	}
	if tx.AddressOf(testKey().Public().(ed25519.PublicKey)).String() == tx.AddressOf(otherKey().Public().(ed25519.PublicKey)).String() {
		t.Fatal("two keys give the same address string")
	}
}

func TestAddressIsZero(t *testing.T) {
	if !(tx.Address{}).IsZero() {
		t.Error("zero address: IsZero false")
	}
	var a tx.Address
	a[19] = 1
	if a.IsZero() {
		t.Error("non-zero address: IsZero true")
	}
}

func mustBech32(t *testing.T, hrp string, data []byte) string {
	t.Helper()
	conv, err := bech32.ConvertBits(data, 8, 5, true)
	if err != nil {
		t.Fatal(err)
	}
	s, err := bech32.Encode(hrp, conv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseAddressRejects(t *testing.T) {
	a := addr(7)
	good := a.String()
	// Change the last checksum character to another valid one.
	last := good[len(good)-1]
	repl := byte('q')
	if last == 'q' {
		repl = 'p'
	}
	badSum := good[:len(good)-1] + string(repl)
	// Change a data character.
	mid := []byte(good)
	if mid[10] == 'q' {
		mid[10] = 'p'
	} else {
		mid[10] = 'q'
	}
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"hrp only", "dii1"},
		{"wrong prefix", mustBech32(t, "cosmos", a[:])},
		{"prefix of prefix", mustBech32(t, "di", a[:])},
		{"longer prefix", mustBech32(t, "diii", a[:])},
		{"bad checksum", badSum},
		{"changed data", string(mid)},
		{"19 bytes", mustBech32(t, tx.AddressHRP, a[:19])},
		{"21 bytes", mustBech32(t, tx.AddressHRP, append(a[:], 0))},
		{"32 bytes", mustBech32(t, tx.AddressHRP, bytes.Repeat([]byte{1}, 32))},
		{"no data", mustBech32(t, tx.AddressHRP, nil)},
		{"mixed case", strings.ToUpper(good[:5]) + good[5:]},
		{"hex", "0102030405060708090a0b0c0d0e0f1011121314"},
		{"trailing space", good + " "},
		{"invalid character", good[:10] + "b" + good[11:]},
		// The example in String's doc comment: not a valid address.
		{"doc example", "dii1qy352euf40x77qfrg4ncn27dauqjx3t83x4ummcpydzk0zdtehhse25p5p"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tx.ParseAddress(tc.in)
			if !errors.Is(err, tx.ErrBadAddress) {
				t.Fatalf("ParseAddress(%q) = %x, %v; want ErrBadAddress", tc.in, got, err)
			}
			if !got.IsZero() {
				t.Fatalf("ParseAddress(%q) returned a non-zero address with an error", tc.in)
			}
			var u tx.Address
			if err := u.UnmarshalText([]byte(tc.in)); !errors.Is(err, tx.ErrBadAddress) || !u.IsZero() {
				t.Fatalf("UnmarshalText(%q) = %x, %v", tc.in, u, err)
			}
		})
	}
}

// TestParseAddressRejectsBech32m: an address has one text form, the bech32
// string String returns. The same 20 bytes with a bech32m checksum (BIP
// 350) are a second, different string for the same account; ParseAddress
// must refuse it. bech32.Decode of btcutil accepts both checksums, so
// ParseAddress has to check the checksum version itself.
func TestParseAddressRejectsBech32m(t *testing.T) {
	a := addr(7)
	conv, err := bech32.ConvertBits(a[:], 8, 5, true)
	if err != nil {
		t.Fatal(err)
	}
	m, err := bech32.EncodeM(tx.AddressHRP, conv)
	if err != nil {
		t.Fatal(err)
	}
	if m == a.String() {
		t.Fatal("test setup: bech32m and bech32 forms are equal")
	}
	if got, err := tx.ParseAddress(m); !errors.Is(err, tx.ErrBadAddress) {
		t.Fatalf("ParseAddress(%q) (bech32m form of %s) = %x, %v; want ErrBadAddress: "+
			"two strings parse to the same address", m, a, got[:], err)
	}
}

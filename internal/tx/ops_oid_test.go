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

// oidSamples covers every OID registry op kind. Their golden files are
// testdata/golden/oid-*, and they seed FuzzDecode as
// testdata/fuzz/FuzzDecode/oid-*; both are rewritten by
// go test -run TestOIDGolden -update ./internal/tx/.
func oidSamples() []sample {
	info := tx.UAVInfo{HolderName: "Acme Drones", Model: "X1", Serial: "SN-1001", Contact: "uav@acme.example"}
	return []sample{
		{"oid-allocate", []tx.Op{&tx.OIDAllocate{OID: "2.999.5", Authority: addr(0x10)}}, 0},
		{"oid-allocate-self", []tx.Op{&tx.OIDAllocate{OID: "2.999.18446744073709551615"}}, 1},
		{"oid-delegate", []tx.Op{&tx.OIDDelegate{OID: "2.999.5", To: addr(0x20)}}, 2},
		{"oid-set", []tx.Op{&tx.OIDSet{OID: "2.999.5", Identifiers: []string{"lab", "lab2"}, Labels: []string{"Lab", "中国"},
			Name: "Lab", Description: "line 1\nline 2", Contact: "ops@example.org"}}, 3},
		{"oid-set-empty", []tx.Op{&tx.OIDSet{OID: "2.999.5"}}, 4},
		{"oid-retire", []tx.Op{&tx.OIDRetire{OID: "2.999.5"}}, 5},
		{"uav-apply-flc", []tx.Op{&tx.UAVApply{OID: "2.999.677.1.1001", Info: info}}, 6},
		{"uav-apply-operating", []tx.Op{&tx.UAVApply{OID: "2.999.677.2.7", FLC: "2.999.677.1.1001", Info: tx.UAVInfo{HolderName: "Sky"}}}, 7},
		{"uav-verify", []tx.Op{&tx.UAVVerify{OID: "2.999.677.1.1001", Accept: true, Note: "documents checked"}}, 8},
		{"uav-verify-reject", []tx.Op{&tx.UAVVerify{OID: "2.999.677.1.1001"}}, 9},
		{"uav-announce", []tx.Op{&tx.UAVAnnounce{OID: "2.999.677.1.1001"}}, 10},
		{"uav-change", []tx.Op{&tx.UAVChange{OID: "2.999.677.1.1001", Holder: addr(0x30), Info: info}}, 11},
		{"uav-revoke", []tx.Op{&tx.UAVRevoke{OID: "2.999.677.1.1001", Reason: "lost"}}, 12},
		{"oid-multi", []tx.Op{
			&tx.OIDAllocate{OID: "2.999.6"},
			&tx.OIDSet{OID: "2.999.6", Labels: []string{"Six"}},
			&tx.OIDDelegate{OID: "2.999.6", To: addr(0x40)},
		}, 13},
	}
}

func TestOIDGolden(t *testing.T) {
	for _, s := range oidSamples() {
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
				if op.Kind() != s.ops[i].Kind() || op.Target() != s.ops[i].Target() || !tx.IsOIDKind(op.Kind()) {
					t.Fatalf("op %d: %s %s", i, op.Kind(), op.Target())
				}
			}
		})
	}
}

// TestOIDOpLayout pins the field layout of one op by offset, as
// docs/oid.md describes it.
func TestOIDOpLayout(t *testing.T) {
	raw := encoded(t, 0, &tx.OIDAllocate{OID: "2.999.5", Authority: addr(0x10)})
	op := raw[opsOffset():]
	a := addr(0x10)
	want := append([]byte{32, 0, 7}, "2.999.5"...)
	want = append(want, a[:]...)
	if !bytes.Equal(op[:len(want)], want) || len(op) != len(want)+tx.SignatureLen {
		t.Fatalf("oid-allocate op bytes %x, want %x + signature", op, want)
	}
}

func TestOIDKinds(t *testing.T) {
	want := map[tx.Kind]string{
		32: "oid-allocate", 33: "oid-delegate", 34: "oid-set", 35: "oid-retire",
		36: "uav-apply", 37: "uav-verify", 38: "uav-announce", 39: "uav-change", 40: "uav-revoke",
		31: "kind(31)", 41: "kind(41)",
	}
	for k, s := range want {
		if k.String() != s {
			t.Errorf("Kind(%d) = %q, want %q", k, k.String(), s)
		}
		if tx.IsOIDKind(k) != (k >= 32 && k <= 40) {
			t.Errorf("IsOIDKind(%d)", k)
		}
	}
	// Kinds just outside the block stay unknown on the wire.
	reg := encoded(t, 0, &tx.OIDRetire{OID: "2"})
	for _, k := range []byte{8, 31, 41} {
		b := append([]byte(nil), reg...)
		b[opsOffset()] = k
		if _, err := tx.Decode(b); !errors.Is(err, tx.ErrUnknownOp) {
			t.Errorf("kind %d: %v", k, err)
		}
	}
}

func TestOIDOpBounds(t *testing.T) {
	long := strings.Repeat("1", tx.MaxOIDLen)
	for _, op := range []tx.Op{
		&tx.OIDRetire{OID: long},
		&tx.UAVApply{OID: "2", FLC: long},
		&tx.OIDSet{OID: "2", Name: strings.Repeat("n", 255), Contact: strings.Repeat("c", 255), Description: strings.Repeat("d", 65535)},
	} {
		raw := encoded(t, 0, op)
		if x, err := tx.Decode(raw); err != nil || x.Ops[0].Target() != op.Target() {
			t.Errorf("%s at the limits: %v", op.Kind(), err)
		}
	}
	for name, op := range map[string]tx.Op{
		"empty oid":       &tx.OIDRetire{},
		"oid too long":    &tx.OIDRetire{OID: long + "1"},
		"flc too long":    &tx.UAVApply{OID: "2", FLC: long + "1"},
		"empty label":     &tx.OIDSet{OID: "2", Labels: []string{""}},
		"label too long":  &tx.OIDSet{OID: "2", Labels: []string{strings.Repeat("a", 256)}},
		"name too long":   &tx.OIDSet{OID: "2", Name: strings.Repeat("n", 256)},
		"description":     &tx.OIDSet{OID: "2", Description: strings.Repeat("d", 65536)},
		"note too long":   &tx.UAVVerify{OID: "2", Note: strings.Repeat("n", 256)},
		"serial too long": &tx.UAVChange{OID: "2", Info: tx.UAVInfo{Serial: strings.Repeat("s", 256)}},
		"too many labels": &tx.OIDSet{OID: "2", Labels: make([]string, 256)},
	} {
		x := &tx.Tx{ChainID: testChainID, Ops: []tx.Op{op}}
		if err := x.Sign(testKey()); !errors.Is(err, tx.ErrField) {
			t.Errorf("%s: %v, want ErrField", name, err)
		}
	}
	// On the wire: an OID length of 0 or over the limit, a bad boolean.
	raw := encoded(t, 0, &tx.OIDRetire{OID: "2"})
	at := opsOffset() + 1
	zero := append(append(append([]byte(nil), raw[:at]...), 0, 0), raw[at+3:]...)
	if _, err := tx.Decode(zero); !errors.Is(err, tx.ErrField) {
		t.Errorf("zero-length oid: %v", err)
	}
	over := append([]byte(nil), raw...)
	over[at], over[at+1] = 0xff, 0xff
	if _, err := tx.Decode(over); !errors.Is(err, tx.ErrField) {
		t.Errorf("oid length 65535: %v", err)
	}
	v := encoded(t, 0, &tx.UAVVerify{OID: "2", Accept: true})
	v[opsOffset()+1+2+1] = 2
	if _, err := tx.Decode(v); !errors.Is(err, tx.ErrField) {
		t.Errorf("accept byte 2: %v", err)
	}
}

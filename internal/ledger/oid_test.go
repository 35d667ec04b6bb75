package ledger

import (
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// TestOIDCodes runs OID and X.677 operations through the application: the
// genesis tree is there, failures carry their result codes and a message,
// and a failed transaction in a block changes nothing but its sequence.
func TestOIDCodes(t *testing.T) {
	h := newHarness(t)
	v := h.app.Store().Latest()
	for _, s := range []string{"0", "1", "2", "2.999.677.1", "2.999.677.2"} {
		o, _ := oid.Parse(s)
		a, err := oid.Get(v, o)
		if err != nil || a.Authority != addr(opKey) {
			t.Fatalf("genesis arc %s: %+v %v", s, a, err)
		}
	}
	res := h.block(
		h.sign(opKey, 0, &tx.OIDAllocate{OID: "2.999.5", Authority: addr(aliceKey)},
			&tx.OIDSet{OID: "2.999.5", Labels: []string{"Lab"}, Name: "Alice's lab"}),
		h.sign(aliceKey, 0, &tx.UAVApply{OID: "2.999.677.1.1", Info: tx.UAVInfo{Serial: "S1"}}),
	)
	for i, r := range res {
		if r.Code != 0 {
			t.Fatalf("tx %d: code %d %s", i, r.Code, r.Log)
		}
	}
	a, err := oid.Get(h.app.Store().Latest(), oid.OID{2, 999, 5})
	if err != nil || a.Authority != addr(aliceKey) || a.Created != t0.Unix()+1 || a.Labels[0] != "Lab" {
		t.Fatalf("arc: %+v %v (block time %d)", a, err, t0.Unix()+1)
	}

	cases := []struct {
		name string
		bob  bool // signed by bob (sequence 0), else by the operator (1)
		op   tx.Op
		code Code
		msg  string
	}{
		{"non-numeric arc", false, &tx.OIDAllocate{OID: "2.999.5.x"}, CodeInvalidOID, "not a decimal number"},
		{"leading zero", false, &tx.OIDAllocate{OID: "2.999.5.07"}, CodeInvalidOID, "leading zero"},
		{"arc over 2^64-1", false, &tx.OIDAllocate{OID: "2.999.5.18446744073709551616"}, CodeInvalidOID, "above 2^64-1"},
		{"too many arcs", false, &tx.OIDAllocate{OID: "2" + strings.Repeat(".1", 64)}, CodeInvalidOID, "65 arcs"},
		{"label not NFC", false, &tx.OIDSet{OID: "2.999.5", Labels: []string{"E\u0301"}}, CodeInvalidLabel, "Normalization Form C"},
		{"label rules", false, &tx.OIDSet{OID: "2.999.5", Labels: []string{"ab--c"}}, CodeInvalidLabel, "third and fourth"},
		{"not the holder", true, &tx.OIDAllocate{OID: "2.999.5.1"}, CodeUnauthorized, "only the authority of 2.999.5"},
		{"duplicate arc", false, &tx.OIDAllocate{OID: "2.999.5"}, CodeExists, "already allocated"},
		{"no superior", false, &tx.OIDAllocate{OID: "2.998.1"}, CodeNotFound, "2.998 is not registered"},
		{"identity not verified", false, &tx.UAVAnnounce{OID: "2.999.677.1.1"}, CodeInvalidOp, "only a verified identity"},
		{"info over limit", false, &tx.OIDSet{OID: "2.999.5", Name: strings.Repeat("n", 200)}, CodeTooLarge, "limit 128"},
		{"info control character", false, &tx.OIDSet{OID: "2.999.5", Contact: "a\x07"}, CodeInvalidData, "control character"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := h.sign(opKey, 1, c.op)
			if c.bob {
				raw = h.sign(bobKey, 0, c.op)
			}
			r := h.check(raw)
			if Code(r.Code) != c.code || !strings.Contains(r.Log, c.msg) {
				t.Fatalf("code %d (%s) %q, want %d (%s) saying %q", r.Code, Code(r.Code), r.Log, c.code, c.code, c.msg)
			}
		})
	}

	// Retired and revoked, in blocks; failures spend only the sequence.
	res = h.block(
		h.sign(aliceKey, 1, &tx.OIDRetire{OID: "2.999.5"}),
		h.sign(opKey, 1, &tx.UAVVerify{OID: "2.999.677.1.1", Accept: true}),
		h.sign(aliceKey, 2, &tx.UAVRevoke{OID: "2.999.677.1.1", Reason: "sold for parts"}),
	)
	for i, r := range res {
		if r.Code != 0 {
			t.Fatalf("tx %d: code %d %s", i, r.Code, r.Log)
		}
	}
	mid := h.app.Store().Latest()
	res = h.block(
		h.sign(aliceKey, 3, &tx.OIDSet{OID: "2.999.5", Name: "again"}),
		h.sign(aliceKey, 4, &tx.UAVAnnounce{OID: "2.999.677.1.1"}),
		h.sign(opKey, 2, &tx.OIDAllocate{OID: "2.999.7"}, &tx.OIDAllocate{OID: "2.999.7"}),
	)
	want := []Code{CodeRetired, CodeRevoked, CodeExists}
	for i, r := range res {
		if Code(r.Code) != want[i] {
			t.Fatalf("tx %d: code %d (%s) %s, want %s", i, r.Code, Code(r.Code), r.Log, want[i])
		}
	}
	after := h.app.Store().Latest()
	var changed []string
	for _, c := range diff(mid, after) {
		changed = append(changed, string(c[:2]))
	}
	if strings.Join(changed, ",") != "a/,a/" {
		t.Fatalf("failed transactions changed %q, want only the two accounts' sequences", changed)
	}
	id, err := oid.GetIdentity(after, oid.OID{2, 999, 677, 1, 1})
	if err != nil || id.Status != oid.StatusRevoked || id.Note != "sold for parts" {
		t.Fatalf("revoked identity: %+v %v", id, err)
	}
}

// diff lists the keys whose values differ between two versions.
func diff(a, b *state.Version) [][]byte {
	seen := map[string][]byte{}
	a.Iterate(nil, nil, func(k, v []byte) bool { seen[string(k)] = v; return true })
	var out [][]byte
	b.Iterate(nil, nil, func(k, v []byte) bool {
		if old, ok := seen[string(k)]; !ok || string(old) != string(v) {
			out = append(out, append([]byte(nil), k...))
		}
		delete(seen, string(k))
		return true
	})
	for k := range seen {
		out = append(out, []byte(k))
	}
	return out
}

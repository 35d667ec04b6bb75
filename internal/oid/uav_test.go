package oid_test

import (
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/tx"
)

const (
	flc1 = "2.999.677.1.1001"
	flc2 = "2.999.677.1.1002"
	op1  = "2.999.677.2.7"
)

var acme = tx.UAVInfo{HolderName: "Acme Drones", Model: "X1", Serial: "SN-1001", Contact: "uav@acme.example"}

func apply(o string) *tx.UAVApply { return &tx.UAVApply{OID: o, Info: acme} }
func applyOp(o, f string) *tx.UAVApply {
	return &tx.UAVApply{OID: o, FLC: f, Info: tx.UAVInfo{HolderName: "Sky"}}
}
func verify(o string) *tx.UAVVerify     { return &tx.UAVVerify{OID: o, Accept: true, Note: "ok"} }
func reject(o string) *tx.UAVVerify     { return &tx.UAVVerify{OID: o, Note: "no"} }
func announce(o string) *tx.UAVAnnounce { return &tx.UAVAnnounce{OID: o} }
func revoke(o string) *tx.UAVRevoke     { return &tx.UAVRevoke{OID: o, Reason: "lost"} }

// inService: alice's full-life-cycle identity flc1, announced.
func inService() []step {
	return []step{
		{alice, t0, apply(flc1), nil},
		{operator, t0 + 1, verify(flc1), nil},
		{alice, t0 + 2, announce(flc1), nil},
	}
}

func TestUAVLifeCycle(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		check func(t *testing.T, w stateReader)
	}{
		{"apply, verify, announce", inService(), func(t *testing.T, w stateReader) {
			id := identity(t, w, flc1)
			if id.Status != oid.StatusAnnounced || id.Kind != oid.KindFLC || id.Holder != alice || id.Applied != t0 ||
				id.Verified != t0+1 || id.Announced != t0+2 || id.Info.Serial != "SN-1001" || id.Note != "ok" {
				t.Fatalf("identity: %+v", id)
			}
		}},
		{"only the space's authority verifies", []step{
			{alice, t0, apply(flc1), nil},
			{alice, t0, verify(flc1), oid.ErrUnauthorized},
			{bob, t0, verify(flc1), oid.ErrUnauthorized},
			{alice, t0, announce(flc1), oid.ErrInvalid}, // not verified yet
			{operator, t0, verify(flc1), nil},
			{operator, t0, verify(flc1), oid.ErrInvalid}, // nothing left to verify
			{bob, t0, announce(flc1), oid.ErrUnauthorized},
			{operator, t0, announce(flc1), nil}, // the authority may announce too
			{alice, t0, announce(flc1), oid.ErrInvalid},
		}, nil},
		{"a delegated space has a new authority", []step{
			{operator, t0, &tx.OIDDelegate{OID: "2.999.677.1", To: carol}, nil},
			{alice, t0, apply(flc1), nil},
			{operator, t0, verify(flc1), oid.ErrUnauthorized},
			{carol, t0, verify(flc1), nil},
		}, nil},
		{"rejection is final, and the number is never reused", []step{
			{alice, t0, apply(flc1), nil},
			{operator, t0, reject(flc1), nil},
			{operator, t0, verify(flc1), oid.ErrRevoked},
			{alice, t0, announce(flc1), oid.ErrRevoked},
			{alice, t0, apply(flc1), oid.ErrExists},
			{bob, t0, apply(flc1), oid.ErrExists},
		}, func(t *testing.T, w stateReader) {
			if id := identity(t, w, flc1); id.Status != oid.StatusRejected {
				t.Fatalf("status %s", id.Status)
			}
		}},
		{"bad applications", []step{
			{alice, t0, apply("2.999.677.1.05"), oid.ErrInvalidOID},
			{alice, t0, apply("2.999.677.2.5"), oid.ErrInvalid},   // operating space without flc
			{alice, t0, apply("2.999.677.1"), oid.ErrInvalid},     // the space itself
			{alice, t0, apply("2.999.677.1.5.1"), oid.ErrInvalid}, // not a direct child
			{alice, t0, apply("2.999.5"), oid.ErrInvalid},
			{alice, t0, &tx.UAVApply{OID: flc1, Info: tx.UAVInfo{Serial: strings.Repeat("9", 65)}}, oid.ErrTooLarge},
			{alice, t0, &tx.UAVApply{OID: flc1, Info: tx.UAVInfo{Model: "a\tb"}}, oid.ErrInfo},
			{alice, t0, applyOp(op1, flc1), oid.ErrNotFound},
			{alice, t0, applyOp(op1, "2.999.677.2.1"), oid.ErrInvalid},
			{alice, t0, applyOp(op1, "x"), oid.ErrInvalidOID},
			{alice, t0, verify("2.999.677.1.404"), oid.ErrNotFound},
		}, nil},
		{"operating identities", append(inService(),
			step{bob, t0 + 3, applyOp(op1, flc1), oid.ErrUnauthorized}, // only the flc's holder
			step{alice, t0 + 3, applyOp(op1, flc1), nil},
			step{alice, t0 + 3, applyOp(op1, flc1), oid.ErrExists},
			step{alice, t0 + 3, applyOp(op1, flc2), oid.ErrExists},
			step{operator, t0 + 4, verify(op1), nil},
			step{alice, t0 + 5, announce(op1), nil},
		), func(t *testing.T, w stateReader) {
			id := identity(t, w, op1)
			if id.Kind != oid.KindOperating || id.FLC.String() != flc1 || id.Status != oid.StatusAnnounced {
				t.Fatalf("operating identity: %+v", id)
			}
		}},
		{"an flc must be in service for its operating identities", []step{
			{alice, t0, apply(flc1), nil},
			{alice, t0, applyOp(op1, flc1), oid.ErrInvalid},
			{operator, t0, verify(flc1), nil},
			{alice, t0, applyOp(op1, flc1), oid.ErrInvalid},
			{alice, t0, announce(flc1), nil},
			{alice, t0, applyOp(op1, flc1), nil},
			{alice, t0, revoke(flc1), nil},
			{operator, t0, verify(op1), oid.ErrRevoked},
			{alice, t0, applyOp("2.999.677.2.8", flc1), oid.ErrRevoked},
		}, nil},
		{"change of an announced identity waits for verification", append(inService(),
			step{bob, t0 + 3, &tx.UAVChange{OID: flc1, Holder: bob}, oid.ErrUnauthorized},
			step{operator, t0 + 3, &tx.UAVChange{OID: flc1, Holder: bob}, oid.ErrUnauthorized},
			step{alice, t0 + 3, &tx.UAVChange{OID: flc1, Holder: bob, Info: tx.UAVInfo{HolderName: "Bob's Farm", Serial: "SN-1001"}}, nil},
			step{bob, t0 + 4, &tx.UAVChange{OID: flc1}, oid.ErrUnauthorized}, // not the holder yet
			step{operator, t0 + 5, verify(flc1), nil},
			step{bob, t0 + 6, &tx.UAVChange{OID: flc1, Info: tx.UAVInfo{HolderName: "typo"}}, nil},
			step{operator, t0 + 7, reject(flc1), nil}, // rejecting a change keeps the identity
		), func(t *testing.T, w stateReader) {
			id := identity(t, w, flc1)
			if id.Status != oid.StatusAnnounced || id.Holder != bob || id.Info.HolderName != "Bob's Farm" || id.Pending != nil || id.Updated != t0+7 {
				t.Fatalf("after change: %+v", id)
			}
		}},
		{"change before announcement goes back to verification", []step{
			{alice, t0, apply(flc1), nil},
			{operator, t0, verify(flc1), nil},
			{alice, t0, &tx.UAVChange{OID: flc1, Info: tx.UAVInfo{Serial: "SN-1001b"}}, nil},
			{alice, t0, announce(flc1), oid.ErrInvalid},
			{operator, t0, verify(flc1), nil},
			{alice, t0, announce(flc1), nil},
		}, func(t *testing.T, w stateReader) {
			if id := identity(t, w, flc1); id.Info.Serial != "SN-1001b" || id.Status != oid.StatusAnnounced {
				t.Fatalf("identity: %+v", id)
			}
		}},
		{"revocation is final and resolves as revoked", append(inService(),
			step{bob, t0 + 3, revoke(flc1), oid.ErrUnauthorized},
			step{operator, t0 + 3, revoke(flc1), nil}, // the authority may revoke
			step{alice, t0 + 4, revoke(flc1), oid.ErrRevoked},
			step{alice, t0 + 4, &tx.UAVChange{OID: flc1}, oid.ErrRevoked},
			step{operator, t0 + 4, verify(flc1), oid.ErrRevoked},
			step{alice, t0 + 4, announce(flc1), oid.ErrRevoked},
			step{alice, t0 + 4, apply(flc1), oid.ErrExists},
		), func(t *testing.T, w stateReader) {
			id := identity(t, w, flc1)
			if id.Status != oid.StatusRevoked || id.Revoked != t0+3 || id.Note != "lost" {
				t.Fatalf("revoked identity: %+v", id)
			}
		}},
		{"holder revokes an application", []step{
			{alice, t0, apply(flc1), nil},
			{alice, t0, revoke(flc1), nil},
		}, nil},
		{"a retired space takes no applications", []step{
			{operator, t0, &tx.OIDRetire{OID: "2.999.677.1"}, nil},
			{alice, t0, apply(flc1), oid.ErrRetired},
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := world(t)
			run(t, w, tc.steps...)
			if tc.check != nil {
				tc.check(t, w)
			}
		})
	}
}

func TestUAVNotConfigured(t *testing.T) {
	w := newEmptyWorld(t)
	run(t, w, step{alice, t0, apply(flc1), oid.ErrInvalid})
}

func TestIdentityEncoding(t *testing.T) {
	id := &oid.Identity{OID: mustParse(t, op1), Kind: oid.KindOperating, Status: oid.StatusAnnounced, Holder: alice,
		FLC: mustParse(t, flc1), Info: oid.UAVInfo{HolderName: "h", Model: "m", Serial: "s", Contact: "c"},
		Pending: &oid.Change{Holder: bob, Info: oid.UAVInfo{Model: "m2"}}, Applied: 1, Verified: 2, Announced: 3, Updated: 4, Note: "n"}
	b := id.Encode()
	got, err := oid.DecodeIdentity(b)
	if err != nil || string(got.Encode()) != string(b) || got.Pending.Holder != bob {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	bad := func(f func(*oid.Identity)) []byte {
		c := *id
		f(&c)
		return c.Encode()
	}
	for name, in := range map[string][]byte{
		"truncated":        b[:len(b)-1],
		"trailing":         append(append([]byte(nil), b...), 0),
		"kind":             bad(func(c *oid.Identity) { c.Kind = 3 }),
		"status":           bad(func(c *oid.Identity) { c.Status = 0 }),
		"flc on flc kind":  bad(func(c *oid.Identity) { c.Kind = oid.KindFLC }),
		"operating no flc": bad(func(c *oid.Identity) { c.FLC = nil }),
	} {
		if _, err := oid.DecodeIdentity(in); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

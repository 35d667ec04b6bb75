package oid_test

import (
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

func TestTreeRules(t *testing.T) {
	long := "2.999" + strings.Repeat(".1", oid.MaxArcs-2)
	tests := []struct {
		name  string
		steps []step
	}{
		{"allocate below an arc the signer holds", []step{
			{operator, t0, alloc("2.999.5", nil0), nil},
			{operator, t0, alloc("2.999.6", alice), nil},
			{alice, t0, alloc("2.999.6.1", nil0), nil},
		}},
		{"allocate below an arc the signer does not hold", []step{
			{alice, t0, alloc("2.999.5", nil0), oid.ErrUnauthorized},
			{operator, t0, alloc("2.999.6", alice), nil},
			{operator, t0, alloc("2.999.6.1", nil0), oid.ErrUnauthorized}, // the superior may not allocate
			{bob, t0, alloc("2.999.6.1", nil0), oid.ErrUnauthorized},
		}},
		{"top arcs only at genesis", []step{
			{operator, t0, alloc("2", nil0), oid.ErrUnauthorized},
			{operator, t0, alloc("3", nil0), oid.ErrInvalidOID},
		}},
		{"no superior", []step{
			{operator, t0, alloc("2.5.1", nil0), oid.ErrNotFound},
		}},
		{"duplicate arc", []step{
			{operator, t0, alloc("2.999.5", nil0), nil},
			{operator, t0, alloc("2.999.5", nil0), oid.ErrExists},
			{operator, t0, alloc("2.999.677", nil0), oid.ErrExists},
		}},
		{"bad OIDs", []step{
			{operator, t0, alloc("2.999.x", nil0), oid.ErrInvalidOID},
			{operator, t0, alloc("2.999.05", nil0), oid.ErrInvalidOID},
			{operator, t0, alloc("2.0999.5", nil0), oid.ErrInvalidOID},
			{operator, t0, alloc("2.999.18446744073709551616", nil0), oid.ErrInvalidOID},
			{operator, t0, alloc("2.999.", nil0), oid.ErrInvalidOID},
			{operator, t0, alloc("1.40", nil0), oid.ErrInvalidOID},
			{operator, t0, alloc(long+".1", nil0), oid.ErrInvalidOID},
			{operator, t0, alloc("/Joint-ISO-ITU-T/X", nil0), oid.ErrInvalidOID},
		}},
		{"the largest arc", []step{
			{operator, t0, alloc("2.999.18446744073709551615", nil0), nil},
		}},
		{"delegate: the new authority allocates, the old one no longer", []step{
			{operator, t0, alloc("2.999.5", nil0), nil},
			{alice, t0, &tx.OIDDelegate{OID: "2.999.5", To: bob}, oid.ErrUnauthorized},
			{operator, t0, &tx.OIDDelegate{OID: "2.999.5", To: bob}, nil},
			{operator, t0, alloc("2.999.5.1", nil0), oid.ErrUnauthorized},
			{bob, t0, alloc("2.999.5.1", nil0), nil},
			{bob, t0, &tx.OIDDelegate{OID: "2.999.5", To: carol}, nil},
			{carol, t0, alloc("2.999.5.2", nil0), nil},
			// The superior's authority may take an arc back.
			{operator, t0, &tx.OIDDelegate{OID: "2.999.5", To: operator}, nil},
			{operator, t0, &tx.OIDDelegate{OID: "2.999.5", To: tx.Address{}}, oid.ErrInvalid},
			{operator, t0, &tx.OIDDelegate{OID: "2.999.404", To: bob}, oid.ErrNotFound},
		}},
		{"set: identifiers, labels and information", []step{
			{operator, t0, alloc("2.999.5", alice), nil},
			{bob, t0, labels("2.999.5", "Lab"), oid.ErrUnauthorized},
			{alice, t0, labels("2.999.5", "Lab"), nil},
			{operator, t0, labels("2.999.5", "Lab", "Labor"), nil}, // the superior's authority may
			{alice, t0, &tx.OIDSet{OID: "2.999.5", Identifiers: []string{"lab", "lab2"}, Name: "Lab", Description: "line 1\nline 2", Contact: "a@example.org"}, nil},
		}},
		{"set: bad names", []step{
			{operator, t0, alloc("2.999.5", nil0), nil},
			{operator, t0, labels("2.999.5", "E\u0301mile"), oid.ErrInvalidLabel},
			{operator, t0, labels("2.999.5", "42"), oid.ErrInvalidLabel},
			{operator, t0, labels("2.999.5", "-x"), oid.ErrInvalidLabel},
			{operator, t0, labels("2.999.5", "a.b"), oid.ErrInvalidLabel},
			{operator, t0, labels("2.999.5", "Lab", "LAB"), oid.ErrInvalidLabel},
			{operator, t0, &tx.OIDSet{OID: "2.999.5", Identifiers: []string{"Lab"}}, oid.ErrInvalidLabel},
			{operator, t0, &tx.OIDSet{OID: "2.999.5", Identifiers: []string{"lab", "lab"}}, oid.ErrInvalidLabel},
			{operator, t0, labels("2.999.5", "a", "b", "c", "d", "e", "f", "g", "h", "i"), oid.ErrTooLarge},
			{operator, t0, &tx.OIDSet{OID: "2.999.5", Name: strings.Repeat("n", oid.MaxNameLen+1)}, oid.ErrTooLarge},
			{operator, t0, &tx.OIDSet{OID: "2.999.5", Name: "a\nb"}, oid.ErrInfo},
			{operator, t0, &tx.OIDSet{OID: "2.999.5", Contact: "\xff"}, oid.ErrInfo},
			{operator, t0, labels("2.999.05", "Lab"), oid.ErrInvalidOID},
		}},
		{"labels are unique among siblings, ignoring ASCII case", []step{
			{operator, t0, alloc("2.999.5", nil0), nil},
			{operator, t0, alloc("2.999.6", nil0), nil},
			{operator, t0, labels("2.999.5", "Lab"), nil},
			{operator, t0, labels("2.999.6", "lab"), oid.ErrExists},
			{operator, t0, labels("2.999.6", "Example"), nil}, // another level: no clash with 2.999
			// A label an arc gives up is free again.
			{operator, t0, labels("2.999.5", "Lab2"), nil},
			{operator, t0, labels("2.999.6", "Lab"), nil},
		}},
		{"retire", []step{
			{operator, t0, alloc("2.999.5", alice), nil},
			{alice, t0, alloc("2.999.5.1", nil0), nil},
			{bob, t0, &tx.OIDRetire{OID: "2.999.5.1"}, oid.ErrUnauthorized},
			{alice, t0, &tx.OIDRetire{OID: "2.999.5"}, oid.ErrHasChildren},
			{alice, t0, &tx.OIDRetire{OID: "2.999.5.1"}, nil},
			{alice, t0, &tx.OIDRetire{OID: "2.999.5.1"}, oid.ErrRetired},
			{alice, t0, alloc("2.999.5.1", nil0), oid.ErrExists}, // never reused
			{alice, t0, labels("2.999.5.1", "X"), oid.ErrRetired},
			{alice, t0, &tx.OIDDelegate{OID: "2.999.5.1", To: bob}, oid.ErrRetired},
			{operator, t0, &tx.OIDRetire{OID: "2.999.5"}, nil}, // by the superior's authority
			{alice, t0, alloc("2.999.5.2", nil0), oid.ErrRetired},
		}},
		{"identity spaces are not allocated by hand", []step{
			{operator, t0, alloc("2.999.677.1.5", nil0), oid.ErrInvalid},
			{operator, t0, alloc("2.999.677.3", nil0), nil},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run(t, world(t), tc.steps...)
		})
	}
}

var nil0 tx.Address

func TestTreeRecords(t *testing.T) {
	w := world(t)
	run(t, w,
		step{operator, t0 + 10, alloc("2.999.5", alice), nil},
		step{alice, t0 + 20, &tx.OIDSet{OID: "2.999.5", Identifiers: []string{"lab"}, Labels: []string{"Lab", "Ünïcode"},
			Name: "Lab", Description: "d", Contact: "c"}, nil},
		step{alice, t0 + 30, &tx.OIDDelegate{OID: "2.999.5", To: bob}, nil},
	)
	a := arc(t, w, "2.999.5")
	if a.Authority != bob || a.Created != t0+10 || a.Updated != t0+30 || a.Retired || a.Name != "Lab" ||
		strings.Join(a.Labels, ",") != "Lab,Ünïcode" || a.Identifiers[0] != "lab" {
		t.Fatalf("arc: %+v", a)
	}
	found, err := oid.ChildByLabel(w, mustParse(t, "2.999"), "ÜNÏCODE")
	if err == nil {
		t.Fatalf("non-ASCII letters are case-sensitive, found %v", found.OID)
	}
	found, err = oid.ChildByLabel(w, mustParse(t, "2.999"), "LAB")
	if err != nil || found.OID.String() != "2.999.5" {
		t.Fatalf("ChildByLabel(LAB): %v %v", found, err)
	}
	run(t, w, step{bob, t0 + 40, &tx.OIDRetire{OID: "2.999.5"}, nil})
	a = arc(t, w, "2.999.5")
	if !a.Retired || a.RetiredAt != t0+40 || a.Status() != "retired" {
		t.Fatalf("retired arc: %+v", a)
	}
	// A retired arc still resolves by its label.
	if o, err := oid.Resolve(w, "/Joint-ISO-ITU-T/Example/Lab"); err != nil || o.String() != "2.999.5" {
		t.Fatalf("retired arc by label: %v %v", o, err)
	}
}

func TestArcEncoding(t *testing.T) {
	a := &oid.Arc{OID: oid.OID{2, 999, 1 << 40}, Authority: alice, Created: t0, Updated: t0 + 1, Retired: true, RetiredAt: t0 + 2,
		Identifiers: []string{"lab"}, Labels: []string{"Lab", "中国"}, Info: oid.Info{Name: "n", Description: "d\ne", Contact: "c"}}
	b := a.Encode()
	got, err := oid.DecodeArc(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Encode()) != string(b) {
		t.Fatal("re-encoding differs")
	}
	broken := map[string][]byte{
		"empty":                         nil,
		"version":                       append([]byte{2}, b[1:]...),
		"truncated":                     b[:len(b)-1],
		"trailing":                      append(append([]byte(nil), b...), 0),
		"no arcs":                       (&oid.Arc{}).Encode(),
		"retired date on an active arc": (&oid.Arc{OID: oid.OID{1}, RetiredAt: 5}).Encode(),
	}
	for name, in := range broken {
		if _, err := oid.DecodeArc(in); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestGenesis(t *testing.T) {
	w := world(t)
	for _, c := range []struct{ oid, label, id string }{
		{"0", "ITU-T", "itu-t"}, {"1", "ISO", "iso"}, {"2", "Joint-ISO-ITU-T", "joint-iso-itu-t"},
		{"2.999", "Example", "example"}, {"2.999.677", "UAV", "uav"},
		{"2.999.677.1", "Full-Life-Cycle", "flc"}, {"2.999.677.2", "Operating", "operating"},
	} {
		a := arc(t, w, c.oid)
		if a.Authority != operator || a.Labels[0] != c.label || a.Identifiers[0] != c.id || a.Created != t0 {
			t.Errorf("genesis arc %s: %+v", c.oid, a)
		}
	}
	p, err := oid.LoadParams(w)
	if err != nil || p.UAVArc != oid.DefaultUAVArc {
		t.Fatalf("params: %+v %v", p, err)
	}

	// Explicit roots and UAV arc.
	w = state.NewOverlay(state.Empty())
	g := &oid.Genesis{Roots: []oid.GenesisArc{
		{OID: "2", Authority: alice, Labels: []string{"Joint-ISO-ITU-T"}},
		{OID: "2.16", Authority: bob, Labels: []string{"Country"}},
	}, UAVArc: "2.16.156.677"}
	if err := oid.InitGenesis(w, g, []tx.Address{operator}, t0); err != nil {
		t.Fatal(err)
	}
	if a := arc(t, w, "2.16.156"); a.Authority != bob {
		t.Fatalf("intermediate arc held by %s", a.Authority)
	}
	if a := arc(t, w, "2.16.156.677.2"); a.Authority != bob || a.Labels[0] != "Operating" {
		t.Fatalf("identity space: %+v", a)
	}
	if _, err := oid.Get(w, mustParse(t, "0")); err == nil {
		t.Fatal("explicit roots still created the default top arcs")
	}

	// No operators and no roots: an empty tree and no UAV arc.
	w = state.NewOverlay(state.Empty())
	if err := oid.InitGenesis(w, nil, nil, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := oid.UAVArc(w); err == nil {
		t.Fatal("a UAV arc without any tree")
	}
	// Errors.
	for name, g := range map[string]*oid.Genesis{
		"orphan":       {Roots: []oid.GenesisArc{{OID: "2.5", Authority: alice}}},
		"no authority": {Roots: []oid.GenesisArc{{OID: "2"}}},
		"twice":        {Roots: []oid.GenesisArc{{OID: "2", Authority: alice}, {OID: "2", Authority: alice}}},
		"bad label":    {Roots: []oid.GenesisArc{{OID: "2", Authority: alice, Labels: []string{"-x"}}}},
		"uav top arc":  {UAVArc: "2"},
		"uav no root":  {Roots: []oid.GenesisArc{{OID: "1", Authority: alice}}, UAVArc: "2.5"},
		"uav bad":      {UAVArc: "2.05"},
		"bad top arc":  {Roots: []oid.GenesisArc{{OID: "7", Authority: alice}}},
	} {
		if err := oid.InitGenesis(state.NewOverlay(state.Empty()), g, []tx.Address{operator}, t0); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	w = state.NewOverlay(state.Empty())
	if err := oid.InitGenesis(w, &oid.Genesis{UAVArc: oid.NoUAVArc}, []tx.Address{operator}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := oid.Get(w, mustParse(t, "2.999")); err == nil {
		t.Fatal("uav_arc none created the example arc")
	}
}

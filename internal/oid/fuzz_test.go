package oid_test

import (
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/oid"
)

// FuzzParse: Parse never panics; what it accepts obeys the bounds, prints
// back to exactly its input (so every OID has one text form), and has a
// state key that decodes back to it. The committed seed corpus is in
// testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"2.16.156.101818.102.1", "0", "1.39", "2.18446744073709551615", "02", "2..1", "3", "1.40"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := oid.Parse(s)
		if err != nil {
			if o != nil {
				t.Fatalf("Parse(%q) returned %v and %v", s, o, err)
			}
			return
		}
		if len(o) == 0 || len(o) > oid.MaxArcs || o[0] > 2 || (len(o) > 1 && o[0] < 2 && o[1] > oid.MaxSecondArc) {
			t.Fatalf("Parse(%q) = %v breaks the bounds", s, o)
		}
		if o.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, o.String())
		}
		back, ok := oid.OfKey(oid.ArcKey(o))
		if !ok || !back.Equal(o) {
			t.Fatalf("key of %s decodes to %v %v", s, back, ok)
		}
	})
}

// FuzzParseIRI: ParseIRI never panics; every label it returns is an
// integer label or a valid Unicode label in NFC, and parsing the joined
// labels again gives the same labels.
func FuzzParseIRI(f *testing.F) {
	for _, s := range []string{"/Joint-ISO-ITU-T/Example", "/2/999/677", "/ISO/E\u0301mile", "/中国/x", "//", "/-a", "/a--b", "/01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		segs, err := oid.ParseIRI(s)
		if err != nil {
			return
		}
		if len(segs) == 0 || len(segs) > oid.MaxArcs {
			t.Fatalf("ParseIRI(%q): %d labels", s, len(segs))
		}
		for _, l := range segs {
			if _, err := oid.Parse("2." + l); err == nil {
				continue
			}
			if err := oid.CheckLabel(l); err != nil {
				t.Fatalf("ParseIRI(%q) gave the bad label %q: %v", s, l, err)
			}
			if oid.NormalizeLabel(l) != l {
				t.Fatalf("ParseIRI(%q) gave the label %q, not NFC", s, l)
			}
		}
		again, err := oid.ParseIRI("/" + strings.Join(segs, "/"))
		if err != nil || strings.Join(again, "/") != strings.Join(segs, "/") {
			t.Fatalf("ParseIRI is not stable on %q: %q %v", s, again, err)
		}
	})
}

// FuzzDecodeArc: DecodeArc never panics, and what it accepts re-encodes
// to its input.
func FuzzDecodeArc(f *testing.F) {
	f.Add((&oid.Arc{OID: oid.OID{2, 999}, Labels: []string{"Example"}, Identifiers: []string{"example"}}).Encode())
	f.Add((&oid.Arc{OID: oid.OID{1}, Retired: true, RetiredAt: 9}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := oid.DecodeArc(b)
		if err != nil {
			return
		}
		if string(a.Encode()) != string(b) {
			t.Fatalf("not canonical: %x", b)
		}
	})
}

// FuzzDecodeIdentity: stored UAV identities decode strictly and only from
// their one canonical encoding.
func FuzzDecodeIdentity(f *testing.F) {
	f.Add((&oid.Identity{OID: oid.OID{2, 999, 677, 1, 7}, Kind: oid.KindFLC, Status: oid.StatusApplied,
		Info: oid.UAVInfo{HolderName: "Acme", Model: "X1", Serial: "SN-7"}, Applied: 5}).Encode())
	f.Add((&oid.Identity{OID: oid.OID{2, 999, 677, 2, 1}, Kind: oid.KindOperating, Status: oid.StatusRevoked,
		FLC: oid.OID{2, 999, 677, 1, 7}, Revoked: 9, Note: "lost"}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := oid.DecodeIdentity(b)
		if err != nil {
			return
		}
		if string(id.Encode()) != string(b) {
			t.Fatalf("not canonical: %x", b)
		}
	})
}

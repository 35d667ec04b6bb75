package oid_test

import (
	"bytes"
	"errors"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/oid"
)

func TestParse(t *testing.T) {
	valid := []struct {
		in   string
		want oid.OID
	}{
		{"0", oid.OID{0}},
		{"2", oid.OID{2}},
		{"2.16.156.101818.102.1", oid.OID{2, 16, 156, 101818, 102, 1}},
		{"1.39", oid.OID{1, 39}},
		{"2.40", oid.OID{2, 40}},
		{"2.999.18446744073709551615", oid.OID{2, 999, math.MaxUint64}},
		{"0.0.0", oid.OID{0, 0, 0}},
		{"2" + strings.Repeat(".1", oid.MaxArcs-1), nil},
	}
	for _, tc := range valid {
		got, err := oid.Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if tc.want != nil && !got.Equal(tc.want) {
			t.Errorf("Parse(%q) = %v, want %v", tc.in, got, tc.want)
		}
		if got.String() != tc.in {
			t.Errorf("Parse(%q).String() = %q", tc.in, got.String())
		}
	}
	invalid := []struct{ in, msg string }{
		{"", "empty"},
		{"2.", "empty"},
		{".2", "empty"},
		{"2..5", "empty"},
		{"2.x", "not a decimal"},
		{"2.-1", "not a decimal"},
		{"2.+1", "not a decimal"},
		{"2. 1", "not a decimal"},
		{"2.1e3", "not a decimal"},
		{"/ISO", "not a decimal"},
		{"2.٣", "not a decimal"}, // Arabic-Indic digit
		{"02", "leading zero"},
		{"2.016", "leading zero"},
		{"2.00", "leading zero"},
		{"2.18446744073709551616", "above 2^64-1"},
		{"2.99999999999999999999999", "above 2^64-1"},
		{"3", "top arc 3"},
		{"9.1", "top arc 9"},
		{"0.40", "arc 40 under top arc 0"},
		{"1.100.5", "arc 100 under top arc 1"},
		{"2" + strings.Repeat(".1", oid.MaxArcs), "65 arcs"},
		{strings.Repeat("1", oid.MaxTextLen+1), "longer than"},
	}
	for _, tc := range invalid {
		_, err := oid.Parse(tc.in)
		if !errors.Is(err, oid.ErrInvalidOID) {
			t.Errorf("Parse(%.40q): %v, want ErrInvalidOID", tc.in, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Parse(%.40q): %q does not say %q", tc.in, err, tc.msg)
		}
	}
}

// TestKeyOrder: keys sort like the OIDs they encode within one depth, and
// the children of an arc are one contiguous range with no grandchildren.
func TestKeyOrder(t *testing.T) {
	arcs := []uint64{0, 1, 9, 127, 128, 255, 256, 65535, 65536, 1 << 32, 1<<56 - 1, 1 << 56, math.MaxUint64}
	var keys [][]byte
	for _, a := range arcs {
		keys = append(keys, oid.ArcKey(oid.OID{2, 999, a}))
	}
	if !sort.SliceIsSorted(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 }) {
		t.Fatalf("keys are not in numeric order: %x", keys)
	}
	for i, k := range keys {
		o, ok := oid.OfKey(k)
		if !ok || !o.Equal(oid.OID{2, 999, arcs[i]}) {
			t.Fatalf("OfKey(%x) = %v %v", k, o, ok)
		}
	}
	// Grandchildren are at another depth: never between two children.
	child := oid.ArcKey(oid.OID{2, 999, 5})
	grandchild := oid.ArcKey(oid.OID{2, 999, 5, 1})
	next := oid.ArcKey(oid.OID{2, 999, 6})
	if bytes.Compare(child, grandchild) < 0 && bytes.Compare(grandchild, next) < 0 {
		t.Fatal("a grandchild sorts between two children")
	}
	// Non-canonical and foreign keys are refused.
	for _, k := range [][]byte{
		[]byte("o/"), []byte("o/\x00"), []byte("o/\x01\x02\x00\x05"), []byte("o/\x01\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01"),
		[]byte("o/\x02\x01\x02"), append(oid.ArcKey(oid.OID{2}), 0), []byte("n/dii"),
	} {
		if o, ok := oid.OfKey(k); ok {
			t.Errorf("OfKey(%q) = %v, want refusal", k, o)
		}
	}
	if o, ok := oid.OfKey(oid.UAVKey(oid.OID{2, 1})); !ok || o.String() != "2.1" {
		t.Errorf("OfKey(UAVKey) = %v %v", o, ok)
	}
}

func TestChildrenPaging(t *testing.T) {
	w := world(t)
	nums := []string{"300", "2", "1", "18446744073709551615", "70000", "10"}
	run(t, w, step{operator, t0, alloc("2.999.5", operator), nil})
	for _, n := range nums {
		run(t, w, step{operator, t0, alloc("2.999.5."+n, operator), nil})
	}
	run(t, w, step{operator, t0, alloc("2.999.5.2.7", operator), nil}) // a grandchild
	var got []string
	var after *uint64
	for {
		arcs, next, err := oid.Children(w, mustParse(t, "2.999.5"), after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range arcs {
			got = append(got, a.OID.String())
		}
		if next == nil {
			break
		}
		after = next
	}
	want := "2.999.5.1 2.999.5.2 2.999.5.10 2.999.5.300 2.999.5.70000 2.999.5.18446744073709551615"
	if strings.Join(got, " ") != want {
		t.Fatalf("children: %v\nwant %s", got, want)
	}
	if n, more := oid.CountChildren(w, mustParse(t, "2.999.5"), 100); n != 6 || more {
		t.Fatalf("CountChildren = %d %v", n, more)
	}
	if n, more := oid.CountChildren(w, mustParse(t, "2.999.5"), 4); n != 4 || !more {
		t.Fatalf("CountChildren capped = %d %v", n, more)
	}
	top, _, err := oid.Children(w, nil, nil, 10)
	if err != nil || len(top) != 3 || top[2].OID.String() != "2" {
		t.Fatalf("top arcs: %v %v", top, err)
	}
}

// TestKeyExamples pins the key bytes docs/oid.md shows.
func TestKeyExamples(t *testing.T) {
	w := world(t)
	for _, c := range []struct {
		key  []byte
		want string
	}{
		{oid.ArcKey(oid.OID{2, 999, 677}), "o/\x03\x01\x02\x02\x03\xe7\x02\x02\xa5"},
		{oid.ArcKey(oid.OID{2}), "o/\x01\x01\x02"},
		{oid.ArcKey(oid.OID{0}), "o/\x01\x01\x00"},
		{oid.UAVKey(oid.OID{2, 999, 677, 1, 1001}), "u/\x05\x01\x02\x02\x03\xe7\x02\x02\xa5\x01\x01\x02\x03\xe9"},
	} {
		if string(c.key) != c.want {
			t.Errorf("key %q, want %q", c.key, c.want)
		}
	}
	v, ok := w.Get([]byte("ol/\x02\x01\x02\x02\x03\xe7uav"))
	if !ok || string(v) != "\x00\x00\x00\x00\x00\x00\x02\xa5" {
		t.Errorf("label index of UAV: %x %v", v, ok)
	}
	if _, ok := w.Get([]byte("ol/\x00joint-iso-itu-t")); !ok {
		t.Error("top arc label not indexed under ol/ 00")
	}
}

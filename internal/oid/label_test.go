package oid_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/tx"
)

func TestCheckIdentifier(t *testing.T) {
	for _, s := range []string{"iso", "joint-iso-itu-t", "a", "x9", "abcDef", "a-b-c", strings.Repeat("a", 64)} {
		if err := oid.CheckIdentifier(s); err != nil {
			t.Errorf("CheckIdentifier(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "Iso", "9a", "-a", "a-", "a--b", "a_b", "a b", "ä", "a.b", strings.Repeat("a", 65)} {
		if err := oid.CheckIdentifier(s); !errors.Is(err, oid.ErrInvalidLabel) {
			t.Errorf("CheckIdentifier(%q): %v, want ErrInvalidLabel", s, err)
		}
	}
}

func TestCheckLabel(t *testing.T) {
	valid := map[string]string{
		"ITU-T":              "itu-t",
		"Joint-ISO-ITU-T":    "joint-iso-itu-t",
		"Example":            "example",
		"a_b~c":              "a_b~c",
		"007x":               "007x",
		"中国":                 "xn--fiqs8s",
		"Ünïcode":            "xn--ncode-1pa8k",
		"Émile-Zola":         "xn--mile-zola-4ua",
		"\u0915\u094d\u200d": "xn--11b6iy14e", // ZWJ is allowed
	}
	for s, dns := range valid {
		if err := oid.CheckLabel(s); err != nil {
			t.Errorf("CheckLabel(%q): %v", s, err)
			continue
		}
		if got := oid.LabelDNS(s); got != dns {
			t.Errorf("LabelDNS(%q) = %q, want %q", s, got, dns)
		}
	}
	invalid := []struct{ in, msg string }{
		{"", "empty"},
		{"E\u0301mile", "Normalization Form C"}, // decomposed É
		{"123", "all digits"},
		{"0", "all digits"},
		{"-abc", "hyphen"},
		{"abc-", "hyphen"},
		{"ab--cd", "third and fourth"},
		{"xn--fiqs8s", "third and fourth"},
		{"a.b", "not allowed"},
		{"a/b", "not allowed"},
		{"a b", "not allowed"},
		{"a\u00a0b", "not allowed"}, // no-break space
		{"a\u200eb", "not allowed"}, // left-to-right mark
		{"a\u202eb", "not allowed"}, // right-to-left override
		{"a\u3002b", "not allowed"}, // ideographic full stop
		{"a\ue000b", "not allowed"}, // private use
		{"a\x00b", "not allowed"},
		{"a%20b", "not allowed"},
		{"\xff", "UTF-8"},
		{strings.Repeat("a", 64), "DNS form"},
		{strings.Repeat("中", 60), "DNS form"},
	}
	for _, tc := range invalid {
		err := oid.CheckLabel(tc.in)
		if !errors.Is(err, oid.ErrInvalidLabel) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("CheckLabel(%q): %v, want ErrInvalidLabel saying %q", tc.in, err, tc.msg)
		}
	}
	if got := oid.NormalizeLabel("E\u0301mile"); got != "Émile" || oid.CheckLabel(got) != nil {
		t.Errorf("NormalizeLabel: %q", got)
	}
}

func TestParseIRI(t *testing.T) {
	segs, err := oid.ParseIRI("/Joint-ISO-ITU-T/Example/677/E\u0301mile")
	if err != nil || strings.Join(segs, "|") != "Joint-ISO-ITU-T|Example|677|Émile" {
		t.Fatalf("ParseIRI: %q %v", segs, err)
	}
	for _, s := range []string{"", "ISO", "/", "//", "/ISO/", "/ISO//x", "/01", "/2/18446744073709551616", "/a b", "/-x"} {
		if _, err := oid.ParseIRI(s); !errors.Is(err, oid.ErrInvalidOID) && !errors.Is(err, oid.ErrInvalidLabel) {
			t.Errorf("ParseIRI(%q): %v, want an error", s, err)
		}
	}
}

func TestResolveAndNames(t *testing.T) {
	w := world(t)
	run(t, w,
		step{operator, t0, alloc("2.999.5", alice), nil},
		step{alice, t0, &tx.OIDSet{OID: "2.999.5", Identifiers: []string{"lab"}, Labels: []string{"Lab", "Labor"}}, nil},
	)
	for _, s := range []string{"2.999.5", "/Joint-ISO-ITU-T/Example/Lab", "/2/999/5", "/joint-iso-itu-t/EXAMPLE/labor", "/2/Example/5"} {
		o, err := oid.Resolve(w, s)
		if err != nil || o.String() != "2.999.5" {
			t.Errorf("Resolve(%q) = %v, %v", s, o, err)
		}
	}
	if _, err := oid.Resolve(w, "/Joint-ISO-ITU-T/Nope"); !errors.Is(err, oid.ErrNotFound) {
		t.Errorf("unknown label: %v", err)
	}
	if _, err := oid.Resolve(w, "/3"); !errors.Is(err, oid.ErrInvalidOID) {
		t.Errorf("/3: %v", err)
	}
	iri, asn1 := oid.Names(w, mustParse(t, "2.999.5.7"))
	if iri != "/Joint-ISO-ITU-T/Example/Lab/7" || asn1 != "{joint-iso-itu-t(2) example(999) lab(5) 7}" {
		t.Errorf("Names = %q %q", iri, asn1)
	}
}

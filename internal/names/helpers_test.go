package names

import (
	"errors"
	"slices"
	"testing"
)

func TestLabels(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{".", nil},
		{"dii", []string{"dii"}},
		{"www.example.dii.", []string{"www", "example", "dii"}},
		{"_443._tcp.example.dii", []string{"_443", "_tcp", "example", "dii"}},
	} {
		if got := Labels(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Labels(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParentAndTLD(t *testing.T) {
	for _, c := range []struct {
		in, parent string
		ok         bool
		tld        string
	}{
		{"", "", false, ""},
		{".", "", false, ""},
		{"dii", "", false, "dii"},
		{"dii.", "", false, "dii"},
		{"example.dii", "dii", true, "dii"},
		{"www.example.dii.", "example.dii", true, "dii"},
		{"*.example.dii", "example.dii", true, "dii"},
	} {
		p, ok := Parent(c.in)
		if p != c.parent || ok != c.ok {
			t.Errorf("Parent(%q) = %q, %v, want %q, %v", c.in, p, ok, c.parent, c.ok)
		}
		if got := TLD(c.in); got != c.tld {
			t.Errorf("TLD(%q) = %q, want %q", c.in, got, c.tld)
		}
	}
}

func TestIsSubdomain(t *testing.T) {
	for _, c := range []struct {
		name, zone string
		want       bool
	}{
		{"example.dii", "example.dii", true},
		{"www.example.dii", "example.dii", true},
		{"a.b.example.dii", "example.dii", true},
		{"xexample.dii", "example.dii", false}, // suffix, not a label boundary
		{"www.xexample.dii", "example.dii", false},
		{"example.dii", "www.example.dii", false},
		{"example.dii", "dii", true},
		{"example.diii", "dii", false},
		{"dii", "dii.", true},
		{"WWW.Example.DII.", "example.dii", true},
		{".example.dii", "example.dii", false}, // empty leftmost label: not a name
		{"example.dii", "", true},
		{"example.dii", ".", true},
		{"", "", true},
		{"", "dii", false},
		{"a.dii", "b.dii", false},
		{"dii", "ii", false},
	} {
		if got := IsSubdomain(c.name, c.zone); got != c.want {
			t.Errorf("IsSubdomain(%q, %q) = %v, want %v", c.name, c.zone, got, c.want)
		}
	}
}

func TestReverse(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"dii", "dii"},
		{"example.dii", "dii.example"},
		{"www.example.dii", "dii.example.www"},
		{"www.example.dii.", "dii.example.www"},
		{"*._tcp.example.dii", "dii.example._tcp.*"},
	} {
		got := Reverse(c.in)
		if got != c.want {
			t.Errorf("Reverse(%q) = %q, want %q", c.in, got, c.want)
		}
		if back := Unreverse(got); back != Reverse(c.want) {
			t.Errorf("Unreverse(%q) = %q", got, back)
		}
	}
	// A subtree is one contiguous key range: everything below example.dii
	// sorts between its key and the next sibling.
	keys := []string{
		Reverse("example.dii"), Reverse("a.example.dii"), Reverse("z.a.example.dii"),
		Reverse("example-x.dii"), Reverse("examplez.dii"), Reverse("b.dii"),
	}
	slices.Sort(keys)
	prefix := Reverse("example.dii") + "."
	first, last := -1, -1
	for i, k := range keys {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if last-first != 1 {
		t.Errorf("keys below example.dii not contiguous: %q", keys)
	}
}

func TestRelative(t *testing.T) {
	for _, c := range []struct {
		owner, zone, want string
		err               error
	}{
		{"example.dii", "example.dii", "@", nil},
		{"example.dii.", "example.dii", "@", nil},
		{"www.example.dii", "example.dii", "www", nil},
		{"a.b.example.dii", "example.dii.", "a.b", nil},
		{"_443._tcp.example.dii", "example.dii", "_443._tcp", nil},
		{"example.dii", "", "example.dii", nil},
		{"", "", "@", nil},
		{"xexample.dii", "example.dii", "", ErrNotInZone},
		{"dii", "example.dii", "", ErrNotInZone},
	} {
		got, err := Relative(c.owner, c.zone)
		if !errors.Is(err, c.err) || got != c.want {
			t.Errorf("Relative(%q, %q) = %q, %v, want %q, %v", c.owner, c.zone, got, err, c.want, c.err)
		}
	}
}

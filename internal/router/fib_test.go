package router

import (
	"testing"

	"github.com/dii-net/dii/pkg/newip"
)

func TestFIBLongestPrefixMatch(t *testing.T) {
	f := newFIB()
	routes := map[string]*route{}
	for _, p := range []string{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/23", "10.1.2.128/25", "2001:db8::/32",
		"8bit:16/4", "f:f2/8", "f:f20a/16", "f:f20a0000/26", "f:05/8", "0.0.0.0/0"} {
		pr, err := newip.ParsePrefix(p)
		if err != nil {
			t.Fatal(err)
		}
		r := &route{prefix: pr}
		routes[p] = r
		f.insert(r)
	}
	for _, tc := range []struct{ addr, want string }{
		{"10.9.9.9", "10.0.0.0/8"},
		{"10.1.9.9", "10.1.0.0/16"},
		{"10.1.3.1", "10.1.2.0/23"},
		{"10.1.2.200", "10.1.2.128/25"},
		{"10.1.2.100", "10.1.2.0/23"},
		{"192.0.2.1", "0.0.0.0/0"},
		{"2001:db8::1", "2001:db8::/32"},
		{"2001:db9::1", ""},
		{"8bit:17", "8bit:16/4"},
		{"8bit:33", ""},
		{"f:f20a000001", "f:f20a0000/26"},
		{"f:f20a004001", "f:f20a/16"},
		{"f:f20b000001", "f:f2/8"},
		{"f:05", "f:05/8"},
		{"f:06", ""},
		{"f:f1ffff", ""},
	} {
		got := f.lookup(addr(t, tc.addr))
		if (got == nil) != (tc.want == "") || (got != nil && got != routes[tc.want]) {
			name := "none"
			if got != nil {
				name = got.prefix.String()
			}
			t.Errorf("%s: matched %s, want %q", tc.addr, name, tc.want)
		}
	}
}

func TestFIBMatchesPrefixContains(t *testing.T) {
	// Whatever the trie returns must contain the address, and no longer
	// prefix in the table may contain it.
	f := newFIB()
	var all []newip.Prefix
	for _, p := range []string{"f:f2/8", "f:f20a/16", "f:f20a00/20", "f:dd/6", "f:e0/4", "f:00/1", "f:80/2"} {
		pr, _ := newip.ParsePrefix(p)
		all = append(all, pr)
		f.insert(&route{prefix: pr})
	}
	for v := uint64(0); v < 1<<20; v += 997 {
		a, _ := newip.FlexAddr(v * 4099)
		got := f.lookup(a)
		best := -1
		for _, p := range all {
			if p.Contains(a) && p.Bits > best {
				best = p.Bits
			}
		}
		if got == nil {
			if best >= 0 {
				t.Fatalf("%s: no match, want /%d", a, best)
			}
			continue
		}
		if !got.prefix.Contains(a) || got.prefix.Bits != best {
			t.Fatalf("%s: matched %s, want /%d", a, got.prefix, best)
		}
	}
}

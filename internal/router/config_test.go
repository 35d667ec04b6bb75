package router

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSampleConfigParses(t *testing.T) {
	c, err := ParseConfig([]byte(SampleConfig))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Links) != 2 || len(c.Routes) != 2 {
		t.Fatalf("%d links, %d routes", len(c.Links), len(c.Routes))
	}
	l := c.Links[0]
	if l.Rate != 10e6 || time.Duration(l.Delay) != 5*time.Millisecond || l.Queue != 256<<10 || l.Wash != 64<<10 {
		t.Fatalf("link %+v", l)
	}
	if c.Links[1].Kind != KindUDP || c.Links[1].Queue != DefaultQueue {
		t.Fatalf("defaults not filled: %+v", c.Links[1])
	}
	if c.Routes[0].Hops != 1 || c.Routes[1].Hops != 3 {
		t.Fatalf("routes %+v", c.Routes)
	}
}

func TestExampleRouterConfigsParse(t *testing.T) {
	files, _ := filepath.Glob("../../examples/newip/*.toml")
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "[[route]]") {
			continue // not a router configuration
		}
		n++
		if _, err := ParseConfig(b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if n == 0 {
		t.Fatal("no router configurations in examples/newip")
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	base := `name = "r"
[[link]]
name = "a"
listen = "127.0.0.1:0"
`
	for _, tc := range []struct{ name, extra, want string }{
		{"unknown field", "colour = 1\n", "colour"},
		{"bad rate", "[[link]]\nname = \"b\"\nlisten = \"127.0.0.1:0\"\nrate = \"fast\"\n", "rate"},
		{"duplicate link", "[[link]]\nname = \"a\"\nlisten = \"127.0.0.1:0\"\n", "link[1] (a).name: used twice"},
		{"route to nowhere", "[[route]]\nprefix = \"10.0.0.0/8\"\nlink = \"zz\"\n", `route[0].link "zz": no such link`},
		{"bad prefix", "[[route]]\nprefix = \"10.0.0.0/40\"\nlink = \"a\"\n", "route[0].prefix"},
		{"bad address", "[[link]]\nname = \"b\"\nlisten = \"127.0.0.1:0\"\n[[route]]\nprefix = \"f:f5/8\"\nlink = \"b\"\n", ""},
		{"ether without interface", "[[link]]\nname = \"e\"\nkind = \"ether\"\n", "link[1] (e).interface: missing"},
		{"listen missing", "[[link]]\nname = \"u\"\n", "link[1] (u).listen"},
		{"wash above queue", "[[link]]\nname = \"w\"\nlisten = \"127.0.0.1:0\"\nqueue = \"4KiB\"\nwash = \"8KiB\"\n", "wash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(base + tc.extra))
			if tc.want == "" {
				return // only must not panic; may or may not be valid
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestUnits(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rate
	}{{"10Mbit", 10e6}, {"1.5gbit", 1.5e9}, {"800kbit", 800e3}, {"0", 0}, {"12345", 12345}} {
		var r Rate
		if err := r.UnmarshalText([]byte(tc.in)); err != nil || r != tc.want {
			t.Errorf("rate %q: %d %v", tc.in, r, err)
		}
	}
	for _, tc := range []struct {
		in   string
		want Size
	}{{"64KiB", 64 << 10}, {"1MiB", 1 << 20}, {"1500", 1500}, {"100kB", 100000}} {
		var z Size
		if err := z.UnmarshalText([]byte(tc.in)); err != nil || z != tc.want {
			t.Errorf("size %q: %d %v", tc.in, z, err)
		}
	}
	var r Rate
	if r.UnmarshalText([]byte("-3Mbit")) == nil {
		t.Error("negative rate accepted")
	}
}

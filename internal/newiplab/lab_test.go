package newiplab

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestExampleLabParses(t *testing.T) {
	top, err := Load("../../examples/lab.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Routers) != 3 || len(top.Flows) != 4 {
		t.Fatalf("%d routers, %d flows", len(top.Routers), len(top.Flows))
	}
}

func TestRoutesFollowLeastDelay(t *testing.T) {
	// A diamond: r1–r2–r4 costs 10 ms, r1–r3–r4 costs 2 ms.
	top, err := Parse([]byte(`
[[router]]
name = "r1"
address = "10.0.0.1"
[[router]]
name = "r2"
address = "10.0.0.2"
[[router]]
name = "r3"
address = "10.0.0.3"
[[router]]
name = "r4"
address = "f=70000"
[[link]]
a = "r1"
b = "r2"
delay = "5ms"
[[link]]
a = "r2"
b = "r4"
delay = "5ms"
[[link]]
a = "r1"
b = "r3"
delay = "1ms"
[[link]]
a = "r3"
b = "r4"
delay = "1ms"
rate = "1Mbit"
[[host]]
name = "h"
address = "2001:db8::1"
router = "r4"
prefixes = ["2001:db8:1::/48"]
delay = "3ms"
`))
	if err != nil {
		t.Fatal(err)
	}
	cfgs, _, err := top.configs()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, c := range cfgs {
			for _, l := range c.Links {
				l.Conn.Close()
			}
		}
	}()
	find := func(r, prefix string) string {
		for _, rt := range cfgs[r].Routes {
			if rt.Prefix == prefix {
				return rt.Link + " " + time.Duration(rt.Delay).String() + " " + string(rune('0'+rt.Hops))
			}
		}
		return "none"
	}
	for _, tc := range []struct{ router, prefix, want string }{
		{"r1", "2001:db8::1/128", "r3 5ms 3"}, // 1 + 1 ms to r4, 3 ms to the host; three queues
		{"r1", "2001:db8:1::/48", "r3 5ms 3"},
		{"r2", "2001:db8::1/128", "r4 8ms 2"},
		{"r4", "2001:db8::1/128", "h 3ms 1"},
		{"r1", "f:f200011170/40", "r3 2ms 2"},
		{"r4", "10.0.0.2/32", "r2 5ms 1"},
		{"r2", "10.0.0.3/32", "r1 6ms 2"}, // 5 + 1 beats 5 + 1 via r4? equal: r1 < r4 by name
	} {
		if got := find(tc.router, tc.prefix); got != tc.want {
			t.Errorf("%s → %s: %s, want %s", tc.router, tc.prefix, got, tc.want)
		}
	}
}

func TestTopologyErrors(t *testing.T) {
	head := "[[router]]\nname = \"r1\"\naddress = \"10.0.0.1\"\n[[host]]\nname = \"h\"\naddress = \"10.1.0.1\"\nrouter = \"r1\"\n"
	for _, tc := range []struct{ name, extra, want string }{
		{"unknown field", "speed = 3\n", "speed"},
		{"link to nothing", "[[link]]\na = \"r1\"\nb = \"r9\"\n", "link[0]"},
		{"address twice", "[[host]]\nname = \"g\"\naddress = \"10.0.0.1\"\nrouter = \"r1\"\n", "already router r1's"},
		{"flow from a stranger", "[[flow]]\nname = \"f\"\nfrom = \"x\"\nto = \"h\"\nrate = 1\n", `"x" is not a host`},
		{"contract without budget", "[[host]]\nname = \"g\"\naddress = \"10.1.0.2\"\nrouter = \"r1\"\n[[flow]]\nname = \"f\"\nfrom = \"g\"\nto = \"h\"\nrate = 1\ncontract = \"lbf\"\n", "budget"},
		{"bad contract", "[[host]]\nname = \"g\"\naddress = \"10.1.0.2\"\nrouter = \"r1\"\n[[flow]]\nname = \"f\"\nfrom = \"g\"\nto = \"h\"\nrate = 1\ncontract = \"gold\"\n", "want none, lbf or mdf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(head + tc.extra))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// TestLabShowsWhatLBFBuys runs a short lab: an LBF flow and bulk cross
// traffic over a 2 Mbit/s bottleneck, once with the contract and once
// best effort.
func TestLabShowsWhatLBFBuys(t *testing.T) {
	top, err := Parse([]byte(`
duration = "1s"
warmup = "500ms"
[[router]]
name = "r1"
address = "10.0.0.1"
[[router]]
name = "r2"
address = "10.0.0.2"
[[router]]
name = "r3"
address = "10.0.0.3"
[[link]]
a = "r1"
b = "r2"
rate = "100Mbit"
delay = "1ms"
[[link]]
a = "r2"
b = "r3"
rate = "2Mbit"
delay = "2ms"
queue = "64KiB"
[[host]]
name = "a"
address = "10.1.0.1"
router = "r1"
[[host]]
name = "b"
address = "f=80000"
router = "r3"
[[flow]]
name = "voice"
from = "a"
to = "b"
contract = "lbf"
budget = "50ms"
rate = 100
size = 200
[[flow]]
name = "bulk"
from = "a"
to = "b"
rate = 375
size = 1000
cross = true
`))
	if err != nil {
		t.Fatal(err)
	}
	lab, err := Start(top)
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep := Report{Rounds: map[string][]Result{}}
	for _, round := range []string{RoundContracts, RoundBestEffort} {
		res, err := lab.Run(ctx, round == RoundContracts)
		if err != nil {
			t.Fatal(err)
		}
		rep.Rounds[round] = res
	}
	var out bytes.Buffer
	rep.Write(&out)
	t.Log("\n" + out.String())
	with, without := rep.Rounds[RoundContracts][0], rep.Rounds[RoundBestEffort][0]
	if with.Sent < 80 || without.Sent < 80 {
		t.Fatalf("sent %d and %d, want about 100 each", with.Sent, without.Sent)
	}
	if with.InTimeRatio() < 0.85 {
		t.Errorf("LBF round: %.0f%% in budget, want at least 85%%", 100*with.InTimeRatio())
	}
	if without.InTimeRatio() > 0.2 {
		t.Errorf("best-effort round: %.0f%% in budget, want at most 20%%", 100*without.InTimeRatio())
	}
	if !strings.Contains(out.String(), "voice (lbf, budget 50.0ms): in budget") {
		t.Errorf("report lacks the contract line:\n%s", out.String())
	}
}

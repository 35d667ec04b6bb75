package router

import (
	"testing"
	"time"

	"github.com/dii-net/dii/pkg/newip"
)

const ms = int64(time.Millisecond)

func TestMaxDelayForwarding(t *testing.T) {
	rt := &route{delay: 5 * ms, hops: 2}
	for _, tc := range []struct {
		name          string
		max, exp      uint16 // ms, 100 µs
		local         int64  // delay met at this hop, ns
		admitWhy, why Reason
		wantExp       uint16
	}{
		{name: "fresh packet passes", max: 50, exp: 0, local: 3 * ms, wantExp: 30},
		{name: "adds to what it met", max: 50, exp: 120, local: 3 * ms, wantExp: 150},
		{name: "exactly at the budget passes", max: 10, exp: 70, local: 3 * ms, wantExp: 100},
		{name: "spent on arrival", max: 10, exp: 101, admitWhy: DropMaxDelay},
		{name: "spent while queued here", max: 10, exp: 90, local: 2 * ms, why: DropMaxDelay},
		{name: "rounding to 100 µs", max: 50, exp: 0, local: 149_999, wantExp: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := pkt{dst: "10.2.0.1", mdf: &newip.MaxDelay{MaxAllowedDelay: tc.max, DelayExp: tc.exp}}.build(t)
			p := parse(t, b)
			_, _, _, why := admit(&p, rt, 0)
			if why != tc.admitWhy {
				t.Fatalf("admit: %v, want %v", why, tc.admitWhy)
			}
			if why != ok {
				return
			}
			if why := departure(&p, tc.local, rt.delay); why != tc.why {
				t.Fatalf("departure: %v, want %v", why, tc.why)
			}
			if tc.why != ok {
				return
			}
			m, _ := p.MaxDelay()
			if m.DelayExp != tc.wantExp {
				t.Fatalf("delay_exp %d, want %d", m.DelayExp, tc.wantExp)
			}
		})
	}
}

func TestLatencyBasedForwarding(t *testing.T) {
	const now = 1000 * ms
	for _, tc := range []struct {
		name         string
		lbf          newip.LBF
		rt           route
		admitWhy     Reason
		wantDeadline int64 // after now
		wantEligible int64 // after now
		local        int64
		why          Reason
		wantExp      uint16
		wantFibDelay uint16
		wantFibHops  uint16
	}{
		{
			name: "one hop gets the whole slack",
			lbf:  newip.LBF{MaxDelay: 30}, rt: route{delay: 10 * ms, hops: 1},
			wantDeadline: 20 * ms, local: 12 * ms, wantExp: 120, wantFibDelay: 10, wantFibHops: 1,
		},
		{
			name: "slack shared among the hops left",
			lbf:  newip.LBF{MaxDelay: 40, ExperiencedDelay: 100}, rt: route{delay: 6 * ms, hops: 3},
			// 40 − 10 − 6 = 24 ms of slack over 3 hops: 8 ms here.
			wantDeadline: 8 * ms, local: 1 * ms, wantExp: 110, wantFibDelay: 6, wantFibHops: 3,
		},
		{
			name: "minimum delay holds the packet back",
			lbf:  newip.LBF{MinDelay: 20, MaxDelay: 40}, rt: route{delay: 4 * ms, hops: 2},
			// lower slack 20 − 4 = 16 ms over 2 hops: not before 8 ms.
			wantDeadline: 18 * ms, wantEligible: 8 * ms, local: 9 * ms, wantExp: 90, wantFibDelay: 4, wantFibHops: 2,
		},
		{
			name: "budget cannot be met even without queueing",
			lbf:  newip.LBF{MaxDelay: 10, ExperiencedDelay: 60}, rt: route{delay: 5 * ms, hops: 1},
			admitWhy: DropLBFBudget,
		},
		{
			name: "queueing here used up the budget",
			lbf:  newip.LBF{MaxDelay: 20}, rt: route{delay: 10 * ms, hops: 2},
			wantDeadline: 5 * ms, local: 10*ms + 1, why: DropLBFLate,
		},
		{
			name: "late for its share but still within budget goes on",
			lbf:  newip.LBF{MaxDelay: 20}, rt: route{delay: 10 * ms, hops: 2},
			wantDeadline: 5 * ms, local: 7 * ms, wantExp: 70, wantFibDelay: 10, wantFibHops: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.lbf
			p := parse(t, pkt{dst: "10.2.0.1", lbf: &l}.build(t))
			cls, eligible, deadline, why := admit(&p, &tc.rt, now)
			if why != tc.admitWhy {
				t.Fatalf("admit: %v, want %v", why, tc.admitWhy)
			}
			if why != ok {
				return
			}
			if cls != classLatency {
				t.Fatalf("class %d, want latency", cls)
			}
			if deadline-now != tc.wantDeadline || eligible-now != tc.wantEligible {
				t.Fatalf("deadline +%v eligible +%v, want +%v and +%v", time.Duration(deadline-now),
					time.Duration(eligible-now), time.Duration(tc.wantDeadline), time.Duration(tc.wantEligible))
			}
			// The rest of the path after this link: the route's delay
			// counts the link's own, here zero.
			if why := departure(&p, tc.local, tc.rt.delay); why != tc.why {
				t.Fatalf("departure: %v, want %v", why, tc.why)
			}
			if tc.why != ok {
				return
			}
			got, _ := p.LBF()
			if got.ExperiencedDelay != tc.wantExp || got.FibToDelay != tc.wantFibDelay || got.FibToHops != tc.wantFibHops {
				t.Fatalf("lbf %+v, want experienced %d fib_todelay %d fib_tohops %d", got, tc.wantExp, tc.wantFibDelay, tc.wantFibHops)
			}
		})
	}
}

func TestBestEffortHasNoContractChecks(t *testing.T) {
	p := parse(t, pkt{dst: "10.2.0.1"}.build(t))
	cls, eligible, _, why := admit(&p, &route{delay: 50 * ms, hops: 9}, 7)
	if why != ok || cls != classBest || eligible != 7 {
		t.Fatalf("admit: class %d eligible %d %v", cls, eligible, why)
	}
	if why := departure(&p, 10*int64(time.Second), 0); why != ok {
		t.Fatalf("departure: %v", why)
	}
}

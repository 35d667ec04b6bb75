package router

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// arrival is a frame reaching a port in a simulation.
type arrival struct {
	at       int64
	name     string
	size     int
	lbf      bool
	deadline int64 // after at
	eligible int64 // after at
	prio     uint8
}

// leave is a frame leaving the far end of the link.
type leave struct {
	name string
	at   int64
}

// simulate runs a port under simulated time until it is idle and
// returns the frames in the order they left, with the drops.
func simulate(t *testing.T, p *port, arrivals []arrival) (out []leave, drops map[string]Reason) {
	t.Helper()
	names := map[*frame]string{}
	drops = map[string]Reason{}
	p.dropped = func(f *frame, r Reason) { drops[names[f]] = r }
	slices.SortStableFunc(arrivals, func(a, b arrival) int { return int(a.at - b.at) })
	now := int64(0)
	for steps := 0; steps < 100000; steps++ {
		for len(arrivals) > 0 && arrivals[0].at <= now {
			a := arrivals[0]
			arrivals = arrivals[1:]
			f := newFrame(make([]byte, a.size))
			names[f] = a.name
			f.arrived, f.eligible, f.prio = now, now+a.eligible, a.prio
			if a.lbf {
				f.class, f.deadline = classLatency, now+a.deadline
			}
			if why := p.enqueue(f, now); why != ok {
				drops[a.name] = why
			}
		}
		p.run(now)
		for f := p.due(now); f != nil; f = p.due(now) {
			out = append(out, leave{names[f], f.sendAt})
		}
		next, pending := p.wake()
		if len(arrivals) > 0 && (!pending || arrivals[0].at < next) {
			next, pending = arrivals[0].at, true
		}
		if !pending {
			return out, drops
		}
		if next < now {
			t.Fatalf("time went back: %d after %d", next, now)
		}
		now = next
	}
	t.Fatal("simulation did not settle")
	return nil, nil
}

func order(ls []leave) string {
	s := ""
	for _, l := range ls {
		s += fmt.Sprintf("%s@%v ", l.name, time.Duration(l.at))
	}
	return s
}

func TestPortRateAndDelay(t *testing.T) {
	// 1 Mbit/s: 1,000 bytes take 8 ms; then 5 ms of propagation.
	p := newPort(1e6, 5*ms, 1<<20)
	out, _ := simulate(t, p, []arrival{
		{at: 0, name: "a", size: 1000},
		{at: 0, name: "b", size: 1000},
		{at: 30 * ms, name: "c", size: 500},
	})
	want := "a@13ms b@21ms c@39ms "
	if got := order(out); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestPortLatencyBoundGoesFirst(t *testing.T) {
	p := newPort(1e6, 0, 1<<20)
	arr := []arrival{}
	for i := 0; i < 5; i++ {
		arr = append(arr, arrival{at: 0, name: fmt.Sprintf("be%d", i), size: 1000})
	}
	// Arrives while be0 is on the wire, with a 20 ms deadline: it must
	// go next, not behind 32 ms of best effort.
	arr = append(arr, arrival{at: 1 * ms, name: "lbf", size: 1000, lbf: true, deadline: 20 * ms})
	out, _ := simulate(t, p, arr)
	want := "be0@8ms lbf@16ms be1@24ms be2@32ms be3@40ms be4@48ms "
	if got := order(out); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestPortEarliestDeadlineFirst(t *testing.T) {
	p := newPort(1e6, 0, 1<<20)
	out, _ := simulate(t, p, []arrival{
		{at: 0, name: "first", size: 1000},
		{at: 1 * ms, name: "late", size: 1000, lbf: true, deadline: 40 * ms},
		{at: 2 * ms, name: "urgent", size: 1000, lbf: true, deadline: 10 * ms},
		{at: 3 * ms, name: "middle", size: 1000, lbf: true, deadline: 25 * ms},
	})
	want := "first@8ms urgent@16ms middle@24ms late@32ms "
	if got := order(out); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestPortMinimumDelayHolds(t *testing.T) {
	p := newPort(0, 0, 1<<20)
	out, _ := simulate(t, p, []arrival{
		{at: 0, name: "held", size: 100, lbf: true, deadline: 20 * ms, eligible: 5 * ms},
		{at: 1 * ms, name: "be", size: 100},
	})
	want := "be@1ms held@5ms "
	if got := order(out); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestPortPriorities(t *testing.T) {
	p := newPort(1e6, 0, 1<<20)
	out, _ := simulate(t, p, []arrival{
		{at: 0, name: "p0a", size: 1000},
		{at: 1 * ms, name: "p0b", size: 1000},
		{at: 2 * ms, name: "p5", size: 1000, prio: 5},
		{at: 3 * ms, name: "p2", size: 1000, prio: 2},
	})
	want := "p0a@8ms p5@16ms p2@24ms p0b@32ms "
	if got := order(out); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestPortFullQueue(t *testing.T) {
	// Room for three 1,000-byte frames besides the one on the wire.
	p := newPort(1e6, 0, 3000)
	out, drops := simulate(t, p, []arrival{
		{at: 0, name: "wire", size: 1000},
		{at: 1 * ms, name: "be1", size: 1000},
		{at: 1 * ms, name: "be2", size: 1000},
		{at: 1 * ms, name: "be3", size: 1000},
		{at: 2 * ms, name: "be4", size: 1000},
		{at: 2 * ms, name: "lbf", size: 1000, lbf: true, deadline: 50 * ms},
		{at: 2 * ms, name: "prio", size: 1000, prio: 1},
	})
	wantDrops := map[string]Reason{"be4": DropQueueFull, "be3": DropPushedOut, "be2": DropPushedOut}
	if fmt.Sprint(drops) != fmt.Sprint(wantDrops) {
		t.Fatalf("drops %v, want %v", drops, wantDrops)
	}
	want := "wire@8ms lbf@16ms prio@24ms be1@32ms "
	if got := order(out); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// TestPortLBFMeetsDeadlineBestEffortMisses is the contract's point in
// simulated time: a 2 Mbit/s link carries a steady 3 Mbit/s of cross
// traffic (best effort). A flow with a 30 ms budget over this one hop
// gets through in time with LBF and misses without it.
func TestPortLBFMeetsDeadlineBestEffortMisses(t *testing.T) {
	run := func(lbf bool) (met, total int) {
		p := newPort(2e6, 2*ms, 64<<10)
		p.depart = func(f *frame, start, transit int64) Reason {
			if f.class == classLatency && start-f.arrived+transit > 30*ms {
				return DropLBFLate
			}
			return ok
		}
		var arr []arrival
		for i := int64(0); i < 375; i++ { // 3 Mbit/s of 1,000-byte frames for 1 s
			arr = append(arr, arrival{at: i * 8 * ms / 3, name: fmt.Sprintf("x%d", i), size: 1000})
		}
		for i := int64(0); i < 50; i++ { // the flow: 200-byte frames every 20 ms
			arr = append(arr, arrival{at: i*20*ms + ms/2, name: fmt.Sprintf("f%d", i), size: 200, lbf: lbf, deadline: 28 * ms})
		}
		arrivedAt := map[string]int64{}
		for _, a := range arr {
			arrivedAt[a.name] = a.at
		}
		out, _ := simulate(t, p, arr)
		for _, o := range out {
			if o.name[0] == 'f' && o.at-arrivedAt[o.name] <= 30*ms {
				met++
			}
		}
		return met, 50
	}
	metLBF, n := run(true)
	metBE, _ := run(false)
	if metLBF != n {
		t.Errorf("LBF: %d of %d in time, want all", metLBF, n)
	}
	if metBE > n/2 {
		t.Errorf("best effort: %d of %d in time, want under half", metBE, n)
	}
}

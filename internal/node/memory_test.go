package node

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestSetGCPercent: without GOGC the target is set from the live heap,
// and GOGC wins.
func TestSetGCPercent(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	if v, ok := os.LookupEnv("GOGC"); ok {
		t.Cleanup(func() { _ = os.Setenv("GOGC", v) })
	} else {
		t.Cleanup(func() { _ = os.Unsetenv("GOGC") })
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_ = os.Unsetenv("GOGC")
	if got := SetGCPercent(ctx, nil); got != "" {
		t.Fatalf("without GOGC: reported %q", got)
	}
	// A test process's live heap is far below 256 MiB: the headroom
	// governs, not the 25%.
	if p := debug.SetGCPercent(100); p <= DefaultGCPercent {
		t.Fatalf("without GOGC the target is %d, want more than %d for a live heap of %d bytes", p, DefaultGCPercent, liveHeap())
	}
	_ = os.Setenv("GOGC", "150")
	if got := SetGCPercent(ctx, nil); got != "150" {
		t.Fatalf("with GOGC=150: reported %q", got)
	}
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("with GOGC set the target changed to %d", p)
	}
}

// TestGCTunerFollowsCollections: the target follows the live heap from
// one collection to the next, without waiting: 25% once the heap holds
// 320 MiB, the headroom's larger share again once it is freed.
func TestGCTunerFollowsCollections(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tu := startGCTuner(ctx)
	if got := tu.cur.Load(); got <= DefaultGCPercent {
		t.Fatalf("small heap: target %d, want more than %d", got, DefaultGCPercent)
	}
	waitTarget := func(ok func(int64) bool, what string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok(tu.cur.Load()) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: target still %d (live heap %d MiB)", what, tu.cur.Load(), liveHeap()>>20)
			}
			runtime.GC()
		}
		if p := debug.SetGCPercent(int(tu.cur.Load())); int64(p) != tu.cur.Load() {
			t.Fatalf("%s: the runtime's target is %d, the tuner's %d", what, p, tu.cur.Load())
		}
	}
	keep := make([]byte, 320<<20)
	waitTarget(func(p int64) bool { return p == DefaultGCPercent }, "320 MiB live")
	runtime.KeepAlive(keep) // and no longer after
	waitTarget(func(p int64) bool { return p > DefaultGCPercent }, "freed")
}

// TestGCPercentFor: 25% of a large heap, at least MinGCHeadroom of a
// small one.
func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 1600},
		{1 << 20, 1600},
		{1 << 30, DefaultGCPercent},
		{256 << 20, DefaultGCPercent},
		{128 << 20, 50},
		{8 << 20, 800},
		{6 << 20, 1067},
	} {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}

// TestIdleReleaserCheck: a release needs a burst (start-up counts as
// one), then idleChecks quiet checks, then enough to return; one per
// quiet spell, at most one per releaseEvery.
func TestIdleReleaserCheck(t *testing.T) {
	const MiB = 1 << 20
	t0 := time.Unix(1000, 0)
	r := newIdleReleaser(0)
	allocs := uint64(0)
	step := func(sec int, alloc, live, held uint64) bool {
		allocs += alloc
		return r.check(t0.Add(time.Duration(sec)*time.Second), heapUse{allocs: allocs, live: live, held: held})
	}
	type st struct {
		sec               int
		alloc, live, held uint64
		want              bool
	}
	for i, s := range []st{
		{1, 500 * MiB, 700 * MiB, 900 * MiB, false}, // a burst
		{2, MiB, 700 * MiB, 900 * MiB, false},       // quiet 1
		{3, MiB, 700 * MiB, 900 * MiB, false},       // quiet 2
		{4, 0, 700 * MiB, 900 * MiB, true},          // quiet 3: 200 MiB to return
		{5, 0, 700 * MiB, 720 * MiB, false},         // once per quiet spell
		{9, 0, 700 * MiB, 900 * MiB, false},
		{10, 300 * MiB, 700 * MiB, 950 * MiB, false}, // a burst re-arms
		{11, 0, 700 * MiB, 950 * MiB, false},
		{12, 0, 700 * MiB, 950 * MiB, false},
		{13, 0, 700 * MiB, 950 * MiB, false}, // but less than releaseEvery since the last
		{63, 0, 700 * MiB, 950 * MiB, false},
		{64, 0, 700 * MiB, 950 * MiB, true}, // a minute on, still quiet: now
		{70, 100 * MiB, 700 * MiB, 780 * MiB, false},
		{71, 0, 700 * MiB, 780 * MiB, false},
		{72, 0, 700 * MiB, 780 * MiB, false},
		{200, 0, 700 * MiB, 780 * MiB, false}, // 80 MiB: less than an eighth of 700
		{201, 0, 700 * MiB, 900 * MiB, false}, // and that spell is decided
		{202, 50 * MiB, 8 * MiB, 60 * MiB, false},
		{203, 0, 8 * MiB, 60 * MiB, false},
		{204, 0, 8 * MiB, 60 * MiB, false},
		{205, 0, 8 * MiB, 60 * MiB, false}, // a small heap: less than releaseMin
		{206, 50 * MiB, 8 * MiB, 100 * MiB, false},
		{207, 0, 8 * MiB, 100 * MiB, false},
		{208, 0, 8 * MiB, 100 * MiB, false},
		{209, 0, 8 * MiB, 100 * MiB, true},
	} {
		if got := step(s.sec, s.alloc, s.live, s.held); got != s.want {
			t.Fatalf("check %d (t=%ds): release %v, want %v", i, s.sec, got, s.want)
		}
	}
}

// TestReleaseWhenIdle: garbage left by a burst is collected and its
// memory returned to the system once the allocation stops, by the real
// runtime.
func TestReleaseWhenIdle(t *testing.T) {
	// No collection of its own: the burst's garbage stays in the heap.
	old := debug.SetGCPercent(-1)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	runtime.GC()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tick := make(chan time.Time)
	// Each release sends the number of the reading that made it; the
	// first reading, before any tick, closes started.
	released := make(chan int, 4)
	started := make(chan struct{})
	checks := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		read := func() heapUse {
			if checks++; checks == 1 {
				close(started)
			}
			return readHeapUse()
		}
		releaseWhenIdle(ctx, tick, read, func() {
			debug.FreeOSMemory()
			released <- checks
		})
	}()
	now := time.Unix(0, 0)
	send := func() { now = now.Add(time.Second); tick <- now }
	<-started // reading 1, before the burst
	var sink [][]byte
	for range 256 {
		sink = append(sink, make([]byte, 1<<20))
		sink[len(sink)-1][0] = 1
	}
	sink = nil
	before := readHeapUse()
	if before.held-before.live < 200<<20 {
		t.Fatalf("the burst left %d MiB over the live heap, want 200 or more", (before.held-before.live)>>20)
	}
	send() // reading 2: the burst
	for range idleChecks {
		send() // readings 3 to 2+idleChecks: quiet
	}
	select {
	case n := <-released:
		if n != 2+idleChecks {
			t.Fatalf("released at reading %d, want %d (after %d quiet checks)", n, 2+idleChecks, idleChecks)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no release after %d quiet checks", idleChecks)
	}
	after := readHeapUse()
	if after.held-after.live >= releaseMin {
		t.Fatalf("after the release the heap holds %d MiB over its live %d MiB; before, %d MiB over %d MiB",
			(after.held-after.live)>>20, after.live>>20, (before.held-before.live)>>20, before.live>>20)
	}
	send()
	send()
	cancel()
	<-done
	select {
	case n := <-released:
		t.Fatalf("released again at reading %d in the same quiet spell", n)
	default:
	}
	runtime.KeepAlive(sink)
}

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
	if got := SetGCPercent(ctx); got != "" {
		t.Fatalf("without GOGC: reported %q", got)
	}
	// A test process's live heap is far below 256 MiB: the headroom
	// governs, not the 25%.
	if p := debug.SetGCPercent(100); p <= DefaultGCPercent {
		t.Fatalf("without GOGC the target is %d, want more than %d for a live heap of %d bytes", p, DefaultGCPercent, liveHeap())
	}
	_ = os.Setenv("GOGC", "150")
	if got := SetGCPercent(ctx); got != "150" {
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

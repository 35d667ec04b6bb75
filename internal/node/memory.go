package node

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// DefaultGCPercent is the garbage collector's target that SetGCPercent
// sets unless the GOGC environment variable is set: the heap may grow 25%
// over its live data between collections, where Go's default (100) lets
// it double. Nearly all of a node's heap is long-lived — the ledger state
// and the DNS view, about 600 MiB at a million names — and its hot paths
// allocate little (the UDP DNS path nothing), so collections stay rare
// while the process's memory stays near its data. Measured at a million
// names (docs/benchmarks.md): resident memory 1.55 GiB with 100, about
// 1 GiB with 25; loading at the same rate. A node that serves much API
// traffic may prefer a larger value, and less collector work, with GOGC.
const DefaultGCPercent = 25

// MinGCHeadroom is the least the heap may grow between collections under
// the default target: 25% of a small heap is little (Go's runtime scales
// its own 4 MiB floor by GOGC, to 1 MiB at 25), and a node of a few
// thousand names, whose background work allocates a little all the time,
// would collect about twice a second, each collection stopping the world
// for a moment that shows in the DNS tail latency. With 64 MiB of
// headroom it collects every few tens of seconds, for at most 64 MiB of
// resident memory more; from a live heap of 256 MiB up the 25% governs.
const MinGCHeadroom = 64 << 20

// SetGCPercent sets the garbage collector's target to DefaultGCPercent
// unless GOGC is set in the environment, and, in that case only, keeps it
// adjusted until ctx ends so that the heap may grow at least
// MinGCHeadroom between collections (gcPercentFor), and returns memory to
// the system when the node goes quiet after a burst (releaseWhenIdle).
// It returns GOGC's value, "" when the default was set.
//
// The target is set again at the end of every collection, from the live
// heap that collection found. (It was once rechecked every 5 s. A node
// restarted on a million names builds its DNS view, some 600 MiB, in
// about as long: its first collection, at a 64 MiB heap, left the target
// that 64 MiB of headroom gives a small heap, about 1,000%, and the heap
// grew to 1.4 GiB before the ticker fired. Memory the runtime has taken
// it returns to the system only slowly, so the node stayed over 1 GiB.)
// Each release is logged at info level to log (nil: not logged).
func SetGCPercent(ctx context.Context, log *slog.Logger) (gogc string) {
	if v, ok := os.LookupEnv("GOGC"); ok {
		return v
	}
	startGCTuner(ctx)
	go func() {
		t := time.NewTicker(idleCheck)
		defer t.Stop()
		releaseWhenIdle(ctx, t.C, readHeapUse, func() { releaseMemory(log) })
	}()
	return ""
}

// startGCTuner sets the target for the live heap now and after every
// collection until ctx ends.
func startGCTuner(ctx context.Context) *gcTuner {
	t := &gcTuner{ctx: ctx}
	t.cur.Store(int64(gcPercentFor(liveHeap())))
	debug.SetGCPercent(int(t.cur.Load()))
	t.arm()
	return t
}

// gcTuner sets the collector's target after each collection.
type gcTuner struct {
	ctx context.Context
	cur atomic.Int64 // the target set last
}

// gcSentinel is an object made only to become garbage: its cleanup runs
// after the collection that finds it unreachable. (It holds a pointer so
// that the runtime gives it a block of its own: the cleanup of an object
// that shares a block with others runs late.)
type gcSentinel struct{ _ *byte }

// arm makes a sentinel whose cleanup calls collected.
func (t *gcTuner) arm() {
	runtime.AddCleanup(&gcSentinel{}, (*gcTuner).collected, t)
}

// collected runs after a collection, on the runtime's cleanup goroutine:
// it sets the target for the live heap just found, and waits for the next
// collection, until ctx ends.
func (t *gcTuner) collected() {
	if t.ctx.Err() != nil {
		return
	}
	// Only a change of a tenth or more: each call takes the runtime's
	// heap lock.
	cur := int(t.cur.Load())
	if p := gcPercentFor(liveHeap()); p*10 > cur*11 || p*10 < cur*9 {
		debug.SetGCPercent(p)
		t.cur.Store(int64(p))
	}
	t.arm()
}

// gcPercentFor returns the target for a live heap of live bytes:
// DefaultGCPercent, or more so that the heap may grow by MinGCHeadroom.
// A heap under 4 MiB (0 before the first collection) counts as 4 MiB,
// the runtime's own smallest heap goal.
func gcPercentFor(live uint64) int {
	live = max(live, 4<<20)
	if live*DefaultGCPercent/100 >= MinGCHeadroom {
		return DefaultGCPercent
	}
	return int((MinGCHeadroom*100 + live - 1) / live)
}

// liveHeap returns the bytes of heap the last collection found live (0
// before the first).
func liveHeap() uint64 { return readHeapUse().live }

// Returning memory after a burst. The collector lets the heap grow
// DefaultGCPercent over its live data before it collects, and the
// runtime keeps the memory of the heap it grew (it returns to the system
// only what lies 10% beyond that goal, and slowly). After a burst of
// allocation — a bulk load of names, a zone export — a node that goes
// quiet therefore holds the garbage of the burst, and at a million names
// that is some 200 MiB more resident memory than its data needs, kept
// as long as the node stays quiet: its DNS path allocates nothing, so
// no collection comes to free it. releaseWhenIdle watches the
// allocation rate and, once it has been low for idleChecks checks in a
// row after a burst, collects and returns the free memory to the system
// (debug.FreeOSMemory), as a JVM's collector does for an idle
// application. It does so once per quiet spell, only when there is at
// least releaseMin and an eighth of the live heap to return, and at most
// once per releaseEvery: a full collection costs CPU in proportion to
// the live heap.
const (
	idleCheck    = time.Second
	idleAlloc    = 4 << 20 // bytes allocated in one check that still count as quiet
	idleChecks   = 3
	releaseMin   = MinGCHeadroom
	releaseEvery = time.Minute
)

// heapUse is what the collector tuner and releaseWhenIdle read of the
// runtime.
type heapUse struct {
	allocs uint64 // bytes allocated since the process started
	live   uint64 // live heap found by the last collection (0 before the first)
	held   uint64 // heap memory taken from the system and not returned
}

// readHeapUse reads heapUse from runtime/metrics (a metric this Go does
// not have reads 0).
func readHeapUse() heapUse {
	s := []metrics.Sample{
		{Name: "/gc/heap/allocs:bytes"},
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	metrics.Read(s)
	v := func(i int) uint64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return s[i].Value.Uint64()
	}
	return heapUse{allocs: v(0), live: v(1), held: v(2) + v(3) + v(4)}
}

// idleReleaser decides, one check at a time, when to return memory.
type idleReleaser struct {
	allocs uint64    // bytes allocated, as read at the last check
	quiet  int       // checks in a row with little allocation
	armed  bool      // there was a burst since the last release or decision
	at     time.Time // the last release
}

// newIdleReleaser starts from the bytes allocated so far. What came
// before (a node's start-up builds its whole state) counts as a burst.
func newIdleReleaser(allocs uint64) *idleReleaser {
	return &idleReleaser{allocs: allocs, armed: true}
}

// check takes the heap use read at now and reports whether to release.
func (r *idleReleaser) check(now time.Time, u heapUse) bool {
	burst := u.allocs-r.allocs > idleAlloc
	r.allocs = u.allocs
	if burst {
		r.quiet, r.armed = 0, true
		return false
	}
	r.quiet++
	if !r.armed || r.quiet < idleChecks || (!r.at.IsZero() && now.Sub(r.at) < releaseEvery) {
		return false
	}
	r.armed = false // one decision per quiet spell
	if u.held < u.live || u.held-u.live < max(releaseMin, u.live/8) {
		return false
	}
	r.at = now
	return true
}

// releaseMemory collects, returns the free heap memory to the system and
// logs what it returned and what that took.
func releaseMemory(log *slog.Logger) {
	before, t0 := readHeapUse(), time.Now()
	debug.FreeOSMemory()
	after, took := readHeapUse(), time.Since(t0)
	if log != nil {
		log.Info("quiet after a burst: returned heap memory to the system",
			"returned_mib", (int64(before.held)-int64(after.held))>>20,
			"live_mib", after.live>>20, "took", took.Round(time.Millisecond))
	}
}

// releaseWhenIdle runs an idleReleaser on every tick until ctx ends.
func releaseWhenIdle(ctx context.Context, tick <-chan time.Time, read func() heapUse, release func()) {
	r := newIdleReleaser(read().allocs)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick:
			if r.check(now, read()) {
				release()
			}
		}
	}
}

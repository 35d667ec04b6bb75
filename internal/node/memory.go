package node

import (
	"os"
	"runtime/debug"
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

// SetGCPercent sets the garbage collector's target to DefaultGCPercent
// unless GOGC is set in the environment; it returns GOGC's value, "" when
// the default was set.
func SetGCPercent() (gogc string) {
	if v, ok := os.LookupEnv("GOGC"); ok {
		return v
	}
	debug.SetGCPercent(DefaultGCPercent)
	return ""
}

package router

import "time"

// Clock gives the router its time: nanoseconds on a monotonic scale whose
// origin does not matter. Queues and contracts read only this clock, so a
// test can drive them with simulated time.
type Clock interface {
	Now() int64
}

// WallClock is the real clock: nanoseconds since the clock was made.
type WallClock struct{ base time.Time }

// NewWallClock returns a clock that starts at zero now.
func NewWallClock() *WallClock { return &WallClock{base: time.Now()} }

// Now returns the nanoseconds since the clock was made.
func (c *WallClock) Now() int64 { return int64(time.Since(c.base)) }

// ManualClock is a clock a test sets by hand.
type ManualClock struct{ T int64 }

// Now returns the time last set.
func (c *ManualClock) Now() int64 { return c.T }

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) { c.T += int64(d) }

package router

// A port is the sending side of a link: a queue, a wire of a given rate
// and a propagation delay. It is pure logic on the time it is given, so
// the same code runs under the wall clock and under simulated time.
//
// Scheduling: latency-bound frames (LBF) go first, earliest local
// deadline first, each held until its earliest send time; best-effort
// frames (including Max-Delay and Ping) follow, highest priority first
// (a general contract block may set one, 0 to 7), in arrival order
// within a priority. When the queue is full an arriving frame pushes out
// frames of a lower rank from the tail (best effort at a lower priority;
// a latency-bound frame outranks all best effort); if that does not make
// room, the arrival is dropped.
type port struct {
	rate  uint64 // bits per second; 0 sends at once
	delay int64  // propagation delay, ns
	limit int    // queue capacity in bytes

	bytes int   // bytes queued (not yet on the wire)
	busy  int64 // when the wire is free again

	ready frameHeap      // latency-bound, eligible, by deadline
	held  frameHeap      // latency-bound, not yet eligible, by eligible time
	best  [numPrio]deque // best effort by priority, arrival order
	line  deque          // on the wire or in flight, by sendAt

	// depart is called when a frame is about to start on the wire at
	// start; transit is its serialisation plus propagation time. It
	// updates the contract fields and returns a drop reason or ok.
	depart func(f *frame, start, transit int64) Reason
	// dropped is told about every frame the port drops, after which the
	// port frees it.
	dropped func(f *frame, r Reason)
}

func newPort(rate uint64, delay int64, limit int) *port {
	return &port{
		rate:  rate,
		delay: delay,
		limit: limit,
		ready: frameHeap{key: func(f *frame) int64 { return f.deadline }},
		held:  frameHeap{key: func(f *frame) int64 { return f.eligible }},
	}
}

// serialise returns the time n bytes take on the wire.
func (p *port) serialise(n int) int64 {
	if p.rate == 0 {
		return 0
	}
	return int64(uint64(n) * 8 * 1e9 / p.rate)
}

// queued reports the number of frames waiting to go on the wire.
func (p *port) queued() int {
	n := p.ready.len() + p.held.len()
	for i := range p.best {
		n += p.best[i].len()
	}
	return n
}

func (p *port) drop(f *frame, r Reason) {
	if p.dropped != nil {
		p.dropped(f, r)
	}
	freeFrame(f)
}

// enqueue takes f at time now, or drops it when the queue is full. The
// frame's class, arrival, eligible time and deadline must be set.
func (p *port) enqueue(f *frame, now int64) Reason {
	n := len(f.data)
	if p.bytes+n > p.limit {
		rank := int(f.prio)
		if f.class == classLatency {
			rank = numPrio
		}
		for q := 0; q < rank && p.bytes+n > p.limit; q++ {
			for p.bytes+n > p.limit && p.best[q].len() > 0 {
				v := p.best[q].popBack()
				p.bytes -= len(v.data)
				p.drop(v, DropPushedOut)
			}
		}
		if p.bytes+n > p.limit {
			return DropQueueFull
		}
	}
	p.bytes += n
	switch {
	case f.class != classLatency:
		p.best[f.prio].pushBack(f)
	case f.eligible > now:
		p.held.push(f)
	default:
		p.ready.push(f)
	}
	return ok
}

// promote moves held frames whose eligible time has come to ready.
func (p *port) promote(now int64) {
	for f := p.held.peek(); f != nil && f.eligible <= now; f = p.held.peek() {
		p.ready.push(p.held.pop())
	}
}

// pick takes the next frame to send: the most urgent eligible
// latency-bound frame, else the oldest best-effort one.
func (p *port) pick() *frame {
	if p.ready.len() > 0 {
		return p.ready.pop()
	}
	for q := numPrio - 1; q >= 0; q-- {
		if p.best[q].len() > 0 {
			return p.best[q].popFront()
		}
	}
	return nil
}

// run puts on the wire every frame that can start by now. Frames that
// start go to the delay line, from which due takes them.
func (p *port) run(now int64) {
	for p.busy <= now {
		p.promote(now)
		f := p.pick()
		if f == nil {
			return
		}
		p.bytes -= len(f.data)
		start := max(p.busy, f.arrived, f.eligible)
		ser := p.serialise(len(f.data))
		if p.depart != nil {
			if r := p.depart(f, start, ser+p.delay); r != ok {
				p.drop(f, r)
				continue
			}
		}
		p.busy = start + ser
		f.sendAt = p.busy + p.delay
		p.line.pushBack(f)
	}
}

// due pops the next frame whose time to leave the link has come, or nil.
func (p *port) due(now int64) *frame {
	if f := p.line.front(); f != nil && f.sendAt <= now {
		return p.line.popFront()
	}
	return nil
}

// wake returns the next time the port has something to do, and false
// when it has nothing until a frame arrives.
func (p *port) wake() (int64, bool) {
	t, have := int64(0), false
	at := func(v int64) {
		if !have || v < t {
			t, have = v, true
		}
	}
	if f := p.line.front(); f != nil {
		at(f.sendAt)
	}
	if p.ready.len() > 0 || p.queued() > p.held.len() {
		at(p.busy)
	}
	if f := p.held.peek(); f != nil {
		at(max(p.busy, f.eligible))
	}
	return t, have
}

// flush drops every frame the port holds (the router is stopping).
func (p *port) flush() {
	for f := p.pick(); f != nil; f = p.pick() {
		freeFrame(f)
	}
	for f := p.held.pop(); f != nil; f = p.held.pop() {
		freeFrame(f)
	}
	for f := p.line.popFront(); f != nil; f = p.line.popFront() {
		freeFrame(f)
	}
	p.bytes = 0
}

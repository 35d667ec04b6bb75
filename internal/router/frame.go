package router

import (
	"sync"

	"github.com/dii-net/dii/pkg/newip"
)

// frameSize is the largest packet the router carries. A datagram that
// fills the whole buffer is taken to be longer and is dropped as too big.
const frameSize = 2048

// class is a frame's class of service in a port's queue.
type class uint8

const (
	// classBest is best effort: first in, first out, behind every
	// latency-bound frame.
	classBest class = iota
	// classLatency is Latency-Based Forwarding: earliest local deadline
	// first, held until its earliest send time.
	classLatency
)

// frame is a packet the router holds in a queue: its own copy of the
// bytes and what the queue needs to schedule it. Frames are pooled.
type frame struct {
	data []byte // the packet, a prefix of buf
	buf  [frameSize]byte

	arrived  int64 // when the packet reached this router
	eligible int64 // not sent before (LBF minimum delay)
	deadline int64 // local deadline (LBF)
	sendAt   int64 // when the delayed copy leaves the link
	class    class
	prio     uint8 // best-effort priority, 0 to numPrio-1
	hidx     int   // index in the heap that holds it

	// pkt is the decoded view of data, for the contract updates a port
	// makes when the frame leaves; rest is the least delay from the far
	// end of the link to the destination.
	pkt  newip.Packet
	rest int64
}

// numPrio is the number of best-effort priorities.
const numPrio = newip.MaxPriority + 1

var framePool = sync.Pool{New: func() any { return new(frame) }}

// newFrame returns a frame holding a copy of b.
func newFrame(b []byte) *frame {
	f := framePool.Get().(*frame)
	n := copy(f.buf[:], b)
	f.data = f.buf[:n]
	f.arrived, f.eligible, f.deadline, f.sendAt = 0, 0, 0, 0
	f.class, f.prio = classBest, 0
	f.hidx = -1
	f.pkt = newip.Packet{}
	f.rest = 0
	return f
}

func freeFrame(f *frame) {
	f.data = nil
	framePool.Put(f)
}

// frameHeap is a binary min-heap of frames ordered by key.
type frameHeap struct {
	fs  []*frame
	key func(*frame) int64
}

func (h *frameHeap) len() int { return len(h.fs) }

func (h *frameHeap) less(i, j int) bool {
	ki, kj := h.key(h.fs[i]), h.key(h.fs[j])
	if ki != kj {
		return ki < kj
	}
	return h.fs[i].arrived < h.fs[j].arrived
}

func (h *frameHeap) swap(i, j int) {
	h.fs[i], h.fs[j] = h.fs[j], h.fs[i]
	h.fs[i].hidx = i
	h.fs[j].hidx = j
}

func (h *frameHeap) push(f *frame) {
	f.hidx = len(h.fs)
	h.fs = append(h.fs, f)
	h.up(f.hidx)
}

func (h *frameHeap) peek() *frame {
	if len(h.fs) == 0 {
		return nil
	}
	return h.fs[0]
}

func (h *frameHeap) pop() *frame {
	n := len(h.fs) - 1
	if n < 0 {
		return nil
	}
	h.swap(0, n)
	f := h.fs[n]
	h.fs[n] = nil
	h.fs = h.fs[:n]
	h.down(0)
	f.hidx = -1
	return f
}

func (h *frameHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *frameHeap) down(i int) {
	n := len(h.fs)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h.swap(i, m)
		i = m
	}
}

// deque is a double-ended queue of frames on a ring.
type deque struct {
	fs   []*frame
	head int
	n    int
}

func (d *deque) len() int { return d.n }

func (d *deque) grow() {
	size := 2 * len(d.fs)
	if size == 0 {
		size = 64
	}
	fs := make([]*frame, size)
	for i := 0; i < d.n; i++ {
		fs[i] = d.fs[(d.head+i)%len(d.fs)]
	}
	d.fs, d.head = fs, 0
}

func (d *deque) pushBack(f *frame) {
	if d.n == len(d.fs) {
		d.grow()
	}
	d.fs[(d.head+d.n)%len(d.fs)] = f
	d.n++
}

func (d *deque) front() *frame {
	if d.n == 0 {
		return nil
	}
	return d.fs[d.head]
}

func (d *deque) popFront() *frame {
	if d.n == 0 {
		return nil
	}
	f := d.fs[d.head]
	d.fs[d.head] = nil
	d.head = (d.head + 1) % len(d.fs)
	d.n--
	return f
}

func (d *deque) popBack() *frame {
	if d.n == 0 {
		return nil
	}
	i := (d.head + d.n - 1) % len(d.fs)
	f := d.fs[i]
	d.fs[i] = nil
	d.n--
	return f
}

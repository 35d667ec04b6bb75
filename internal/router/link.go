package router

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dii-net/dii/pkg/newip"
)

// link is one of the router's links: a UDP tunnel or a raw Ethernet
// interface, with a port when it has a rate or a delay.
type link struct {
	r     *Router
	name  string
	idx   int
	ether bool
	udp   *net.UDPConn // UDP links
	file  *os.File     // ether links
	rc    syscall.RawConn
	fam   int // socket address family, for encoding peers

	learn bool                     // the peer is learnt from what arrives
	peer  atomic.Pointer[sockaddr] // nil until known
	gso   atomic.Bool              // send runs of equal datagrams with UDP segmentation offload
	gro   bool                     // the socket coalesces what it receives (UDP_GRO)

	delay  int64 // propagation delay, ns
	washAt int   // queue depth that triggers wash; 0 never
	port   *port // nil: packets leave at once
	mu     sync.Mutex
	kick   chan struct{}

	stats  linkStats
	closed atomic.Bool
}

func openLink(r *Router, c *LinkConfig, idx int) (*link, error) {
	l := newLink(r, c, idx)
	switch c.Kind {
	case KindEther:
		es, err := openEther(c.Interface)
		if err != nil {
			return nil, err
		}
		l.ether, l.file, l.rc, l.fam = true, es.f, es.rc, afPacket
		mac := [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		if c.PeerMAC != "" {
			hw, _ := net.ParseMAC(c.PeerMAC) // checked by Check
			copy(mac[:], hw)
		}
		var sa sockaddr
		sa.setLinkLayer(es.ifindex, newip.EtherType, mac)
		l.peer.Store(&sa)
	default:
		conn := c.Conn
		if conn == nil {
			ap, _ := netip.ParseAddrPort(c.Listen) // checked by Check
			var err error
			conn, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
			if err != nil {
				return nil, err
			}
		}
		l.udp = conn
		rc, err := conn.SyscallConn()
		if err != nil {
			_ = conn.Close()
			return nil, err
		}
		l.rc = rc
		if l.fam, err = socketFamily(rc); err != nil {
			_ = conn.Close()
			return nil, err
		}
		if !c.NoOffload {
			l.gso.Store(true)
			l.gro = enableGRO(rc)
		}
		if c.Remote == "" {
			l.learn = true
		} else {
			ap, _ := netip.ParseAddrPort(c.Remote)
			var sa sockaddr
			sa.setAddrPort(ap, l.fam)
			l.peer.Store(&sa)
		}
	}
	return l, nil
}

// newLink makes the link's state apart from its socket.
func newLink(r *Router, c *LinkConfig, idx int) *link {
	l := &link{r: r, name: c.Name, idx: idx, delay: int64(c.Delay), washAt: int(c.Wash), kick: make(chan struct{}, 1)}
	if c.Rate != 0 || c.Delay != 0 {
		l.port = newPort(uint64(c.Rate), int64(c.Delay), int(c.Queue))
		l.port.depart = l.departFrame
		l.port.dropped = func(_ *frame, why Reason) { l.stats.drops[why].Add(1) }
	}
	return l
}

func (l *link) close() {
	if l.closed.Swap(true) {
		return
	}
	var c io.Closer = l.udp
	if l.ether {
		c = l.file
	}
	if c != nil {
		_ = c.Close() // closing stops the reader; nothing to do with its error
	}
}

func (l *link) drop(r Reason) { l.stats.drops[r].Add(1) }

// learnPeer records the sender of a datagram on a learning link.
func (l *link) learnPeer(from *sockaddr) {
	if cur := l.peer.Load(); cur != nil && cur.n == from.n && cur.b == from.b {
		return
	}
	sa := *from
	l.peer.Store(&sa)
	if ap, ok := sa.addrPort(); ok {
		l.r.log.Debug("link learnt its peer", "link", l.name, "peer", ap)
	}
}

// readLoop receives batches of datagrams and forwards them until the
// link closes.
func (l *link) readLoop() {
	b := newBatch(batchSize, frameSize)
	if l.gro {
		// Each message may hold up to 64 KiB of coalesced datagrams.
		b = newBatch(groBatch, groBuffer)
		b.gro = true
	}
	w := l.r.newWorker()
	for {
		n, err := b.recv(l.rc)
		if err != nil {
			if l.closed.Load() || errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) {
				return
			}
			l.r.log.Warn("receive failed", "link", l.name, "err", err)
			time.Sleep(10 * time.Millisecond) // do not spin on a persistent error
			continue
		}
		now := l.r.clock.Now()
		var rxBytes uint64
		rx := 0
		for i := 0; i < n; i++ {
			if l.ether && b.names[i].linkLayerOutgoing() {
				continue
			}
			size, seg := b.lens[i], b.segs[i]
			if size < 0 {
				rx++
				l.drop(DropTooBig)
				continue
			}
			if l.learn {
				l.learnPeer(&b.names[i])
			}
			if seg <= 0 || seg >= size {
				seg = size
			}
			buf := b.bufs[i][:size]
			for off := 0; off < size || size == 0; off += seg {
				d := buf[off:min(off+seg, size)]
				rx++
				rxBytes += uint64(len(d))
				if len(d) >= frameSize {
					l.drop(DropTooBig)
				} else {
					l.r.handle(w, l, d, now)
				}
				if size == 0 {
					break
				}
			}
		}
		l.stats.rxPackets.Add(uint64(rx))
		l.stats.rxBytes.Add(rxBytes)
		w.flush()
	}
}

// sendLoop moves frames from the port to the wire at the times the
// port's rate and delay give.
func (l *link) sendLoop() {
	b := newBatch(batchSize, 0)
	var due [batchSize]*frame
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		now := l.r.clock.Now()
		l.mu.Lock()
		l.port.run(now)
		k := 0
		for k < batchSize {
			f := l.port.due(now)
			if f == nil {
				break
			}
			due[k] = f
			k++
		}
		wake, pending := l.port.wake()
		l.stats.queueBytes.Store(int64(l.port.bytes))
		l.mu.Unlock()

		if k > 0 {
			l.sendFrames(b, due[:k])
		}
		if k == batchSize {
			continue
		}
		if !pending {
			select {
			case <-l.kick:
			case <-l.r.stop:
				return
			}
			continue
		}
		d := time.Duration(wake - l.r.clock.Now())
		if d <= 0 {
			continue
		}
		timer.Reset(d)
		select {
		case <-timer.C:
		case <-l.kick:
			timer.Stop()
		case <-l.r.stop:
			timer.Stop()
			return
		}
	}
}

// sendFrames writes frames to the link's peer and frees them.
func (l *link) sendFrames(b *batch, fs []*frame) {
	peer := l.peer.Load()
	n := 0
	var bytes uint64
	for _, f := range fs {
		if peer == nil {
			l.drop(DropLinkDown)
			continue
		}
		b.bufs[n] = f.data
		b.names[n] = *peer
		bytes += uint64(len(f.data))
		n++
	}
	if n > 0 {
		l.sendBatch(b, n, bytes)
	}
	for i, f := range fs {
		freeFrame(f)
		fs[i] = nil
	}
	for i := 0; i < n; i++ {
		b.bufs[i] = nil
	}
}

// sendBatch sends b's first n datagrams and counts them. When a
// message with segmentation offload is refused, the link stops using
// offload and sends the rest one datagram per message.
func (l *link) sendBatch(b *batch, n int, bytes uint64) {
	b.gso = l.gso.Load()
	failed, gsoFailed, err := b.send(l.rc, n)
	if gsoFailed && l.gso.Swap(false) {
		l.r.log.Warn("segmentation offload refused; sending datagrams one by one", "link", l.name, "err", err)
	}
	l.stats.txPackets.Add(uint64(n - failed))
	l.stats.txBytes.Add(bytes)
	if failed > 0 {
		l.stats.drops[DropSendError].Add(uint64(failed))
	}
}

// enqueue hands a frame to the link's port and wakes its sender.
func (l *link) enqueue(f *frame, now int64) {
	l.mu.Lock()
	why := l.port.enqueue(f, now)
	l.stats.queueBytes.Store(int64(l.port.bytes))
	l.mu.Unlock()
	if why != ok {
		l.drop(why)
		freeFrame(f)
		return
	}
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// queueDepth returns the frames waiting in the link's queue.
func (l *link) queueDepth() int {
	if l.port == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.port.queued()
}

// worker is one reader goroutine's state: a send batch per link for
// the packets that leave at once, and the frames to free after sending.
type worker struct {
	r     *Router
	out   []*batch
	count []int
	owned []*frame
	bld   newip.Builder // for the replies the router sends
}

func (r *Router) newWorker() *worker {
	w := &worker{r: r, out: make([]*batch, len(r.links)), count: make([]int, len(r.links))}
	for i := range w.out {
		w.out[i] = newBatch(batchSize, 0)
	}
	return w
}

// push queues b to leave on l at the next flush; f, if not nil, is the
// frame that holds b, freed after the flush.
func (w *worker) push(l *link, b []byte, f *frame) {
	peer := l.peer.Load()
	if peer == nil {
		l.drop(DropLinkDown)
		if f != nil {
			freeFrame(f)
		}
		return
	}
	i := w.count[l.idx]
	if i == batchSize {
		w.flushLink(l)
		i = 0
	}
	ob := w.out[l.idx]
	ob.bufs[i] = b
	ob.names[i] = *peer
	w.count[l.idx] = i + 1
	if f != nil {
		w.owned = append(w.owned, f)
	}
}

func (w *worker) flushLink(l *link) {
	n := w.count[l.idx]
	if n == 0 {
		return
	}
	ob := w.out[l.idx]
	var bytes uint64
	for i := 0; i < n; i++ {
		bytes += uint64(len(ob.bufs[i]))
	}
	l.sendBatch(ob, n, bytes)
	for i := 0; i < n; i++ {
		ob.bufs[i] = nil
	}
	w.count[l.idx] = 0
}

// flush sends everything pushed since the last flush.
func (w *worker) flush() {
	for _, l := range w.r.links {
		w.flushLink(l)
	}
	for i, f := range w.owned {
		freeFrame(f)
		w.owned[i] = nil
	}
	w.owned = w.owned[:0]
}

package router

import (
	"net"
	"net/netip"
	"syscall"
)

// BatchConn moves datagrams on a UDP socket in batches of one system
// call each, without allocating, with UDP segmentation offload on send
// and receive where the kernel has it: for programs that load or drain
// a router at high rates (bench/newip).
type BatchConn struct {
	rc  syscall.RawConn
	fam int
	in  *batch
	out *batch
	n   int // messages of the last Read
}

// NewBatchConn wraps c; size is the batch size. With offload false it
// sends and receives one datagram per message.
func NewBatchConn(c *net.UDPConn, size int, offload bool) (*BatchConn, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	fam, err := socketFamily(rc)
	if err != nil {
		return nil, err
	}
	bc := &BatchConn{rc: rc, fam: fam, in: newBatch(size, frameSize), out: newBatch(size, 0)}
	bc.out.gso = offload
	if offload && enableGRO(rc) {
		bc.in = newBatch(groBatch, groBuffer)
		bc.in.gro = true
	}
	return bc, nil
}

// Read waits for datagrams and returns how many it read; Each visits
// them until the next Read.
func (c *BatchConn) Read() (int, error) {
	n, err := c.in.recv(c.rc)
	c.n = n
	total := 0
	for i := 0; i < n; i++ {
		size, seg := c.in.lens[i], c.in.segs[i]
		switch {
		case size <= 0:
			total++
		case seg > 0 && seg < size:
			total += (size + seg - 1) / seg
		default:
			total++
		}
	}
	return total, err
}

// Each calls fn with every datagram of the last Read (not those cut
// short).
func (c *BatchConn) Each(fn func([]byte)) {
	for i := 0; i < c.n; i++ {
		size, seg := c.in.lens[i], c.in.segs[i]
		if size < 0 {
			continue
		}
		if seg <= 0 || seg >= size {
			fn(c.in.bufs[i][:size])
			continue
		}
		for off := 0; off < size; off += seg {
			fn(c.in.bufs[i][off:min(off+seg, size)])
		}
	}
}

// Write sends pkts (at most the batch size) to to, and returns how many
// the system refused.
func (c *BatchConn) Write(pkts [][]byte, to netip.AddrPort) (int, error) {
	var sa sockaddr
	sa.setAddrPort(to, c.fam)
	n := copy(c.out.bufs, pkts)
	for i := 0; i < n; i++ {
		c.out.names[i] = sa
	}
	failed, gsoFailed, err := c.out.send(c.rc, n)
	if gsoFailed {
		c.out.gso = false
	}
	for i := 0; i < n; i++ {
		c.out.bufs[i] = nil
	}
	return failed, err
}

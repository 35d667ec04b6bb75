package router

import (
	"net"
	"net/netip"
	"syscall"
)

// BatchConn moves datagrams on a UDP socket in batches of one system
// call each, without allocating: for programs that load or drain a
// router at high rates (bench/newip).
type BatchConn struct {
	rc  syscall.RawConn
	fam int
	in  *batch
	out *batch
}

// NewBatchConn wraps c; size is the batch size and the largest datagram
// read is frameSize bytes.
func NewBatchConn(c *net.UDPConn, size int) (*BatchConn, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	fam, err := socketFamily(rc)
	if err != nil {
		return nil, err
	}
	return &BatchConn{rc: rc, fam: fam, in: newBatch(size, frameSize), out: newBatch(size, 0)}, nil
}

// Read waits for datagrams and returns how many it read; Datagram(i)
// returns each until the next Read.
func (c *BatchConn) Read() (int, error) { return c.in.recv(c.rc) }

// Datagram returns the i-th datagram of the last Read (nil when it was
// cut short).
func (c *BatchConn) Datagram(i int) []byte {
	if c.in.lens[i] < 0 {
		return nil
	}
	return c.in.bufs[i][:c.in.lens[i]]
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
	failed, err := c.out.send(c.rc, n)
	for i := 0; i < n; i++ {
		c.out.bufs[i] = nil
	}
	return failed, err
}

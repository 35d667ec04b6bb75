//go:build !linux

package nameserver

import "net"

// udpConn reads and writes one datagram per call where recvmmsg and
// sendmmsg are not available.
type udpConn struct{ c *net.UDPConn }

func newBatchConn(c *net.UDPConn, _ int) (batchConn, error) { return udpConn{c}, nil }

func (u udpConn) readBatch(ms []udpMsg) (int, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	n, addr, err := u.c.ReadFromUDPAddrPort(ms[0].buf)
	if err != nil {
		return 0, err
	}
	// A datagram that fills the buffer may have been cut: no query is
	// that long.
	ms[0].n, ms[0].addr, ms[0].trunc = n, addr, n == len(ms[0].buf)
	return 1, nil
}

func (u udpConn) writeBatch(ms []udpMsg) (int, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	if _, err := u.c.WriteToUDPAddrPort(ms[0].buf, ms[0].addr); err != nil {
		return 0, err
	}
	return 1, nil
}

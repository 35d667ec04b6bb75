//go:build linux

package nameserver

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsgConn reads and writes batches of datagrams on a UDP socket with
// recvmmsg and sendmmsg, through the runtime's network poller, into
// headers, I/O vectors and socket addresses it allocates once: a batch
// allocates nothing. (golang.org/x/net's ReadBatch makes a *net.UDPAddr
// and its IP for every datagram: at a few hundred thousand queries a
// second that is garbage the collector must chase through the heap of a
// large zone.)
type mmsgConn struct {
	rc   syscall.RawConn
	v6   bool // an AF_INET6 socket: destinations as sockaddr_in6
	hdrs []unix.Mmsghdr
	iovs []unix.Iovec
	sas  []unix.RawSockaddrInet6 // large enough for either family

	// The system call the poller callback makes, and its result; the
	// callback is made once so that a call allocates no closure.
	trap, n uintptr
	got     int
	errno   unix.Errno
	call    func(fd uintptr) bool
}

func newBatchConn(c *net.UDPConn, size int) (batchConn, error) {
	la, ok := c.LocalAddr().(*net.UDPAddr)
	if !ok {
		return nil, fmt.Errorf("dns udp listener: local address %v", c.LocalAddr())
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	m := &mmsgConn{
		rc:   rc,
		v6:   la.IP.To4() == nil,
		hdrs: make([]unix.Mmsghdr, size),
		iovs: make([]unix.Iovec, size),
		sas:  make([]unix.RawSockaddrInet6, size),
	}
	m.call = m.syscall
	return m, nil
}

// readBatch reads at least one datagram (waiting for it) and at most
// len(ms); each ms[i].buf is read into.
func (m *mmsgConn) readBatch(ms []udpMsg) (int, error) {
	n := min(len(ms), len(m.hdrs))
	for i := range ms[:n] {
		m.setHeader(i, ms[i].buf, unix.SizeofSockaddrInet6)
	}
	got, err := m.mmsg(unix.SYS_RECVMMSG, n, false)
	for i := range ms[:got] {
		ms[i].n = int(m.hdrs[i].Len)
		ms[i].trunc = m.hdrs[i].Hdr.Flags&unix.MSG_TRUNC != 0
		ms[i].addr = m.addrOf(&m.sas[i], m.hdrs[i].Hdr.Namelen)
	}
	return got, err
}

// writeBatch sends ms[i].buf to ms[i].addr, as many as it can in one
// call (waiting until the socket takes at least one); an error concerns
// ms[n], the first one not sent.
func (m *mmsgConn) writeBatch(ms []udpMsg) (int, error) {
	n := min(len(ms), len(m.hdrs))
	for i := range ms[:n] {
		m.setHeader(i, ms[i].buf, m.putAddr(&m.sas[i], ms[i].addr))
	}
	return m.mmsg(unix.SYS_SENDMMSG, n, true)
}

// setHeader points header i at buf (the datagram) and at socket address
// i, of namelen bytes: the room for the sender's address (recvmmsg) or
// the destination's length (sendmmsg).
func (m *mmsgConn) setHeader(i int, buf []byte, namelen uint32) {
	m.iovs[i].Base = unsafe.SliceData(buf) //nolint:gosec // the kernel reads or writes the datagram here
	m.iovs[i].SetLen(len(buf))
	h := &m.hdrs[i].Hdr
	*h = unix.Msghdr{Name: (*byte)(unsafe.Pointer(&m.sas[i])), Namelen: namelen, Iov: &m.iovs[i]} //nolint:gosec // the kernel reads or writes the address here
	h.SetIovlen(1)
}

// mmsg makes the system call on the first n headers, waiting through the
// poller while the socket would block.
func (m *mmsgConn) mmsg(trap uintptr, n int, write bool) (int, error) {
	m.trap, m.n, m.got, m.errno = trap, uintptr(n), 0, 0
	var err error
	if write {
		err = m.rc.Write(m.call)
	} else {
		err = m.rc.Read(m.call)
	}
	if err != nil {
		return 0, err
	}
	if m.errno != 0 {
		return 0, m.errno
	}
	return m.got, nil
}

// syscall is the poller callback: false asks to wait until the socket is
// ready. The call is made without telling the scheduler (RawSyscall): on
// a non-blocking socket it returns at once, and a scheduler told of a
// call that lasts over 20 µs (a batch of sends does) hands the goroutine's
// processor to another thread and takes it back after, which cost more
// than the batch saved (a tenth of the server's CPU went to that and to
// the monitor thread waking every 20 µs to do it).
func (m *mmsgConn) syscall(fd uintptr) bool {
	r, _, e := unix.RawSyscall6(m.trap, fd, uintptr(unsafe.Pointer(&m.hdrs[0])), m.n, 0, 0, 0) //nolint:gosec // the kernel reads and writes the headers
	if e == unix.EAGAIN || e == unix.EINTR {
		return false
	}
	m.got, m.errno = int(r), e
	return true
}

// addrOf decodes a socket address the kernel wrote.
func (m *mmsgConn) addrOf(sa *unix.RawSockaddrInet6, l uint32) netip.AddrPort {
	p := (*[2]byte)(unsafe.Pointer(&sa.Port)) //nolint:gosec // the port is in network byte order
	port := uint16(p[0])<<8 | uint16(p[1])
	switch {
	case sa.Family == unix.AF_INET6 && l >= unix.SizeofSockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), port)
	case sa.Family == unix.AF_INET && l >= unix.SizeofSockaddrInet4:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa)) //nolint:gosec // the kernel wrote a sockaddr_in
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	}
	return netip.AddrPort{}
}

// putAddr encodes a destination for the socket's family and returns its
// length.
func (m *mmsgConn) putAddr(sa *unix.RawSockaddrInet6, a netip.AddrPort) uint32 {
	port := a.Port()
	if m.v6 {
		*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: a.Addr().As16()}
		p := (*[2]byte)(unsafe.Pointer(&sa.Port)) //nolint:gosec // network byte order
		p[0], p[1] = byte(port>>8), byte(port)
		return unix.SizeofSockaddrInet6
	}
	sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa)) //nolint:gosec // a sockaddr_in in the same storage
	*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a.Addr().Unmap().As4()}
	p := (*[2]byte)(unsafe.Pointer(&sa4.Port)) //nolint:gosec // network byte order
	p[0], p[1] = byte(port>>8), byte(port)
	return unix.SizeofSockaddrInet4
}

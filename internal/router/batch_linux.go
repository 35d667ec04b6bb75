//go:build linux

package router

import (
	"encoding/binary"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

const afPacket = unix.AF_PACKET

// mmsghdr is struct mmsghdr of recvmmsg(2) and sendmmsg(2).
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

// sockaddr holds a raw socket address: sockaddr_in, sockaddr_in6 or
// sockaddr_ll, all of which fit in 32 bytes.
type sockaddr struct {
	b [32]byte
	n uint32
}

// batch is one goroutine's set of messages for recvmmsg and sendmmsg.
// It is made once and reused, so moving a batch of packets costs no
// allocation: the x/net batch readers build a net.Addr per packet.
type batch struct {
	hs    []mmsghdr
	iovs  []unix.Iovec
	names []sockaddr
	bufs  [][]byte // receive: full buffers; send: the packets
	lens  []int    // receive: bytes read; negative when truncated

	// state of the system call in progress, bound once
	cnt    int
	errno  syscall.Errno
	off    int
	readF  func(uintptr) bool
	writeF func(uintptr) bool
}

// newBatch returns a batch of size messages; with bufSize > 0 it also
// owns a receive buffer of that size per message.
func newBatch(size, bufSize int) *batch {
	b := &batch{
		hs:    make([]mmsghdr, size),
		iovs:  make([]unix.Iovec, size),
		names: make([]sockaddr, size),
		bufs:  make([][]byte, size),
		lens:  make([]int, size),
	}
	if bufSize > 0 {
		mem := make([]byte, size*bufSize)
		for i := range b.bufs {
			b.bufs[i] = mem[i*bufSize : (i+1)*bufSize : (i+1)*bufSize]
		}
	}
	b.readF = b.doRead
	b.writeF = b.doWrite
	return b
}

func (b *batch) prepare(i int, buf []byte, name *sockaddr) {
	h := &b.hs[i]
	h.hdr = unix.Msghdr{}
	h.n = 0
	if len(buf) > 0 {
		b.iovs[i].Base = &buf[0]
	} else {
		b.iovs[i].Base = nil
	}
	b.iovs[i].SetLen(len(buf))
	h.hdr.Iov = &b.iovs[i]
	h.hdr.SetIovlen(1)
	if name != nil {
		h.hdr.Name = &name.b[0]
		h.hdr.Namelen = name.n
	}
}

func (b *batch) doRead(fd uintptr) bool {
	n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.hs[0])), uintptr(b.cnt), 0, 0, 0) //nolint:gosec // recvmmsg takes the mmsghdr array's address
	for e == unix.EINTR {
		n, _, e = unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.hs[0])), uintptr(b.cnt), 0, 0, 0) //nolint:gosec // as above
	}
	if e == unix.EAGAIN {
		return false
	}
	b.errno = e
	b.cnt = int(n)
	return true
}

// recv reads up to len(b.bufs) datagrams, waiting for at least one.
// For each it sets lens[i] (negative when the datagram was cut short)
// and names[i], the sender's address.
func (b *batch) recv(rc syscall.RawConn) (int, error) {
	for i := range b.hs {
		b.names[i].n = uint32(len(b.names[i].b))
		b.prepare(i, b.bufs[i], &b.names[i])
	}
	b.cnt, b.errno = len(b.hs), 0
	if err := rc.Read(b.readF); err != nil {
		return 0, err
	}
	if b.errno != 0 {
		return 0, b.errno
	}
	for i := 0; i < b.cnt; i++ {
		b.lens[i] = int(b.hs[i].n)
		if b.hs[i].hdr.Flags&unix.MSG_TRUNC != 0 {
			b.lens[i] = -1
		}
		b.names[i].n = b.hs[i].hdr.Namelen
	}
	return b.cnt, nil
}

func (b *batch) doWrite(fd uintptr) bool {
	n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.hs[b.off])), uintptr(b.cnt-b.off), 0, 0, 0) //nolint:gosec // sendmmsg takes the mmsghdr array's address
	for e == unix.EINTR {
		n, _, e = unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.hs[b.off])), uintptr(b.cnt-b.off), 0, 0, 0) //nolint:gosec // as above
	}
	if e == unix.EAGAIN {
		return false
	}
	b.errno = e
	if e == 0 {
		b.off += int(n)
		if b.off < b.cnt {
			return false
		}
	}
	return true
}

// send writes b.bufs[:n], message i to names[i] (or to the connected
// peer when names[i] is empty). A message the system refuses is skipped
// and counted; it returns the number refused and the last such error.
func (b *batch) send(rc syscall.RawConn, n int) (int, error) {
	if n == 0 {
		return 0, nil
	}
	for i := 0; i < n; i++ {
		var name *sockaddr
		if b.names[i].n > 0 {
			name = &b.names[i]
		}
		b.prepare(i, b.bufs[i], name)
	}
	b.cnt, b.off = n, 0
	failed := 0
	var last error
	for b.off < b.cnt {
		b.errno = 0
		if err := rc.Write(b.writeF); err != nil {
			return failed + b.cnt - b.off, err
		}
		if b.errno != 0 {
			failed++
			last = b.errno
			b.off++
		}
	}
	return failed, last
}

// setAddrPort encodes ap as a socket address for a socket of family
// fam (AF_INET or AF_INET6).
func (s *sockaddr) setAddrPort(ap netip.AddrPort, fam int) {
	s.b = [32]byte{}
	a := ap.Addr()
	if fam == unix.AF_INET {
		binary.NativeEndian.PutUint16(s.b[0:], unix.AF_INET)
		binary.BigEndian.PutUint16(s.b[2:], ap.Port())
		a4 := a.Unmap().As4()
		copy(s.b[4:8], a4[:])
		s.n = unix.SizeofSockaddrInet4
		return
	}
	binary.NativeEndian.PutUint16(s.b[0:], unix.AF_INET6)
	binary.BigEndian.PutUint16(s.b[2:], ap.Port())
	a16 := a.As16()
	copy(s.b[8:24], a16[:])
	s.n = unix.SizeofSockaddrInet6
}

// addrPort decodes an inet socket address; ok is false for any other.
func (s *sockaddr) addrPort() (netip.AddrPort, bool) {
	if s.n < 2 {
		return netip.AddrPort{}, false
	}
	switch binary.NativeEndian.Uint16(s.b[0:]) {
	case unix.AF_INET:
		if s.n < unix.SizeofSockaddrInet4 {
			return netip.AddrPort{}, false
		}
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(s.b[4:8])), binary.BigEndian.Uint16(s.b[2:])), true
	case unix.AF_INET6:
		if s.n < unix.SizeofSockaddrInet6 {
			return netip.AddrPort{}, false
		}
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(s.b[8:24])).Unmap(), binary.BigEndian.Uint16(s.b[2:])), true
	}
	return netip.AddrPort{}, false
}

// setLinkLayer encodes a sockaddr_ll for an AF_PACKET socket.
func (s *sockaddr) setLinkLayer(ifindex int, proto uint16, mac [6]byte) {
	s.b = [32]byte{}
	binary.NativeEndian.PutUint16(s.b[0:], unix.AF_PACKET)
	binary.BigEndian.PutUint16(s.b[2:], proto)
	binary.NativeEndian.PutUint32(s.b[4:], uint32(ifindex))
	s.b[11] = 6 // sll_halen
	copy(s.b[12:18], mac[:])
	s.n = unix.SizeofSockaddrLinklayer
}

// linkLayerOutgoing reports whether a received sockaddr_ll marks a frame
// this host sent (PACKET_OUTGOING), which a router must not take in.
func (s *sockaddr) linkLayerOutgoing() bool {
	return s.n >= 11 && s.b[10] == unix.PACKET_OUTGOING
}

// socketFamily returns the address family of the socket behind rc.
func socketFamily(rc syscall.RawConn) (int, error) {
	var fam int
	var serr error
	err := rc.Control(func(fd uintptr) {
		var sa unix.Sockaddr
		sa, serr = unix.Getsockname(int(fd))
		switch sa.(type) {
		case *unix.SockaddrInet4:
			fam = unix.AF_INET
		case *unix.SockaddrInet6:
			fam = unix.AF_INET6
		case *unix.SockaddrLinklayer:
			fam = unix.AF_PACKET
		}
	})
	if err != nil {
		return 0, err
	}
	return fam, serr
}

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

// Offload limits: a send with UDP segmentation offload carries at most
// maxSegments datagrams and maxSuper bytes in one message.
const (
	maxSegments = 64
	maxSuper    = 65000
	// groBuffer is the receive buffer per message when the socket
	// coalesces datagrams (UDP_GRO): up to 64 KiB of them.
	groBuffer = 65536
)

// cmsgSpace is the control buffer of one message: room for one
// UDP_SEGMENT (send) or UDP_GRO (receive) option.
var cmsgSpace = unix.CmsgSpace(4)

// batch is one goroutine's set of messages for recvmmsg and sendmmsg.
// It is made once and reused, so moving a batch of packets costs no
// allocation: the x/net batch readers build a net.Addr per packet.
//
// On send, consecutive datagrams of one size to one peer go as a single
// message with UDP segmentation offload (UDP_SEGMENT): the kernel walks
// its stack once for all of them. On receive, a socket with UDP_GRO gets
// such runs back as one message, which recv reports with its segment
// size.
type batch struct {
	hs    []mmsghdr
	iovs  []unix.Iovec // one per datagram
	oob   []byte       // cmsgSpace per message
	names []sockaddr
	bufs  [][]byte // receive: full buffers; send: the datagrams
	lens  []int    // receive: bytes read; negative when truncated
	segs  []int    // receive: the segment size of a coalesced message, else 0
	pkts  []int    // send: datagrams in each message
	gso   bool     // send: group datagrams with UDP_SEGMENT
	gro   bool     // receive: ask for UDP_GRO segment sizes

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
		oob:   make([]byte, size*cmsgSpace),
		names: make([]sockaddr, size),
		bufs:  make([][]byte, size),
		lens:  make([]int, size),
		segs:  make([]int, size),
		pkts:  make([]int, size),
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

func setIovec(v *unix.Iovec, buf []byte) {
	if len(buf) > 0 {
		v.Base = &buf[0]
	} else {
		v.Base = nil
	}
	v.SetLen(len(buf))
}

// message sets up message m over iovs[first:first+n].
func (b *batch) message(m, first, n int, name *sockaddr) {
	h := &b.hs[m]
	h.hdr = unix.Msghdr{}
	h.n = 0
	h.hdr.Iov = &b.iovs[first]
	h.hdr.SetIovlen(n)
	if name != nil && name.n > 0 {
		h.hdr.Name = &name.b[0]
		h.hdr.Namelen = name.n
	}
}

// control points message m at its control buffer, of length n.
func (b *batch) control(m, n int) []byte {
	c := b.oob[m*cmsgSpace : (m+1)*cmsgSpace]
	b.hs[m].hdr.Control = &c[0]
	b.hs[m].hdr.SetControllen(n)
	return c
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

// recv reads up to len(b.bufs) messages, waiting for at least one. For
// each it sets lens[i] (negative when cut short), segs[i] (the segment
// size when the kernel coalesced datagrams, else 0) and names[i], the
// sender's address.
func (b *batch) recv(rc syscall.RawConn) (int, error) {
	for i := range b.hs {
		b.names[i].n = uint32(len(b.names[i].b))
		setIovec(&b.iovs[i], b.bufs[i])
		b.message(i, i, 1, &b.names[i])
		if b.gro {
			b.control(i, cmsgSpace)
		}
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
		b.segs[i] = 0
		if b.gro {
			b.segs[i] = groSize(b.oob[i*cmsgSpace:(i+1)*cmsgSpace], int(b.hs[i].hdr.Controllen))
		}
	}
	return b.cnt, nil
}

// groSize finds the UDP_GRO option in a received control buffer.
func groSize(c []byte, n int) int {
	n = min(n, len(c))
	for off := 0; off+unix.SizeofCmsghdr <= n; {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&c[off])) //nolint:gosec // a cmsghdr the kernel wrote at an aligned offset
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || off+l > n {
			return 0
		}
		if h.Level == unix.SOL_UDP && h.Type == unix.UDP_GRO && l >= unix.CmsgLen(4) {
			return int(binary.NativeEndian.Uint32(c[off+unix.CmsgLen(0):]))
		}
		off += unix.CmsgSpace(l - unix.CmsgLen(0))
	}
	return 0
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

// send writes b.bufs[:n], datagram i to names[i] (or to the connected
// peer when names[i] is empty). A message the system refuses is skipped
// and its datagrams counted; it returns the number refused, the last
// such error, and whether a refused message used segmentation offload.
func (b *batch) send(rc syscall.RawConn, n int) (failed int, gsoFailed bool, last error) {
	if n == 0 {
		return 0, false, nil
	}
	m := 0
	for i := 0; i < n; {
		setIovec(&b.iovs[i], b.bufs[i])
		size := len(b.bufs[i])
		j := i + 1
		if b.gso && size > 0 {
			total := size
			for j < n && j-i < maxSegments && total+len(b.bufs[j]) <= maxSuper && b.names[j] == b.names[i] {
				l := len(b.bufs[j])
				if l > size || l == 0 {
					break
				}
				setIovec(&b.iovs[j], b.bufs[j])
				total += l
				j++
				if l < size { // a shorter datagram can only end a run
					break
				}
			}
		}
		b.message(m, i, j-i, &b.names[i])
		b.pkts[m] = j - i
		if j-i > 1 {
			c := b.control(m, unix.CmsgSpace(2))
			h := (*unix.Cmsghdr)(unsafe.Pointer(&c[0])) //nolint:gosec // the control buffer is cmsg-aligned
			h.Level, h.Type = unix.SOL_UDP, unix.UDP_SEGMENT
			h.SetLen(unix.CmsgLen(2))
			binary.NativeEndian.PutUint16(c[unix.CmsgLen(0):], uint16(size))
		}
		m++
		i = j
	}
	b.cnt, b.off = m, 0
	for b.off < b.cnt {
		b.errno = 0
		if err := rc.Write(b.writeF); err != nil {
			for k := b.off; k < b.cnt; k++ {
				failed += b.pkts[k]
			}
			return failed, false, err
		}
		if b.errno != 0 {
			failed += b.pkts[b.off]
			last = b.errno
			gsoFailed = gsoFailed || b.pkts[b.off] > 1
			b.off++
		}
	}
	return failed, gsoFailed, last
}

// enableGRO asks the socket behind rc to coalesce datagrams (UDP_GRO).
func enableGRO(rc syscall.RawConn) bool {
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_UDP, unix.UDP_GRO, 1)
	}); err != nil {
		return false
	}
	return serr == nil
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

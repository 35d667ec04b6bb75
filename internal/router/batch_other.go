//go:build !linux

package router

import (
	"errors"
	"net/netip"
	"os"
	"syscall"
)

// errNotLinux is what the router's system calls give elsewhere: it moves
// datagrams with recvmmsg and sendmmsg and speaks raw Ethernet through
// AF_PACKET, both Linux's.
var errNotLinux = errors.New("the New IP router runs on Linux only")

const afPacket = 17

type sockaddr struct {
	b [32]byte
	n uint32
}

type batch struct {
	bufs     [][]byte
	names    []sockaddr
	lens     []int
	segs     []int
	gso, gro bool
}

const groBuffer = 65536

func enableGRO(syscall.RawConn) bool { return false }

func newBatch(size, bufSize int) *batch {
	b := &batch{bufs: make([][]byte, size), names: make([]sockaddr, size), lens: make([]int, size), segs: make([]int, size)}
	if bufSize > 0 {
		for i := range b.bufs {
			b.bufs[i] = make([]byte, bufSize)
		}
	}
	return b
}

func (b *batch) recv(syscall.RawConn) (int, error)                { return 0, errNotLinux }
func (b *batch) send(_ syscall.RawConn, n int) (int, bool, error) { return n, false, errNotLinux }

func (s *sockaddr) setAddrPort(netip.AddrPort, int)   {}
func (s *sockaddr) setLinkLayer(int, uint16, [6]byte) {}
func (s *sockaddr) linkLayerOutgoing() bool           { return false }
func (s *sockaddr) addrPort() (netip.AddrPort, bool)  { return netip.AddrPort{}, false }
func socketFamily(syscall.RawConn) (int, error)       { return 0, errNotLinux }

type etherSocket struct {
	f       *os.File
	rc      syscall.RawConn
	ifindex int
}

func openEther(string) (*etherSocket, error) { return nil, errNotLinux }

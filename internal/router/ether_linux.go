//go:build linux

package router

import (
	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/dii-net/dii/pkg/newip"
)

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// etherSocket is an AF_PACKET datagram socket bound to one interface and
// to the New IP EtherType: the kernel adds and strips the Ethernet header.
type etherSocket struct {
	f       *os.File
	rc      syscall.RawConn
	ifindex int
	mtu     int
}

// openEther opens a raw New IP socket on the interface named ifname. It
// needs CAP_NET_RAW.
func openEther(ifname string) (*etherSocket, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("interface %q: %w", ifname, err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, int(htons(newip.EtherType)))
	if err != nil {
		return nil, fmt.Errorf("raw socket on %s (needs root or CAP_NET_RAW): %w", ifname, err)
	}
	sa := &unix.SockaddrLinklayer{Protocol: htons(newip.EtherType), Ifindex: ifi.Index}
	if err := unix.Bind(fd, sa); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("bind raw socket to %s: %w", ifname, err)
	}
	f := os.NewFile(uintptr(fd), "newip-"+ifname)
	rc, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &etherSocket{f: f, rc: rc, ifindex: ifi.Index, mtu: ifi.MTU}, nil
}

//go:build linux || darwin || freebsd || netbsd || openbsd

package nameserver

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// reusePort lets several UDP sockets bind one address, so each core can
// read its own socket.
func reusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

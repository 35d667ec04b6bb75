//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package nameserver

import "syscall"

// reusePort is a no-op where SO_REUSEPORT is not available: the server
// then binds one UDP socket.
func reusePort(_, _ string, _ syscall.RawConn) error { return nil }

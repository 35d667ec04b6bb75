//go:build linux

package netns

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"

	"golang.org/x/sys/unix"
)

// Why namespaces cannot be made here: Available wraps one of these.
var (
	// ErrUnavailable: not permitted here (not root, or not Linux).
	ErrUnavailable = errors.New("network namespaces unavailable")
	// ErrNoTool: the ip command is missing.
	ErrNoTool = errors.New("the ip command is missing (Debian package iproute2)")
)

// Available reports why namespaces cannot be created here, or nil.
func Available() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: not root", ErrUnavailable)
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return ErrNoTool
	}
	return nil
}

// NS is a named network namespace.
type NS struct {
	Name string
}

// New creates a namespace named prefix and a random suffix.
func New(prefix string) (*NS, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		return nil, err
	}
	n := &NS{Name: prefix + "-" + hex.EncodeToString(r[:])}
	if out, err := exec.Command("ip", "netns", "add", n.Name).CombinedOutput(); err != nil { //nolint:gosec // a name this package made
		return nil, fmt.Errorf("ip netns add %s: %v: %s", n.Name, err, out)
	}
	return n, nil
}

// IP runs the ip command inside the namespace ("ip -n NAME args...").
func (n *NS) IP(args ...string) error {
	out, err := exec.Command("ip", append([]string{"-n", n.Name}, args...)...).CombinedOutput() //nolint:gosec // runs ip as the caller asks, by design
	if err != nil {
		return fmt.Errorf("ip -n %s %v: %v: %s", n.Name, args, err, out)
	}
	return nil
}

// Command returns a command that runs inside the namespace.
func (n *NS) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...) //nolint:gosec // runs a command as the caller asks, by design
}

// Do runs fn on an OS thread switched into the namespace, then switches
// the thread back. Sockets and devices fn opens stay in the namespace.
func (n *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open own namespace: %w", err)
			return
		}
		defer func() { _ = unix.Close(orig) }()
		target, err := unix.Open("/run/netns/"+n.Name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open namespace %s: %w", n.Name, err)
			return
		}
		defer func() { _ = unix.Close(target) }()
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter namespace %s: %w", n.Name, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			// The thread stays locked and dies with this goroutine,
			// so no other goroutine runs in the wrong namespace.
			errc <- fmt.Errorf("leave namespace %s: %w", n.Name, err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// Close deletes the namespace.
func (n *NS) Close() error {
	if out, err := exec.Command("ip", "netns", "del", n.Name).CombinedOutput(); err != nil { //nolint:gosec // a name this package made
		return fmt.Errorf("ip netns del %s: %v: %s", n.Name, err, out)
	}
	return nil
}

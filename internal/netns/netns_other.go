//go:build !linux

package netns

import (
	"errors"
	"os/exec"
)

// Why namespaces cannot be made here.
var (
	ErrUnavailable = errors.New("network namespaces unavailable: Linux only")
	ErrNoTool      = errors.New("the ip command is missing (Debian package iproute2)")
)

// Available reports why namespaces cannot be created here.
func Available() error { return ErrUnavailable }

// NS is a named network namespace.
type NS struct{ Name string }

// New fails: namespaces are Linux only.
func New(string) (*NS, error) { return nil, ErrUnavailable }

// IP fails.
func (n *NS) IP(...string) error { return ErrUnavailable }

// Command returns a command that fails.
func (n *NS) Command(string, ...string) *exec.Cmd { return exec.Command("false") }

// Do fails.
func (n *NS) Do(func() error) error { return ErrUnavailable }

// Close does nothing.
func (n *NS) Close() error { return nil }

package testnet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dii-net/dii/internal/client"
)

// Files in each node's home.
const (
	PIDFile = "dii.pid"
	LogFile = "dii.log"
)

// Network is a network laid out by Init, opened from its folder.
type Network struct {
	Dir string
	// Bin is the dii binary that runs the nodes (default: this program).
	Bin string
	// LogLevel of the nodes (default "info").
	LogLevel string
	// Wrap, when set, gives a command prefix to run a node under, such as
	// "ip netns exec NS" to start it in a network namespace.
	Wrap func(*Node) []string

	m     *Manifest
	mu    sync.Mutex
	nodes []*Node
}

// Node is one node of a network.
type Node struct {
	NodeSpec
	net *Network

	// proc is the process this Network started, if any: its exit is
	// watched so a killed node is seen as stopped at once.
	proc *proc
}

type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// Open reads the network in dir.
func Open(dir string) (*Network, error) {
	m, err := loadManifest(dir)
	if err != nil {
		return nil, err
	}
	bin, err := os.Executable()
	if err != nil {
		return nil, err
	}
	n := &Network{Dir: dir, Bin: bin, LogLevel: "info", m: m}
	for _, s := range m.Nodes {
		n.nodes = append(n.nodes, &Node{NodeSpec: s, net: n})
	}
	return n, nil
}

// ChainID is the network's chain.
func (n *Network) ChainID() string { return n.m.ChainID }

// Manifest returns a copy of the network's manifest.
func (n *Network) Manifest() Manifest {
	m := *n.m
	m.Nodes = append([]NodeSpec(nil), n.m.Nodes...)
	return m
}

// Nodes lists the nodes in manifest order.
func (n *Network) Nodes() []*Node {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]*Node(nil), n.nodes...)
}

// Node finds a node by name ("node2") or index ("2").
func (n *Network) Node(name string) (*Node, error) {
	for _, nd := range n.Nodes() {
		if nd.Name == name || strconv.Itoa(nd.Index) == name {
			return nd, nil
		}
	}
	return nil, fmt.Errorf("no node %q in %s (nodes: %s)", name, n.Dir, strings.Join(n.names(), ", "))
}

func (n *Network) names() []string {
	var s []string
	for _, nd := range n.Nodes() {
		s = append(s, nd.Name)
	}
	return s
}

// Select returns the named nodes, or every node when names is empty.
func (n *Network) Select(names []string) ([]*Node, error) {
	if len(names) == 0 {
		return n.Nodes(), nil
	}
	var out []*Node
	for _, s := range names {
		nd, err := n.Node(s)
		if err != nil {
			return nil, err
		}
		out = append(out, nd)
	}
	return out, nil
}

// HomeDir is the node's home folder.
func (nd *Node) HomeDir() string { return filepath.Join(nd.net.Dir, nd.Home) }

// LogPath is the node's log file.
func (nd *Node) LogPath() string { return filepath.Join(nd.HomeDir(), LogFile) }

// Client is an API client for the node.
func (nd *Node) Client() *client.Client { return client.New(nd.API) }

// PID is the node's process id and whether that process is running.
func (nd *Node) PID() (int, bool) {
	nd.net.mu.Lock()
	p := nd.proc
	nd.net.mu.Unlock()
	if p != nil {
		select {
		case <-p.done:
		default:
			return p.cmd.Process.Pid, true
		}
	}
	b, err := os.ReadFile(filepath.Join(nd.HomeDir(), PIDFile))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, nd.alive(pid)
}

// alive reports whether pid is a running (not zombie) dii process for
// this node's home: a pid file may outlive its process, and the pid may
// since belong to another.
func (nd *Node) alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist) // no /proc: trust kill(0)
	}
	if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	return bytes.Contains(cmdline, []byte("\x00"+nd.HomeDir()+"\x00"))
}

// Running reports whether the node's process runs.
func (nd *Node) Running() bool { _, ok := nd.PID(); return ok }

// StartOptions change how a node starts.
type StartOptions struct {
	// Isolated starts the node cut off from the others: no persistent
	// peers, no peer exchange, and its P2P listener on another port than
	// the one the others dial, so no connection forms either way.
	Isolated bool
}

// Start starts the node as a separate "dii up" process in its own
// session, its output appended to its log file. It does nothing if the
// node runs already. It returns once the process is started; see
// WaitReady.
func (nd *Node) Start(o StartOptions) error {
	if nd.Running() {
		return nil
	}
	home := nd.HomeDir()
	logf, err := os.OpenFile(nd.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	p2p := nd.P2P
	args := []string{"up", "--home", home, "--api", nd.API, "--rpc", nd.RPC, "--dns", nd.DNS, "--dot", "", "--handle", nd.Handle,
		"--dns-name", nd.DNSName, "--log-level", nd.net.LogLevel}
	if o.Isolated {
		p2p = nd.net.m.port(nd.Index, offIsolated)
		args = append(args, "--no-peers")
	}
	args = append(args, "--p2p", p2p)
	fmt.Fprintf(logf, "=== %s: dii %s\n", time.Now().UTC().Format(time.RFC3339), strings.Join(args, " "))
	argv := append([]string{nd.net.Bin}, args...)
	if nd.net.Wrap != nil {
		argv = append(nd.net.Wrap(nd), argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...) //nolint:gosec // the dii binary (and the caller's wrapper) with the manifest's arguments
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: start %s: %w", nd.Name, nd.net.Bin, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	nd.net.mu.Lock()
	nd.proc = p
	nd.net.mu.Unlock()
	return os.WriteFile(filepath.Join(home, PIDFile), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600)
}

// WaitReady polls the node's API until it answers, the process exits, or
// ctx ends.
func (nd *Node) WaitReady(ctx context.Context) error {
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := nd.Client().Status(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if !nd.Running() {
			return fmt.Errorf("%s exited; see %s:\n%s", nd.Name, nd.LogPath(), nd.tail(15))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w (last error: %v)", nd.Name, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop sends SIGTERM and waits up to timeout for the process to end, then
// sends SIGKILL. A node that is not running is left alone.
func (nd *Node) Stop(timeout time.Duration) error {
	pid, ok := nd.PID()
	if !ok {
		nd.removePID()
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("%s: SIGTERM %d: %w", nd.Name, pid, err)
	}
	if nd.waitExit(timeout) {
		nd.removePID()
		return nil
	}
	return nd.Kill()
}

// Kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (nd *Node) Kill() error {
	pid, ok := nd.PID()
	if !ok {
		nd.removePID()
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("%s: SIGKILL %d: %w", nd.Name, pid, err)
	}
	if !nd.waitExit(10 * time.Second) {
		return fmt.Errorf("%s: process %d still there 10s after SIGKILL", nd.Name, pid)
	}
	nd.removePID()
	return nil
}

func (nd *Node) waitExit(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for nd.Running() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func (nd *Node) removePID() { _ = os.Remove(filepath.Join(nd.HomeDir(), PIDFile)) }

// Restart stops the node (SIGTERM, then SIGKILL after timeout) and starts
// it again.
func (nd *Node) Restart(timeout time.Duration, o StartOptions) error {
	if err := nd.Stop(timeout); err != nil {
		return err
	}
	return nd.Start(o)
}

// WaitSynced polls the node until it answers and is no longer catching up
// (block sync done: it takes part in consensus and accepts transactions).
func (nd *Node) WaitSynced(ctx context.Context) error {
	if err := nd.WaitReady(ctx); err != nil {
		return err
	}
	for {
		st, err := nd.Client().Status(ctx)
		if err == nil && !st.CatchingUp {
			return nil
		}
		if !nd.Running() {
			return fmt.Errorf("%s exited; see %s:\n%s", nd.Name, nd.LogPath(), nd.tail(15))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s still catching up: %w", nd.Name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Start starts every node that is not running and waits until all have
// caught up with the others.
func (n *Network) Start(ctx context.Context, nodes []*Node) error {
	for _, nd := range nodes {
		if err := nd.Start(StartOptions{}); err != nil {
			return err
		}
	}
	for _, nd := range nodes {
		if err := nd.WaitSynced(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Stop stops the nodes, all at once, each with SIGTERM and then SIGKILL
// after timeout.
func (n *Network) Stop(nodes []*Node, timeout time.Duration) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, nd := range nodes {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = nd.Stop(timeout) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Logs returns the last lines of the node's log (all of it when lines is
// 0 or less).
func (nd *Node) Logs(lines int) (string, error) {
	b, err := os.ReadFile(nd.LogPath())
	if err != nil {
		return "", err
	}
	if lines <= 0 {
		return string(b), nil
	}
	return lastLines(b, lines), nil
}

func (nd *Node) tail(lines int) string {
	s, _ := nd.Logs(lines)
	return s
}

func lastLines(b []byte, n int) string {
	b = bytes.TrimRight(b, "\n")
	i := len(b)
	for ; n > 0 && i > 0; n-- {
		i = bytes.LastIndexByte(b[:i], '\n')
		if i < 0 {
			i = 0
			break
		}
	}
	if i > 0 {
		i++
	}
	if len(b) == 0 {
		return ""
	}
	return string(b[i:]) + "\n"
}

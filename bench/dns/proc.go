package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// procs tracks every process this program starts, so that they are all
// stopped on the way out, also on an error or a signal.
type procs struct {
	mu   sync.Mutex
	list []*proc
}

// proc is one started process: its own process group, so stopping it
// stops its children too (NSD forks its servers).
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // set when done is closed
}

// start runs cmd in a new process group and keeps track of it.
func (ps *procs) start(name string, cmd *exec.Cmd) (*proc, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL // never outlive this program
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	ps.mu.Lock()
	ps.list = append(ps.list, p)
	ps.mu.Unlock()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group and SIGKILL after grace.
func (p *proc) stop(grace time.Duration) error {
	if p.exited() {
		return nil
	}
	pgid := p.pid()
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	_ = syscall.Kill(-pgid, syscall.SIGCONT) // a paused one ends too
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	// Children that outlived the leader (the group id is the leader's pid).
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return nil
}

// pause stops the process group with SIGSTOP until resume: a server not
// being measured uses no CPU at all (an idle dii node still runs its
// ledger's timers).
func (p *proc) pause() {
	if !p.exited() {
		_ = syscall.Kill(-p.pid(), syscall.SIGSTOP)
	}
}

// resume continues a paused process group and waits until every one of
// its processes runs again.
func (p *proc) resume() {
	if p.exited() {
		return
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGCONT)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && anyStopped(p.pid()) {
		time.Sleep(time.Millisecond)
	}
}

// anyStopped reports whether a process of the tree of pid is stopped
// (state T in /proc/PID/stat).
func anyStopped(pid int) bool {
	for _, c := range tree(pid) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c))
		if err != nil {
			continue
		}
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) && s[i+2] == 'T' {
			return true
		}
	}
	return false
}

// stopAll stops every process still running, newest first.
func (ps *procs) stopAll() {
	ps.mu.Lock()
	list := append([]*proc(nil), ps.list...)
	ps.mu.Unlock()
	for i := len(list) - 1; i >= 0; i-- {
		_ = list[i].stop(10 * time.Second)
	}
}

// tree returns pid and all its descendants, from /proc.
func tree(pid int) []int {
	children := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		c, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces; cut at the last ')'.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		pp, _ := strconv.Atoi(f[1])
		children[pp] = append(children[pp], c)
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// memKB reads a "Key:   123 kB" field from a /proc file.
func memKB(path, key string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				v, err := strconv.ParseInt(f[0], 10, 64)
				return v, err == nil
			}
		}
	}
	return 0, false
}

// memory is the resident memory of a process tree.
type memory struct {
	RSS   int64 // sum of VmRSS over the tree, bytes (shared pages counted in each process)
	PSS   int64 // sum of Pss over the tree, bytes (shared pages split between their users)
	Peak  int64 // sum of VmHWM over the tree, bytes: each process's largest RSS so far
	Procs int
}

// treeMemory reads VmRSS and VmHWM (/proc/PID/status) and Pss
// (/proc/PID/smaps_rollup) of pid and its descendants.
func treeMemory(pid int) memory {
	var m memory
	for _, p := range tree(pid) {
		base := "/proc/" + strconv.Itoa(p)
		rss, ok := memKB(base+"/status", "VmRSS")
		if !ok {
			continue
		}
		m.RSS += rss << 10
		if hwm, ok := memKB(base+"/status", "VmHWM"); ok {
			m.Peak += hwm << 10
		}
		if pss, ok := memKB(base+"/smaps_rollup", "Pss"); ok {
			m.PSS += pss << 10
		}
		m.Procs++
	}
	return m
}

// pinTree sets the CPU affinity of every thread of pid and its
// descendants.
func pinTree(pid int, cpus []int) error {
	if len(cpus) == 0 {
		return nil
	}
	var set [16]uint64 // a cpu_set_t of 1024 CPUs
	for _, c := range cpus {
		set[c/64] |= 1 << (c % 64)
	}
	for _, p := range tree(pid) {
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", p))
		if err != nil {
			continue
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, uintptr(tid), unsafe.Sizeof(set), uintptr(unsafe.Pointer(&set))) //nolint:gosec // sched_setaffinity takes a pointer to the CPU mask
			if e != 0 && e != syscall.ESRCH {
				return fmt.Errorf("pin pid %d thread %d: %w", p, tid, e)
			}
		}
	}
	return nil
}

// cpuTicks is the user+system CPU time of a process tree, in clock ticks.
func cpuTicks(pid int) int64 {
	var sum int64
	for _, p := range tree(pid) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[i+1:])
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		sum += u + st
	}
	return sum
}

// freePort returns a loopback port that is free for both UDP and TCP.
func freePort() (int, error) {
	for range 50 {
		tl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := tl.Addr().(*net.TCPAddr).Port
		ul, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		_ = tl.Close()
		if err != nil {
			continue
		}
		_ = ul.Close()
		return port, nil
	}
	return 0, errors.New("no free port for UDP and TCP")
}

// runAs is who the third-party servers run as: this user, or nobody when
// this program runs as root (they need no privilege: their ports are
// above 1024 and their files are in a temporary folder).
type runAs struct {
	uid, gid int
	cred     *syscall.Credential
	name     string
}

func serverUser() runAs {
	r := runAs{uid: os.Geteuid(), gid: os.Getegid(), name: "this user"}
	if r.uid != 0 {
		return r
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		r.name = "root (no user nobody)"
		return r
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	r.uid, r.gid = uid, gid
	r.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	r.name = "nobody"
	return r
}

// chownTree gives a folder and its content to the server user.
func (r runAs) chownTree(dir string) error {
	if r.cred == nil {
		return nil
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, r.uid, r.gid) //nolint:gosec // a folder this program made in its own temporary folder
	})
}

// shareDir and shareFile let the servers, which may run as nobody, reach
// and read what this program wrote in its private temporary folder.
func shareDir(path string) error {
	return os.Chmod(path, 0o755) //nolint:gosec // traversable by the server user; nothing secret inside
}

func shareFile(path string) error {
	return os.Chmod(path, 0o644) //nolint:gosec // a zone file the server user must read
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// output runs a command and returns its combined output.
func output(ctx context.Context, name string, args ...string) (string, error) {
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...) //nolint:gosec // the benchmark's own tools
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.String(), err
}

// firstLine returns the first line of s that is not empty.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

type syscallAttr = syscall.SysProcAttr

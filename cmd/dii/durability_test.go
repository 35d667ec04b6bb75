package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/keyring"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/tx"
)

// upProcess is a `dii up` child process.
type upProcess struct {
	cmd *exec.Cmd
	api string
}

// startUp runs `dii up` on home and waits until it is ready.
func startUp(t *testing.T, home string) *upProcess {
	t.Helper()
	cmd := exec.Command(diiBin, "up", "--home", home, "--api", "127.0.0.1:0", "--rpc", "127.0.0.1:0",
		"--p2p", "127.0.0.1:0", "--dns", "127.0.0.1:0", "--dot", "127.0.0.1:0", "--handle", "127.0.0.1:0", "--timeout-commit", "100ms", "--log-level", "error")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	p := &upProcess{cmd: cmd}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if f := strings.Fields(line); len(f) >= 3 && f[0] == "HTTP" && f[1] == "API" {
				p.api = strings.TrimSuffix(strings.TrimPrefix(f[2], "http://"), "/v1/status")
			}
			if strings.HasPrefix(line, "ready") {
				ready <- nil
			}
		}
		ready <- fmt.Errorf("dii up exited before it was ready; stderr:\n%s", stderr.String())
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("dii up not ready in 60s")
	}
	return p
}

// TestKill9Durability kills `dii up` with SIGKILL in the middle of a stream
// of transactions and starts it again: every transaction whose commit was
// reported is still there, and the chain of blocks and app hashes goes on
// from where it stopped.
func TestKill9Durability(t *testing.T) {
	home := t.TempDir()
	run(t, false, "init", "--home", home, "--chain-id", "dii-durability")
	p := startUp(t, home)
	ctx := context.Background()
	c := client.New(p.api)
	ring := keyring.Open(node.KeysDir(home))
	opKey, err := ring.Get(node.OperatorKey)
	if err != nil {
		t.Fatal(err)
	}
	op, err := client.NewSigner(ctx, c, opKey.Private, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Submit(ctx, client.WaitCommit, &tx.Register{Name: "dur", Open: true}); err != nil {
		t.Fatal(err)
	}

	// Writers register names as fast as commits come back, and a stream of
	// unconfirmed submissions keeps the mempool busy at the moment of the kill.
	var mu sync.Mutex
	committed := map[string]int64{}
	var total atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		k, err := ring.Add(fmt.Sprintf("writer%d", w))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func(w int, s *client.Signer) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("w%d-%d.dur", w, i)
				wait := client.WaitCommit
				if i%3 == 2 {
					wait = client.WaitSync
				}
				res, err := s.Submit(ctx, wait, &tx.Register{Name: name})
				if err != nil {
					return // the node was killed
				}
				if res.Status == "committed" {
					mu.Lock()
					committed[name] = res.Height
					mu.Unlock()
					total.Add(1)
				}
			}
		}(w, &client.Signer{C: c, Key: k.Private, ChainID: "dii-durability"})
	}
	deadline := time.Now().Add(60 * time.Second)
	for total.Load() < 60 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if total.Load() < 60 {
		t.Fatalf("only %d commits before the deadline", total.Load())
	}
	// Record the chain as it stands, then kill -9 while writers are busy.
	st, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := map[int64]*api.Block{}
	for h := int64(1); h <= st.LatestHeight; h++ {
		b, err := c.Block(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		before[h] = b
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	close(stop)
	wg.Wait()
	mu.Lock()
	reported := len(committed)
	mu.Unlock()
	t.Logf("killed at height >= %d with %d commits reported", st.LatestHeight, reported)

	p2 := startUp(t, home)
	c2 := client.New(p2.api)
	for name, h := range committed {
		if _, err := c2.Name(ctx, name); err != nil {
			t.Errorf("%s (committed at height %d) lost: %v", name, h, err)
		}
	}
	for h, b := range before {
		a, err := c2.Block(ctx, h)
		if err != nil {
			t.Fatalf("block %d after restart: %v", h, err)
		}
		if a.Hash != b.Hash || a.AppHash != b.AppHash {
			t.Errorf("block %d changed across the kill: hash %s→%s app %s→%s", h, b.Hash, a.Hash, b.AppHash, a.AppHash)
		}
	}
	// The chain goes on: a new transaction commits above the old tip, and
	// every block links to the one before it.
	op2 := &client.Signer{C: c2, Key: opKey.Private, ChainID: "dii-durability"}
	res, err := op2.Submit(ctx, client.WaitCommit, &tx.Register{Name: "after.dur"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Height <= st.LatestHeight {
		t.Fatalf("new commit at height %d, not above %d", res.Height, st.LatestHeight)
	}
	prev, err := c2.Block(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for h := int64(2); h <= res.Height; h++ {
		b, err := c2.Block(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if b.LastBlockHash != prev.Hash {
			t.Fatalf("block %d does not link to block %d", h, h-1)
		}
		prev = b
	}
}

// TestSignalStop stops `dii up` with SIGINT and then SIGTERM: each time it
// exits 0, and the next start finds every committed name.
func TestSignalStop(t *testing.T) {
	home := t.TempDir()
	ctx := context.Background()
	for i, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		p := startUp(t, home)
		c := client.New(p.api)
		key, err := keyring.Open(node.KeysDir(home)).Get(node.OperatorKey)
		if err != nil {
			t.Fatal(err)
		}
		s, err := client.NewSigner(ctx, c, key.Private, "")
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := s.Submit(ctx, client.WaitCommit, &tx.Register{Name: "sig", Open: true}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := c.Name(ctx, "first.sig"); err != nil {
			t.Fatalf("after a clean stop: %v", err)
		}
		if _, err := s.Submit(ctx, client.WaitCommit, &tx.Register{Name: []string{"first.sig", "second.sig"}[i]}); err != nil {
			t.Fatal(err)
		}
		if err := p.cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("dii up after %v: %v", sig, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("dii up did not stop within 30s of %v", sig)
		}
	}
	p := startUp(t, home)
	for _, n := range []string{"first.sig", "second.sig"} {
		if _, err := client.New(p.api).Name(ctx, n); err != nil {
			t.Fatalf("%s after restart: %v", n, err)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the writing child and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

package testnode

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/keyring"
	"github.com/dii-net/dii/internal/node"
)

// Node is a running test node.
type Node struct {
	*node.Node
	Home   string
	Client *client.Client
}

// Start runs a node in a new temporary home.
func Start(t testing.TB) *Node {
	t.Helper()
	home := t.TempDir()
	if _, err := node.Init(home, node.InitOptions{ChainID: "dii-test"}); err != nil {
		t.Fatalf("init: %v", err)
	}
	return StartHome(t, home)
}

// StartHome runs a node in an existing home.
func StartHome(t testing.TB, home string) *Node {
	t.Helper()
	out := io.Discard
	if os.Getenv("DII_TEST_LOG") != "" {
		out = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	n, err := node.Start(context.Background(), node.Config{
		Home: home, API: "127.0.0.1:0", RPC: "127.0.0.1:0", P2P: "127.0.0.1:0", DNS: "127.0.0.1:0", DoT: "127.0.0.1:0", Handle: "127.0.0.1:0",
		TimeoutCommit: 100 * time.Millisecond, Logger: log,
	})
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	tn := &Node{Node: n, Home: home, Client: client.New(n.Addrs().API)}
	t.Cleanup(func() { _ = n.Stop() })
	tn.WaitHeight(t, 1)
	return tn
}

// WaitHeight polls until the node has committed height h.
func (n *Node) WaitHeight(t testing.TB, h int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if n.App().Store().Latest().Height() >= h {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node did not reach height %d in 30s (at %d)", h, n.App().Store().Latest().Height())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Operator returns a signer for the genesis registry operator.
func (n *Node) Operator(t testing.TB) *client.Signer {
	t.Helper()
	return n.Signer(t, node.OperatorKey)
}

// Signer returns a signer for a key in the node's keyring, creating the
// key if needed.
func (n *Node) Signer(t testing.TB, name string) *client.Signer {
	t.Helper()
	ring := keyring.Open(node.KeysDir(n.Home))
	k, err := ring.Get(name)
	if err != nil {
		if k, err = ring.Add(name); err != nil {
			t.Fatalf("key %s: %v", name, err)
		}
	}
	s, err := client.NewSigner(context.Background(), n.Client, k.Private, "")
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	return s
}

// MainWithBinary is a TestMain for tests that run the dii command as a
// process: it builds the command in dir (the cmd/dii package, as a path
// from the test's package) into a temporary folder, sets *bin to the
// binary, runs the tests, removes the folder and exits with the tests'
// code.
func MainWithBinary(m *testing.M, dir string, bin *string) {
	tmp, err := os.MkdirTemp("", "dii-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*bin = filepath.Join(tmp, "dii")
	if out, err := exec.Command("go", "build", "-o", *bin, dir).CombinedOutput(); err != nil { //nolint:gosec // builds this module's own command
		fmt.Fprintf(os.Stderr, "build dii: %v\n%s", err, out)
		_ = os.RemoveAll(tmp)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(tmp)
	os.Exit(code)
}

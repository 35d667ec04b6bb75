package testnet

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/testnode"
	"github.com/dii-net/dii/internal/tx"
)

// diiBin is the dii binary the test networks run, built once.
var diiBin string

func TestMain(m *testing.M) { testnode.MainWithBinary(m, "../../cmd/dii", &diiBin) }

// newNetwork lays out a network at a random free base port and stops its
// nodes when the test ends.
func newNetwork(t *testing.T, o Options) *Network {
	t.Helper()
	if o.TimeoutCommit == 0 {
		o.TimeoutCommit = 100 * time.Millisecond
	}
	if o.EmptyBlocks == 0 {
		o.EmptyBlocks = 300 * time.Millisecond
	}
	dir := t.TempDir()
	var n *Network
	var err error
	for try := 0; try < 10; try++ {
		o.BasePort = 20000 + rand.IntN(1000)*PortsPerNode*4
		if n, err = Init(dir, o); err == nil {
			break
		}
		if !strings.Contains(err.Error(), "taken") {
			t.Fatal(err)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	n.Bin = diiBin
	if os.Getenv("DII_TEST_LOG") != "" {
		n.LogLevel = "debug"
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, nd := range n.Nodes() {
				t.Logf("%s log:\n%s", nd.Name, nd.tail(40))
			}
		}
		if err := n.Stop(n.Nodes(), 5*time.Second); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return n
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestNetworkUpDown: two validators start as separate processes, commit
// blocks with each other, agree on every block, and stop; a node killed
// with SIGKILL restarts and catches up.
func TestNetworkUpDown(t *testing.T) {
	n := newNetwork(t, Options{Validators: 2})
	ctx := ctxT(t, 90*time.Second)
	if len(n.Nodes()) != 2 || n.ChainID() == "" {
		t.Fatalf("manifest: %+v", n.Manifest())
	}
	if err := n.Start(ctx, n.Nodes()); err != nil {
		t.Fatal(err)
	}
	n0, n1 := n.Nodes()[0], n.Nodes()[1]
	if err := WaitHeight(ctx, 3, n0, n1); err != nil {
		t.Fatal(err)
	}
	for _, s := range n.Status(ctx) {
		if !s.Running || s.PID == 0 || s.Height < 3 || s.Peers != 1 || !s.Validator || s.VotingPower != DefaultPower || len(s.AppHash) != 64 || s.Error != "" {
			t.Fatalf("status %+v", s)
		}
	}

	// A name written through node0 is read on node1.
	s, err := n0.Signer(ctx, node.OperatorKey, n0)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := names.ParseRData(dns.TypeA, "192.0.2.9")
	res, err := s.Submit(ctx, client.WaitCommit, &tx.Register{Name: "up.load"},
		&tx.SetRRset{Name: "up.load", Type: dns.TypeA, TTL: 60, Records: [][]byte{a}})
	if err != nil {
		t.Fatal(err)
	}
	if err := WaitHeight(ctx, res.Height, n1); err != nil {
		t.Fatal(err)
	}
	if nm, err := n1.Client().Name(ctx, "up.load"); err != nil || len(nm.RRsets) != 1 {
		t.Fatalf("node1: %+v %v", nm, err)
	}

	// Metrics: dii's and CometBFT's, on the API port.
	resp, err := http.Get("http://" + n1.API + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{"cometbft_consensus_height", `dii_ledger_registry_entries{registry="names"}`, `dii_ledger_txs_total{code="ok"}`, "dii_ledger_commit_to_serve_seconds_bucket"} {
		if !strings.Contains(string(body), m) {
			t.Errorf("metrics lack %s", m)
		}
	}

	// kill -9 node1: the chain (two of two needed) halts; restarted, it
	// catches up and every block agrees.
	if err := n1.Kill(); err != nil {
		t.Fatal(err)
	}
	if n1.Running() {
		t.Fatal("node1 runs after Kill")
	}
	if err := n1.Start(StartOptions{}); err != nil {
		t.Fatal(err)
	}
	h, _ := n0.Height(ctx)
	if err := WaitHeight(ctx, h+3, n0, n1); err != nil {
		t.Fatal(err)
	}
	if err := CompareHeaders(ctx, 1, h+3, n0, n1); err != nil {
		t.Fatal(err)
	}
	logs, err := n1.Logs(0)
	if err != nil || strings.Count(logs, "=== ") != 2 {
		t.Fatalf("node1's log should show two starts: %v\n%s", err, lastLines([]byte(logs), 5))
	}

	if err := n.Stop(n.Nodes(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, s := range n.Status(ctx) {
		if s.Running {
			t.Fatalf("%s still running", s.Name)
		}
		if _, err := os.Stat(filepath.Join(n.Dir, s.Name, PIDFile)); !os.IsNotExist(err) {
			t.Fatalf("%s pid file left: %v", s.Name, err)
		}
	}
	// Another process finds the same network stopped.
	again, err := Open(n.Dir)
	if err != nil || len(again.Nodes()) != 2 || again.Nodes()[0].Running() {
		t.Fatalf("reopen: %v", err)
	}
}

// TestValidatorJoinAndLeave: a full node syncs, is made a validator by
// transaction, signs commits, serves as a root name server, and after its
// removal signs no more and leaves the NS set.
func TestValidatorJoinAndLeave(t *testing.T) {
	n := newNetwork(t, Options{Validators: 1, Full: 1})
	ctx := ctxT(t, 120*time.Second)
	if err := n.Start(ctx, n.Nodes()); err != nil {
		t.Fatal(err)
	}
	n0, n1 := n.Nodes()[0], n.Nodes()[1]
	if err := WaitHeight(ctx, 2, n0, n1); err != nil {
		t.Fatal(err)
	}
	if st := n1.Status(ctx); st.Validator {
		t.Fatalf("full node is a validator: %+v", st)
	}
	pub, err := n1.ConsensusKey()
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.ToUpper(fmt.Sprintf("%x", pub)) // for messages
	vals, err := n1.Validators(ctx, 0)
	if err != nil || len(vals) != 1 {
		t.Fatalf("validators before: %+v %v", vals, err)
	}

	if err := n.SetPower(ctx, n0, n1, 10); err != nil {
		t.Fatal(err)
	}
	// node1 signs commits: find its address among the signers.
	var n1Addr string
	if err := poll(ctx, func() bool {
		vs, err := n0.Validators(ctx, 0)
		if err != nil || len(vs) != 2 {
			return false
		}
		for _, v := range vs {
			if v.Address != vals[0].Address {
				n1Addr = v.Address
			}
		}
		return true
	}); err != nil {
		t.Fatalf("node1 (%s) never joined the set: %v", addr, err)
	}
	if err := poll(ctx, func() bool {
		h, err := n0.Height(ctx)
		if err != nil {
			return false
		}
		sig, err := n0.Signers(ctx, h)
		return err == nil && slices.Contains(sig, n1Addr) && slices.Contains(sig, vals[0].Address)
	}); err != nil {
		t.Fatalf("node1's signature never appeared in a commit: %v", err)
	}
	if st := n1.Status(ctx); !st.Validator || st.VotingPower != 10 {
		t.Fatalf("node1 status %+v", st)
	}
	if ns := rootNS(t, n0.DNS); !slices.Contains(ns, n1.DNSName+".") {
		t.Fatalf("root NS %v lacks %s", ns, n1.DNSName)
	}

	// Removed: it stops counting; the chain goes on with node0 alone.
	if err := n.SetPower(ctx, n0, n1, 0); err != nil {
		t.Fatal(err)
	}
	if err := poll(ctx, func() bool {
		vs, err := n0.Validators(ctx, 0)
		return err == nil && len(vs) == 1
	}); err != nil {
		t.Fatalf("node1 never left the set: %v", err)
	}
	if err := n1.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	h, _ := n0.Height(ctx)
	if err := WaitHeight(ctx, h+3, n0); err != nil {
		t.Fatalf("the chain stopped without the removed validator: %v", err)
	}
	if sig, err := n0.Signers(ctx, h+2); err != nil || slices.Contains(sig, n1Addr) || len(sig) != 1 {
		t.Fatalf("signers after removal: %v %v", sig, err)
	}
	if ns := rootNS(t, n0.DNS); slices.Contains(ns, n1.DNSName+".") {
		t.Fatalf("root NS %v still has %s", ns, n1.DNSName)
	}
}

func rootNS(t *testing.T, server string) []string {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(".", dns.TypeNS)
	r, _, err := (&dns.Client{Timeout: 5 * time.Second}).Exchange(m, server)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, rr := range r.Answer {
		if ns, ok := rr.(*dns.NS); ok {
			out = append(out, ns.Ns)
		}
	}
	return out
}

// poll calls f until it is true or ctx ends.
func poll(ctx context.Context, f func() bool) error {
	for !f() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

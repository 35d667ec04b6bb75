package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/load"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/testnet"
	"github.com/dii-net/dii/internal/testnode"
	"github.com/dii-net/dii/internal/tx"
)

// diiBin is the dii binary the nodes run, built once.
var diiBin string

func TestMain(m *testing.M) { testnode.MainWithBinary(m, "../../cmd/dii", &diiBin) }

const stopTimeout = 10 * time.Second

// env is one running test network.
type env struct {
	t      *testing.T
	m      *Manifest
	net    *testnet.Network
	fabric Fabric
	check  *Checker
	step   int
	// questions the nodes must answer alike: the root's NS and DNSKEY
	// sets and the witness names written after each step.
	questions []Question
	witnesses []string
}

// manifestPath is DII_E2E_MANIFEST, else the profile DII_E2E names
// ("short", the default, or "long").
func manifestPath() string {
	if p := os.Getenv("DII_E2E_MANIFEST"); p != "" {
		return p
	}
	if os.Getenv("DII_E2E") == "long" {
		return "networks/long.json"
	}
	return "networks/ci.json"
}

// chooseFabric picks namespaces when the manifest allows and this process
// can make them, else loopback.
func chooseFabric(t *testing.T, m *Manifest, n int) Fabric {
	lo := Loopback{StopTimeout: stopTimeout}
	if m.Partition == "restart" {
		return lo
	}
	f, err := NewNetns(n)
	if err == nil {
		return f
	}
	if m.Partition == "netns" {
		t.Fatalf("partition netns: %v", err)
	}
	t.Logf("network namespaces unavailable (%v); partitions restart the node without peers", err)
	return lo
}

func start(t *testing.T) (*env, context.Context) {
	m, err := LoadManifest(manifestPath())
	if err != nil {
		t.Fatal(err)
	}
	total := m.Validators + m.FullNodes + m.LateFullNodes
	fab := chooseFabric(t, m, total)
	t.Cleanup(func() {
		if err := fab.Close(); err != nil {
			t.Errorf("fabric: %v", err)
		}
	})
	t.Logf("manifest %s, %s", manifestPath(), fab.Name())
	o := testnet.Options{Validators: m.Validators, Full: m.FullNodes, Hosts: fab.Hosts(total), TimeoutCommit: m.TimeoutCommit.D(),
		TimeoutPropose: m.TimeoutPropose.D(), EmptyBlocks: m.EmptyBlocks.D()}
	dir := t.TempDir()
	var n *testnet.Network
	for try := 0; ; try++ {
		o.BasePort = 20000 + rand.IntN(1000)*40
		if n, err = testnet.Init(dir, o); err == nil {
			break
		}
		if !strings.Contains(err.Error(), "taken") || try == 9 {
			t.Fatal(err)
		}
	}
	n.Bin, n.Wrap = diiBin, fab.Wrap
	e := &env{t: t, m: m, net: n, fabric: fab, check: NewChecker(),
		questions: []Question{{Name: ".", Type: dns.TypeNS}, {Name: ".", Type: dns.TypeDNSKEY}}}
	t.Cleanup(func() {
		if t.Failed() {
			for _, nd := range n.Nodes() {
				logs, _ := nd.Logs(30)
				t.Logf("%s (%s) log tail:\n%s", nd.Name, nd.LogPath(), logs)
			}
		}
		if err := n.Stop(n.Nodes(), stopTimeout); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), m.Timeout.D())
	t.Cleanup(cancel)
	if err := n.Start(ctx, n.Nodes()); err != nil {
		t.Fatal(err)
	}
	if err := testnet.WaitHeight(ctx, 2, n.Nodes()...); err != nil {
		t.Fatal(err)
	}
	return e, ctx
}

func (e *env) validators() []*testnet.Node {
	var out []*testnet.Node
	for _, nd := range e.net.Nodes() {
		if nd.Validator {
			out = append(out, nd)
		}
	}
	return out
}

// running are the nodes whose processes run, less those in skip.
func (e *env) running(skip ...*testnet.Node) []*testnet.Node {
	var out []*testnet.Node
outer:
	for _, nd := range e.net.Nodes() {
		for _, s := range skip {
			if s == nd {
				continue outer
			}
		}
		if nd.Running() {
			out = append(out, nd)
		}
	}
	return out
}

// topHeight is the highest height of the nodes, asking until each one
// answers (a node that does not answer could be the highest).
func topHeight(ctx context.Context, nodes []*testnet.Node) int64 {
	var top int64
	for _, nd := range nodes {
		for {
			qctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			h, err := nd.Height(qctx)
			cancel()
			if err == nil {
				top = max(top, h)
				break
			}
			if ctx.Err() != nil {
				return top
			}
			time.Sleep(100 * time.Millisecond) // retrying a query, not waiting for an event
		}
	}
	return top
}

// startLoad runs the manifest's load against the validators until ctx
// ends; the returned function stops it and returns its result.
func (e *env) startLoad(ctx context.Context) func() *load.Result {
	var apis []string
	for _, nd := range e.validators() {
		apis = append(apis, nd.API)
	}
	lctx, cancel := context.WithCancel(ctx)
	type out struct {
		r   *load.Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		r, err := load.Run(lctx, load.Config{Nodes: apis, ChainID: e.net.ChainID(), Rate: e.m.Load.Rate, Duration: e.m.Timeout.D(),
			Accounts: e.m.Load.Accounts, OpsPerTx: e.m.Load.OpsPerTx, OnCommit: e.check.Record})
		done <- out{r, err}
	}()
	if err := poll(ctx, func() bool { return e.check.Commits() > 0 }); err != nil {
		cancel()
		e.t.Fatalf("the load never committed: %v", err)
	}
	return func() *load.Result {
		cancel()
		o := <-done
		if o.err != nil {
			e.t.Fatalf("load: %v", o.err)
		}
		return o.r
	}
}

// invariants writes a witness name through a running node, then checks
// on every running node: the reported commits, the block headers, and
// the DNS answers to the root's sets and every witness.
func (e *env) invariants(ctx context.Context, t *testing.T, step string) {
	t.Helper()
	nodes := e.running()
	e.step++
	name := fmt.Sprintf("w%d-%s.%s", e.step, strings.ReplaceAll(step, "/", "-"), testnet.LoadTLD)
	s, err := e.net.Nodes()[0].Signer(ctx, node.OperatorKey, nodes[len(nodes)-1])
	if err != nil {
		t.Fatal(err)
	}
	a := []byte{192, 0, 2, byte(e.step)}
	res, err := s.Submit(ctx, client.WaitCommit, &tx.Register{Name: name},
		&tx.SetRRset{Name: name, Type: dns.TypeA, TTL: 60, Records: [][]byte{a}})
	if err != nil {
		t.Fatalf("witness %s: %v", name, err)
	}
	e.witnesses = append(e.witnesses, name)
	rr := &dns.A{Hdr: dns.RR_Header{Name: dns.Fqdn(name), Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IP(a)}
	e.questions = append(e.questions, Question{Name: name, Type: dns.TypeA, Want: []string{rr.String()}})
	if err := testnet.WaitHeight(ctx, res.Height, nodes...); err != nil {
		t.Fatal(err)
	}
	if err := e.check.CheckCommitted(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	if err := e.check.CheckHeaders(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	if err := CheckDNS(nodes, e.questions); err != nil {
		t.Fatal(err)
	}
	if err := CheckAPI(ctx, nodes, e.witnesses); err != nil {
		t.Fatal(err)
	}
	count, err := CheckZone(ctx, nodes, testnet.LoadTLD)
	if err != nil {
		t.Fatal(err)
	}
	if count < len(e.witnesses) {
		t.Fatalf("the %s zone lists %d names, fewer than the %d witnesses", testnet.LoadTLD, count, len(e.witnesses))
	}
	t.Logf("%d nodes agree: %d reported commits, blocks 1..%d, %d DNS questions, %d names under %s",
		len(nodes), e.check.Commits(), e.check.Through(), len(e.questions), count, testnet.LoadTLD)
}

func (e *env) killRestart(ctx context.Context, t *testing.T, victim *testnet.Node) {
	others := e.running(victim)
	h := topHeight(ctx, others)
	if err := victim.Kill(); err != nil {
		t.Fatal(err)
	}
	// What it stored before the kill must survive it: check the node
	// again from the first block and the first commit.
	e.check.Forget(victim)
	if err := testnet.WaitHeight(ctx, h+e.m.FaultBlocks, others...); err != nil {
		t.Fatalf("%s killed: the other validators stopped committing: %v", victim.Name, err)
	}
	if err := victim.Start(testnet.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := victim.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	if err := testnet.WaitHeight(ctx, topHeight(ctx, others), victim); err != nil {
		t.Fatalf("%s did not catch up: %v", victim.Name, err)
	}
}

// tolerated is how many of n validators of equal power may stop while
// the rest, holding more than two thirds of the power, still commit: one
// of four, two of seven. One more halts the network.
func tolerated(n int) int { return (n - 1) / 3 }

// downAndHalt stops as many validators as the network tolerates (the rest
// commit), then one more (the rest halt), then brings that one back
// (commits resume) and the others.
func (e *env) downAndHalt(ctx context.Context, t *testing.T, down []*testnet.Node, extra *testnet.Node) {
	n := len(e.validators())
	for _, nd := range down {
		if err := nd.Stop(stopTimeout); err != nil {
			t.Fatal(err)
		}
	}
	rest := e.running()
	h := topHeight(ctx, rest)
	began := time.Now()
	if err := testnet.WaitHeight(ctx, h+e.m.FaultBlocks, rest...); err != nil {
		t.Fatalf("%d of %d validators down: the others stopped committing: %v", len(down), n, err)
	}
	// The window must be long enough for a network that still committed
	// to show it: at least four blocks at the pace just seen.
	window := max(e.m.HaltWindow.D(), 4*time.Since(began)/time.Duration(e.m.FaultBlocks))
	if err := extra.Stop(stopTimeout); err != nil {
		t.Fatal(err)
	}
	rest = e.running()
	h = topHeight(ctx, rest)
	// A third of the power or more is gone: at most the block already
	// decided may still commit, then nothing for the whole window.
	t.Logf("%d of %d validators down at height %d: watching %s for commits", len(down)+1, n, h, window.Round(time.Millisecond))
	deadline := time.Now().Add(window)
	for time.Now().Before(deadline) {
		for _, nd := range rest {
			if got, err := nd.Height(ctx); err == nil && got > h+1 {
				t.Fatalf("%d of %d validators down, yet %s went from height %d to %d", len(down)+1, n, nd.Name, h, got)
			}
		}
		time.Sleep(200 * time.Millisecond) // watching a window, not waiting for an event
	}
	halted := topHeight(ctx, rest)
	if err := extra.Start(testnet.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := testnet.WaitHeight(ctx, halted+e.m.FaultBlocks, append(rest, extra)...); err != nil {
		t.Fatalf("%d of %d validators back, commits did not resume: %v", n-len(down), n, err)
	}
	for _, nd := range down {
		if err := nd.Start(testnet.StartOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	top := topHeight(ctx, rest)
	for _, nd := range down {
		if err := nd.WaitSynced(ctx); err != nil {
			t.Fatal(err)
		}
		if err := testnet.WaitHeight(ctx, top, nd); err != nil {
			t.Fatal(err)
		}
	}
}

// partition cuts the victim off from every other node. The others go on
// committing; the victim, asked through the fabric (from inside its
// namespace when there is one), commits at most the block it was in the
// middle of. Healed, it catches up.
func (e *env) partition(ctx context.Context, t *testing.T, victim *testnet.Node) {
	others := e.running(victim)
	vc := e.fabric.Client(victim)
	if err := e.fabric.Cut(victim); err != nil {
		t.Fatal(err)
	}
	var cut int64
	if err := poll(ctx, func() bool {
		st, err := vc.Status(ctx)
		if err == nil {
			cut = st.LatestHeight
		}
		return err == nil
	}); err != nil {
		t.Fatalf("%s does not answer once cut off: %v", victim.Name, err)
	}
	h := max(topHeight(ctx, others), cut)
	if err := testnet.WaitHeight(ctx, h+e.m.FaultBlocks, others...); err != nil {
		t.Fatalf("partition of %s: the others stopped committing: %v", victim.Name, err)
	}
	st, err := vc.Status(ctx)
	if err != nil {
		t.Fatalf("%s does not answer while cut off: %v", victim.Name, err)
	}
	if st.LatestHeight > cut+1 {
		t.Fatalf("%s went from height %d to %d while cut off (the others from %d to %d or more): the cut did not hold",
			victim.Name, cut, st.LatestHeight, h, h+e.m.FaultBlocks)
	}
	if err := e.fabric.Heal(victim); err != nil {
		t.Fatal(err)
	}
	if err := victim.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	if err := testnet.WaitHeight(ctx, topHeight(ctx, others)+1, victim); err != nil {
		t.Fatalf("%s did not catch up after the partition healed: %v", victim.Name, err)
	}
}

func (e *env) lateNode(ctx context.Context, t *testing.T) {
	spec, err := e.net.AddNode()
	if err != nil {
		t.Fatal(err)
	}
	nd, err := e.net.Node(spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	if err := nd.Start(testnet.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := nd.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	if err := testnet.WaitHeight(ctx, topHeight(ctx, e.running(nd)), nd); err != nil {
		t.Fatal(err)
	}
	if st := nd.Status(ctx); st.Validator || st.Peers == 0 {
		t.Fatalf("late node status %+v", st)
	}
}

// TestFaults runs every fault step on one network under load, with the
// invariants checked after each.
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: runs a network of separate processes for a minute or more; run without -short")
	}
	e, ctx := start(t)
	stopLoad := e.startLoad(ctx)
	vals := e.validators()
	nv := len(vals)
	for c := 0; c < e.m.Cycles; c++ {
		// Each cycle moves every fault on to other validators.
		v := func(i int) *testnet.Node { return vals[(i+c)%nv] }
		var down []*testnet.Node
		for i := 1; i <= tolerated(nv); i++ {
			down = append(down, v(i))
		}
		steps := []struct {
			name string
			run  func(t *testing.T)
		}{
			{"kill-restart", func(t *testing.T) { e.killRestart(ctx, t, v(nv-1)) }},
			{"down-and-halt", func(t *testing.T) { e.downAndHalt(ctx, t, down, v(tolerated(nv)+1)) }},
			{"partition", func(t *testing.T) { e.partition(ctx, t, v(0)) }},
		}
		for _, s := range steps {
			name := fmt.Sprintf("%s/%d", s.name, c)
			if !t.Run(name, func(t *testing.T) { s.run(t); e.invariants(ctx, t, name) }) {
				return
			}
		}
	}
	for i := 0; i < e.m.LateFullNodes; i++ {
		name := fmt.Sprintf("late-full-node/%d", i)
		if !t.Run(name, func(t *testing.T) { e.lateNode(ctx, t); e.invariants(ctx, t, name) }) {
			return
		}
	}
	t.Run("final", func(t *testing.T) {
		res := stopLoad()
		t.Logf("load: submitted %d, committed %d, rejected %d, failed %d %v, %.1f tx/s, p50 %s p99 %s",
			res.Submitted, res.Committed, res.Rejected, res.Failed, res.Reasons, res.TxPerSec, res.P50, res.P99)
		if res.Committed == 0 {
			t.Fatal("nothing committed under load")
		}
		nodes := e.running()
		if len(nodes) != len(e.net.Nodes()) {
			t.Fatalf("%d of %d nodes run", len(nodes), len(e.net.Nodes()))
		}
		if err := WaitSameState(ctx, nodes); err != nil {
			t.Fatal(err)
		}
		names := e.check.Sample(40)
		for _, nm := range names {
			e.questions = append(e.questions, Question{Name: nm, Type: dns.TypeA})
		}
		if err := CheckAPI(ctx, nodes, names); err != nil {
			t.Fatal(err)
		}
		e.invariants(ctx, t, "final")
	})
}

func poll(ctx context.Context, f func() bool) error {
	for !f() {
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), errors.New("condition never held"))
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

package load

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/testnode"
)

func TestPercentiles(t *testing.T) {
	var lats []time.Duration
	for i := 100; i >= 1; i-- {
		lats = append(lats, time.Duration(i)*time.Millisecond)
	}
	p50, p95, p99, mx := percentiles(lats)
	if p50 != 51*time.Millisecond || p95 != 95*time.Millisecond || p99 != 99*time.Millisecond || mx != 100*time.Millisecond {
		t.Fatalf("p50 %v p95 %v p99 %v max %v", p50, p95, p99, mx)
	}
	if a, b, c, d := percentiles(nil); a+b+c+d != 0 {
		t.Fatal("percentiles of nothing")
	}
}

// TestRun drives a real node: the TLD is registered with the operator key
// when missing, every transaction sent is committed, and the written
// names hold the last update.
func TestRun(t *testing.T) {
	n := testnode.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	api := n.Addrs().API

	// Without the TLD and without an operator key: a clear error.
	_, err := Run(ctx, Config{Nodes: []string{api}, Rate: 10, Duration: time.Second, Accounts: 1, OpsPerTx: 1})
	if err == nil || !strings.Contains(err.Error(), "not registered") {
		t.Fatalf("missing TLD: %v", err)
	}

	var progress bytes.Buffer
	op := n.Operator(t)
	var mu sync.Mutex
	var commits []Commit
	res, err := Run(ctx, Config{Nodes: []string{api, api}, Rate: 20, Duration: 2 * time.Second, Accounts: 8, OpsPerTx: 3,
		Operator: op.Key, Progress: &progress, ProgressEvery: 500 * time.Millisecond,
		OnCommit: func(c Commit) { mu.Lock(); commits = append(commits, c); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(commits)) != res.Committed {
		t.Fatalf("%d commits reported, %d counted", len(commits), res.Committed)
	}
	if len(commits) < 3 {
		t.Fatalf("%d commits, want at least 3", len(commits))
	}
	for _, c := range commits[:3] {
		got, err := n.Client.Tx(ctx, c.Hash)
		if err != nil || got.Height != c.Height || got.Code != 0 || len(c.Names) != 3 {
			t.Fatalf("commit %+v: %+v %v", c, got, err)
		}
	}
	// 40 transactions fall due over 2 s at 20/s. Each of the 8 accounts
	// takes the first one due while it is free; later ones are sent or,
	// while every account waits for a commit, skipped: how many of each
	// depends on the machine's speed, their sum on the schedule (less a
	// few for the last ticks of a descheduled run).
	if res.Submitted < 8 || res.Submitted+res.Skipped < 35 || res.Committed != res.Submitted || res.Rejected != 0 || res.Failed != 0 || res.Updates != 3*res.Committed {
		t.Fatalf("result %+v", res)
	}
	if res.P50 <= 0 || res.P50 > res.P95 || res.P95 > res.P99 || res.P99 > res.Max || res.TxPerSec <= 0 {
		t.Fatalf("latencies %+v", res)
	}
	if !strings.Contains(progress.String(), "submitted") || !strings.Contains(progress.String(), "registering 24 names") {
		t.Fatalf("progress:\n%s", progress.String())
	}
	var tbl bytes.Buffer
	res.Table(&tbl)
	for _, want := range []string{"submitted", "committed tx/s", "p99 submit→commit"} {
		if !strings.Contains(tbl.String(), want) {
			t.Fatalf("table lacks %q:\n%s", want, tbl.String())
		}
	}
	// The accounts' names hold records.
	l, err := n.Client.List(ctx, client.ListOptions{Zone: DefaultTLD, Limit: 100})
	if err != nil || len(l.Names) != 24 {
		t.Fatalf("names under load: %d %v", len(l.Names), err)
	}
	for _, nm := range l.Names {
		if len(nm.RRsets) != 1 || nm.RRsets[0].Type != "A" {
			t.Fatalf("%s: %+v", nm.Name, nm.RRsets)
		}
	}

	// Closed loop: as fast as commits allow.
	res, err = Run(ctx, Config{Nodes: []string{api}, Duration: time.Second, Accounts: 2, OpsPerTx: 1})
	if err != nil || res.Committed == 0 || res.Committed != res.Submitted {
		t.Fatalf("closed loop: %+v %v", res, err)
	}
}

func TestConfigRejects(t *testing.T) {
	for name, c := range map[string]Config{
		"no nodes":   {Accounts: 1, OpsPerTx: 1, Duration: time.Second},
		"0 accounts": {Nodes: []string{"x"}, OpsPerTx: 1, Duration: time.Second},
		"ops 201":    {Nodes: []string{"x"}, Accounts: 1, OpsPerTx: MaxOpsPerTx + 1, Duration: time.Second},
		"no time":    {Nodes: []string{"x"}, Accounts: 1, OpsPerTx: 1},
		"rate -1":    {Nodes: []string{"x"}, Accounts: 1, OpsPerTx: 1, Duration: time.Second, Rate: -1},
	} {
		if _, err := Run(context.Background(), c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

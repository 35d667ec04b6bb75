package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/dii-net/dii/internal/load"
	"github.com/dii-net/dii/internal/testnet"
)

func main() {
	vals := flag.String("validators", "1,4,7", "validator counts to run, comma-separated")
	rate := flag.Float64("rate", 250, "target transactions per second (0: closed loop)")
	duration := flag.Duration("duration", 30*time.Second, "how long each network is loaded")
	accounts := flag.Int("accounts", 600, "sending accounts")
	ops := flag.Int("ops-per-tx", 10, "name updates per transaction")
	timeoutCommit := flag.Duration("timeout-commit", testnet.DefaultTimeoutCommit, "consensus timeout_commit of every node")
	bin := flag.String("dii", "", "dii binary to run the nodes (default: build ./cmd/dii)")
	keep := flag.Bool("keep", false, "keep each network's folder (logs) instead of removing it")
	flag.Parse()

	counts, err := parseCounts(*vals)
	if err != nil {
		fail(err)
	}
	if *bin == "" {
		if *bin, err = build(); err != nil {
			fail(err)
		}
		defer func() { _ = os.RemoveAll(filepath.Dir(*bin)) }()
	}
	load1, _ := os.ReadFile("/proc/loadavg")
	loadAvg := "unknown"
	if f := strings.Fields(string(load1)); len(f) >= 3 {
		loadAvg = strings.Join(f[:3], " ")
	}
	fmt.Printf("dii testnet benchmark, %s, %s/%s, %d CPUs, %s, load average at start: %s\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), loadAvg)
	fmt.Printf("load: %d accounts, %d updates per tx, target %s, %s per network; timeout_commit %s\n\n",
		*accounts, *ops, rateText(*rate), *duration, *timeoutCommit)

	var results []*load.Result
	var blocks []int64
	for _, v := range counts {
		fmt.Fprintf(os.Stderr, "== %d validators\n", v)
		r, h, err := runOne(v, *bin, *rate, *duration, *accounts, *ops, *timeoutCommit, *keep)
		if err != nil {
			fail(fmt.Errorf("%d validators: %w", v, err))
		}
		results = append(results, r)
		blocks = append(blocks, h)
	}
	printTable(counts, results, blocks)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/testnet:", err)
	os.Exit(1)
}

func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-validators %q: want positive integers", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func rateText(r float64) string {
	if r == 0 {
		return "closed loop"
	}
	return fmt.Sprintf("%.0f tx/s", r)
}

func build() (string, error) {
	dir, err := os.MkdirTemp("", "dii-bench-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "dii")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/dii").CombinedOutput(); err != nil { //nolint:gosec // go build into this program's own temporary folder
		return "", fmt.Errorf("build ./cmd/dii (run from the repository root): %v\n%s", err, out)
	}
	return bin, nil
}

// runOne runs one network under load and returns the load's result and
// the height the network reached.
func runOne(validators int, bin string, rate float64, d time.Duration, accounts, ops int, tc time.Duration, keep bool) (*load.Result, int64, error) {
	dir, err := os.MkdirTemp("", fmt.Sprintf("dii-bench-%dv-", validators))
	if err != nil {
		return nil, 0, err
	}
	if keep {
		fmt.Fprintf(os.Stderr, "network folder %s\n", dir)
	} else {
		defer func() { _ = os.RemoveAll(dir) }()
	}
	var n *testnet.Network
	for try := 0; ; try++ {
		base := 20000 + rand.IntN(1000)*40 //nolint:gosec // a port range, not a secret
		if n, err = testnet.Init(dir, testnet.Options{Validators: validators, BasePort: base, TimeoutCommit: tc}); err == nil {
			break
		}
		if !strings.Contains(err.Error(), "taken") || try == 9 {
			return nil, 0, err
		}
	}
	n.Bin = bin
	defer func() { _ = n.Stop(n.Nodes(), 15*time.Second) }()
	ctx, cancel := context.WithTimeout(context.Background(), d+5*time.Minute)
	defer cancel()
	if err := n.Start(ctx, n.Nodes()); err != nil {
		return nil, 0, err
	}
	var apis []string
	for _, nd := range n.Nodes() {
		apis = append(apis, nd.API)
	}
	r, err := load.Run(ctx, load.Config{Nodes: apis, ChainID: n.ChainID(), Rate: rate, Duration: d, Accounts: accounts,
		OpsPerTx: ops, Progress: os.Stderr, ProgressEvery: 5 * time.Second})
	if err != nil {
		return nil, 0, err
	}
	h, _ := n.Nodes()[0].Height(ctx)
	return r, h, nil
}

func printTable(counts []int, rs []*load.Result, blocks []int64) {
	head := "| | "
	sep := "|---|"
	for _, c := range counts {
		head += fmt.Sprintf("%d validator%s | ", c, map[bool]string{true: "s"}[c > 1])
		sep += "---|"
	}
	fmt.Println(strings.TrimSpace(head))
	fmt.Println(sep)
	row := func(name string, f func(r *load.Result, i int) string) {
		line := "| " + name + " | "
		for i, r := range rs {
			line += f(r, i) + " | "
		}
		fmt.Println(strings.TrimSpace(line))
	}
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	row("submitted txs", func(r *load.Result, _ int) string { return fmt.Sprint(r.Submitted) })
	row("committed txs", func(r *load.Result, _ int) string { return fmt.Sprint(r.Committed) })
	row("rejected / failed txs", func(r *load.Result, _ int) string { return fmt.Sprintf("%d / %d", r.Rejected, r.Failed) })
	row("skipped (accounts busy)", func(r *load.Result, _ int) string { return fmt.Sprint(r.Skipped) })
	row("committed tx/s", func(r *load.Result, _ int) string { return fmt.Sprintf("%.1f", r.TxPerSec) })
	row("committed updates/s", func(r *load.Result, _ int) string { return fmt.Sprintf("%.0f", r.UpdatesPerSec) })
	row("p50 submit→commit", func(r *load.Result, _ int) string { return ms(r.P50) })
	row("p95 submit→commit", func(r *load.Result, _ int) string { return ms(r.P95) })
	row("p99 submit→commit", func(r *load.Result, _ int) string { return ms(r.P99) })
	row("blocks", func(_ *load.Result, i int) string { return fmt.Sprint(blocks[i]) })
}

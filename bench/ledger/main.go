package main

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/keyring"
	"github.com/dii-net/dii/internal/load"
	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/smt"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

func main() {
	writers := flag.Int("writers", 16, "concurrent accounts submitting transactions")
	batch := flag.Int("batch", 200, "name updates per transaction")
	duration := flag.Duration("duration", 20*time.Second, "how long to submit")
	timeoutCommit := flag.Duration("timeout-commit", 500*time.Millisecond, "consensus timeout_commit (dii's default is 500ms)")
	nNames := flag.Int("names", 1_000_000, "names in the state for the proof and memory measurements")
	only := flag.String("only", "", "run only one part: throughput or proofs")
	flag.Parse()

	fmt.Printf("dii ledger benchmark, %s, %s/%s, %d CPUs, %s\n\n", time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	if *only == "" || *only == "throughput" {
		if err := throughput(*writers, *batch, *duration, *timeoutCommit); err != nil {
			fmt.Fprintln(os.Stderr, "throughput:", err)
			os.Exit(1)
		}
	}
	if *only == "" || *only == "proofs" {
		if err := proofs(*nNames); err != nil {
			fmt.Fprintln(os.Stderr, "proofs:", err)
			os.Exit(1)
		}
	}
}

func aRecord(i int) []byte {
	rd, err := names.ParseRData(dns.TypeA, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
	if err != nil {
		panic(err)
	}
	return rd
}

// throughput runs a single-validator node in-process and measures, with
// package load in closed loop, committed updates per second and the
// submit-to-commit latency.
func throughput(writers, batch int, duration, timeoutCommit time.Duration) error {
	home, err := os.MkdirTemp("", "dii-bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(home) }()
	if _, err := node.Init(home, node.InitOptions{ChainID: "dii-bench"}); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n, err := node.Start(context.Background(), node.Config{Home: home, API: "127.0.0.1:0", RPC: "127.0.0.1:0",
		P2P: "127.0.0.1:0", TimeoutCommit: timeoutCommit, Logger: log})
	if err != nil {
		return err
	}
	defer func() { _ = n.Stop() }()
	opKey, err := keyring.Open(node.KeysDir(home)).Get(node.OperatorKey)
	if err != nil {
		return err
	}
	fmt.Printf("== throughput: 1 validator, %d writers x %d updates per tx, timeout_commit %s, %s\n", writers, batch, timeoutCommit, duration)
	res, err := load.Run(context.Background(), load.Config{Nodes: []string{n.Addrs().API}, Duration: duration,
		Accounts: writers, OpsPerTx: batch, TLD: "bench", Operator: opKey.Private})
	if err != nil {
		return err
	}
	st, _ := client.New(n.Addrs().API).Status(context.Background())
	fmt.Printf("| committed updates | committed txs | rejected txs | updates/s | p50 submit→commit | p95 | p99 | blocks |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|\n")
	fmt.Printf("| %d | %d | %d | %.0f | %s | %s | %s | %d |\n\n", res.Updates, res.Committed, res.Rejected+res.Failed,
		res.UpdatesPerSec, res.P50.Round(time.Millisecond), res.P95.Round(time.Millisecond), res.P99.Round(time.Millisecond), st.LatestHeight)
	return nil
}

// proofs builds a state of n names and measures proofs and memory.
func proofs(n int) error {
	fmt.Printf("== proofs and memory at %d names\n", n)
	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	owner := tx.AddressOf(make(ed25519.PublicKey, 32))
	t0 := time.Now()
	changes := make([]state.Change, 0, n)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("name%07d.dii", i)
		rec := &registry.Record{Name: name, Owner: owner, Created: 1, Expiry: 2,
			RRsets: []registry.RRset{{Name: name, Type: dns.TypeA, TTL: 300, Records: [][]byte{aRecord(i)}}}}
		changes = append(changes, state.Change{Key: registry.Key(name), Value: rec.Encode()})
	}
	v := state.Empty().Next(1, changes)
	build := time.Since(t0)
	changes = nil
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	perName := float64(m1.HeapAlloc-m0.HeapAlloc) / float64(n)

	// Proof sizes over a sample of present and absent names.
	var sizeIn, sizeOut, maxIn, maxOut int
	const sample = 10000
	type item struct {
		key, val []byte
		proof    *smt.Proof
	}
	items := make([]item, 0, sample)
	for i := 0; i < sample; i++ {
		k := registry.Key(fmt.Sprintf("name%07d.dii", (i*7919)%n))
		val, p := v.Prove(k)
		sz := p.Size()
		sizeIn += sz
		maxIn = max(maxIn, sz)
		items = append(items, item{k, val, p})
		_, pa := v.Prove(registry.Key(fmt.Sprintf("absent%07d.dii", i)))
		sizeOut += pa.Size()
		maxOut = max(maxOut, pa.Size())
	}
	root := v.Root()

	// Verification rate on one core: decode the binary proof, then verify
	// it against the root, as a client does with a bundle.
	prev := runtime.GOMAXPROCS(1)
	encoded := make([][]byte, len(items))
	for i, it := range items {
		encoded[i], _ = it.proof.MarshalBinary()
	}
	const rounds = 20
	t1 := time.Now()
	for r := 0; r < rounds; r++ {
		for i, it := range items {
			var p smt.Proof
			if err := p.UnmarshalBinary(encoded[i]); err != nil {
				return err
			}
			if err := p.VerifyInclusion(root, state.KeyHash(it.key), state.ValueHash(it.val)); err != nil {
				return err
			}
		}
	}
	verifyRate := float64(rounds*len(items)) / time.Since(t1).Seconds()
	runtime.GOMAXPROCS(prev)

	fmt.Printf("| names | build state | heap per name | proof (present) avg / max | proof (absent) avg / max | verifications/s, 1 core |\n")
	fmt.Printf("|---|---|---|---|---|---|\n")
	fmt.Printf("| %d | %s | %.0f B | %d / %d B | %d / %d B | %.0f |\n\n", n, build.Round(time.Millisecond), perName,
		sizeIn/sample, maxIn, sizeOut/sample, maxOut, verifyRate)
	runtime.KeepAlive(v)
	debug.FreeOSMemory()
	return nil
}

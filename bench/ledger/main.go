package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/keyring"
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

// throughput runs a single-validator node in-process and measures
// committed updates per second and submit-to-queryable latency.
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
	ctx := context.Background()
	c := client.New(n.Addrs().API)
	ring := keyring.Open(node.KeysDir(home))
	opKey, err := ring.Get(node.OperatorKey)
	if err != nil {
		return err
	}
	op, err := client.NewSigner(ctx, c, opKey.Private, "dii-bench")
	if err != nil {
		return err
	}
	if _, err := op.Submit(ctx, client.WaitCommit, &tx.Register{Name: "bench", Open: true}); err != nil {
		return err
	}

	fmt.Printf("== throughput: 1 validator, %d writers x %d updates per tx, timeout_commit %s, %s\n", writers, batch, timeoutCommit, duration)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		updates   atomic.Int64
		txs       atomic.Int64
		rejected  atomic.Int64
		checked   atomic.Int64
		unread    atomic.Int64
	)
	start := time.Now()
	end := start.Add(duration)
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		s := &client.Signer{C: c, Key: priv, ChainID: "dii-bench"}
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for round := 0; time.Now().Before(end); round++ {
				ops := make([]tx.Op, 0, batch)
				first := ""
				for i := 0; i < batch; i++ {
					name := fmt.Sprintf("w%d-r%d-%d.bench", w, round, i)
					if i == 0 {
						first = name
					}
					// Each name is registered and given an A record: two
					// updates per name, counted as two.
					if i%2 == 0 {
						ops = append(ops, &tx.Register{Name: name})
					} else {
						prev := fmt.Sprintf("w%d-r%d-%d.bench", w, round, i-1)
						ops = append(ops, &tx.SetRRset{Name: prev, Type: dns.TypeA, TTL: 300, Records: [][]byte{aRecord(w<<16 | round<<8 | i)}})
					}
				}
				t0 := time.Now()
				res, err := s.Submit(ctx, client.WaitCommit, ops...)
				if err != nil {
					rejected.Add(1)
					continue
				}
				// Queryable: the API answers the name as soon as the
				// commit is reported; check a sample to be sure.
				if round%4 == 0 {
					if _, err := c.Name(ctx, first); err != nil {
						unread.Add(1)
					}
					checked.Add(1)
				}
				lat := time.Since(t0)
				_ = res
				updates.Add(int64(len(ops)))
				txs.Add(1)
				mu.Lock()
				latencies = append(latencies, lat)
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[int(p*float64(len(latencies)-1))]
	}
	st, _ := c.Status(ctx)
	fmt.Printf("| committed updates | committed txs | rejected txs | updates/s | p50 submit→queryable | p95 | p99 | reads checked (failed) | blocks |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|\n")
	fmt.Printf("| %d | %d | %d | %.0f | %s | %s | %s | %d (%d) | %d |\n\n", updates.Load(), txs.Load(), rejected.Load(),
		float64(updates.Load())/elapsed.Seconds(), pct(0.50).Round(time.Millisecond), pct(0.95).Round(time.Millisecond),
		pct(0.99).Round(time.Millisecond), checked.Load(), unread.Load(), st.LatestHeight)
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

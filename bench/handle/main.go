package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/handleserver"
	"github.com/dii-net/dii/internal/ledger"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// prefix is the benchmark's prefix; handle i is prefix/h<i>.
const prefix = "20.500.bench"

func main() {
	n := flag.Int("handles", 1_000_000, "handles in the state")
	dur := flag.Duration("duration", 10*time.Second, "length of each load run")
	conns := flag.Int("conns", 64, "wrk connections (HTTP)")
	threads := flag.Int("threads", 2, "wrk threads (HTTP)")
	workers := flag.Int("workers", 64, "concurrent requests of the Handle protocol load generator")
	tcp := flag.Bool("tcp", false, "Handle protocol load over TCP instead of UDP")
	only := flag.String("only", "", "run only one part: http or native")
	flag.Parse()
	if err := run(*n, *dur, *conns, *threads, *workers, *tcp, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench/handle:", err)
		os.Exit(1)
	}
}

func name(i int) string { return fmt.Sprintf("%s/h%d", prefix, i) }

// record is handle i as a typical handle: a URL, an EMAIL and the
// HS_ADMIN value the ledger gives a new handle.
func record(i int, admin []byte) *handle.Record {
	return &handle.Record{Handle: name(i), Created: 1_790_000_000, Updated: 1_790_000_000, Values: []handle.Value{
		{Index: 1, Type: "URL", Data: []byte(fmt.Sprintf("https://example.org/objects/%d", i)), TTL: 86400, Timestamp: 1_790_000_000, Perms: handle.DefaultPerms},
		{Index: 2, Type: "EMAIL", Data: []byte("objects@example.org"), TTL: 86400, Timestamp: 1_790_000_000, Perms: handle.DefaultPerms},
		{Index: 100, Type: handle.TypeAdmin, Data: admin, TTL: 86400, Timestamp: 1_790_000_000, Perms: handle.DefaultPerms},
	}}
}

// buildStore writes n handles and their prefix to a store on disk (dir,
// pebble, as a node keeps it), as state built directly (no
// transactions): the store a node would have after committing them.
func buildStore(n int, dir string) (time.Duration, error) {
	start := time.Now()
	adminV := handle.AdminValue(100, handle.AccountHandle(tx.Address{1}), 0, handle.DefaultHandleAdminPerms)
	ch := make([]state.Change, 0, n+1)
	na, _ := handle.Parse(handle.NAOf(prefix))
	naRec := &handle.Record{Handle: na.Text, Values: []handle.Value{{Index: 100, Type: handle.TypeAdmin, Data: adminV.Data, TTL: 86400, Perms: handle.DefaultPerms}}}
	ch = append(ch, state.Change{Key: handle.Key(na), Value: naRec.Encode()})
	for i := 0; i < n; i++ {
		h, err := handle.Parse(name(i))
		if err != nil {
			return 0, err
		}
		ch = append(ch, state.Change{Key: handle.Key(h), Value: record(i, adminV.Data).Encode()})
	}
	v := state.Empty().NextAt(1, 1_790_000_000, ch)
	st, err := openStore(dir)
	if err != nil {
		return 0, err
	}
	if err := st.Reset(v); err != nil {
		return 0, err
	}
	return time.Since(start), st.Close()
}

func openStore(dir string) (*state.Store, error) {
	db, err := dbm.NewDB("appstate", dbm.PebbleDBBackend, dir)
	if err != nil {
		return nil, err
	}
	return state.Open(db, 1)
}

func run(n int, dur time.Duration, conns, threads, workers int, tcp bool, only string) error {
	fmt.Printf("dii handle benchmark, %s, %s/%s, %d CPUs, %s\n", time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	dir, err := os.MkdirTemp("", "bench-handle-state")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	took, err := buildStore(n, dir)
	if err != nil {
		return err
	}
	fmt.Printf("state: %d handles built and written in %s\n", n, took.Round(10*time.Millisecond))
	// Served from the store as a node opens it when it starts: read back
	// from disk, the Merkle tree rebuilt.
	start := time.Now()
	store, err := openStore(dir)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	fmt.Printf("state: %d keys loaded as a starting node loads them in %s; RSS %s\n", store.Latest().Len(), time.Since(start).Round(10*time.Millisecond), rss())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	app, err := ledger.New(store, log, nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The node's HTTP handler and Handle server, over that store.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api.New(api.Backend{App: app}, prometheus.NewRegistry(), log), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()
	tcpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	udp, err := net.ListenPacket("udp", tcpLn.Addr().String())
	if err != nil {
		return err
	}
	hs := handleserver.New(handleserver.Config{Source: node.HandleSource{Store: store}, Logger: log})
	go func() { _ = hs.Serve(ctx, udp, tcpLn) }()
	httpAddr, hsAddr := ln.Addr().String(), tcpLn.Addr().String()

	if err := check(ctx, httpAddr, hsAddr, n); err != nil {
		return err
	}
	if only == "" || only == "http" {
		res, err := wrk(httpAddr, n, dur, conns, threads)
		if err != nil {
			return err
		}
		fmt.Printf("HTTP GET /api/handles/{handle}: %s req/s, latency p50 %s p99 %s (%s); RSS %s\n", commas(int(res.rps)), res.p50, res.p99, res.tool, rss())
	}
	if only == "" || only == "native" {
		res, err := native(ctx, hsAddr, n, dur, workers, tcp)
		if err != nil {
			return err
		}
		fmt.Printf("Handle protocol RESOLUTION: %s req/s, latency p50 %s p99 %s (%s); RSS %s\n", commas(int(res.rps)), res.p50, res.p99, res.tool, rss())
	}
	return nil
}

// check resolves a few handles both ways before the load runs.
func check(ctx context.Context, httpAddr, hsAddr string, n int) error {
	for _, i := range []int{0, n / 2, n - 1} {
		want := fmt.Sprintf("https://example.org/objects/%d", i)
		resp, err := http.Get("http://" + httpAddr + "/api/handles/" + name(i) + "?type=URL")
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			return fmt.Errorf("check HTTP %s: %d %s", name(i), resp.StatusCode, body)
		}
		vals, rc, err := handleserver.Resolve(ctx, hsAddr, name(i), handleserver.ResolveOptions{Types: []string{"URL"}})
		if err != nil || rc != handleproto.RCSuccess || len(vals) != 1 || string(vals[0].Data) != want {
			return fmt.Errorf("check Handle protocol %s: %v %v %v", name(i), vals, rc, err)
		}
	}
	return nil
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	tool     string
}

var (
	reRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reP50 = regexp.MustCompile(`\n\s+50%\s+([0-9.]+)(us|ms|s)`)
	reP99 = regexp.MustCompile(`\n\s+99%\s+([0-9.]+)(us|ms|s)`)
	reErr = regexp.MustCompile(`Non-2xx or 3xx responses: ([0-9]+)`)
)

// wrk runs wrk against the API with a Lua script that asks for a random
// handle of the n on every request.
func wrk(addr string, n int, dur time.Duration, conns, threads int) (result, error) {
	if _, err := exec.LookPath("wrk"); err != nil {
		return result{}, errors.New("wrk is not installed: apt-get install -y wrk (Debian package wrk), or run with -only native")
	}
	dir, err := os.MkdirTemp("", "bench-handle")
	if err != nil {
		return result{}, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	script := filepath.Join(dir, "handles.lua")
	lua := fmt.Sprintf(`math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/api/handles/%s/h" .. math.random(0, %d))
end
`, prefix, n-1)
	if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
		return result{}, err
	}
	args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", fmt.Sprintf("%ds", int(dur.Seconds())), "--latency", "-s", script, "http://" + addr}
	out, err := exec.Command("wrk", args...).CombinedOutput() //nolint:gosec // wrk with this program's own arguments
	if err != nil {
		return result{}, fmt.Errorf("wrk %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	m, p50, p99 := reRPS.FindSubmatch(out), reP50.FindSubmatch(out), reP99.FindSubmatch(out)
	if m == nil || p50 == nil || p99 == nil {
		return result{}, fmt.Errorf("wrk output not understood:\n%s", out)
	}
	if e := reErr.FindSubmatch(out); e != nil {
		return result{}, fmt.Errorf("wrk: %s answers were not 2xx:\n%s", e[1], out)
	}
	rps, _ := strconv.ParseFloat(string(m[1]), 64)
	return result{rps: rps, p50: wrkDur(p50), p99: wrkDur(p99), tool: fmt.Sprintf("wrk -t%d -c%d", threads, conns)}, nil
}

func wrkDur(m [][]byte) time.Duration {
	f, _ := strconv.ParseFloat(string(m[1]), 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[string(m[2])]
	return time.Duration(f * float64(unit)).Round(time.Microsecond)
}

// native runs workers concurrent resolutions of random handles through
// one Handle protocol client (one shared UDP socket, or TCP).
func native(ctx context.Context, addr string, n int, dur time.Duration, workers int, tcp bool) (result, error) {
	// Over TCP, connections are kept open and reused (KC), one per
	// request in flight, as a resolver under load would.
	c, err := handleserver.Dial(addr, handleserver.Transport{TCPOnly: tcp, Retries: -1, KeepAlive: tcp, MaxIdleConns: workers})
	if err != nil {
		return result{}, err
	}
	defer func() { _ = c.Close() }()
	var (
		mu      sync.Mutex
		lats    []time.Duration
		failed  atomic.Int64
		started = time.Now()
	)
	deadline := started.Add(dur)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rnd := rand.New(rand.NewSource(int64(w))) //nolint:gosec // a reproducible draw of handles, not a secret
			own := make([]time.Duration, 0, 1<<16)
			for time.Now().Before(deadline) {
				i := rnd.Intn(n)
				t0 := time.Now()
				r, err := c.Resolve(ctx, name(i), handleserver.ResolveOptions{})
				if err != nil || len(r.Values) != 3 {
					failed.Add(1)
					continue
				}
				own = append(own, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, own...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	el := time.Since(started)
	if len(lats) == 0 {
		return result{}, fmt.Errorf("no resolution succeeded (%d failed)", failed.Load())
	}
	if f := failed.Load(); f > 0 {
		fmt.Fprintf(os.Stderr, "native: %d resolutions failed or timed out\n", f)
	}
	slices.Sort(lats)
	transport := "UDP"
	if tcp {
		transport = "TCP, connections kept open (KC)"
	}
	return result{rps: float64(len(lats)) / el.Seconds(), p50: lats[len(lats)/2].Round(time.Microsecond),
		p99: lats[len(lats)*99/100].Round(time.Microsecond), tool: fmt.Sprintf("%s, %d concurrent requests on one client", transport, workers)}, nil
}

// rss is this process's resident set size, from /proc, after returning
// garbage to the system.
func rss() string {
	runtime.GC()
	debug.FreeOSMemory()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "?"
	}
	defer func() { _ = f.Close() }()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if kb, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			v, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")))
			return fmt.Sprintf("%d MiB (live Go heap %d MiB)", v/1024, ms.HeapAlloc>>20)
		}
	}
	return "?"
}

func commas(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

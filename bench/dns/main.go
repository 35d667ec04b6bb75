package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/client"
)

// options are the command-line flags.
type options struct {
	sizes       []int
	writers     int
	batch       int
	perf        perfSettings
	warmup      time.Duration
	rounds      int
	latencyQPS  int
	latencyDur  time.Duration
	hits        float64
	queries     int
	seed        uint64
	serverCPUs  []int
	workers     int
	compare     int
	servers     []string
	keep        bool
	profile     string
	memprofile  string
	profileOnly bool
}

func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("dns", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: go run ./bench/dns [flags]

Benchmarks dii's authoritative DNS server against NSD and Knot DNS serving
the same zone, with dnsperf, on this machine: for each -sizes, a fresh dii
node is loaded with that many names through signed ledger transactions,
the zone is exported with "dii zone export", and each server in turn is
measured. See doc.go and docs/benchmarks.md.

Needs nsd, knotd, dnsperf and named-checkzone (Debian packages nsd, knot,
dnsperf, bind9-utils) and Go; installs nothing.

Flags:
`)
		fs.PrintDefaults()
	}
	o := &options{}
	sizes := fs.String("sizes", "1000,1000000", "zone sizes to measure, in names, comma-separated")
	fs.IntVar(&o.writers, "writers", 12, "concurrent accounts loading names")
	fs.IntVar(&o.batch, "batch", 500, "operations per transaction when loading (a name takes two: Register and SetRRset)")
	fs.IntVar(&o.perf.clients, "c", 16, "dnsperf -c: clients (UDP sockets)")
	fs.IntVar(&o.perf.threads, "T", 2, "dnsperf -T: threads")
	fs.DurationVar(&o.perf.duration, "l", 20*time.Second, "dnsperf -l: length of each rate run")
	fs.IntVar(&o.perf.outstanding, "q", 200, "dnsperf -q: most queries outstanding")
	fs.IntVar(&o.perf.maxQPS, "Q", 0, "dnsperf -Q for the rate runs: most queries per second (0: unlimited)")
	fs.DurationVar(&o.perf.timeout, "t", 5*time.Second, "dnsperf -t: query timeout")
	clientCPUs := fs.String("client-cpus", "", "pin dnsperf to these CPUs (taskset list, e.g. 0); empty: not pinned")
	serverCPUs := fs.String("server-cpus", "", "pin each server to these CPUs (e.g. 1); empty: not pinned")
	fs.IntVar(&o.workers, "workers", 0, "NSD server processes and Knot UDP workers (0: the CPUs the server may use; dii uses one UDP socket per CPU)")
	fs.IntVar(&o.rounds, "rounds", 5, "rate runs per server and size, the servers and the sizes taking turns; the table gives the median and the range")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "unreported dnsperf run before each rate run")
	fs.IntVar(&o.latencyQPS, "latency-qps", 20000, "rate of the latency runs (dnsperf -Q with -v), for p50 and p99; 0: unlimited (latency at saturation); -1: no latency runs")
	fs.DurationVar(&o.latencyDur, "latency-l", 10*time.Second, "length of each latency run")
	fs.Float64Var(&o.hits, "hits", 0.9, "fraction of queries for loaded names (A); the rest are NXDOMAIN")
	fs.IntVar(&o.queries, "queries", 1_000_000, "lines in the dnsperf query file (names drawn uniformly, with repeats)")
	seed := fs.Uint64("seed", 1, "seed of the query draw")
	fs.IntVar(&o.compare, "compare", 1000, "queries of the mix asked of every server before its run; answers must match dii's")
	servers := fs.String("servers", "dii,nsd,knot", "servers to measure, in this order")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary folder (zone files, configs, logs) and print its path")
	fs.StringVar(&o.profile, "cpuprofile", "", "also profile dii's DNS path: serve the largest size from an in-process dii name server (internal/nameserver, internal/zone) under dnsperf's rate run and write a CPU profile to this file")
	fs.StringVar(&o.memprofile, "memprofile", "", "with -cpuprofile: also write a heap profile of the in-process state and zone snapshot to this file")
	fs.BoolVar(&o.profileOnly, "profile-only", false, "with -cpuprofile: skip the three-server runs")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(s), "_", ""))
		if err != nil || n < 1 || n > 9_999_999 {
			return nil, fmt.Errorf("-sizes: %q is not a size between 1 and 9999999", s)
		}
		o.sizes = append(o.sizes, n)
	}
	var err error
	if o.perf.cpus, err = parseCPUs(*clientCPUs); err != nil {
		return nil, fmt.Errorf("-client-cpus: %w", err)
	}
	if o.serverCPUs, err = parseCPUs(*serverCPUs); err != nil {
		return nil, fmt.Errorf("-server-cpus: %w", err)
	}
	if o.workers == 0 {
		o.workers = runtime.NumCPU()
		if len(o.serverCPUs) > 0 {
			o.workers = len(o.serverCPUs)
		}
	}
	for _, s := range strings.Split(*servers, ",") {
		switch s = strings.TrimSpace(s); s {
		case "dii", "nsd", "knot":
			o.servers = append(o.servers, s)
		default:
			return nil, fmt.Errorf("-servers: unknown server %q (dii, nsd, knot)", s)
		}
	}
	if o.hits < 0 || o.hits > 1 || o.rounds < 1 || o.writers < 1 || o.batch < 2 || o.queries < 1 || o.perf.duration < time.Second {
		return nil, errors.New("bad -hits, -writers, -batch, -queries or -l")
	}
	o.seed = *seed
	if (o.profileOnly || o.memprofile != "") && o.profile == "" {
		return nil, errors.New("-profile-only and -memprofile need -cpuprofile")
	}
	return o, nil
}

func parseCPUs(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(f, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				return nil, err
			}
		}
		for c := a; c <= b; c++ {
			if c < 0 || c >= 1024 {
				return nil, fmt.Errorf("cpu %d out of range", c)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/dns:", err)
		os.Exit(2)
	}
	os.Exit(run(o))
}

// run does the whole benchmark; every process it starts and every file it
// writes is gone when it returns (unless -keep).
func run(o *options) int {
	if missing := missingTools(); len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "bench/dns: missing programs, install them first (it installs nothing itself):\n")
		for _, m := range missing {
			fmt.Fprintf(os.Stderr, "  %s\n", m)
		}
		fmt.Fprintf(os.Stderr, "on Debian: apt-get install -y nsd knot dnsperf bind9-utils\n")
		return 1
	}
	if (len(o.perf.cpus) > 0 || len(o.serverCPUs) > 0) && tool("taskset") == "" {
		fmt.Fprintln(os.Stderr, "bench/dns: -client-cpus needs taskset (Debian package util-linux)")
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	tmp, err := os.MkdirTemp("", "dii-bench-dns-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/dns:", err)
		return 1
	}
	ps := &procs{}
	defer func() {
		ps.stopAll()
		if o.keep {
			fmt.Fprintf(os.Stderr, "kept %s\n", tmp)
			return
		}
		_ = os.RemoveAll(tmp)
	}()
	// The servers may run as nobody: they must reach their files.
	if err := shareDir(tmp); err != nil {
		fmt.Fprintln(os.Stderr, "bench/dns:", err)
		return 1
	}
	logf, err := os.Create(filepath.Join(tmp, "bench.log"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/dns:", err)
		return 1
	}
	defer logf.Close()
	b := &bench{o: o, tmp: tmp, ps: ps, log: logf, as: serverUser()}
	if err := b.run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench/dns:", err)
		if o.keep {
			fmt.Fprintf(os.Stderr, "log: %s\n", logf.Name())
		}
		return 1
	}
	return 0
}

// bench holds the state of one benchmark run.
type bench struct {
	o       *options
	tmp     string
	ps      *procs
	log     io.Writer
	as      runAs
	bin     string
	results []*sizeResult
	// profileHeap is the heap the in-process profile measured.
	profileHeap string
}

// sizeResult is everything measured at one zone size.
type sizeResult struct {
	n                    int
	load                 *loadStats
	zone                 zoneInfo
	check                string
	diiBefore, diiLoaded memory
	diiAfter             memory
	idleWait             time.Duration
	rows                 []*row
}

// row is one server at one size.
type row struct {
	s        *server
	runs     []*perfResult // the rate runs
	rate     *perfResult   // the median of runs
	lat      *perfResult
	mem      memory
	diffs    int
	firstDif string
}

func (b *bench) printf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, format, a...)
	fmt.Fprintf(b.log, format, a...)
}

func (b *bench) run(ctx context.Context) error {
	o := b.o
	vers := toolVersions(ctx)
	b.printf("building dii\n")
	bin, err := buildDii(ctx, b.tmp)
	if err != nil {
		return err
	}
	b.bin = bin
	b.header(os.Stdout, vers)
	if !o.profileOnly {
		if err := b.measure(ctx); err != nil {
			return err
		}
		for _, r := range b.results {
			b.table(os.Stdout, r)
		}
		b.aims(os.Stdout)
	}
	if o.profile != "" {
		n := o.sizes[len(o.sizes)-1]
		for _, s := range o.sizes {
			n = max(n, s)
		}
		if err := b.profileDNS(ctx, n); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
	}
	return nil
}

// prepared is one zone size made ready to measure: its results so far,
// its dii node, its query file, and every server answering the zone.
type prepared struct {
	r      *sizeResult
	d      *diiNode
	procs  []*proc // dii's first
	qfile  string
	sample []query
}

// measure prepares every size, then measures them: -rounds rate runs of
// every server at every size, the servers and the sizes taking turns
// (round 1 of each server at each size, then round 2...), then one
// latency run of each. Only the server being measured runs: the others
// (at every size) are paused with SIGSTOP, so that an idle ledger's
// timers and a paused server's memory stay out of its run.
//
// Why the sizes take turns too: the aims compare the rate at 1,000,000
// names with the rate at 1,000, and this machine's rate drifts by more
// than the 10% allowed over the quarter of an hour between the sizes
// (dii at 1,000 names fell from 188,000 to 145,000 qps over 40 minutes of
// 2026-11-26 with nothing else running). Runs minutes apart measure the
// drift as much as the zone size; runs side by side do not.
func (b *bench) measure(ctx context.Context) error {
	o := b.o
	var ps []*prepared
	defer func() {
		for _, p := range ps {
			for _, pr := range p.procs {
				_ = pr.stop(30 * time.Second)
			}
		}
	}()
	for _, n := range o.sizes {
		p, err := b.prepare(ctx, n)
		if p != nil {
			ps = append(ps, p)
		}
		if err != nil {
			return fmt.Errorf("%d names: %w", n, err)
		}
		for _, pr := range p.procs {
			pr.pause()
		}
	}
	each := func(f func(p *prepared, x *row) error) error {
		for _, p := range ps {
			for _, x := range p.r.rows {
				x.s.p.resume()
				err := f(p, x)
				x.s.p.pause()
				if err != nil {
					return fmt.Errorf("%d names, %s: %w", p.r.n, x.s.name, err)
				}
			}
		}
		return nil
	}
	b.printf("== rate runs: %d rounds, each server at each size in turn, the others paused\n", o.rounds)
	for round := 1; round <= o.rounds; round++ {
		if err := each(func(p *prepared, x *row) error { return b.rateRun(ctx, x, p.r.n, p.qfile, round) }); err != nil {
			return err
		}
	}
	if err := each(func(p *prepared, x *row) error { return b.latencyRun(ctx, x, p.r.n, p.qfile) }); err != nil {
		return err
	}
	for _, p := range ps {
		for _, x := range p.r.rows {
			x.mem = treeMemory(x.s.p.pid())
		}
		p.r.diiAfter = treeMemory(p.d.p.pid())
		b.results = append(b.results, p.r)
	}
	return nil
}

// prepare readies one zone size: a fresh dii node loaded with n names
// through the ledger, the zone exported and checked, NSD and Knot serving
// it, every server's answers compared with dii's. The processes it
// started are in procs of the prepared size it returns, also with an
// error, so that the caller stops them.
func (b *bench) prepare(ctx context.Context, n int) (*prepared, error) {
	o := b.o
	r := &sizeResult{n: n}
	dir := filepath.Join(b.tmp, fmt.Sprintf("size-%d", n))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	if err := shareDir(dir); err != nil {
		return nil, err
	}
	b.printf("== %d names\n", n)
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	d, err := startDii(ctx, b.ps, b.bin, filepath.Join(dir, "dii-home"), port)
	if err != nil {
		return nil, err
	}
	ds := &server{name: "dii", addr: d.dns, p: d.p}
	p := &prepared{r: r, d: d, procs: []*proc{d.p}}
	time.Sleep(time.Second)
	r.diiBefore = treeMemory(d.p.pid())
	b.printf("  dii up: API %s, DNS %s, pid %d, RSS %s\n", d.api, d.dns, d.p.pid(), mib(r.diiBefore.RSS))

	if r.load, err = d.load(ctx, n, o.writers, o.batch, progressWriter{b}); err != nil {
		return p, err
	}
	// The last name must be answered: the DNS snapshot follows the commit.
	if err := expectA(ctx, ds.addr, hitName(n-1), address(n-1)); err != nil {
		return p, err
	}
	// The ledger must be idle while the servers are measured: wait for
	// the work that follows a large load (storage compactions, garbage
	// collection) to end.
	t0 := time.Now()
	idle := waitIdle(ctx, d.p.pid(), 0.05, 5*time.Minute)
	b.printf("  dii idle (< 0.05 CPUs over 2 s) after %s%s\n", time.Since(t0).Round(time.Second), map[bool]string{false: " (gave up waiting)", true: ""}[idle])
	r.idleWait = time.Since(t0)
	r.diiLoaded = treeMemory(d.p.pid())

	// Export, merge the child zones, check.
	t0 = time.Now()
	export := filepath.Join(dir, "bench.export.zone")
	if err := d.export(ctx, tld, export); err != nil {
		return p, err
	}
	b.printf("  exported zone %s in %s\n", tld, time.Since(t0).Round(time.Millisecond))
	children, err := childRecords(ctx, client.New(d.api), tld)
	if err != nil {
		return p, err
	}
	if r.zone, err = mergeChildren(export, filepath.Join(dir, "bench.zone"), tld, children); err != nil {
		return p, err
	}
	children = nil
	if r.zone.merged != n {
		return p, fmt.Errorf("the ledger lists %d hosted zones under %s, expected %d", r.zone.merged, tld, n)
	}
	if _, err := checkZone(ctx, tld, export); err != nil {
		return p, fmt.Errorf("the exported zone: %w", err)
	}
	if r.check, err = checkZone(ctx, tld, r.zone.serveFile); err != nil {
		return p, err
	}
	b.printf("  zone files: export %d records (%s), served %d records (%s); named-checkzone: %s\n",
		r.zone.exportRRs, mib(r.zone.exportSize), r.zone.serveRRs, mib(r.zone.serveSize), r.check)
	if err := shareFile(r.zone.serveFile); err != nil {
		return p, err
	}

	qfile, qs, err := queryFileFor(dir, n, o.queries, o.hits, o.seed)
	if err != nil {
		return p, err
	}
	p.qfile, p.sample = qfile, slices.Clone(qs[:min(o.compare, len(qs))])

	// Start the servers (NSD and Knot load their zone once) and check
	// their answers.
	for _, name := range o.servers {
		x := &row{}
		switch name {
		case "dii":
			x.s = ds
		case "nsd", "knot":
			port, err := freePort()
			if err != nil {
				return p, err
			}
			start := startNSD
			if name == "knot" {
				start = startKnot
			}
			if x.s, err = start(ctx, b.ps, filepath.Join(dir, name), tld, r.zone.serveFile, port, o.workers, b.as); err != nil {
				return p, err
			}
			p.procs = append(p.procs, x.s.p)
			b.printf("  %s up on %s, pid %d, answered SOA after %s\n", name, x.s.addr, x.s.p.pid(), x.s.loadDur.Round(time.Millisecond))
			if x.diffs, x.firstDif, err = compareAnswers(ctx, ds, x.s, p.sample); err != nil {
				return p, err
			}
			if x.diffs > 0 {
				b.printf("  %s: %d of %d answers differ from dii's; first: %s\n", name, x.diffs, len(p.sample), x.firstDif)
			}
		}
		if len(o.serverCPUs) > 0 {
			if err := pinTree(x.s.p.pid(), o.serverCPUs); err != nil {
				return p, err
			}
		}
		r.rows = append(r.rows, x)
	}
	return p, nil
}

// rateRun runs dnsperf at the rate settings after a warm-up.
func (b *bench) rateRun(ctx context.Context, x *row, n int, qfile string, round int) error {
	o := b.o
	s := x.s
	if o.warmup > 0 {
		w := o.perf
		w.duration = o.warmup
		if _, err := runPerf(ctx, w, s.addr, qfile, false, s.p.pid(), io.Discard); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	fmt.Fprintf(b.log, "-- %s, %d names, rate run %d\n", s.name, n, round)
	res, err := runPerf(ctx, o.perf, s.addr, qfile, false, s.p.pid(), b.log)
	if err != nil {
		return err
	}
	x.runs = append(x.runs, res)
	x.rate = median(x.runs)
	b.printf("  %s, %s names, round %d: %.0f qps, %d lost, server %.2f CPUs, dnsperf %.2f CPUs, load %s\n", s.name, commas(int64(n)), round, res.qps, res.lost, res.serverCPU, res.clientCPU, res.load)
	return nil
}

// latencyRun runs dnsperf -v at the latency rate.
func (b *bench) latencyRun(ctx context.Context, x *row, n int, qfile string) error {
	o := b.o
	if o.latencyQPS < 0 {
		return nil
	}
	s := x.s
	l := o.perf
	l.maxQPS, l.duration = o.latencyQPS, o.latencyDur
	fmt.Fprintf(b.log, "-- %s, %d names, latency run\n", s.name, n)
	var err error
	if x.lat, err = runPerf(ctx, l, s.addr, qfile, true, s.p.pid(), b.log); err != nil {
		return err
	}
	b.printf("  %s, %s names: latency run at %.0f qps: p50 %s, p99 %s, p99.9 %s\n", s.name, commas(int64(n)), x.lat.qps, us(x.lat.p50), us(x.lat.p99), us(x.lat.p999))
	return nil
}

// median returns the run with the median rate (the lower middle one of an
// even number).
func median(runs []*perfResult) *perfResult {
	s := slices.Clone(runs)
	slices.SortFunc(s, func(a, b *perfResult) int { return cmp.Compare(a.qps, b.qps) })
	return s[(len(s)-1)/2]
}

// expectA asks addr for name A and checks the answer.
func expectA(ctx context.Context, addr, name, want string) error {
	c := &dns.Client{Timeout: 2 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	var last string
	for range 50 {
		r, _, err := c.ExchangeContext(ctx, m, addr)
		if err == nil && len(r.Answer) == 1 {
			if a, ok := r.Answer[0].(*dns.A); ok && a.A.String() == want {
				return nil
			}
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("%s with %d answers", dns.RcodeToString[r.Rcode], len(r.Answer))
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("dii DNS %s does not answer %s A %s (last: %s)", addr, name, want, last)
}

// waitIdle waits until the process tree of pid uses less than cpus CPUs
// over two seconds; false if it did not within limit.
func waitIdle(ctx context.Context, pid int, cpus float64, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		c0 := cpuTicks(pid)
		time.Sleep(2 * time.Second)
		if float64(cpuTicks(pid)-c0)/clkTck/2 < cpus {
			return true
		}
	}
	return false
}

type progressWriter struct{ b *bench }

func (p progressWriter) Write(q []byte) (int, error) {
	p.b.printf("%s", q)
	return len(q), nil
}

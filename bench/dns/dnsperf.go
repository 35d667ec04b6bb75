package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// query is one line of the dnsperf input.
type query struct {
	name  string
	qtype uint16
	hit   bool
}

// queryMix draws count queries: a fraction hits of them for a uniformly
// random loaded name (A), the rest for a random name under the TLD that
// was never registered (NXDOMAIN). The draw is seeded: the same flags give
// the same file.
func queryMix(n, count int, hits float64, seed uint64) []query {
	r := rand.New(rand.NewPCG(seed, uint64(n))) //nolint:gosec // a reproducible draw of query names, not a secret
	qs := make([]query, count)
	for i := range qs {
		if r.Float64() < hits {
			qs[i] = query{name: hitName(r.IntN(n)), qtype: dns.TypeA, hit: true}
		} else {
			qs[i] = query{name: missName(r.IntN(10_000_000)), qtype: dns.TypeA}
		}
	}
	return qs
}

// writeQueries writes a dnsperf input file.
func writeQueries(path string, qs []query) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, q := range qs {
		// bufio.Writer keeps the first error; Flush returns it.
		_, _ = w.WriteString(q.name)
		_ = w.WriteByte(' ')
		_, _ = w.WriteString(dns.TypeToString[q.qtype])
		_ = w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// perfSettings are the dnsperf settings, the same for every server.
type perfSettings struct {
	clients     int           // -c
	threads     int           // -T
	duration    time.Duration // -l
	outstanding int           // -q
	maxQPS      int           // -Q; 0: unlimited
	timeout     time.Duration // -t
	cpus        []int         // taskset for dnsperf; empty: not pinned
}

func (p perfSettings) args(addr, file string, verbose bool) []string {
	host, port, _ := strings.Cut(addr, ":")
	a := []string{"-s", host, "-p", port, "-d", file,
		"-c", strconv.Itoa(p.clients), "-T", strconv.Itoa(p.threads),
		"-l", strconv.Itoa(int(p.duration.Seconds())), "-q", strconv.Itoa(p.outstanding),
		"-t", strconv.Itoa(max(1, int(p.timeout.Seconds())))}
	if p.maxQPS > 0 {
		a = append(a, "-Q", strconv.Itoa(p.maxQPS))
	}
	if verbose {
		a = append(a, "-v")
	}
	return a
}

// command returns the dnsperf command line, under taskset when pinned.
func (p perfSettings) command(addr, file string, verbose bool) []string {
	cmd := append([]string{"dnsperf"}, p.args(addr, file, verbose)...)
	if len(p.cpus) > 0 {
		cmd = append([]string{"taskset", "-c", cpuList(p.cpus)}, cmd...)
	}
	return cmd
}

func cpuList(cpus []int) string {
	s := make([]string, len(cpus))
	for i, c := range cpus {
		s[i] = strconv.Itoa(c)
	}
	return strings.Join(s, ",")
}

// perfResult is one dnsperf run.
type perfResult struct {
	sent, completed, lost int64
	qps                   float64
	avgLatency            time.Duration
	rcodes                string
	runTime               time.Duration
	// From the verbose run's per-response latencies; zero without.
	p50, p99, p999 time.Duration
	samples        int64
	serverCPU      float64 // server CPU seconds used per wall second during the run
	clientCPU      float64 // dnsperf CPU seconds per wall second
	raw            string  // dnsperf's statistics, for the log
	load           string  // load average when the run started
}

var (
	reSent      = regexp.MustCompile(`Queries sent:\s+(\d+)`)
	reCompleted = regexp.MustCompile(`Queries completed:\s+(\d+)`)
	reLost      = regexp.MustCompile(`Queries lost:\s+(\d+)`)
	reQPS       = regexp.MustCompile(`Queries per second:\s+([\d.]+)`)
	reAvg       = regexp.MustCompile(`Average Latency \(s\):\s+([\d.]+)`)
	reRcodes    = regexp.MustCompile(`Response codes:\s+(.*)`)
	reRunTime   = regexp.MustCompile(`Run time \(s\):\s+([\d.]+)`)
)

// histogram counts latencies in buckets of 1 µs below 1 ms, 10 µs below
// 10 ms, 100 µs below 100 ms, and 1 ms up to 10 s: every bucket is at most
// 10% of its lower bound wide, or 1 µs.
type histogram struct {
	counts [4 * 1000]int64
	over   int64
	n      int64
}

func (h *histogram) add(us int64) {
	h.n++
	switch {
	case us < 1000:
		h.counts[us]++
	case us < 10_000:
		h.counts[1000+(us-1000)/10]++ // 1000..1899
	case us < 100_000:
		h.counts[2000+(us-10_000)/100]++ // 2000..2899
	case us < 10_000_000:
		h.counts[3000+(us-100_000)/10_000]++ // 3000..3989
	default:
		h.over++
	}
}

// lower returns the lower bound in µs of bucket i.
func bucketLow(i int) int64 {
	switch {
	case i < 1000:
		return int64(i)
	case i < 2000:
		return 1000 + int64(i-1000)*10
	case i < 3000:
		return 10_000 + int64(i-2000)*100
	default:
		return 100_000 + int64(i-3000)*10_000
	}
}

// quantile returns the latency below which a fraction q of the samples
// lie (the lower bound of the bucket holding that rank).
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	var c int64
	for i, v := range h.counts {
		c += v
		if c >= rank {
			return time.Duration(bucketLow(i)) * time.Microsecond
		}
	}
	return 10 * time.Second
}

// runPerf runs dnsperf once against addr. With verbose, every response's
// latency is read from dnsperf's output into a histogram; dnsperf then
// spends part of its time printing, so verbose runs are the latency runs
// and the other runs give the rate.
func runPerf(ctx context.Context, p perfSettings, addr, file string, verbose bool, serverPid int, logw io.Writer) (*perfResult, error) {
	argv := p.command(addr, file, verbose)
	fmt.Fprintf(logw, "$ %s\n", strings.Join(argv, " "))
	cmd := exec.CommandContext(ctx, tool(argv[0]), argv[1:]...) //nolint:gosec // dnsperf (or taskset) with this program's own arguments
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	load := loadavg()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	// CPU use is sampled over the middle of the run, from 20% to 90% of
	// its length: dnsperf starts up before it and may wait up to -t for
	// late answers after it.
	type sample struct {
		server, client int64
		at             time.Time
	}
	take := func() sample {
		s := sample{client: cpuTicks(cmd.Process.Pid), at: time.Now()}
		if serverPid > 0 {
			s.server = cpuTicks(serverPid)
		}
		return s
	}
	window := make(chan [2]sample, 1)
	stopSampling := make(chan struct{})
	go func() {
		from := p.duration/5 + 300*time.Millisecond
		to := p.duration*9/10 + 100*time.Millisecond
		select {
		case <-time.After(from):
		case <-stopSampling:
			return
		}
		a := take()
		select {
		case <-time.After(to - from):
		case <-stopSampling:
			return
		}
		window <- [2]sample{a, take()}
	}()
	var h histogram
	var stats strings.Builder
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if verbose && len(line) > 2 && line[0] == '>' && line[1] == ' ' {
			// "> NOERROR name0000001.bench A 0.000123": the last field is
			// the latency in seconds; a timed out query has rcode "T".
			f := strings.Fields(string(line))
			if len(f) < 3 || f[1] == "T" || f[1] == "I" {
				continue
			}
			sec, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err != nil {
				continue
			}
			h.add(int64(math.Round(sec * 1e6)))
			continue
		}
		stats.Write(line)
		stats.WriteByte('\n')
	}
	close(stopSampling)
	werr := cmd.Wait()
	out := stats.String()
	fmt.Fprint(logw, out)
	if werr != nil {
		return nil, fmt.Errorf("dnsperf: %w\n%s%s", werr, lastLines(out, 10), stderr.String())
	}
	r := &perfResult{raw: out, load: load}
	num := func(re *regexp.Regexp) (string, bool) {
		m := re.FindStringSubmatch(out)
		if m == nil {
			return "", false
		}
		return m[1], true
	}
	var ok bool
	var s string
	if s, ok = num(reSent); ok {
		r.sent, _ = strconv.ParseInt(s, 10, 64)
	}
	if s, ok = num(reCompleted); ok {
		r.completed, _ = strconv.ParseInt(s, 10, 64)
	}
	if s, ok = num(reLost); ok {
		r.lost, _ = strconv.ParseInt(s, 10, 64)
	}
	if s, ok = num(reQPS); !ok {
		return nil, fmt.Errorf("dnsperf printed no rate:\n%s%s", out, stderr.String())
	}
	r.qps, _ = strconv.ParseFloat(s, 64)
	if s, ok = num(reAvg); ok {
		f, _ := strconv.ParseFloat(s, 64)
		r.avgLatency = time.Duration(f * float64(time.Second))
	}
	if s, ok = num(reRunTime); ok {
		f, _ := strconv.ParseFloat(s, 64)
		r.runTime = time.Duration(f * float64(time.Second))
	}
	select {
	case w := <-window:
		span := w[1].at.Sub(w[0].at).Seconds()
		r.serverCPU = float64(w[1].server-w[0].server) / clkTck / span
		r.clientCPU = float64(w[1].client-w[0].client) / clkTck / span
	default: // the run ended early: no CPU figures
	}
	if s, ok = num(reRcodes); ok {
		r.rcodes = strings.TrimSpace(s)
	}
	if verbose {
		r.samples = h.n
		r.p50, r.p99, r.p999 = h.quantile(0.50), h.quantile(0.99), h.quantile(0.999)
	}
	return r, nil
}

// clkTck is the kernel's USER_HZ, the unit of /proc/PID/stat times: 100 on
// every Linux platform Go supports.
const clkTck = 100

// queryFileFor writes (once) the query file of a size.
func queryFileFor(dir string, n, count int, hits float64, seed uint64) (string, []query, error) {
	qs := queryMix(n, count, hits, seed)
	path := filepath.Join(dir, fmt.Sprintf("queries-%d.txt", n))
	return path, qs, writeQueries(path, qs)
}

package main

import (
	"bufio"
	"debug/buildinfo"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// header prints the machine, the versions and the settings.
func (b *bench) header(w io.Writer, vers map[string]string) {
	o := b.o
	fmt.Fprintf(w, "dii DNS benchmark, %s, %s/%s, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.GOOS, runtime.GOARCH, runtime.Version())
	dii := diiVersion(b.bin)
	fmt.Fprintf(w, "machine: %d CPUs (%s), %s of memory, Linux %s, load average %s\n", runtime.NumCPU(), cpuModel(), memTotal(), kernel(), loadavg())
	fmt.Fprintf(w, "servers: dii (%s), NSD %s, Knot DNS %s; dnsperf %s; %s\n", dii, vers["nsd"], vers["knot"], vers["dnsperf"], vers["named-checkzone"])
	pin := "not pinned"
	if len(o.serverCPUs) > 0 || len(o.perf.cpus) > 0 {
		pin = fmt.Sprintf("servers on CPUs [%s], dnsperf on CPUs [%s]", cpuList(o.serverCPUs), cpuList(o.perf.cpus))
	}
	fmt.Fprintf(w, "settings: NSD server-count %d, Knot udp-workers %d, dii one UDP socket per CPU (%d); NSD and Knot run as %s; CPUs %s\n",
		o.workers, o.workers, runtime.NumCPU(), b.as.name, pin)
	fmt.Fprintf(w, "rate runs: %s (after a %s warm-up), %d per server and size, the servers and the sizes taking turns, the servers not being measured paused (SIGSTOP)\n", strings.Join(o.perf.command("127.0.0.1:PORT", "QUERIES", false), " "), o.warmup, o.rounds)
	if o.latencyQPS >= 0 {
		l := o.perf
		l.maxQPS, l.duration = o.latencyQPS, o.latencyDur
		fmt.Fprintf(w, "latency runs: %s\n", strings.Join(l.command("127.0.0.1:PORT", "QUERIES", true), " "))
	}
	fmt.Fprintf(w, "queries: %d lines, %.0f%% A for loaded names drawn uniformly, %.0f%% A for names that do not exist (NXDOMAIN), seed %d\n",
		o.queries, 100*o.hits, 100*(1-o.hits), o.seed)
	fmt.Fprintf(w, "loading: %d writers, %d operations per transaction (%d names), wait=commit\n\n", o.writers, o.batch, o.batch/2)
}

// table prints the results of one size.
func (b *bench) table(w io.Writer, r *sizeResult) {
	l := r.load
	fmt.Fprintf(w, "### %s names\n\n", commas(int64(r.n)))
	fmt.Fprintf(w, "Loading: %s updates in %s transactions and %d blocks, %s, %s updates/s (last 10%% of the names: %s); %d retries.\n",
		commas(l.updates), commas(l.txs), l.blocks, l.elapsed.Round(100*time.Millisecond), commas(int64(float64(l.updates)/l.elapsed.Seconds())),
		l.lastTime.Round(100*time.Millisecond), l.retries)
	fmt.Fprintf(w, "Zone: \"dii zone export %s\" wrote %s records (%s); with the %s hosted child zones merged in, NSD and Knot serve %s records (%s); named-checkzone: %s.\n\n",
		tld, commas(int64(r.zone.exportRRs)), mib(r.zone.exportSize), commas(int64(r.zone.merged)), commas(int64(r.zone.serveRRs)), mib(r.zone.serveSize), r.check)
	lat := "p50 / p99"
	if b.o.latencyQPS > 0 {
		lat = fmt.Sprintf("p50 / p99 at %s qps", commas(int64(b.o.latencyQPS)))
	} else if b.o.latencyQPS == 0 {
		lat = "p50 / p99 at saturation"
	}
	fmt.Fprintf(w, "| server | qps (median of %d) | qps range | lost | %s | avg latency at saturation | server CPUs | dnsperf CPUs | qps per server CPU | RSS | PSS | answers ≠ dii | load avg |\n", b.o.rounds, lat)
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, x := range r.rows {
		p := "-"
		if x.lat != nil {
			p = fmt.Sprintf("%s / %s", us(x.lat.p50), us(x.lat.p99))
		}
		perCPU := "-"
		if x.rate.serverCPU > 0 {
			perCPU = commas(int64(x.rate.qps / x.rate.serverCPU))
		}
		diff := fmt.Sprintf("%d of %d", x.diffs, min(b.o.compare, b.o.queries))
		if x.s.name == "dii" {
			diff = "(reference)"
		}
		lo, hi := x.rate.qps, x.rate.qps
		for _, p := range x.runs {
			lo, hi = min(lo, p.qps), max(hi, p.qps)
		}
		fmt.Fprintf(w, "| %s | %s | %s–%s | %s | %s | %s | %.2f | %.2f | %s | %s | %s | %s | %s |\n", x.s.name, commas(int64(x.rate.qps)),
			commas(int64(lo)), commas(int64(hi)), lost(x.rate), p, us(x.rate.avgLatency), x.rate.serverCPU, x.rate.clientCPU, perCPU, mib(x.mem.RSS), mib(x.mem.PSS), diff, x.rate.load)
	}
	fmt.Fprintf(w, "\ndii RSS: %s before loading, %s after loading (once idle, %s after the last commit), %s after the DNS runs; at most %s at any time (VmHWM).\n\n",
		mib(r.diiBefore.RSS), mib(r.diiLoaded.RSS), r.idleWait.Round(time.Second), mib(r.diiAfter.RSS), mib(r.diiAfter.Peak))
}

func lost(p *perfResult) string {
	if p.sent == 0 {
		return fmt.Sprint(p.lost)
	}
	return fmt.Sprintf("%s (%.3f%%)", commas(p.lost), 100*float64(p.lost)/float64(p.sent))
}

// aims prints the project's aims against the results.
func (b *bench) aims(w io.Writer) {
	if len(b.results) == 0 {
		return
	}
	find := func(r *sizeResult, name string) *row {
		for _, x := range r.rows {
			if x.s.name == name {
				return x
			}
		}
		return nil
	}
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "not met"
	}
	fmt.Fprintf(w, "### Aims\n\n| aim | result | |\n|---|---|---|\n")
	for _, r := range b.results {
		d, n := find(r, "dii"), find(r, "nsd")
		if d == nil || n == nil {
			continue
		}
		fmt.Fprintf(w, "| dii qps ≥ NSD qps, %s names | dii %s, NSD %s (%.0f%%) | %s |\n", commas(int64(r.n)),
			commas(int64(d.rate.qps)), commas(int64(n.rate.qps)), 100*d.rate.qps/n.rate.qps, met(d.rate.qps >= n.rate.qps))
	}
	small, large := b.results[0], b.results[0]
	for _, r := range b.results {
		if r.n < small.n {
			small = r
		}
		if r.n > large.n {
			large = r
		}
	}
	if small != large {
		ds, dl := find(small, "dii"), find(large, "dii")
		if ds != nil && dl != nil {
			ratio := dl.rate.qps / ds.rate.qps
			fmt.Fprintf(w, "| dii qps at %s names within 10%% of qps at %s | %s vs %s (%+.1f%%; round by round %s) | %s |\n", commas(int64(large.n)), commas(int64(small.n)),
				commas(int64(dl.rate.qps)), commas(int64(ds.rate.qps)), 100*(ratio-1), pairedChange(ds.runs, dl.runs), met(ratio >= 0.9))
		}
	}
	peak := max(large.diiLoaded.RSS, large.diiAfter.RSS)
	fmt.Fprintf(w, "| dii RSS at %s names ≤ 1 GiB | %s (largest of after loading and after the DNS runs; at most %s at any time) | %s |\n\n",
		commas(int64(large.n)), mib(peak), mib(large.diiAfter.Peak), met(peak <= 1<<30))
}

// pairedChange gives, for each round, the change in rate from the small
// size's run to the large size's run of the same round (run side by side).
func pairedChange(small, large []*perfResult) string {
	var out []string
	for i := range min(len(small), len(large)) {
		out = append(out, fmt.Sprintf("%+.1f%%", 100*(large[i].qps/small[i].qps-1)))
	}
	return strings.Join(out, ", ")
}

// diiVersion is the commit the dii binary was built from, as the Go
// toolchain stamped it.
func diiVersion(bin string) string {
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return "version unknown"
	}
	rev, modified := "", ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = " with uncommitted changes"
			}
		}
	}
	if rev == "" {
		// Not stamped (e.g. GOFLAGS=-buildvcs=false): ask git, read-only.
		if root, err := moduleRoot(); err == nil {
			if out, err := exec.Command("git", "-C", root, "rev-parse", "--short=12", "HEAD").Output(); err == nil { //nolint:gosec // read-only git query in the module folder
				return "working tree at commit " + strings.TrimSpace(string(out)) + ", local changes not checked"
			}
		}
		return "built from a tree without version control information"
	}
	return "commit " + rev[:min(12, len(rev))] + modified
}

func commas(v int64) string {
	s := fmt.Sprint(v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

func mib(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 10<<20:
		return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	default:
		return fmt.Sprintf("%.0f KiB", float64(b)/(1<<10))
	}
}

func us(d time.Duration) string {
	switch {
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", d.Seconds()*1e3)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", d.Seconds()*1e3)
	default:
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func memTotal() string {
	kb, ok := memKB("/proc/meminfo", "MemTotal")
	if !ok {
		return "?"
	}
	return mib(kb << 10)
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// loadavg is the 1, 5 and 15 minute load average.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

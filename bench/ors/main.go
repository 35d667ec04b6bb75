package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/nameserver"
	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
	"github.com/dii-net/dii/internal/zone"
)

func main() {
	sizes := flag.String("arcs", "1000,1000000", "tree sizes to measure, comma-separated")
	dur := flag.Duration("duration", 10*time.Second, "length of each load run")
	load := flag.String("load", "auto", "load generator: auto (dnsperf if installed, else go), dnsperf or go")
	clients := flag.Int("clients", 32, "concurrent UDP clients of the go load generator (dnsperf: -c)")
	nq := flag.Int("queries", 100000, "distinct queries in the mix")
	flag.Parse()

	var rows []row
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 10 {
			fail(fmt.Errorf("-arcs %q: want sizes of at least 10", s))
		}
		r, err := measure(n, *dur, *load, *clients, *nq)
		if err != nil {
			fail(err)
		}
		rows = append(rows, r)
	}
	fmt.Println()
	fmt.Println("| arcs | build state | zone.Build | zone heap per arc | zone.Apply, 200 changes (median) | NAPTR qps | avg latency | NAPTR qps, DO | avg latency, DO | load |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s | %d B | %s | %s | %s | %s | %s | %s |\n", commas(r.arcs), round(r.state), round(r.build), r.heapPerArc,
			round(r.apply), commas(int(r.plain.qps)), r.plain.latency, commas(int(r.do.qps)), r.do.latency, r.plain.tool)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/ors:", err)
	os.Exit(1)
}

type row struct {
	arcs              int
	state, build      time.Duration
	apply             time.Duration
	heapPerArc        uint64
	plain, do         result
	queries, nxdomain int
}

type result struct {
	qps     float64
	latency string
	tool    string
}

// tree is a generated OID tree: the arcs, in order, and the labels given
// to some of them.
type tree struct {
	arcs   []oid.OID
	labels map[int]string // index in arcs -> Unicode label
	ids    map[int]string // index in arcs -> secondary identifier
}

// fanout is the number of children of 2.999 and of each of its children.
const fanout = 1000

// makeTree lists n arcs: 2 and 2.999 (with their X.660 names), then the
// children of 2.999 and, breadth first, of those, fanout at a time. Every
// tenth arc has a Unicode label and an identifier, every hundredth a
// non-ASCII label.
func makeTree(n int) *tree {
	t := &tree{labels: map[int]string{}, ids: map[int]string{}}
	t.arcs = append(t.arcs, oid.OID{2}, oid.OID{2, 999})
	t.labels[0], t.ids[0] = "Joint-ISO-ITU-T", "joint-iso-itu-t"
	t.labels[1], t.ids[1] = "Example", "example"
	for i := uint64(1); len(t.arcs) < n && i <= fanout; i++ {
		t.arcs = append(t.arcs, oid.OID{2, 999, i})
	}
	for j := uint64(1); len(t.arcs) < n; j++ {
		for i := uint64(1); len(t.arcs) < n && i <= fanout; i++ {
			t.arcs = append(t.arcs, oid.OID{2, 999, i, j})
		}
	}
	for k := 2; k < len(t.arcs); k++ {
		last := t.arcs[k].Last()
		switch {
		case k%100 == 0:
			t.labels[k], t.ids[k] = fmt.Sprintf("Zweig-%d-ä", last), fmt.Sprintf("arc%d", last)
		case k%10 == 0:
			t.labels[k], t.ids[k] = fmt.Sprintf("Arc%d", last), fmt.Sprintf("arc%d", last)
		}
	}
	return t
}

func (t *tree) arc(k int) *oid.Arc {
	a := &oid.Arc{OID: t.arcs[k], Authority: tx.Address{1}, Created: 1, Updated: 1, Info: oid.Info{Name: "bench arc"}}
	if l, ok := t.labels[k]; ok {
		a.Labels = []string{l}
	}
	if id, ok := t.ids[k]; ok {
		a.Identifiers = []string{id}
	}
	return a
}

// buildState makes the ledger state of the tree, with one root name
// server entry publishing key.
func buildState(t *tree, key *dnssec.Key) *state.Version {
	ch := make([]state.Change, 0, len(t.arcs)+1)
	for k := range t.arcs {
		ch = append(ch, state.Change{Key: oid.ArcKey(t.arcs[k]), Value: t.arc(k).Encode()})
	}
	ns := &registry.Nameserver{Operator: tx.Address{1}, Name: "ns1.dii-nic", Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, DNSKEY: key.RData()}
	ch = append(ch, state.Change{Key: registry.NameserverKey(ns.Operator), Value: ns.Encode()})
	return state.Empty().Next(1, ch)
}

// queryNames is the query mix: 90% arcs' own names, 5% label or
// identifier names, 5% arcs that do not exist.
func queryNames(t *tree, n int) (names []string, nx int) {
	rnd := rand.New(rand.NewSource(1)) //nolint:gosec // a reproducible draw of query names, not a secret
	labelled := make([]int, 0, len(t.labels))
	for k := range t.labels {
		labelled = append(labelled, k)
	}
	slices.Sort(labelled)
	for len(names) < n {
		switch p := rnd.Intn(100); {
		case p < 90:
			names = append(names, oid.ORSName(t.arcs[rnd.Intn(len(t.arcs))], ""))
		case p < 95:
			k := labelled[rnd.Intn(len(labelled))]
			parent, _ := t.arcs[k].Parent()
			label := oid.LabelDNS(t.labels[k])
			if rnd.Intn(2) == 0 {
				label = t.ids[k]
			}
			names = append(names, label+"."+oid.ORSName(parent, ""))
		default:
			a := t.arcs[rnd.Intn(len(t.arcs))]
			names = append(names, oid.ORSName(a.Child(1_000_000+uint64(rnd.Intn(1000))), ""))
			nx++
		}
	}
	return names, nx
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func measure(n int, dur time.Duration, load string, clients, nq int) (row, error) {
	r := row{arcs: n}
	fmt.Fprintf(os.Stderr, "== %s arcs\n", commas(n))
	key, err := dnssec.GenerateKey()
	if err != nil {
		return r, err
	}
	t := makeTree(n)
	start := time.Now()
	v := buildState(t, key)
	r.state = time.Since(start)
	fmt.Fprintf(os.Stderr, "state: %d keys in %s\n", v.Len(), round(r.state))

	cfg := zone.Config{Nameservers: []zone.Nameserver{{Name: "ns1.dii-nic"}}}
	cfg.ORS = zone.DefaultORS()
	cfg.ORS.InfoURL = "http://127.0.0.1:8080"
	before := heap()
	start = time.Now()
	snap, err := zone.Build(v, cfg)
	if err != nil {
		return r, err
	}
	r.build = time.Since(start)
	after := heap()
	if after > before {
		r.heapPerArc = (after - before) / uint64(n)
	}
	fmt.Fprintf(os.Stderr, "zone.Build: %s, %d B of heap per arc\n", round(r.build), r.heapPerArc)

	// Blocks of 100 new arcs and 100 relabelled ones.
	var applies []time.Duration
	cur, curV := snap, v
	for b := 0; b < 5; b++ {
		var ch []state.Change
		for i := 0; i < 100; i++ {
			a := &oid.Arc{OID: oid.OID{2, 999, uint64(1 + i%fanout), uint64(5_000_000 + b*100 + i)}, Authority: tx.Address{1}, Created: 2, Updated: 2}
			ch = append(ch, state.Change{Key: oid.ArcKey(a.OID), Value: a.Encode()})
			k := 2 + (b*100+i)*7%(len(t.arcs)-2)
			old := t.arc(k)
			old.Labels, old.Updated = []string{fmt.Sprintf("Neu-%d-%d", b, i)}, 2
			ch = append(ch, state.Change{Key: oid.ArcKey(old.OID), Value: old.Encode()})
		}
		next := curV.Next(curV.Height()+1, ch)
		start = time.Now()
		ns, err := cur.Apply(curV, next, ch)
		if err != nil {
			return r, err
		}
		applies = append(applies, time.Since(start))
		cur, curV = ns, next
	}
	slices.Sort(applies)
	r.apply = applies[len(applies)/2]
	fmt.Fprintf(os.Stderr, "zone.Apply of 200 changes: %v (median of %d)\n", applies, len(applies))

	srv := nameserver.New(nameserver.Config{Addr: "127.0.0.1:0", Signer: dnssec.NewSigner(key, 0),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv.SetSnapshot(snap)
	if err := srv.Start(); err != nil {
		return r, err
	}
	defer func() { _ = srv.Stop() }()
	addr := srv.Addr()

	names, nx := queryNames(t, nq)
	r.queries, r.nxdomain = len(names), nx
	if err := check(addr, names[:min(len(names), 500)]); err != nil {
		return r, err
	}
	tool := load
	if tool == "auto" {
		tool = "go"
		if _, err := exec.LookPath("dnsperf"); err == nil {
			tool = "dnsperf"
		}
	}
	for _, do := range []bool{false, true} {
		var res result
		var err error
		switch tool {
		case "dnsperf":
			res, err = dnsperf(addr, names, dur, clients, do)
		case "go":
			res, err = goLoad(addr, names, dur, clients, do)
		default:
			err = fmt.Errorf("-load %q: want auto, dnsperf or go", load)
		}
		if err != nil {
			return r, err
		}
		fmt.Fprintf(os.Stderr, "NAPTR, DO %v: %.0f qps, average latency %s (%s)\n", do, res.qps, res.latency, res.tool)
		if do {
			r.do = res
		} else {
			r.plain = res
		}
	}
	return r, nil
}

// check asks each name once and checks the answer: NAPTR records, or
// NXDOMAIN for the names of arcs that do not exist.
func check(addr string, names []string) error {
	c := &dns.Client{Timeout: 2 * time.Second}
	for _, name := range names {
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeNAPTR)
		resp, _, err := c.Exchange(m, addr)
		if err != nil {
			return fmt.Errorf("check %s: %w", name, err)
		}
		naptr := slices.ContainsFunc(resp.Answer, func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeNAPTR })
		if !(resp.Rcode == dns.RcodeSuccess && naptr) && resp.Rcode != dns.RcodeNameError {
			return fmt.Errorf("check %s: unexpected answer\n%v", name, resp)
		}
		if resp.Rcode == dns.RcodeNameError && !strings.HasPrefix(name, "100") {
			return fmt.Errorf("check %s: NXDOMAIN for an arc that exists", name)
		}
	}
	return nil
}

var (
	reQPS     = regexp.MustCompile(`Queries per second:\s+([0-9.]+)`)
	reLatency = regexp.MustCompile(`Average Latency \(s\):\s+([0-9.]+)`)
	reLost    = regexp.MustCompile(`Queries lost:\s+([0-9]+)`)
)

// dnsperf runs dnsperf against addr with the names as its data file.
func dnsperf(addr string, names []string, dur time.Duration, clients int, do bool) (result, error) {
	dir, err := os.MkdirTemp("", "bench-ors")
	if err != nil {
		return result{}, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, "queries.txt")
	f, err := os.Create(path)
	if err != nil {
		return result{}, err
	}
	w := bufio.NewWriter(f)
	for _, n := range names {
		fmt.Fprintf(w, "%s NAPTR\n", n)
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		return result{}, err
	}
	host, port, _ := net.SplitHostPort(addr)
	args := []string{"-s", host, "-p", port, "-d", path, "-l", strconv.Itoa(int(dur.Seconds())),
		"-c", strconv.Itoa(min(clients, 16)), "-T", strconv.Itoa(max(1, runtime.NumCPU()/2)), "-q", "256", "-e"}
	if do {
		args = append(args, "-D")
	}
	out, err := exec.Command("dnsperf", args...).CombinedOutput() //nolint:gosec // dnsperf with this program's own arguments
	if err != nil {
		return result{}, fmt.Errorf("dnsperf %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	m, l := reQPS.FindSubmatch(out), reLatency.FindSubmatch(out)
	if m == nil || l == nil {
		return result{}, fmt.Errorf("dnsperf output not understood:\n%s", out)
	}
	qps, _ := strconv.ParseFloat(string(m[1]), 64)
	lat, _ := strconv.ParseFloat(string(l[1]), 64)
	if lost := reLost.FindSubmatch(out); lost != nil && string(lost[1]) != "0" {
		fmt.Fprintf(os.Stderr, "dnsperf: %s queries lost\n", lost[1])
	}
	return result{qps: qps, latency: round(time.Duration(lat * float64(time.Second))).String(), tool: "dnsperf -c " + args[9] + " -T " + args[11]}, nil
}

// goLoad runs clients concurrent UDP clients, each with one query in
// flight, for dur.
func goLoad(addr string, names []string, dur time.Duration, clients int, do bool) (result, error) {
	msgs := make([][]byte, len(names))
	for i, n := range names {
		m := new(dns.Msg)
		m.SetQuestion(n, dns.TypeNAPTR)
		m.SetEdns0(1232, do)
		b, err := m.Pack()
		if err != nil {
			return result{}, err
		}
		msgs[i] = b
	}
	var done, lost atomic.Int64
	var latSum atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(dur)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			conn, err := net.Dial("udp", addr)
			if err != nil {
				lost.Add(1)
				return
			}
			defer func() { _ = conn.Close() }()
			buf := make([]byte, 4096)
			q := make([]byte, 0, 512)
			for i := c * 7919; ; i++ {
				now := time.Now()
				if now.After(deadline) {
					return
				}
				q = append(q[:0], msgs[i%len(msgs)]...)
				id := uint16(i)
				binary.BigEndian.PutUint16(q, id)
				_ = conn.SetReadDeadline(now.Add(time.Second))
				if _, err := conn.Write(q); err != nil {
					lost.Add(1)
					continue
				}
				for {
					n, err := conn.Read(buf)
					if err != nil {
						lost.Add(1)
						break
					}
					if n >= 2 && binary.BigEndian.Uint16(buf) == id {
						done.Add(1)
						latSum.Add(int64(time.Since(now)))
						break
					}
				}
			}
		}(c)
	}
	wg.Wait()
	el := time.Since(start)
	if lost.Load() > 0 {
		fmt.Fprintf(os.Stderr, "go load: %d queries lost\n", lost.Load())
	}
	d := done.Load()
	if d == 0 {
		return result{}, fmt.Errorf("go load: no answers")
	}
	return result{qps: float64(d) / el.Seconds(), latency: round(time.Duration(latSum.Load() / d)).String(),
		tool: fmt.Sprintf("go, %d clients", clients)}, nil
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(100 * time.Nanosecond)
	}
}

// commas writes n with thousands separators.
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

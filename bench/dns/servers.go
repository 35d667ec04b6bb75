package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// server is one DNS server under test.
type server struct {
	name    string // dii, nsd, knot
	addr    string // 127.0.0.1:port
	p       *proc
	log     string
	loadDur time.Duration // start to first SOA answer
}

// startNSD runs NSD in the foreground (-d) with its own configuration in
// dir, serving zoneFile for zone, with workers server processes.
func startNSD(ctx context.Context, ps *procs, dir, zone, zoneFile string, port, workers int, as runAs) (*server, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "nsd.conf")
	s := &server{name: "nsd", addr: fmt.Sprintf("127.0.0.1:%d", port), log: filepath.Join(dir, "nsd.log")}
	reuse := "no"
	if workers > 1 {
		reuse = "yes"
	}
	text := fmt.Sprintf(`# NSD for dii's DNS benchmark: no privileges, no database, no control socket,
# no response rate limiting (on by default in Debian's build).
server:
	ip-address: 127.0.0.1@%d
	server-count: %d
	reuseport: %s
	username: ""
	chroot: ""
	zonesdir: %q
	database: ""
	zonelistfile: %q
	xfrdfile: %q
	xfrdir: %q
	pidfile: %q
	logfile: %q
	verbosity: 1
	hide-version: yes
	hide-identity: yes
	minimal-responses: yes
	refuse-any: yes
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
	ip-transparent: no
remote-control:
	control-enable: no
zone:
	name: %q
	zonefile: %q
`, port, workers, reuse, dir, filepath.Join(dir, "zone.list"), filepath.Join(dir, "xfrd.state"), dir,
		filepath.Join(dir, "nsd.pid"), s.log, zone, zoneFile)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return nil, err
	}
	if err := as.chownTree(dir); err != nil {
		return nil, err
	}
	if out, err := output(ctx, tool("nsd-checkconf"), conf); err != nil {
		return nil, fmt.Errorf("nsd-checkconf: %w: %s", err, strings.TrimSpace(out))
	}
	cmd := exec.Command(tool("nsd"), "-d", "-c", conf) //nolint:gosec // the configuration this program just wrote
	cmd.Dir = dir
	cmd.SysProcAttr = credAttr(as)
	errf, err := os.Create(filepath.Join(dir, "nsd.stderr"))
	if err != nil {
		return nil, err
	}
	defer errf.Close()
	cmd.Stdout, cmd.Stderr = errf, errf
	t0 := time.Now()
	if s.p, err = ps.start("nsd", cmd); err != nil {
		return nil, err
	}
	if err := waitSOA(ctx, s, zone, 10*time.Minute); err != nil {
		_ = s.p.stop(5 * time.Second)
		return nil, fmt.Errorf("%w\n%s\n%s", err, tail(s.log, 10), tail(errf.Name(), 10))
	}
	s.loadDur = time.Since(t0)
	return s, nil
}

// startKnot runs knotd in the foreground with its own configuration in
// dir, serving zoneFile for zone with workers UDP workers.
func startKnot(ctx context.Context, ps *procs, dir, zone, zoneFile string, port, workers int, as runAs) (*server, error) {
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o750); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "knot.conf")
	s := &server{name: "knot", addr: fmt.Sprintf("127.0.0.1:%d", port), log: filepath.Join(dir, "knot.stderr")}
	text := fmt.Sprintf(`# Knot DNS for dii's DNS benchmark: no privileges, no DNSSEC, no journal.
server:
    rundir: %q
    listen: 127.0.0.1@%d
    udp-workers: %d
    tcp-workers: 1
    background-workers: 1
    identity: ""
    version: ""
database:
    storage: %q
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: %q
    semantic-checks: off
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    dnssec-signing: off
zone:
  - domain: %q
    file: %q
`, dir, port, workers, filepath.Join(dir, "db"), dir, zone, zoneFile)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return nil, err
	}
	if err := as.chownTree(dir); err != nil {
		return nil, err
	}
	if out, err := output(ctx, tool("knotc"), "-c", conf, "conf-check"); err != nil {
		return nil, fmt.Errorf("knotc conf-check: %w: %s", err, strings.TrimSpace(out))
	}
	cmd := exec.Command(tool("knotd"), "-c", conf) //nolint:gosec // the configuration this program just wrote
	cmd.Dir = dir
	cmd.SysProcAttr = credAttr(as)
	errf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	defer errf.Close()
	cmd.Stdout, cmd.Stderr = errf, errf
	t0 := time.Now()
	if s.p, err = ps.start("knot", cmd); err != nil {
		return nil, err
	}
	if err := waitSOA(ctx, s, zone, 10*time.Minute); err != nil {
		_ = s.p.stop(5 * time.Second)
		return nil, fmt.Errorf("%w\n%s", err, tail(s.log, 10))
	}
	s.loadDur = time.Since(t0)
	return s, nil
}

// waitSOA waits until the server answers the zone's SOA with AA set.
func waitSOA(ctx context.Context, s *server, zone string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	c := &dns.Client{Timeout: 500 * time.Millisecond}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
	m.RecursionDesired = false
	var last string
	for {
		if s.p != nil && s.p.exited() {
			return fmt.Errorf("%s exited before answering: %v", s.name, s.p.err)
		}
		r, _, err := c.ExchangeContext(ctx, m, s.addr)
		switch {
		case err != nil:
			last = err.Error()
		case r.Rcode == dns.RcodeSuccess && r.Authoritative && len(r.Answer) > 0:
			return nil
		default:
			last = "rcode " + dns.RcodeToString[r.Rcode]
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer SOA %s within %s (last: %s)", s.name, zone, limit, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// answerKey is what must match between servers for one query: rcode, AA,
// and the answer and authority sections (the SOA serial aside: dii's
// follows the chain height, which moves with every block).
func answerKey(r *dns.Msg) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s aa=%v |", dns.RcodeToString[r.Rcode], r.Authoritative)
	for _, rr := range r.Answer {
		b.WriteString(" " + rr.String())
	}
	b.WriteString(" |")
	for _, rr := range r.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			c := *soa
			c.Serial = 0
			b.WriteString(" " + c.String())
			continue
		}
		b.WriteString(" " + rr.String())
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// compareAnswers asks ref and s the same sample of questions and returns
// how many answers differ, with the first difference.
func compareAnswers(ctx context.Context, ref, s *server, qs []query) (int, string, error) {
	c := &dns.Client{Timeout: 2 * time.Second}
	diff, first := 0, ""
	for _, q := range qs {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(q.name), q.qtype)
		m.RecursionDesired = false
		var keys [2]string
		for i, srv := range []*server{ref, s} {
			r, _, err := c.ExchangeContext(ctx, m, srv.addr)
			if err != nil {
				return 0, "", fmt.Errorf("ask %s %s: %w", srv.name, q.name, err)
			}
			keys[i] = answerKey(r)
		}
		if keys[0] != keys[1] {
			diff++
			if first == "" {
				first = fmt.Sprintf("%s %s: %s says %q, %s says %q", q.name, dns.TypeToString[q.qtype], ref.name, keys[0], s.name, keys[1])
			}
		}
	}
	return diff, first, nil
}

// versions of the tools, for the report.
func toolVersions(ctx context.Context) map[string]string {
	v := map[string]string{}
	if out, err := output(ctx, tool("nsd"), "-v"); err == nil || out != "" {
		v["nsd"] = strings.TrimPrefix(firstLine(out), "NSD version ")
	}
	if out, err := output(ctx, tool("knotd"), "-V"); err == nil || out != "" {
		l := firstLine(out)
		v["knot"] = l[strings.LastIndex(l, " ")+1:]
	}
	if out, err := output(ctx, "dnsperf", "-h"); err == nil || out != "" {
		for _, l := range strings.Split(out, "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "Version "); ok {
				v["dnsperf"] = rest
			}
		}
	}
	if out, err := output(ctx, "named-checkzone", "-v"); err == nil || out != "" {
		v["named-checkzone"] = firstLine(out)
	}
	return v
}

// requiredTools are the programs the benchmark runs, with the Debian
// package of each.
var requiredTools = []struct{ bin, pkg string }{
	{"nsd", "nsd"},
	{"nsd-checkconf", "nsd"},
	{"knotd", "knot"},
	{"knotc", "knot"},
	{"dnsperf", "dnsperf"},
	{"named-checkzone", "bind9-utils"},
	{"go", "golang (or Go from go.dev)"},
}

// missingTools lists the required programs not on PATH, with the Debian
// package to install for each.
func missingTools() []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range requiredTools {
		if tool(t.bin) == "" {
			msg := fmt.Sprintf("%s (Debian package %s)", t.bin, t.pkg)
			if !seen[msg] {
				out = append(out, msg)
				seen[msg] = true
			}
		}
	}
	return out
}

func credAttr(as runAs) *syscallAttr {
	if as.cred == nil {
		return nil
	}
	return &syscallAttr{Credential: as.cred}
}

// tool returns the path of a program: on PATH, or in /usr/sbin (where
// Debian puts nsd and knotd, and which is not on every user's PATH).
func tool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

package load

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/tx"
)

// Limits of Config.
const (
	MaxOpsPerTx = 200
	DefaultTLD  = "load"
)

// Config describes a run.
type Config struct {
	// Nodes are the HTTP APIs to send to; account i uses node i mod n.
	Nodes []string
	// ChainID; empty: asked of the first node.
	ChainID string
	// Rate is the target in transactions per second; 0: closed loop.
	Rate float64
	// Duration of the measured run.
	Duration time.Duration
	// Accounts send in parallel, each one transaction at a time.
	Accounts int
	// OpsPerTx name updates per transaction (1..MaxOpsPerTx).
	OpsPerTx int
	// TLD is the open TLD the names go under (default DefaultTLD).
	TLD string
	// Operator, when set, registers TLD as an open TLD if it is missing.
	Operator ed25519.PrivateKey
	// Progress receives a progress line every ProgressEvery (default 1s);
	// with ProgressTTY each line overwrites the last one.
	Progress      io.Writer
	ProgressTTY   bool
	ProgressEvery time.Duration
	// OnCommit, when set, is called (from many goroutines) for every
	// transaction whose commit a node reported.
	OnCommit func(Commit)
}

// Commit is a transaction a node reported committed.
type Commit struct {
	Hash   string   // hex, as the API gives it
	Height int64    // the block that holds it
	Node   string   // the API it was sent to
	Names  []string // the names it set
	Addr   [4]byte  // the A record it set them to
}

// Result is what a run measured.
type Result struct {
	Nodes     int           `json:"nodes"`
	Accounts  int           `json:"accounts"`
	OpsPerTx  int           `json:"ops_per_tx"`
	Rate      float64       `json:"target_tx_per_sec"`
	Duration  time.Duration `json:"duration_ns"`
	Elapsed   time.Duration `json:"elapsed_ns"`
	Submitted int64         `json:"submitted"`
	Committed int64         `json:"committed"`
	Rejected  int64         `json:"rejected"`
	// Failed: not answered with a commit or a rejection (node unavailable,
	// mempool full, timeout, connection error).
	Failed int64 `json:"failed"`
	// Skipped: due by the schedule while every account was busy.
	Skipped int64 `json:"skipped"`
	// Reasons counts rejections and failures by code.
	Reasons       map[string]int64 `json:"reasons,omitempty"`
	Updates       int64            `json:"committed_updates"`
	TxPerSec      float64          `json:"committed_tx_per_sec"`
	UpdatesPerSec float64          `json:"committed_updates_per_sec"`
	P50           time.Duration    `json:"p50_ns"`
	P95           time.Duration    `json:"p95_ns"`
	P99           time.Duration    `json:"p99_ns"`
	Max           time.Duration    `json:"max_ns"`
}

type account struct {
	s     *client.Signer
	names []string
	round int
}

type run struct {
	cfg       Config
	submitted atomic.Int64
	committed atomic.Int64
	rejected  atomic.Int64
	failed    atomic.Int64
	skipped   atomic.Int64
	inflight  atomic.Int64

	mu      sync.Mutex
	lats    []time.Duration
	reasons map[string]int64
}

// Run sets the accounts up, runs the load, and returns what it measured.
func Run(ctx context.Context, c Config) (*Result, error) {
	if len(c.Nodes) == 0 {
		return nil, errors.New("no nodes to send to")
	}
	if c.Accounts < 1 {
		return nil, fmt.Errorf("accounts: %d, want at least 1", c.Accounts)
	}
	if c.OpsPerTx < 1 || c.OpsPerTx > MaxOpsPerTx {
		return nil, fmt.Errorf("ops per tx: %d, want 1..%d", c.OpsPerTx, MaxOpsPerTx)
	}
	if c.Rate < 0 || c.Duration <= 0 {
		return nil, fmt.Errorf("rate %v and duration %v: want a rate of 0 or more and a positive duration", c.Rate, c.Duration)
	}
	if c.TLD == "" {
		c.TLD = DefaultTLD
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = time.Second
	}
	hc := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        c.Accounts + 16,
		MaxIdleConnsPerHost: c.Accounts + 16,
		IdleConnTimeout:     90 * time.Second,
	}}
	defer hc.CloseIdleConnections()
	clients := make([]*client.Client, len(c.Nodes))
	for i, n := range c.Nodes {
		clients[i] = client.NewHTTP(n, hc)
	}
	if c.ChainID == "" {
		st, err := clients[0].Status(ctx)
		if err != nil {
			return nil, err
		}
		c.ChainID = st.ChainID
	}
	if err := ensureTLD(ctx, clients[0], c); err != nil {
		return nil, err
	}
	accts, err := setup(ctx, clients, c)
	if err != nil {
		return nil, err
	}
	r := &run{cfg: c, reasons: map[string]int64{}}
	return r.measure(ctx, accts), nil
}

// ensureTLD checks that the TLD is registered and open, registering it
// with the operator key when it is missing and one is given.
func ensureTLD(ctx context.Context, c *client.Client, cfg Config) error {
	n, err := c.Name(ctx, cfg.TLD)
	switch {
	case err == nil && n.Open:
		return nil
	case err == nil:
		return fmt.Errorf("TLD %q is registered but not open: accounts cannot register names under it", cfg.TLD)
	case !client.IsNotFound(err):
		return err
	case cfg.Operator == nil:
		return fmt.Errorf("TLD %q is not registered: register it open (dii name register %s --open, as a registry operator) or give an operator key", cfg.TLD, cfg.TLD)
	}
	s := &client.Signer{C: c, Key: cfg.Operator, ChainID: cfg.ChainID}
	if _, err := s.Submit(ctx, client.WaitCommit, &tx.Register{Name: cfg.TLD, Open: true}); err != nil {
		return fmt.Errorf("register TLD %q: %w", cfg.TLD, err)
	}
	return nil
}

// setup makes the accounts and registers their names, many at a time.
func setup(ctx context.Context, clients []*client.Client, c Config) ([]*account, error) {
	accts := make([]*account, c.Accounts)
	errs := make(chan error, c.Accounts)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, "registering %d names for %d accounts under %s\n", c.Accounts*c.OpsPerTx, c.Accounts, c.TLD)
	}
	for i := range accts {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		a := &account{s: &client.Signer{C: clients[i%len(clients)], Key: priv, ChainID: c.ChainID}}
		addr := a.s.Address()
		tag := hex.EncodeToString(addr[:6])
		ops := make([]tx.Op, c.OpsPerTx)
		for k := range ops {
			a.names = append(a.names, fmt.Sprintf("n%d-%s.%s", k, tag, c.TLD))
			ops[k] = &tx.Register{Name: a.names[k]}
		}
		accts[i] = a
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var err error
			for try := 0; try < 10 && ctx.Err() == nil; try++ {
				if _, err = a.s.Submit(ctx, client.WaitCommit, ops...); err == nil {
					return
				}
				var e *api.Error
				if errors.As(err, &e) && e.Code == "exists" {
					return // an earlier try was committed after all
				}
				select {
				case <-ctx.Done():
				case <-time.After(500 * time.Millisecond):
				}
			}
			errs <- fmt.Errorf("register the names of account %s: %w", addr, err)
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return accts, nil
}

func (r *run) measure(ctx context.Context, accts []*account) *Result {
	c := r.cfg
	free := make(chan *account, len(accts))
	for _, a := range accts {
		free <- a
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	end := start.Add(c.Duration)
	var wg sync.WaitGroup
	send := func(a *account) {
		defer wg.Done()
		r.send(ctx, a)
		free <- a
	}
	stopProgress := r.progress(start)

	if c.Rate == 0 {
		for _, a := range accts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(end) && ctx.Err() == nil {
					r.send(ctx, a)
				}
			}()
		}
	} else {
		tick := time.NewTicker(5 * time.Millisecond)
		var due int64
	loop:
		for now := start; now.Before(end); now = time.Now() {
			want := int64(now.Sub(start).Seconds() * c.Rate)
			for ; due < want; due++ {
				select {
				case a := <-free:
					wg.Add(1)
					go send(a)
				default:
					r.skipped.Add(1)
				}
			}
			select {
			case <-ctx.Done():
				break loop
			case <-tick.C:
			}
		}
		tick.Stop()
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopProgress()
	return r.result(elapsed, len(accts))
}

// send builds, signs and submits one transaction of the account's
// updates and waits for its commit.
func (r *run) send(ctx context.Context, a *account) {
	a.round++
	ip := [4]byte{10, byte(a.round >> 16), byte(a.round >> 8), byte(a.round)}
	ops := make([]tx.Op, len(a.names))
	for k, n := range a.names {
		ops[k] = &tx.SetRRset{Name: n, Type: dns.TypeA, TTL: 300, Records: [][]byte{ip[:]}}
	}
	r.submitted.Add(1)
	r.inflight.Add(1)
	defer r.inflight.Add(-1)
	t0 := time.Now()
	res, err := a.s.Submit(ctx, client.WaitCommit, ops...)
	lat := time.Since(t0)
	if err == nil {
		if r.cfg.OnCommit != nil {
			r.cfg.OnCommit(Commit{Hash: res.Hash, Height: res.Height, Node: a.s.C.Base(), Names: a.names, Addr: ip})
		}
		r.committed.Add(1)
		r.mu.Lock()
		r.lats = append(r.lats, lat)
		r.mu.Unlock()
		return
	}
	var e *api.Error
	reason := "connection"
	if errors.As(err, &e) {
		reason = e.Code
	}
	if e != nil && e.ABCICode != 0 {
		r.rejected.Add(1)
	} else {
		r.failed.Add(1)
		if ctx.Err() != nil {
			reason = "cancelled"
		}
	}
	r.mu.Lock()
	r.reasons[reason]++
	r.mu.Unlock()
}

func (r *run) result(elapsed time.Duration, accounts int) *Result {
	c := r.cfg
	res := &Result{Nodes: len(c.Nodes), Accounts: accounts, OpsPerTx: c.OpsPerTx, Rate: c.Rate, Duration: c.Duration,
		Elapsed: elapsed, Submitted: r.submitted.Load(), Committed: r.committed.Load(), Rejected: r.rejected.Load(),
		Failed: r.failed.Load(), Skipped: r.skipped.Load()}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reasons) > 0 {
		res.Reasons = map[string]int64{}
		for k, v := range r.reasons {
			res.Reasons[k] = v
		}
	}
	res.Updates = res.Committed * int64(c.OpsPerTx)
	res.TxPerSec = float64(res.Committed) / elapsed.Seconds()
	res.UpdatesPerSec = float64(res.Updates) / elapsed.Seconds()
	res.P50, res.P95, res.P99, res.Max = percentiles(r.lats)
	return res
}

func percentiles(lats []time.Duration) (p50, p95, p99, maxLat time.Duration) {
	if len(lats) == 0 {
		return
	}
	s := append([]time.Duration(nil), lats...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(p float64) time.Duration { return s[int(p*float64(len(s)-1)+0.5)] }
	return at(0.50), at(0.95), at(0.99), s[len(s)-1]
}

// progress prints a line every ProgressEvery until the returned function
// is called.
func (r *run) progress(start time.Time) func() {
	c := r.cfg
	if c.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(c.ProgressEvery)
		defer t.Stop()
		var last int64
		lastT := start
		for {
			select {
			case <-done:
				if c.ProgressTTY {
					fmt.Fprintln(c.Progress)
				}
				return
			case now := <-t.C:
				com := r.committed.Load()
				rate := float64(com-last) / now.Sub(lastT).Seconds()
				last, lastT = com, now
				r.mu.Lock()
				p50, _, p99, _ := percentiles(r.lats[max(0, len(r.lats)-2000):])
				r.mu.Unlock()
				line := fmt.Sprintf("%6.1fs  submitted %d  committed %d  rejected %d  failed %d  in flight %d  %.0f tx/s (%.0f updates/s)  p50 %s  p99 %s",
					now.Sub(start).Seconds(), r.submitted.Load(), com, r.rejected.Load(), r.failed.Load(), r.inflight.Load(),
					rate, rate*float64(c.OpsPerTx), round(p50), round(p99))
				if c.ProgressTTY {
					fmt.Fprintf(c.Progress, "\r\x1b[K%s", line)
				} else {
					fmt.Fprintln(c.Progress, line)
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

// Table writes the result as an aligned text table.
func (r *Result) Table(w io.Writer) {
	target := "closed loop"
	if r.Rate > 0 {
		target = fmt.Sprintf("%.0f tx/s", r.Rate)
	}
	rows := [][2]string{
		{"nodes", fmt.Sprint(r.Nodes)},
		{"accounts", fmt.Sprint(r.Accounts)},
		{"updates per tx", fmt.Sprint(r.OpsPerTx)},
		{"target", target},
		{"duration", fmt.Sprintf("%s (%s until the last answer)", r.Duration, round(r.Elapsed))},
		{"submitted", fmt.Sprint(r.Submitted)},
		{"committed", fmt.Sprint(r.Committed)},
		{"rejected", fmt.Sprint(r.Rejected)},
		{"failed", fmt.Sprint(r.Failed)},
		{"skipped (all accounts busy)", fmt.Sprint(r.Skipped)},
		{"committed tx/s", fmt.Sprintf("%.1f", r.TxPerSec)},
		{"committed updates/s", fmt.Sprintf("%.0f", r.UpdatesPerSec)},
		{"p50 submit→commit", round(r.P50).String()},
		{"p95 submit→commit", round(r.P95).String()},
		{"p99 submit→commit", round(r.P99).String()},
		{"max submit→commit", round(r.Max).String()},
	}
	width := len("not committed, by code")
	for _, row := range rows {
		width = max(width, len([]rune(row[0])))
	}
	pad := func(s string) string { return s + strings.Repeat(" ", width-len([]rune(s))) }
	for _, row := range rows {
		fmt.Fprintf(w, "%s  %s\n", pad(row[0]), row[1])
	}
	if len(r.Reasons) > 0 {
		var ks []string
		for k := range r.Reasons {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		var parts []string
		for _, k := range ks {
			parts = append(parts, fmt.Sprintf("%s %d", k, r.Reasons[k]))
		}
		fmt.Fprintf(w, "%s  %s\n", pad("not committed, by code"), strings.Join(parts, ", "))
	}
}

package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/keyring"
	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/tx"
)

// tld is the open TLD the benchmark zone is loaded under.
const tld = "bench"

// hitName is the i-th loaded name; missName the i-th name that is never
// registered.
func hitName(i int) string  { return fmt.Sprintf("name%07d.%s", i, tld) }
func missName(i int) string { return fmt.Sprintf("nx%07d.%s", i, tld) }

// address is the A record of the i-th name.
func address(i int) string {
	return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
}

// moduleRoot finds the folder of go.mod from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/dii-net/dii\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run this from inside the dii module (no go.mod of github.com/dii-net/dii found above the working directory)")
		}
		dir = parent
	}
}

// buildDii builds the dii binary into dir.
func buildDii(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "dii")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/dii") //nolint:gosec // into this program's temporary folder
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/dii: %w\n%s", err, out)
	}
	return bin, nil
}

// diiNode is a running "dii up".
type diiNode struct {
	bin, home string
	api       string // host:port
	dns       string // host:port
	log       string // its standard error
	p         *proc
}

// startDii runs "dii up" in a new home and waits until it is ready.
func startDii(ctx context.Context, ps *procs, bin, home string, dnsPort int) (*diiNode, error) {
	d := &diiNode{bin: bin, home: home, dns: fmt.Sprintf("127.0.0.1:%d", dnsPort), log: home + ".log"}
	logf, err := os.Create(d.log)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	args := []string{"up", "--home", home, "--chain-id", "dii-bench-dns", "--log-level", "warn",
		"--api", "127.0.0.1:0", "--rpc", "127.0.0.1:0", "--p2p", "127.0.0.1:0", "--dns", d.dns}
	// Listeners not under test are switched off where this dii has them
	// (their defaults are fixed ports that another node may hold).
	help, _ := output(ctx, bin, "up", "--help")
	for _, f := range []string{"--dot", "--handle"} {
		if strings.Contains(help, f+" ") {
			args = append(args, f+"=")
		}
	}
	cmd := exec.Command(bin, args...) //nolint:gosec // the dii binary this program just built
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if d.p, err = ps.start("dii", cmd); err != nil {
		return nil, err
	}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "HTTP API"); ok {
				u := strings.Fields(rest)
				if len(u) > 0 {
					d.api = strings.TrimSuffix(strings.TrimPrefix(u[0], "http://"), "/v1/status")
				}
			}
			if !sent && strings.HasPrefix(line, "ready") {
				if d.api == "" {
					ready <- errors.New("dii printed ready before its HTTP API address")
				} else {
					ready <- nil
				}
				sent = true
			}
		}
		if !sent {
			ready <- errors.New("dii stopped before it was ready")
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case err = <-ready:
	case <-time.After(2 * time.Minute):
		err = errors.New("dii not ready after 2 minutes")
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		_ = d.p.stop(5 * time.Second)
		return nil, fmt.Errorf("%w\n%s", err, tail(d.log, 20))
	}
	return d, nil
}

// loadStats is what loading measured.
type loadStats struct {
	names    int
	updates  int64
	txs      int64
	retries  int64
	elapsed  time.Duration
	blocks   int64
	lastTime time.Duration // the last 10% of names, to see slow-down
}

// load registers the TLD and n names with one A record each, through
// signed transactions over the HTTP API.
func (d *diiNode) load(ctx context.Context, n, writers, batch int, progress io.Writer) (*loadStats, error) {
	c := client.New(d.api)
	opKey, err := keyring.Open(node.KeysDir(d.home)).Get(node.OperatorKey)
	if err != nil {
		return nil, fmt.Errorf("operator key: %w", err)
	}
	op, err := client.NewSigner(ctx, c, opKey.Private, "")
	if err != nil {
		return nil, err
	}
	if _, err := op.Submit(ctx, client.WaitCommit, &tx.Register{Name: tld, Open: true}); err != nil {
		return nil, fmt.Errorf("register TLD %s: %w", tld, err)
	}
	st0, err := c.Status(ctx)
	if err != nil {
		return nil, err
	}
	perTx := max(batch/2, 1) // names per transaction: Register + SetRRset each
	batches := (n + perTx - 1) / perTx
	var (
		next     atomic.Int64
		doneN    atomic.Int64
		updates  atomic.Int64
		txs      atomic.Int64
		retries  atomic.Int64
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	start := time.Now()
	var ninety time.Time
	var ninetyOnce sync.Once
	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-t.C:
				el := time.Since(start)
				dn := doneN.Load()
				rate := float64(updates.Load()) / el.Seconds()
				eta := "?"
				if dn > 0 {
					eta = (time.Duration(float64(el) * float64(int64(n)-dn) / float64(dn))).Round(time.Second).String()
				}
				fmt.Fprintf(progress, "  loading %d names: %d done (%.0f%%), %.0f updates/s, %s, eta %s\n",
					n, dn, 100*float64(dn)/float64(n), rate, el.Round(time.Second), eta)
			}
		}
	}()
	for w := 0; w < writers; w++ {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		s := &client.Signer{C: c, Key: priv, ChainID: op.ChainID}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				b := int(next.Add(1) - 1)
				if b >= batches {
					return
				}
				lo, hi := b*perTx, min((b+1)*perTx, n)
				ops := make([]tx.Op, 0, 2*(hi-lo))
				for i := lo; i < hi; i++ {
					rd, err := names.ParseRData(dns.TypeA, address(i))
					if err != nil {
						fail(err)
						return
					}
					ops = append(ops, &tx.Register{Name: hitName(i)},
						&tx.SetRRset{Name: hitName(i), Type: dns.TypeA, TTL: 3600, Records: [][]byte{rd}})
				}
				if err := submit(ctx, s, c, ops, hitName(hi-1), &retries); err != nil {
					fail(fmt.Errorf("names %d..%d: %w", lo, hi-1, err))
					return
				}
				updates.Add(int64(len(ops)))
				txs.Add(1)
				if doneN.Add(int64(hi-lo)) >= int64(n)*9/10 {
					ninetyOnce.Do(func() { ninety = time.Now() })
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopProgress)
	<-progressDone
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st1, err := c.Status(ctx)
	if err != nil {
		return nil, err
	}
	ls := &loadStats{names: n, updates: updates.Load(), txs: txs.Load(), retries: retries.Load(), elapsed: elapsed,
		blocks: st1.LatestHeight - st0.LatestHeight}
	if !ninety.IsZero() {
		ls.lastTime = time.Since(ninety) - (time.Since(start) - elapsed)
	}
	fmt.Fprintf(progress, "  loaded %d names: %d updates in %d transactions and %d blocks, %s, %.0f updates/s, %d retries\n",
		n, ls.updates, ls.txs, ls.blocks, elapsed.Round(time.Millisecond), float64(ls.updates)/elapsed.Seconds(), ls.retries)
	return ls, nil
}

// submit sends one transaction and waits for its commit, retrying a few
// times. A failed submission may still have been committed (a timeout
// after the node took it): the last name of the batch is looked up before
// a retry.
func submit(ctx context.Context, s *client.Signer, c *client.Client, ops []tx.Op, last string, retries *atomic.Int64) error {
	var err error
	for attempt := 0; attempt < 6; attempt++ {
		if attempt > 0 {
			retries.Add(1)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt) * time.Second):
			}
			if _, gerr := c.Name(ctx, last); gerr == nil {
				return nil // the earlier attempt was committed
			}
		}
		var res any
		res, err = s.Submit(ctx, client.WaitCommit, ops...)
		if err == nil {
			_ = res
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return err
}

// export writes the zone with "dii zone export".
func (d *diiNode) export(ctx context.Context, zone, file string) error {
	out, err := output(ctx, d.bin, "zone", "export", zone, "--node", "http://"+d.api, "--timeout", "10m", "-o", file)
	if err != nil {
		return fmt.Errorf("dii zone export %s: %w: %s", zone, err, strings.TrimSpace(out))
	}
	return nil
}

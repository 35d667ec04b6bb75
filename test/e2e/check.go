package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/load"
	"github.com/dii-net/dii/internal/testnet"
)

// Checker keeps what the load saw committed and checks the invariants
// against the nodes, each time from where the last check ended.
type Checker struct {
	mu      sync.Mutex
	commits []load.Commit

	checkedCommits int
	checkedHeight  int64
}

// Record is load.Config.OnCommit.
func (c *Checker) Record(cm load.Commit) {
	c.mu.Lock()
	c.commits = append(c.commits, cm)
	c.mu.Unlock()
}

// Commits is how many commits were recorded.
func (c *Checker) Commits() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.commits)
}

// Sample returns up to n names the load wrote.
func (c *Checker) Sample(n int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, cm := range c.commits {
		for _, nm := range cm.Names {
			if !seen[nm] && len(out) < n {
				seen[nm] = true
				out = append(out, nm)
			}
		}
	}
	return out
}

// CheckCommitted checks that every transaction whose commit was reported
// since the last check is, on every node, committed with code 0 in the
// block the load was told.
func (c *Checker) CheckCommitted(ctx context.Context, nodes []*testnet.Node) error {
	c.mu.Lock()
	todo := append([]load.Commit(nil), c.commits[c.checkedCommits:]...)
	c.mu.Unlock()
	var top int64
	for _, cm := range todo {
		top = max(top, cm.Height)
	}
	if err := testnet.WaitHeight(ctx, top, nodes...); err != nil {
		return err
	}
	work := make(chan load.Commit)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for cm := range work {
				for _, nd := range nodes {
					r, err := nd.Client().Tx(ctx, cm.Hash)
					if err == nil && (r.Height != cm.Height || r.Code != 0) {
						err = fmt.Errorf("in block %d with code %d", r.Height, r.Code)
					}
					if err != nil {
						select {
						case errs <- fmt.Errorf("tx %s, reported committed in block %d by %s: on %s: %w", cm.Hash, cm.Height, cm.Node, nd.Name, err):
						default:
						}
					}
				}
			}
		}()
	}
	for _, cm := range todo {
		work <- cm
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	c.mu.Lock()
	c.checkedCommits += len(todo)
	c.mu.Unlock()
	return nil
}

// CheckHeaders checks that the nodes agree on the hash and app hash of
// every block up to the lowest of their heights.
func (c *Checker) CheckHeaders(ctx context.Context, nodes []*testnet.Node) error {
	low := int64(-1)
	for _, nd := range nodes {
		h, err := nd.Height(ctx)
		if err != nil {
			return err
		}
		if low < 0 || h < low {
			low = h
		}
	}
	if err := testnet.CompareHeaders(ctx, c.checkedHeight+1, low, nodes...); err != nil {
		return err
	}
	c.checkedHeight = max(c.checkedHeight, low)
	return nil
}

// Question is one DNS question.
type Question struct {
	Name string
	Type uint16
}

// CheckDNS asks every node each question and compares the answers:
// response code, and the answer section's records in order-free form.
func CheckDNS(nodes []*testnet.Node, qs []Question) error {
	cl := &dns.Client{Timeout: 5 * time.Second}
	for _, q := range qs {
		var want string
		for i, nd := range nodes {
			m := new(dns.Msg)
			m.SetQuestion(dns.Fqdn(q.Name), q.Type)
			r, _, err := cl.Exchange(m, nd.DNS)
			if err != nil {
				return fmt.Errorf("%s: %s %s: %w", nd.Name, q.Name, dns.TypeToString[q.Type], err)
			}
			var rrs []string
			for _, rr := range r.Answer {
				rrs = append(rrs, rr.String())
			}
			sort.Strings(rrs)
			got := dns.RcodeToString[r.Rcode] + "\n" + strings.Join(rrs, "\n")
			if i == 0 {
				want = got
				continue
			}
			if got != want {
				return fmt.Errorf("%s %s: %s answers\n%s\nbut %s answers\n%s", q.Name, dns.TypeToString[q.Type], nodes[0].Name, want, nd.Name, got)
			}
		}
	}
	return nil
}

// CheckAPI reads each name from every node's API and compares them,
// leaving out the height the answer was read at.
func CheckAPI(ctx context.Context, nodes []*testnet.Node, names []string) error {
	for _, name := range names {
		var want []byte
		for i, nd := range nodes {
			n, err := nd.Client().Name(ctx, name)
			if err != nil {
				return fmt.Errorf("%s: name %s: %w", nd.Name, name, err)
			}
			n.Height = 0
			got, _ := json.Marshal(n)
			if i == 0 {
				want = got
			} else if string(got) != string(want) {
				return fmt.Errorf("name %s: %s has %s, %s has %s", name, nodes[0].Name, want, nd.Name, got)
			}
		}
	}
	return nil
}

// WaitSameState polls until every node shows the same state root, as
// they do once no more transactions come.
func WaitSameState(ctx context.Context, nodes []*testnet.Node) error {
	for {
		var roots []string
		for _, nd := range nodes {
			st, err := nd.Client().Status(ctx)
			if err == nil {
				roots = append(roots, st.StateRoot)
			}
		}
		if len(roots) == len(nodes) && len(slices.Compact(slices.Clone(roots))) == 1 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nodes never reached one state (roots %v): %w", roots, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

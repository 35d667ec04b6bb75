package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/load"
	"github.com/dii-net/dii/internal/testnet"
)

// Checker keeps what the load saw committed and the block headers the
// nodes showed, and checks the invariants against the nodes. It tracks
// each node on its own: a node that joins late is checked from the first
// block and the first commit, and so is a node that restarted after a
// crash (see Forget), so no node is ever only checked from where the
// others were.
type Checker struct {
	mu      sync.Mutex
	commits []load.Commit
	// The header every node must show at each height: the first one seen.
	headers map[int64]blockMeta
	// Per node: commits found on it, and the height its headers were
	// compared through.
	commitsDone map[string]int
	heightDone  map[string]int64
}

// NewChecker returns an empty checker.
func NewChecker() *Checker {
	return &Checker{headers: map[int64]blockMeta{}, commitsDone: map[string]int{}, heightDone: map[string]int64{}}
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

// Forget makes the next checks go over everything on the node again, as
// after a kill -9: what it stored before must have survived.
func (c *Checker) Forget(nd *testnet.Node) {
	c.mu.Lock()
	delete(c.commitsDone, nd.Name)
	delete(c.heightDone, nd.Name)
	c.mu.Unlock()
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
// is, on every node, committed with code 0 in the block the load was
// told; each node from the first commit it was not yet checked for.
func (c *Checker) CheckCommitted(ctx context.Context, nodes []*testnet.Node) error {
	c.mu.Lock()
	all := slices.Clone(c.commits)
	done := make([]int, len(nodes))
	for i, nd := range nodes {
		done[i] = c.commitsDone[nd.Name]
	}
	c.mu.Unlock()
	for i, nd := range nodes {
		todo := all[done[i]:]
		var top int64
		for _, cm := range todo {
			top = max(top, cm.Height)
		}
		if err := testnet.WaitHeight(ctx, top, nd); err != nil {
			return err
		}
		if err := checkTxs(ctx, nd, todo); err != nil {
			return err
		}
		c.mu.Lock()
		c.commitsDone[nd.Name] = len(all)
		c.mu.Unlock()
	}
	return nil
}

// checkTxs looks each commit up on the node, eight at a time.
func checkTxs(ctx context.Context, nd *testnet.Node, todo []load.Commit) error {
	work := make(chan load.Commit)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	cl := nd.Client()
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for cm := range work {
				r, err := cl.Tx(ctx, cm.Hash)
				// CometBFT indexes a block's transactions after the
				// block is committed, in the background: a node that
				// has just reached the block may not find its
				// transactions for a moment. A missing transaction
				// fails only if it stays missing.
				for wait := time.Now().Add(10 * time.Second); client.IsNotFound(err) && time.Now().Before(wait); {
					select {
					case <-ctx.Done():
					case <-time.After(100 * time.Millisecond):
					}
					r, err = cl.Tx(ctx, cm.Hash)
				}
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
		return nil
	}
}

// blockMeta is what the header comparison needs of a block.
type blockMeta struct {
	Hash    string
	AppHash string
	Node    string // the node it was first read from
}

// CheckHeaders checks that the nodes agree on the hash and app hash of
// every block up to the lowest of their heights, reading each node's
// blocks from the first it was not yet checked for.
func (c *Checker) CheckHeaders(ctx context.Context, nodes []*testnet.Node) error {
	low, err := lowestHeight(ctx, nodes)
	if err != nil {
		return err
	}
	for _, nd := range nodes {
		c.mu.Lock()
		from := c.heightDone[nd.Name] + 1
		c.mu.Unlock()
		for from <= low {
			to := min(from+maxMetas-1, low)
			metas, err := blockMetas(ctx, nd, from, to)
			if err != nil {
				return err
			}
			c.mu.Lock()
			for h := from; h <= to; h++ {
				got := metas[h]
				got.Node = nd.Name
				want, ok := c.headers[h]
				if !ok {
					c.headers[h] = got
					continue
				}
				if got.Hash != want.Hash || got.AppHash != want.AppHash {
					c.mu.Unlock()
					return fmt.Errorf("block %d: %s has hash %s app hash %s, %s has %s and %s",
						h, want.Node, want.Hash, want.AppHash, nd.Name, got.Hash, got.AppHash)
				}
			}
			c.heightDone[nd.Name] = to
			c.mu.Unlock()
			from = to + 1
		}
	}
	return nil
}

// maxMetas is how many block headers CometBFT's /blockchain route gives
// at once.
const maxMetas = 20

// blockMetas reads the headers of blocks from..to through the node's
// CometBFT RPC, and fails unless it gets every one.
func blockMetas(ctx context.Context, nd *testnet.Node, from, to int64) (map[int64]blockMeta, error) {
	var r struct {
		BlockMetas []struct {
			BlockID struct {
				Hash string `json:"hash"`
			} `json:"block_id"`
			Header struct {
				Height  string `json:"height"`
				AppHash string `json:"app_hash"`
			} `json:"header"`
		} `json:"block_metas"`
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := nd.CallRPC(ctx, fmt.Sprintf("/blockchain?minHeight=%d&maxHeight=%d", from, to), &r); err != nil {
		return nil, err
	}
	out := map[int64]blockMeta{}
	for _, m := range r.BlockMetas {
		h, err := strconv.ParseInt(m.Header.Height, 10, 64)
		if err != nil || m.BlockID.Hash == "" || m.Header.AppHash == "" {
			return nil, fmt.Errorf("%s: block meta %+v: no height, hash or app hash", nd.Name, m)
		}
		out[h] = blockMeta{Hash: m.BlockID.Hash, AppHash: m.Header.AppHash}
	}
	for h := from; h <= to; h++ {
		if _, ok := out[h]; !ok {
			return nil, fmt.Errorf("%s: no block %d among the %d headers of %d..%d", nd.Name, h, len(out), from, to)
		}
	}
	return out, nil
}

// Question is one DNS question. With Want set, the answer section must
// also hold exactly these records (in dns.RR.String form, any order), so
// that nodes agreeing on an empty or wrong answer does not pass.
type Question struct {
	Name string
	Type uint16
	Want []string
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
			var r *dns.Msg
			var err error
			for try := 0; try < 3; try++ { // UDP on a loaded machine: a lost datagram is not an answer
				if r, _, err = cl.Exchange(m, nd.DNS); err == nil {
					break
				}
			}
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
				if q.Want != nil {
					exp := slices.Sorted(slices.Values(q.Want))
					if r.Rcode != dns.RcodeSuccess || !slices.Equal(rrs, exp) {
						return fmt.Errorf("%s %s: %s answers\n%s\nwant NOERROR with\n%s", q.Name, dns.TypeToString[q.Type], nd.Name, got, strings.Join(exp, "\n"))
					}
				}
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
	// Read every node at one height they all hold: transactions still in
	// a mempool when the load stops may commit while the check runs, and
	// the nodes apply each block at slightly different moments.
	low, err := lowestHeight(ctx, nodes)
	if err != nil {
		return err
	}
	for _, name := range names {
		var want []byte
		for i, nd := range nodes {
			var n api.Name
			u := nd.Client().Base() + "/v1/names/" + url.PathEscape(name) + "?height=" + strconv.FormatInt(low, 10)
			if err := getJSON(ctx, u, &n); err != nil {
				return fmt.Errorf("%s: name %s at height %d: %w", nd.Name, name, low, err)
			}
			got, _ := json.Marshal(n)
			if i == 0 {
				want = got
			} else if string(got) != string(want) {
				return fmt.Errorf("name %s at height %d: %s has %s, %s has %s", name, low, nodes[0].Name, want, nd.Name, got)
			}
		}
	}
	return nil
}

// CheckZone lists every name under zone through every node's API at one
// height that all of them hold, and compares the listings whole, records
// and owners included. It works while the load runs: the height is fixed.
// It returns how many names the zone held.
func CheckZone(ctx context.Context, nodes []*testnet.Node, zone string) (int, error) {
	for try := 0; ; try++ {
		low, err := lowestHeight(ctx, nodes)
		if err != nil {
			return 0, err
		}
		var want []byte
		var count int
		pruned := false
		for i, nd := range nodes {
			names, err := listZone(ctx, nd, zone, low)
			if client.IsNotFound(err) && try < 5 {
				pruned = true // a node that just restarted keeps only the heights since
				break
			}
			if err != nil {
				return 0, fmt.Errorf("%s: names under %s at height %d: %w", nd.Name, zone, low, err)
			}
			got, _ := json.Marshal(names)
			if i == 0 {
				want, count = got, len(names)
			} else if string(got) != string(want) {
				return 0, fmt.Errorf("names under %s at height %d: %s lists %d, %s lists %d, and they differ:\n%s\n%s",
					zone, low, nodes[0].Name, count, nd.Name, len(names), want, got)
			}
		}
		if !pruned {
			return count, nil
		}
		if err := testnet.WaitHeight(ctx, low+1, nodes...); err != nil {
			return 0, err
		}
	}
}

// listZone reads every page of GET /v1/names?zone=&height=.
func listZone(ctx context.Context, nd *testnet.Node, zone string, height int64) ([]api.Name, error) {
	cl := nd.Client()
	var out []api.Name
	after := ""
	for {
		q := url.Values{"zone": {zone}, "height": {strconv.FormatInt(height, 10)}, "limit": {"1000"}}
		if after != "" {
			q.Set("after", after)
		}
		var page api.NameList
		if err := getJSON(ctx, cl.Base()+"/v1/names?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		if page.Height != height {
			return nil, fmt.Errorf("asked for height %d, got %d", height, page.Height)
		}
		out = append(out, page.Names...)
		if page.Next == "" {
			return out, nil
		}
		after = page.Next
	}
}

// getJSON reads one API route, returning the node's error as *api.Error.
func getJSON(ctx context.Context, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var eb api.ErrorBody
		if json.Unmarshal(raw, &eb) == nil && eb.Error != nil {
			eb.Error.Status = resp.StatusCode
			return eb.Error
		}
		return fmt.Errorf("%s: HTTP %d: %s", u, resp.StatusCode, raw)
	}
	return json.Unmarshal(raw, out)
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

// lowestHeight returns the lowest of the nodes' latest heights.
func lowestHeight(ctx context.Context, nodes []*testnet.Node) (int64, error) {
	low := int64(-1)
	for _, nd := range nodes {
		h, err := nd.Height(ctx)
		if err != nil {
			return 0, err
		}
		if low < 0 || h < low {
			low = h
		}
	}
	return low, nil
}

// Through is the height through which every node's headers were compared.
func (c *Checker) Through() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	low := int64(-1)
	for _, h := range c.heightDone {
		if low < 0 || h < low {
			low = h
		}
	}
	return max(low, 0)
}

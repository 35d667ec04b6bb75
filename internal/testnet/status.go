package testnet

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// NodeStatus is one node as Status sees it.
type NodeStatus struct {
	Name    string `json:"name"`
	Running bool   `json:"running"`
	PID     int    `json:"pid,omitempty"`
	API     string `json:"api"`
	// From the node, when it answers:
	Height      int64  `json:"height"`
	AppHash     string `json:"app_hash"`   // in the latest block's header: the state after the block before
	StateRoot   string `json:"state_root"` // the state after the latest block
	Peers       int    `json:"peers"`
	Validator   bool   `json:"validator"`
	VotingPower int64  `json:"voting_power"`
	CatchingUp  bool   `json:"catching_up"`
	Error       string `json:"error,omitempty"`
}

// Status asks every node at once.
func (n *Network) Status(ctx context.Context) []NodeStatus {
	nodes := n.Nodes()
	out := make([]NodeStatus, len(nodes))
	var wg sync.WaitGroup
	for i, nd := range nodes {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = nd.Status(ctx) }()
	}
	wg.Wait()
	return out
}

// Status asks the node for its height, app hash, peers and voting power.
func (nd *Node) Status(ctx context.Context) NodeStatus {
	s := NodeStatus{Name: nd.Name, API: nd.API}
	s.PID, s.Running = nd.PID()
	if !s.Running {
		s.PID = 0
		return s
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	st, err := nd.Client().Status(ctx)
	if err != nil {
		s.Error = err.Error()
		return s
	}
	s.Height, s.AppHash, s.StateRoot = st.LatestHeight, st.LatestAppHash, st.StateRoot
	s.VotingPower, s.Validator, s.CatchingUp = st.VotingPower, st.VotingPower > 0, st.CatchingUp
	if s.Peers, err = nd.Peers(ctx); err != nil {
		s.Error = err.Error()
	}
	return s
}

// CallRPC calls one of CometBFT's JSON-RPC routes (path, with its query)
// on the node with GET and decodes its result into out.
func (nd *Node) CallRPC(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+nd.RPC+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s rpc %s: %w", nd.Name, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s rpc %s: %w", nd.Name, path, err)
	}
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
			Data    string `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("%s rpc %s: %w", nd.Name, path, err)
	}
	if env.Error != nil {
		return fmt.Errorf("%s rpc %s: %s %s", nd.Name, path, env.Error.Message, env.Error.Data)
	}
	return json.Unmarshal(env.Result, out)
}

// Peers is the number of peers the node is connected to.
func (nd *Node) Peers(ctx context.Context) (int, error) {
	var ni struct {
		NPeers string `json:"n_peers"`
	}
	if err := nd.CallRPC(ctx, "/net_info", &ni); err != nil {
		return 0, err
	}
	return strconv.Atoi(ni.NPeers)
}

// Height is the node's latest committed height.
func (nd *Node) Height(ctx context.Context) (int64, error) {
	st, err := nd.Client().Status(ctx)
	if err != nil {
		return 0, err
	}
	return st.LatestHeight, nil
}

// Header is what the comparisons need of a block header.
type Header struct {
	Height  int64
	Hash    string // the block hash
	AppHash string // the state after the block before
}

// Header reads the header of block h.
func (nd *Node) Header(ctx context.Context, h int64) (Header, error) {
	b, err := nd.Client().Block(ctx, h)
	if err != nil {
		return Header{}, fmt.Errorf("%s block %d: %w", nd.Name, h, err)
	}
	return Header{Height: b.Height, Hash: b.Hash, AppHash: b.AppHash}, nil
}

// Signers are the validator addresses (hex) whose signatures are in the
// commit of block h.
func (nd *Node) Signers(ctx context.Context, h int64) ([]string, error) {
	var c struct {
		SignedHeader struct {
			Commit struct {
				Signatures []struct {
					Flag int    `json:"block_id_flag"`
					Addr string `json:"validator_address"`
				} `json:"signatures"`
			} `json:"commit"`
		} `json:"signed_header"`
	}
	if err := nd.CallRPC(ctx, "/commit?height="+strconv.FormatInt(h, 10), &c); err != nil {
		return nil, err
	}
	var out []string
	for _, s := range c.SignedHeader.Commit.Signatures {
		if s.Flag == 2 { // BlockIDFlagCommit
			out = append(out, s.Addr)
		}
	}
	return out, nil
}

// Validator is one member of the validator set as CometBFT runs it.
type Validator struct {
	Address string `json:"address"`
	PubKey  string `json:"pub_key"` // base64
	Power   int64  `json:"voting_power"`
}

// Validators is the validator set at height h (0: the latest).
func (nd *Node) Validators(ctx context.Context, h int64) ([]Validator, error) {
	path := "/validators?per_page=100"
	if h > 0 {
		path += "&height=" + strconv.FormatInt(h, 10)
	}
	var r struct {
		Validators []struct {
			Address string `json:"address"`
			PubKey  struct {
				Value string `json:"value"`
			} `json:"pub_key"`
			Power string `json:"voting_power"`
		} `json:"validators"`
	}
	if err := nd.CallRPC(ctx, path, &r); err != nil {
		return nil, err
	}
	var out []Validator
	for _, v := range r.Validators {
		p, _ := strconv.ParseInt(v.Power, 10, 64)
		out = append(out, Validator{Address: v.Address, PubKey: v.PubKey.Value, Power: p})
	}
	return out, nil
}

// WaitHeight polls the nodes until each has committed height h.
func WaitHeight(ctx context.Context, h int64, nodes ...*Node) error {
	for _, nd := range nodes {
		for {
			got, err := nd.Height(ctx)
			if err == nil && got >= h {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s did not reach height %d (at %d, %v): %w", nd.Name, h, got, err, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// CompareHeaders checks that the nodes agree on the hash and app hash of
// every block from `from` to `to`, and returns the first difference.
func CompareHeaders(ctx context.Context, from, to int64, nodes ...*Node) error {
	if len(nodes) < 2 {
		return nil
	}
	for h := from; h <= to; h++ {
		want, err := nodes[0].Header(ctx, h)
		if err != nil {
			return err
		}
		for _, nd := range nodes[1:] {
			got, err := nd.Header(ctx, h)
			if err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("block %d: %s has hash %s app hash %s, %s has %s and %s",
					h, nodes[0].Name, want.Hash, want.AppHash, nd.Name, got.Hash, got.AppHash)
			}
		}
	}
	return nil
}

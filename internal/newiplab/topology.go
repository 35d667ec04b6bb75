package newiplab

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/dii-net/dii/internal/router"
	"github.com/dii-net/dii/pkg/newip"
)

// Topology describes a lab network and its traffic.
type Topology struct {
	// Duration is how long each round of traffic runs (default 3s).
	Duration router.Duration `toml:"duration"`
	// Warmup runs cross traffic alone before the measured flows start,
	// so queues are full when they do (default 0).
	Warmup  router.Duration `toml:"warmup"`
	Routers []RouterSpec    `toml:"router"`
	Links   []LinkSpec      `toml:"link"`
	Hosts   []HostSpec      `toml:"host"`
	Flows   []FlowSpec      `toml:"flow"`
}

// RouterSpec is one router.
type RouterSpec struct {
	Name    string `toml:"name"`
	Address string `toml:"address"`
	Metrics string `toml:"metrics"` // optional Prometheus listener
}

// LinkSpec joins two routers; both directions get the same rate, delay
// and queue.
type LinkSpec struct {
	A     string          `toml:"a"`
	B     string          `toml:"b"`
	Rate  router.Rate     `toml:"rate"`
	Delay router.Duration `toml:"delay"`
	Queue router.Size     `toml:"queue"`
	Wash  router.Size     `toml:"wash"`
}

// HostSpec is a host attached to a router. The router's side of the
// host link may have a rate and delay of its own.
type HostSpec struct {
	Name    string `toml:"name"`
	Address string `toml:"address"`
	Router  string `toml:"router"`
	// Prefixes are further prefixes routed to the host (a gateway's
	// mapped addresses).
	Prefixes []string        `toml:"prefixes"`
	Rate     router.Rate     `toml:"rate"`
	Delay    router.Duration `toml:"delay"`
	// Attach makes no host in the lab: only the router link, for a
	// program outside to attach to.
	Attach bool `toml:"attach"`
}

// Contract kinds of a flow.
const (
	ContractNone = "none"
	ContractLBF  = "lbf"
	ContractMDF  = "mdf"
)

// FlowSpec is a stream of packets from one host to another.
type FlowSpec struct {
	Name string `toml:"name"`
	From string `toml:"from"`
	To   string `toml:"to"`
	// Contract is none (the default), lbf or mdf.
	Contract string `toml:"contract"`
	// Budget is the flow's end-to-end delay budget: LBF max_delay or MDF
	// max_allowed_delay, and the bound "in time" is measured against
	// (also for best effort). Whole milliseconds.
	Budget router.Duration `toml:"budget"`
	// MinDelay is LBF's min_delay.
	MinDelay router.Duration `toml:"min_delay"`
	// Rate is packets per second; Size the payload bytes.
	Rate float64 `toml:"rate"`
	Size int     `toml:"size"`
	// Chunks splits the payload into this many chunks of falling
	// significance (the first essential), so routers can wash it
	// instead of dropping it. Only in the contract round: best effort
	// sends the payload whole.
	Chunks int `toml:"chunks"`
	// Cross marks background traffic: it starts in the warm-up and is
	// reported apart.
	Cross bool `toml:"cross"`
}

// Parse reads a TOML topology and checks it.
func Parse(b []byte) (*Topology, error) {
	var t Topology
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		var sm *toml.StrictMissingError
		if errors.As(err, &sm) {
			return nil, fmt.Errorf("topology: %s", strings.TrimSpace(sm.String()))
		}
		return nil, fmt.Errorf("topology: %w", err)
	}
	if err := t.Check(); err != nil {
		return nil, err
	}
	return &t, nil
}

// Load reads and checks the topology file at path.
func Load(path string) (*Topology, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Check fills defaults and validates, naming the entry at fault.
func (t *Topology) Check() error {
	if t.Duration == 0 {
		t.Duration = router.Duration(3 * time.Second)
	}
	names := map[string]string{}
	addrs := map[newip.Address]string{}
	addName := func(kind, name string) error {
		if name == "" {
			return fmt.Errorf("%s: name missing", kind)
		}
		if k, dup := names[name]; dup {
			return fmt.Errorf("%s %s: name already used by a %s", kind, name, k)
		}
		names[name] = kind
		return nil
	}
	addAddr := func(who, s string) error {
		a, err := newip.ParseAddress(s)
		if err != nil {
			return fmt.Errorf("%s address: %w", who, err)
		}
		if o, dup := addrs[a]; dup {
			return fmt.Errorf("%s address %s: already %s's", who, a, o)
		}
		addrs[a] = who
		return nil
	}
	if len(t.Routers) == 0 {
		return errors.New("router: at least one is needed")
	}
	for _, r := range t.Routers {
		if err := addName("router", r.Name); err != nil {
			return err
		}
		if err := addAddr("router "+r.Name, r.Address); err != nil {
			return err
		}
	}
	pairs := map[[2]string]bool{}
	for i, l := range t.Links {
		if names[l.A] != "router" || names[l.B] != "router" || l.A == l.B {
			return fmt.Errorf("link[%d]: a and b must name two different routers (got %q, %q)", i, l.A, l.B)
		}
		k := [2]string{min(l.A, l.B), max(l.A, l.B)}
		if pairs[k] {
			return fmt.Errorf("link[%d]: %s and %s are already linked", i, l.A, l.B)
		}
		pairs[k] = true
	}
	for _, h := range t.Hosts {
		if err := addName("host", h.Name); err != nil {
			return err
		}
		if names[h.Router] != "router" {
			return fmt.Errorf("host %s: router %q is not a router", h.Name, h.Router)
		}
		if err := addAddr("host "+h.Name, h.Address); err != nil {
			return err
		}
		for _, p := range h.Prefixes {
			if _, err := newip.ParsePrefix(p); err != nil {
				return fmt.Errorf("host %s prefixes: %w", h.Name, err)
			}
		}
	}
	flows := map[string]bool{}
	for i := range t.Flows {
		f := &t.Flows[i]
		at := fmt.Sprintf("flow[%d] (%s)", i, f.Name)
		if f.Name == "" || flows[f.Name] {
			return fmt.Errorf("%s: a flow needs a name of its own", at)
		}
		flows[f.Name] = true
		for _, h := range []string{f.From, f.To} {
			if names[h] != "host" {
				return fmt.Errorf("%s: %q is not a host", at, h)
			}
			if t.host(h).Attach {
				return fmt.Errorf("%s: host %s is attached from outside; the lab cannot send from or to it", at, h)
			}
		}
		if f.Contract == "" {
			f.Contract = ContractNone
		}
		switch f.Contract {
		case ContractNone, ContractLBF, ContractMDF:
		default:
			return fmt.Errorf("%s.contract %q: want none, lbf or mdf", at, f.Contract)
		}
		if f.Contract != ContractNone && f.Budget == 0 {
			return fmt.Errorf("%s.budget: a %s contract needs one", at, f.Contract)
		}
		if time.Duration(f.Budget) > 65*time.Second || time.Duration(f.MinDelay) > time.Duration(f.Budget) {
			return fmt.Errorf("%s: budget up to 65s, min_delay up to the budget", at)
		}
		if f.Rate <= 0 || f.Rate > 200000 {
			return fmt.Errorf("%s.rate %v: want 0 < packets per second <= 200000", at, f.Rate)
		}
		if f.Size == 0 {
			f.Size = 200
		}
		if f.Size < payloadHeader || f.Size > 1400 {
			return fmt.Errorf("%s.size %d: want %d to 1400 bytes", at, f.Size, payloadHeader)
		}
		if f.Chunks < 0 || f.Chunks > 16 {
			return fmt.Errorf("%s.chunks %d: want 0 to 16", at, f.Chunks)
		}
	}
	return nil
}

func (t *Topology) host(name string) *HostSpec {
	for i := range t.Hosts {
		if t.Hosts[i].Name == name {
			return &t.Hosts[i]
		}
	}
	return nil
}

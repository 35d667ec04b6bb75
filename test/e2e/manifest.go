package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Manifest describes a test network and how hard to test it.
type Manifest struct {
	// Validators at genesis (at least 4 for the fault steps), full nodes
	// that run from the start, and full nodes that join late, one per
	// "late node" step.
	Validators    int `json:"validators"`
	FullNodes     int `json:"full_nodes"`
	LateFullNodes int `json:"late_full_nodes"`
	// Consensus timing of every node.
	TimeoutCommit  Duration `json:"timeout_commit"`
	TimeoutPropose Duration `json:"timeout_propose"`
	EmptyBlocks    Duration `json:"empty_blocks"`
	// Load runs during every step.
	Load LoadSpec `json:"load"`
	// FaultBlocks is how many blocks the rest of the network must commit
	// while a fault lasts.
	FaultBlocks int64 `json:"fault_blocks"`
	// HaltWindow is how long a network without a quorum is watched to
	// show it commits nothing.
	HaltWindow Duration `json:"halt_window"`
	// Cycles repeats the fault steps.
	Cycles int `json:"cycles"`
	// Partition: "auto" (namespaces when possible), "netns" or
	// "restart".
	Partition string `json:"partition"`
	// Timeout bounds the whole run.
	Timeout Duration `json:"timeout"`
}

// LoadSpec is the write load.
type LoadSpec struct {
	Rate     float64 `json:"rate"`
	Accounts int     `json:"accounts"`
	OpsPerTx int     `json:"ops_per_tx"`
}

// Duration is a time.Duration written as "300ms" in JSON.
type Duration time.Duration

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string such as \"300ms\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// D is the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// LoadManifest reads and checks a manifest.
func LoadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch {
	case m.FullNodes < 0 || m.LateFullNodes < 0:
		return nil, fmt.Errorf("%s: full_nodes and late_full_nodes must not be negative", path)
	case m.Validators < 4:
		return nil, fmt.Errorf("%s: validators %d: the fault steps need at least 4", path, m.Validators)
	case m.Load.Rate <= 0 || m.Load.Accounts < 1 || m.Load.OpsPerTx < 1:
		return nil, fmt.Errorf("%s: load needs a rate, accounts and ops_per_tx", path)
	case m.FaultBlocks < 1 || m.HaltWindow <= 0 || m.Timeout <= 0:
		return nil, fmt.Errorf("%s: fault_blocks, halt_window and timeout must be positive", path)
	}
	if m.Cycles < 1 {
		m.Cycles = 1
	}
	switch m.Partition {
	case "":
		m.Partition = "auto"
	case "auto", "netns", "restart":
	default:
		return nil, fmt.Errorf("%s: partition %q: want auto, netns or restart", path, m.Partition)
	}
	return &m, nil
}

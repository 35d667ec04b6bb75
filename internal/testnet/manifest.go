package testnet

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/types"

	"github.com/dii-net/dii/internal/ledger"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/tx"
)

// ManifestFile is the name of the manifest in a network's folder.
const ManifestFile = "testnet.json"

// LoadTLD is the open TLD genesis registers for load tests.
const LoadTLD = "load"

// Port offsets from a node's first port: node i's ports start at
// BasePort + i*PortsPerNode.
const (
	PortsPerNode = 10
	offP2P       = 0
	offRPC       = 1
	offAPI       = 2
	offDNS       = 3
	offIsolated  = 4 // the P2P port while the node is cut off
	offHandle    = 5 // the Handle protocol, UDP and TCP
)

// Defaults of Options.
const (
	DefaultBasePort       = 36600
	DefaultHost           = "127.0.0.1"
	DefaultTimeoutCommit  = 300 * time.Millisecond
	DefaultTimeoutPropose = time.Second
	DefaultEmptyBlocks    = time.Second
	DefaultPower          = 10
)

// Options describe a new network.
type Options struct {
	Validators int // at least 1
	Full       int // non-validating full nodes
	ChainID    string
	// BasePort is node0's first port (default DefaultBasePort).
	BasePort int
	// Host is the loopback address every node listens on (default
	// DefaultHost).
	Host string
	// Hosts, when set, spread the nodes over these addresses (node i on
	// Hosts[i mod len]) instead of Host: a layout for real hosts, to copy
	// each node's home to its host.
	Hosts []string
	// Consensus timing (defaults above). EmptyBlocks is the longest pause
	// between blocks when no transactions come.
	TimeoutCommit  time.Duration
	TimeoutPropose time.Duration
	EmptyBlocks    time.Duration
	// Power of each genesis validator (default DefaultPower).
	Power int64
}

// Manifest is testnet.json: the network as Init laid it out.
type Manifest struct {
	ChainID        string     `json:"chain_id"`
	BasePort       int        `json:"base_port"`
	Host           string     `json:"host"`
	Hosts          []string   `json:"hosts,omitempty"`
	TimeoutCommit  string     `json:"timeout_commit"`
	TimeoutPropose string     `json:"timeout_propose"`
	EmptyBlocks    string     `json:"empty_blocks_interval"`
	Nodes          []NodeSpec `json:"nodes"`
}

// NodeSpec is one node of the manifest.
type NodeSpec struct {
	Name string `json:"name"`
	// Home is the node's home folder, relative to the network's folder.
	Home string `json:"home"`
	// Validator: a validator in genesis.
	Validator bool `json:"genesis_validator"`
	Index     int  `json:"index"`
	// NodeID is the P2P identity; PubKey the consensus key (hex);
	// Operator the operator account.
	NodeID   string `json:"node_id"`
	PubKey   string `json:"pub_key"`
	Operator string `json:"operator"`
	// DNSName is the node's name server name in the root zone.
	DNSName string `json:"dns_name"`
	P2P     string `json:"p2p"`
	RPC     string `json:"rpc"`
	API     string `json:"api"`
	DNS     string `json:"dns"`
	// Handle is the Handle protocol address (UDP and TCP); empty in
	// manifests written before nodes served handles.
	Handle string `json:"handle,omitempty"`
}

func (o *Options) defaults() error {
	if o.Validators < 1 {
		return fmt.Errorf("validators: %d, want at least 1", o.Validators)
	}
	if o.Full < 0 {
		return fmt.Errorf("full nodes: %d, want 0 or more", o.Full)
	}
	if o.BasePort == 0 {
		o.BasePort = DefaultBasePort
	}
	if o.Host == "" {
		o.Host = DefaultHost
	}
	if o.TimeoutCommit == 0 {
		o.TimeoutCommit = DefaultTimeoutCommit
	}
	if o.TimeoutPropose == 0 {
		o.TimeoutPropose = DefaultTimeoutPropose
	}
	if o.EmptyBlocks == 0 {
		o.EmptyBlocks = DefaultEmptyBlocks
	}
	if o.Power == 0 {
		o.Power = DefaultPower
	}
	n := o.Validators + o.Full
	if o.BasePort < 1024 || o.BasePort+n*PortsPerNode > 65535 {
		return fmt.Errorf("base port %d: %d nodes need ports %d..%d, within 1024..65535", o.BasePort, n, o.BasePort, o.BasePort+n*PortsPerNode-1)
	}
	return nil
}

func (m *Manifest) port(i, off int) string {
	host := m.Host
	if len(m.Hosts) > 0 {
		host = m.Hosts[i%len(m.Hosts)]
	}
	return net.JoinHostPort(host, strconv.Itoa(m.BasePort+i*PortsPerNode+off))
}

// Init lays out a new network in dir, which must not hold one already.
func Init(dir string, o Options) (*Network, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err == nil {
		return nil, fmt.Errorf("%s already holds a network (%s); remove it or choose another folder", dir, ManifestFile)
	}
	for _, h := range o.Hosts {
		if _, err := netip.ParseAddr(h); err != nil {
			return nil, fmt.Errorf("host %q: want an IP address", h)
		}
	}
	m := &Manifest{BasePort: o.BasePort, Host: o.Host, Hosts: o.Hosts, TimeoutCommit: o.TimeoutCommit.String(),
		TimeoutPropose: o.TimeoutPropose.String(), EmptyBlocks: o.EmptyBlocks.String()}
	total := o.Validators + o.Full
	for i := 0; i < total; i++ {
		if err := m.checkFree(i); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var vals []node.GenesisValidator
	for i := 0; i < total; i++ {
		spec, id, err := m.prepare(dir, i, i < o.Validators)
		if err != nil {
			return nil, err
		}
		m.Nodes = append(m.Nodes, spec)
		if spec.Validator {
			host, _, _ := net.SplitHostPort(spec.DNS)
			vals = append(vals, node.GenesisValidator{Identity: id, Power: o.Power, DNSName: spec.DNSName, DNSAddrs: []string{host}})
		}
	}
	gen, err := node.BuildGenesis(node.GenesisSpec{ChainID: o.ChainID, Validators: vals,
		TLDs: []ledger.GenesisTLD{{Name: LoadTLD, Open: true}}})
	if err != nil {
		return nil, err
	}
	m.ChainID = gen.ChainID
	for i := range m.Nodes {
		if err := gen.SaveAs(node.GenesisFile(filepath.Join(dir, m.Nodes[i].Home))); err != nil {
			return nil, err
		}
		if err := m.configure(dir, i); err != nil {
			return nil, err
		}
	}
	if err := m.save(dir); err != nil {
		return nil, err
	}
	return Open(dir)
}

// prepare makes node i's home and its manifest entry.
func (m *Manifest) prepare(dir string, i int, val bool) (NodeSpec, *node.Identity, error) {
	name := fmt.Sprintf("node%d", i)
	id, err := node.Prepare(filepath.Join(dir, name), name)
	if err != nil {
		return NodeSpec{}, nil, fmt.Errorf("%s: %w", name, err)
	}
	return NodeSpec{
		Name: name, Home: name, Validator: val, Index: i, NodeID: id.NodeID,
		PubKey: hex.EncodeToString(id.PubKey.Bytes()), Operator: id.Operator.String(),
		DNSName: fmt.Sprintf("ns%d.dii-nic", i), P2P: m.port(i, offP2P), RPC: m.port(i, offRPC),
		API: m.port(i, offAPI), DNS: m.port(i, offDNS), Handle: m.port(i, offHandle),
	}, id, nil
}

// configure writes node i's config.toml: the other nodes as persistent
// peers and the network's consensus timing.
func (m *Manifest) configure(dir string, i int) error {
	tc, _ := time.ParseDuration(m.TimeoutCommit)
	tp, _ := time.ParseDuration(m.TimeoutPropose)
	eb, _ := time.ParseDuration(m.EmptyBlocks)
	spec := m.Nodes[i]
	var peers []string
	for j, o := range m.Nodes {
		if j != i {
			peers = append(peers, o.NodeID+"@"+o.P2P)
		}
	}
	return node.EditConfig(filepath.Join(dir, spec.Home), func(c *cfg.Config) {
		c.Moniker = spec.Name
		c.P2P.ListenAddress = "tcp://" + spec.P2P
		c.P2P.PersistentPeers = strings.Join(peers, ",")
		c.P2P.PexReactor = true
		c.Consensus.TimeoutCommit = tc
		c.Consensus.TimeoutPropose = tp
		c.Consensus.CreateEmptyBlocks = true
		c.Consensus.CreateEmptyBlocksInterval = eb
		c.RPC.ListenAddress = "tcp://" + spec.RPC
	})
}

// checkFree fails when one of node i's ports is taken on this machine. The
// ports of an address this machine does not have are not checked.
func (m *Manifest) checkFree(i int) error {
	for off := 0; off < PortsPerNode; off++ {
		switch off {
		case offP2P, offRPC, offAPI, offDNS, offIsolated, offHandle:
		default:
			continue
		}
		addr := m.port(i, off)
		ln, err := net.Listen("tcp", addr)
		if errors.Is(err, syscall.EADDRNOTAVAIL) {
			return nil // another host's address
		}
		if err != nil {
			return fmt.Errorf("port %s of node%d is taken (%v); choose another --base-port", addr, i, err)
		}
		_ = ln.Close()
		if off == offDNS || off == offHandle {
			pc, err := net.ListenPacket("udp", addr)
			if err != nil {
				return fmt.Errorf("udp port %s of node%d is taken (%v); choose another --base-port", addr, i, err)
			}
			_ = pc.Close()
		}
	}
	return nil
}

func (m *Manifest) save(dir string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, ManifestFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, ManifestFile))
}

func loadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s holds no network (no %s); create one with dii testnet init", dir, ManifestFile)
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	if len(m.Nodes) == 0 {
		return nil, fmt.Errorf("%s: no nodes", filepath.Join(dir, ManifestFile))
	}
	return &m, nil
}

// AddNode adds a full node to the network: a new home with the network's
// genesis and every other node as a persistent peer. The nodes running now
// accept it as an inbound peer; start it with Start.
func (n *Network) AddNode() (*NodeSpec, error) {
	m := n.m
	i := 0
	for _, s := range m.Nodes {
		i = max(i, s.Index+1)
	}
	if m.BasePort+(i+1)*PortsPerNode > 65535 {
		return nil, fmt.Errorf("no ports left above %d for node%d", m.BasePort, i)
	}
	if err := m.checkFree(i); err != nil {
		return nil, err
	}
	spec, _, err := m.prepare(n.Dir, i, false)
	if err != nil {
		return nil, err
	}
	gen, err := types.GenesisDocFromFile(node.GenesisFile(filepath.Join(n.Dir, m.Nodes[0].Home)))
	if err != nil {
		return nil, err
	}
	if err := gen.SaveAs(node.GenesisFile(filepath.Join(n.Dir, spec.Home))); err != nil {
		return nil, err
	}
	m.Nodes = append(m.Nodes, spec)
	if err := m.configure(n.Dir, len(m.Nodes)-1); err != nil {
		return nil, err
	}
	if err := m.save(n.Dir); err != nil {
		return nil, err
	}
	n.nodes = append(n.nodes, &Node{NodeSpec: spec, net: n})
	return &n.nodes[len(n.nodes)-1].NodeSpec, nil
}

// Operator returns the address in a node's manifest entry.
func (s *NodeSpec) operator() (tx.Address, error) { return tx.ParseAddress(s.Operator) }

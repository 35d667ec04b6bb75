package node

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	cmtcrypto "github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
	"github.com/spf13/viper"

	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/keyring"
	"github.com/dii-net/dii/internal/ledger"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/tx"
	"github.com/dii-net/dii/internal/validator"
)

// OperatorKey is the name of the operator account key Init creates.
const OperatorKey = "operator"

// InitOptions customise a new home folder.
type InitOptions struct {
	// ChainID of the new chain; empty means "dii-local-" and random hex.
	ChainID string
	// Moniker names the node; empty means "dii-node".
	Moniker string
	// Operators are extra registry operator addresses for genesis, besides
	// the operator key Init creates.
	Operators []tx.Address
	// DNSName and DNSAddrs are this node's root name server as genesis
	// publishes it (defaults: DefaultDNSName, 127.0.0.1).
	DNSName  string
	DNSAddrs []string
	// Genesis, when set, is the genesis of an existing chain to join: the
	// home gets its own keys and this genesis, and ChainID, Operators,
	// DNSName and DNSAddrs are not used.
	Genesis *types.GenesisDoc
	// Peers are persistent peers (id@host:port) written to config.toml.
	Peers []string
}

// DNSKeyFile is where a home keeps the node's DNSSEC signing key.
func DNSKeyFile(home string) string { return filepath.Join(home, "config", "dns_key.private") }

// loadOrGenDNSKey reads the node's DNSSEC key, creating it on first use.
func loadOrGenDNSKey(home string) (*dnssec.Key, error) {
	path := DNSKeyFile(home)
	k, err := dnssec.LoadKey(path)
	if err == nil {
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if k, err = dnssec.GenerateKey(); err != nil {
		return nil, err
	}
	return k, k.Save(path)
}

// Home describes a home folder.
type Home struct {
	Dir      string     `json:"home"`
	ChainID  string     `json:"chain_id"`
	Operator tx.Address `json:"operator"`
	Created  bool       `json:"created"` // Init made it now
	// NodeID and ConsensusKey (the validator key) identify the node to
	// other operators: peers dial NodeID@host:port, and an admin adds
	// the node as a validator by ConsensusKey.
	NodeID       string `json:"node_id"`
	ConsensusKey []byte `json:"consensus_key"`
}

// KeysDir is the keyring folder of a home.
func KeysDir(home string) string { return filepath.Join(home, "keys") }

// GenesisFile is the genesis path of a home.
func GenesisFile(home string) string { return filepath.Join(home, "config", "genesis.json") }

// Init creates a single-validator home in dir unless one is there already.
func Init(dir string, o InitOptions) (*Home, error) {
	conf := cfg.DefaultConfig()
	conf.SetRoot(dir)
	if _, err := os.Stat(conf.GenesisFile()); err == nil {
		gen, err := types.GenesisDocFromFile(conf.GenesisFile())
		if err != nil {
			return nil, err
		}
		h := &Home{Dir: dir, ChainID: gen.ChainID}
		if k, err := keyring.Open(KeysDir(dir)).Get(OperatorKey); err == nil {
			h.Operator = k.Address()
		}
		if nk, err := p2p.LoadNodeKey(conf.NodeKeyFile()); err == nil {
			h.NodeID = string(nk.ID())
		}
		h.ConsensusKey, _ = ConsensusKey(dir)
		return h, nil
	}
	if o.Moniker == "" {
		o.Moniker = "dii-node"
	}
	id, err := Prepare(dir, o.Moniker)
	if err != nil {
		return nil, err
	}
	if len(o.Peers) > 0 {
		if err := EditConfig(dir, func(c *cfg.Config) { c.P2P.PersistentPeers = strings.Join(o.Peers, ",") }); err != nil {
			return nil, err
		}
	}
	home := &Home{Dir: dir, Operator: id.Operator, Created: true, NodeID: id.NodeID, ConsensusKey: id.PubKey.Bytes()}
	if o.Genesis != nil {
		if err := o.Genesis.SaveAs(conf.GenesisFile()); err != nil {
			return nil, err
		}
		home.ChainID = o.Genesis.ChainID
		return home, nil
	}
	if o.DNSName == "" {
		o.DNSName = DefaultDNSName
	}
	if len(o.DNSAddrs) == 0 {
		o.DNSAddrs = []string{"127.0.0.1"}
	}
	gen, err := BuildGenesis(GenesisSpec{
		ChainID:    o.ChainID,
		Validators: []GenesisValidator{{Identity: id, Power: 10, DNSName: o.DNSName, DNSAddrs: o.DNSAddrs}},
		Operators:  o.Operators,
	})
	if err != nil {
		return nil, err
	}
	if err := gen.SaveAs(conf.GenesisFile()); err != nil {
		return nil, err
	}
	home.ChainID = gen.ChainID
	return home, nil
}

// Identity is what a prepared home holds that genesis and the other nodes
// need to know.
type Identity struct {
	Dir     string
	Moniker string
	// NodeID is the P2P identity, for peers' persistent_peers.
	NodeID string
	// PubKey is the validator (consensus) key.
	PubKey ed25519.PubKey
	// Operator is the address of keys/operator.json.
	Operator tx.Address
	// DNSKEY is the RDATA of the node's DNSSEC key.
	DNSKEY []byte
}

// Prepare lays out a home without a genesis: config.toml with dii's
// defaults, the P2P and validator keys, the operator account key and the
// DNSSEC key. Keys already there are kept, so Prepare may run again on the
// same folder.
func Prepare(dir, moniker string) (*Identity, error) {
	conf := cfg.DefaultConfig()
	conf.SetRoot(dir)
	for _, sub := range []string{"config", "data"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, err
		}
	}
	conf.Moniker = moniker
	tuneConfig(conf)
	if _, err := os.Stat(filepath.Join(dir, "config", "config.toml")); errors.Is(err, os.ErrNotExist) {
		cfg.WriteConfigFile(filepath.Join(dir, "config", "config.toml"), conf)
	}
	nk, err := p2p.LoadOrGenNodeKey(conf.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("node key: %w", err)
	}
	pv, err := privval.LoadOrGenFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile(),
		func() (cmtcrypto.PrivKey, error) { return ed25519.GenPrivKey(), nil })
	if err != nil {
		return nil, fmt.Errorf("validator key: %w", err)
	}
	ring := keyring.Open(KeysDir(dir))
	op, err := ring.Get(OperatorKey)
	if errors.Is(err, keyring.ErrNotFound) {
		op, err = ring.Add(OperatorKey)
	}
	if err != nil {
		return nil, fmt.Errorf("operator key: %w", err)
	}
	dnsKey, err := loadOrGenDNSKey(dir)
	if err != nil {
		return nil, fmt.Errorf("dnssec key: %w", err)
	}
	pub, err := pv.GetPubKey()
	if err != nil {
		return nil, err
	}
	edPub, ok := pub.(ed25519.PubKey)
	if !ok {
		return nil, fmt.Errorf("validator key %s: type %s, want ed25519", conf.PrivValidatorKeyFile(), pub.Type())
	}
	return &Identity{Dir: dir, Moniker: moniker, NodeID: string(nk.ID()), PubKey: edPub, Operator: op.Address(), DNSKEY: dnsKey.RData()}, nil
}

// GenesisValidator is one validator of a new chain, with the root name
// server its operator publishes in genesis (none when DNSName is empty).
type GenesisValidator struct {
	Identity *Identity
	Power    int64
	DNSName  string
	DNSAddrs []string
}

// GenesisSpec describes a new chain.
type GenesisSpec struct {
	// ChainID; empty means "dii-local-" and random hex.
	ChainID    string
	Validators []GenesisValidator
	// Operators are registry operators besides the validators' operators,
	// who all are.
	Operators []tx.Address
	// TLDs registered at genesis.
	TLDs []ledger.GenesisTLD
	// MaxValidators bounds the validator set (0: the ledger's default).
	MaxValidators int
}

// BuildGenesis makes the genesis document of a new chain: its validators,
// the validators' operators as registry operators and validator admins,
// their root name servers, and the TLDs.
func BuildGenesis(s GenesisSpec) (*types.GenesisDoc, error) {
	if s.ChainID == "" {
		var b [3]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		s.ChainID = "dii-local-" + hex.EncodeToString(b[:])
	}
	if len(s.Validators) == 0 {
		return nil, errors.New("genesis needs at least one validator")
	}
	params := registry.DefaultParams()
	gs := ledger.GenesisState{TLDs: s.TLDs, Validators: &validator.Genesis{MaxValidators: s.MaxValidators}}
	var vals []types.GenesisValidator
	for _, v := range s.Validators {
		id := v.Identity
		if !params.IsOperator(id.Operator) {
			params.Operators = append(params.Operators, id.Operator)
		}
		gs.Validators.Operators = append(gs.Validators.Operators, validator.GenesisOperator{PubKey: id.PubKey.Bytes(), Operator: id.Operator})
		if v.DNSName != "" {
			gs.Nameservers = append(gs.Nameservers, ledger.GenesisNameserver{
				Operator: id.Operator, Name: strings.TrimSuffix(v.DNSName, "."), Addrs: v.DNSAddrs, DNSKEY: id.DNSKEY})
		}
		vals = append(vals, types.GenesisValidator{Address: id.PubKey.Address(), PubKey: id.PubKey, Power: v.Power, Name: id.Moniker})
	}
	for _, o := range s.Operators {
		if !params.IsOperator(o) {
			params.Operators = append(params.Operators, o)
		}
	}
	gs.Registry = params
	appState, err := json.Marshal(gs)
	if err != nil {
		return nil, err
	}
	gen := &types.GenesisDoc{
		ChainID:         s.ChainID,
		GenesisTime:     time.Now().UTC().Truncate(time.Second),
		ConsensusParams: types.DefaultConsensusParams(),
		Validators:      vals,
		AppState:        appState,
	}
	if err := gen.ValidateAndComplete(); err != nil {
		return nil, err
	}
	return gen, nil
}

// EditConfig reads a home's config.toml, lets edit change it, and writes
// it back.
func EditConfig(dir string, edit func(*cfg.Config)) error {
	conf, err := loadConfig(dir)
	if err != nil {
		return err
	}
	edit(conf)
	if err := conf.ValidateBasic(); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, "config", "config.toml"), err)
	}
	cfg.WriteConfigFile(filepath.Join(dir, "config", "config.toml"), conf)
	return nil
}

// tuneConfig sets dii's defaults on a CometBFT configuration.
func tuneConfig(conf *cfg.Config) {
	conf.Consensus.TimeoutCommit = 500 * time.Millisecond
	// Blocks are made when there are transactions, and otherwise every
	// 30 s. CometBFT still makes the next block at once after any block
	// that changed the app hash, so a proof's signed header is never
	// long in coming.
	conf.Consensus.CreateEmptyBlocksInterval = 30 * time.Second
	conf.TxIndex.Indexer = "kv"
	conf.Mempool.Size = 20000
	conf.Mempool.MaxTxBytes = tx.MaxTxBytes
	conf.P2P.AllowDuplicateIP = true
	conf.P2P.AddrBookStrict = false
}

// loadConfig reads config.toml from a home folder.
func loadConfig(dir string) (*cfg.Config, error) {
	conf := cfg.DefaultConfig()
	path := filepath.Join(dir, "config", "config.toml")
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if err := v.Unmarshal(conf); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	conf.SetRoot(dir)
	if err := conf.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return conf, nil
}

// ConsensusKey reads the public validator key of a home from its
// config/priv_validator_key.json, without the private key's use.
func ConsensusKey(home string) ([]byte, error) {
	conf := cfg.DefaultConfig()
	conf.SetRoot(home)
	b, err := os.ReadFile(conf.PrivValidatorKeyFile())
	if err != nil {
		return nil, err
	}
	var f struct {
		PubKey struct {
			Type  string `json:"type"`
			Value []byte `json:"value"`
		} `json:"pub_key"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", conf.PrivValidatorKeyFile(), err)
	}
	if f.PubKey.Type != ed25519.PubKeyName || len(f.PubKey.Value) != ed25519.PubKeySize {
		return nil, fmt.Errorf("%s: pub_key of type %q is %d bytes, want an ed25519 key", conf.PrivValidatorKeyFile(), f.PubKey.Type, len(f.PubKey.Value))
	}
	return f.PubKey.Value, nil
}

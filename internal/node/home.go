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
	Dir      string
	ChainID  string
	Operator tx.Address
	Created  bool // Init made it now
}

// KeysDir is the keyring folder of a home.
func KeysDir(home string) string { return filepath.Join(home, "keys") }

// GenesisFile is the genesis path of a home.
func GenesisFile(home string) string { return filepath.Join(home, "config", "genesis.json") }

// Init creates a single-validator home in dir unless one is there already.
func Init(dir string, o InitOptions) (*Home, error) {
	conf := cfg.DefaultConfig()
	conf.SetRoot(dir)
	ring := keyring.Open(KeysDir(dir))
	if _, err := os.Stat(conf.GenesisFile()); err == nil {
		gen, err := types.GenesisDocFromFile(conf.GenesisFile())
		if err != nil {
			return nil, err
		}
		h := &Home{Dir: dir, ChainID: gen.ChainID}
		if k, err := ring.Get(OperatorKey); err == nil {
			h.Operator = k.Address()
		}
		return h, nil
	}
	if err := os.MkdirAll(filepath.Join(dir, "config"), 0o700); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return nil, err
	}
	if o.ChainID == "" {
		var b [3]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		o.ChainID = "dii-local-" + hex.EncodeToString(b[:])
	}
	if o.Moniker == "" {
		o.Moniker = "dii-node"
	}
	conf.Moniker = o.Moniker
	tuneConfig(conf)
	cfg.WriteConfigFile(filepath.Join(dir, "config", "config.toml"), conf)

	if _, err := p2p.LoadOrGenNodeKey(conf.NodeKeyFile()); err != nil {
		return nil, fmt.Errorf("node key: %w", err)
	}
	pv, err := privval.LoadOrGenFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile(),
		func() (cmtcrypto.PrivKey, error) { return ed25519.GenPrivKey(), nil })
	if err != nil {
		return nil, fmt.Errorf("validator key: %w", err)
	}
	op, err := ring.Get(OperatorKey)
	if errors.Is(err, keyring.ErrNotFound) {
		op, err = ring.Add(OperatorKey)
	}
	if err != nil {
		return nil, fmt.Errorf("operator key: %w", err)
	}
	params := registry.DefaultParams()
	params.Operators = append([]tx.Address{op.Address()}, o.Operators...)
	dnsKey, err := loadOrGenDNSKey(dir)
	if err != nil {
		return nil, fmt.Errorf("dnssec key: %w", err)
	}
	if o.DNSName == "" {
		o.DNSName = DefaultDNSName
	}
	if len(o.DNSAddrs) == 0 {
		o.DNSAddrs = []string{"127.0.0.1"}
	}
	appState, err := json.Marshal(ledger.GenesisState{Registry: params, Nameservers: []ledger.GenesisNameserver{{
		Operator: op.Address(), Name: strings.TrimSuffix(o.DNSName, "."), Addrs: o.DNSAddrs, DNSKEY: dnsKey.RData(),
	}}})
	if err != nil {
		return nil, err
	}
	pub, err := pv.GetPubKey()
	if err != nil {
		return nil, err
	}
	gen := &types.GenesisDoc{
		ChainID:         o.ChainID,
		GenesisTime:     time.Now().UTC().Truncate(time.Second),
		ConsensusParams: types.DefaultConsensusParams(),
		Validators:      []types.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 10, Name: o.Moniker}},
		AppState:        appState,
	}
	if err := gen.ValidateAndComplete(); err != nil {
		return nil, err
	}
	if err := gen.SaveAs(conf.GenesisFile()); err != nil {
		return nil, err
	}
	return &Home{Dir: dir, ChainID: o.ChainID, Operator: op.Address(), Created: true}, nil
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

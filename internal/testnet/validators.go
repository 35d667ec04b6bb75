package testnet

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"net/netip"
	"path/filepath"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/keyring"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/tx"
)

// Signer returns a signer for a key in the node's keyring (its operator
// account is node.OperatorKey), submitting through via.
func (nd *Node) Signer(ctx context.Context, key string, via *Node) (*client.Signer, error) {
	k, err := keyring.Open(node.KeysDir(nd.HomeDir())).Get(key)
	if err != nil {
		return nil, err
	}
	return client.NewSigner(ctx, via.Client(), k.Private, nd.net.ChainID())
}

// ConsensusKey is the node's validator key.
func (nd *Node) ConsensusKey() (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(nd.PubKey)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%s: bad pub_key %q in %s", nd.Name, nd.PubKey, filepath.Join(nd.net.Dir, ManifestFile))
	}
	return b, nil
}

// SetPower makes target a validator with power (0: removes it), signed by
// admin's operator key, and waits for the commit. A node made a validator
// then publishes its root name server, signed by its own operator, so the
// root zone's NS set names it.
func (n *Network) SetPower(ctx context.Context, admin, target *Node, power uint64) error {
	pub, err := target.ConsensusKey()
	if err != nil {
		return err
	}
	op, err := target.operator()
	if err != nil {
		return err
	}
	s, err := admin.Signer(ctx, node.OperatorKey, admin)
	if err != nil {
		return err
	}
	if _, err := s.Submit(ctx, client.WaitCommit, &tx.Validator{PubKey: pub, Power: power, Operator: op}); err != nil {
		return fmt.Errorf("validator %s power %d: %w", target.Name, power, err)
	}
	if power == 0 {
		return nil
	}
	ap, err := netip.ParseAddrPort(target.DNS)
	if err != nil {
		return err
	}
	ts, err := target.Signer(ctx, node.OperatorKey, admin)
	if err != nil {
		return err
	}
	k, err := target.dnsKey()
	if err != nil {
		return err
	}
	ns := &tx.Nameserver{Name: target.DNSName, Addrs: [][]byte{ap.Addr().AsSlice()}, DNSKEY: k}
	if _, err := ts.Submit(ctx, client.WaitCommit, ns); err != nil {
		return fmt.Errorf("name server of %s: %w", target.Name, err)
	}
	return nil
}

func (nd *Node) dnsKey() ([]byte, error) {
	k, err := dnssec.LoadKey(node.DNSKeyFile(nd.HomeDir()))
	if err != nil {
		return nil, err
	}
	return k.RData(), nil
}

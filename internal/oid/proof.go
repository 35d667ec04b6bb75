package oid

import (
	"encoding/json"
	"fmt"

	"github.com/cometbft/cometbft/types"

	"github.com/dii-net/dii/internal/lightclient"
)

// Bundle kinds.
const (
	BundleArc = "arc" // the key is ArcKey(OID), the value an Arc
	BundleUAV = "uav" // the key is UAVKey(OID), the value an Identity
)

// Bundle is a self-contained proof of one arc's or one X.677 identity's
// state (or of its absence), in the form of lightclient.Bundle with the
// OID in place of the name. GET /v1/oids/{oid}/proof and
// GET /v1/uav/{oid}/proof serve it; Verify checks it offline.
type Bundle struct {
	ChainID string `json:"chain_id"`
	// Kind is BundleArc or BundleUAV.
	Kind string `json:"kind"`
	// OID is the dotted OID the proof is about.
	OID    string `json:"oid"`
	Height int64  `json:"height"`
	// Key is the state key, Value its value (absent: a proof of absence).
	Key   []byte `json:"key"`
	Value []byte `json:"value,omitempty"`
	// Proof is the binary sparse Merkle proof (package smt).
	Proof []byte `json:"proof"`
	// SignedHeader is block Height+1's header and commit, in CometBFT's
	// JSON encoding.
	SignedHeader json.RawMessage `json:"signed_header"`
}

// Verified is what a verified bundle shows.
type Verified struct {
	OID      OID
	Present  bool
	Arc      *Arc      // kind arc, when present
	Identity *Identity // kind uav, when present
	Header   *types.Header
	AppHash  []byte
}

// expectedKey is the state key the bundle must carry for its kind and OID.
func (b *Bundle) expectedKey() (OID, []byte, error) {
	o, err := Parse(b.OID)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", lightclient.ErrBundle, err)
	}
	switch b.Kind {
	case BundleArc:
		return o, ArcKey(o), nil
	case BundleUAV:
		return o, UAVKey(o), nil
	}
	return nil, nil, fmt.Errorf("%w: kind %q, want %q or %q", lightclient.ErrBundle, b.Kind, BundleArc, BundleUAV)
}

// Verify checks b against a trusted validator set, as lightclient.Verify
// checks a name's bundle: the header's signatures by more than two thirds
// of the trusted set, the header height, the key derived from the OID
// (never taken on trust), the Merkle proof against the header's app hash,
// and that a proven value decodes as a record of exactly that OID.
func Verify(b *Bundle, chainID string, vals *types.ValidatorSet) (*Verified, error) {
	o, key, err := b.expectedKey()
	if err != nil {
		return nil, err
	}
	lb := &lightclient.Bundle{ChainID: b.ChainID, Height: b.Height, Key: b.Key, Value: b.Value, Proof: b.Proof, SignedHeader: b.SignedHeader}
	kr, err := lightclient.VerifyKey(lb, chainID, vals, key)
	if err != nil {
		return nil, err
	}
	v := &Verified{OID: o, Present: kr.Present, Header: kr.Header, AppHash: kr.AppHash}
	if !kr.Present {
		return v, nil
	}
	switch b.Kind {
	case BundleArc:
		a, err := DecodeArc(b.Value)
		if err != nil {
			return nil, fmt.Errorf("%w: proven value: %v", lightclient.ErrBundle, err)
		}
		if !a.OID.Equal(o) {
			return nil, fmt.Errorf("%w: proven arc is %s", lightclient.ErrBundle, a.OID)
		}
		v.Arc = a
	case BundleUAV:
		id, err := DecodeIdentity(b.Value)
		if err != nil {
			return nil, fmt.Errorf("%w: proven value: %v", lightclient.ErrBundle, err)
		}
		if !id.OID.Equal(o) {
			return nil, fmt.Errorf("%w: proven identity is %s", lightclient.ErrBundle, id.OID)
		}
		v.Identity = id
	}
	return v, nil
}

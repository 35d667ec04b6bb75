package handle

import (
	"encoding/json"
	"fmt"

	"github.com/cometbft/cometbft/types"

	"github.com/dii-net/dii/internal/lightclient"
)

// Bundle is a self-contained proof of one handle's record (or of its
// absence), in the form of lightclient.Bundle with the handle in place of
// the name. GET /v1/handles/proof?handle= serves it; Verify checks it
// offline.
type Bundle struct {
	ChainID string `json:"chain_id"`
	// Handle is the handle the proof is about.
	Handle string `json:"handle"`
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
	Present bool
	Record  *Record // when present
	Header  *types.Header
	AppHash []byte
}

// Verify checks b against a trusted validator set, as lightclient.Verify
// checks a name's bundle: the header's signatures by more than two thirds
// of the trusted set, the header height, the key derived from the handle
// (never taken on trust), the Merkle proof against the header's app hash,
// and that a proven value decodes as the record of that handle.
func Verify(b *Bundle, chainID string, vals *types.ValidatorSet) (*Verified, error) {
	h, err := Parse(b.Handle)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", lightclient.ErrBundle, err)
	}
	lb := &lightclient.Bundle{ChainID: b.ChainID, Height: b.Height, Key: b.Key, Value: b.Value, Proof: b.Proof, SignedHeader: b.SignedHeader}
	kr, err := lightclient.VerifyKey(lb, chainID, vals, Key(h))
	if err != nil {
		return nil, err
	}
	v := &Verified{Present: kr.Present, Header: kr.Header, AppHash: kr.AppHash}
	if !kr.Present {
		return v, nil
	}
	rec, err := Decode(b.Value)
	if err != nil {
		return nil, fmt.Errorf("%w: proven value: %v", lightclient.ErrBundle, err)
	}
	if !EqualFold(rec.Handle, h.Text) {
		return nil, fmt.Errorf("%w: proven record is %s", lightclient.ErrBundle, rec.Handle)
	}
	v.Record = rec
	return v, nil
}

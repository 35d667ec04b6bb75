package lightclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"

	"github.com/dii-net/dii/internal/registry"
)

// Errors of verification.
var (
	ErrHeader     = errors.New("signed header does not verify")
	ErrValidators = errors.New("validator set is not the trusted one")
	ErrProof      = errors.New("merkle proof does not verify")
	ErrBundle     = errors.New("malformed proof bundle")
)

// Bundle is a self-contained proof of one registry name's state.
type Bundle struct {
	ChainID string `json:"chain_id"`
	// Name is the registered name the proof is about.
	Name string `json:"name"`
	// Height is the state version: the block whose execution produced it.
	Height int64 `json:"height"`
	// Key is the state key, Value its value (absent: a proof of absence).
	Key   []byte `json:"key"`
	Value []byte `json:"value,omitempty"`
	// Proof is the binary sparse Merkle proof (package smt).
	Proof []byte `json:"proof"`
	// SignedHeader is block Height+1's header and commit, in CometBFT's
	// JSON encoding.
	SignedHeader json.RawMessage `json:"signed_header"`
}

// Result is what a verified bundle shows.
type Result struct {
	Present bool
	Record  *registry.Record // when present
	Header  *types.Header
	AppHash []byte
}

// Verify checks b, a proof about a registered name, against a trusted
// validator set: VerifyKey with the key derived from the name, then the
// proven value must be that name's record.
func Verify(b *Bundle, chainID string, vals *types.ValidatorSet) (*Result, error) {
	kr, err := VerifyKey(b, chainID, vals, registry.Key(b.Name))
	if err != nil {
		return nil, err
	}
	res := &Result{Header: kr.Header, AppHash: kr.AppHash}
	if !kr.Present {
		return res, nil
	}
	rec, err := registry.DecodeRecord(b.Value)
	if err != nil {
		return nil, fmt.Errorf("%w: proven value: %v", ErrBundle, err)
	}
	if rec.Name != b.Name {
		return nil, fmt.Errorf("%w: proven record is for %q", ErrBundle, rec.Name)
	}
	res.Present, res.Record = true, rec
	return res, nil
}

// LoadTrust reads a trusted validator set and chain id from a file: either
// a genesis.json, or a JSON object {"chain_id": ..., "validators": [...]}
// as served by the API's /v1/validators.
func LoadTrust(path string) (string, *types.ValidatorSet, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	var probe struct {
		ChainID     string          `json:"chain_id"`
		GenesisTime json.RawMessage `json:"genesis_time"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return "", nil, fmt.Errorf("%s: %w", path, err)
	}
	if probe.GenesisTime != nil {
		gen, err := types.GenesisDocFromJSON(raw)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", path, err)
		}
		vals := make([]*types.Validator, len(gen.Validators))
		for i, v := range gen.Validators {
			vals[i] = types.NewValidator(v.PubKey, v.Power)
		}
		set, err := setOf(vals)
		return gen.ChainID, set, err
	}
	var tf TrustFile
	if err := cmtjson.Unmarshal(raw, &tf); err != nil {
		return "", nil, fmt.Errorf("%s: %w", path, err)
	}
	if tf.ChainID == "" || len(tf.Validators) == 0 {
		return "", nil, fmt.Errorf("%s: needs chain_id and validators", path)
	}
	set, err := setOf(tf.Validators)
	return tf.ChainID, set, err
}

// TrustFile is a validator set to trust, with its chain id.
type TrustFile struct {
	ChainID    string             `json:"chain_id"`
	Height     int64              `json:"height"`
	Validators []*types.Validator `json:"validators"`
}

func setOf(vals []*types.Validator) (*types.ValidatorSet, error) {
	set := &types.ValidatorSet{}
	if err := set.UpdateWithChangeSet(vals); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrValidators, err)
	}
	set.GetProposer() // sets the proposer ValidateBasic expects
	return set, nil
}

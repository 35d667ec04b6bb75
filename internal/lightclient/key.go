package lightclient

import (
	"bytes"
	"fmt"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"

	"github.com/dii-net/dii/internal/smt"
	"github.com/dii-net/dii/internal/state"
)

// KeyResult is what VerifyKey shows: whether the key is present, and the
// header that authenticates the state.
type KeyResult struct {
	Present bool
	Header  *types.Header
	AppHash []byte
}

// VerifyKey checks a bundle for any state key, not only a name's: the
// same checks as Verify, in the same order, except that the key is
// compared with wantKey (derived by the caller from what the bundle is
// about) and the value, when present, is not interpreted. Callers decode
// and check the value themselves. The bundle's Name is ignored.
func VerifyKey(b *Bundle, chainID string, vals *types.ValidatorSet, wantKey []byte) (*KeyResult, error) {
	if b.ChainID != chainID {
		return nil, fmt.Errorf("%w: bundle is for chain %q, trusted chain is %q", ErrBundle, b.ChainID, chainID)
	}
	var sh types.SignedHeader
	if err := cmtjson.Unmarshal(b.SignedHeader, &sh); err != nil {
		return nil, fmt.Errorf("%w: signed header: %v", ErrBundle, err)
	}
	if sh.Header == nil || sh.Commit == nil {
		return nil, fmt.Errorf("%w: signed header without header or commit", ErrBundle)
	}
	if err := sh.ValidateBasic(chainID); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHeader, err)
	}
	if err := vals.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrValidators, err)
	}
	if !bytes.Equal(sh.ValidatorsHash, vals.Hash()) {
		return nil, fmt.Errorf("%w: header %d names validators %X, trusted set hashes to %X", ErrValidators, sh.Height, sh.ValidatorsHash, vals.Hash())
	}
	if err := vals.VerifyCommitLight(chainID, sh.Commit.BlockID, sh.Height, sh.Commit); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHeader, err)
	}
	if sh.Height != b.Height+1 {
		return nil, fmt.Errorf("%w: header height %d, want state height %d + 1", ErrBundle, sh.Height, b.Height)
	}
	if !bytes.Equal(b.Key, wantKey) {
		return nil, fmt.Errorf("%w: key %q is not the expected key %q", ErrBundle, b.Key, wantKey)
	}
	var p smt.Proof
	if err := p.UnmarshalBinary(b.Proof); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProof, err)
	}
	if len(sh.AppHash) != 32 {
		return nil, fmt.Errorf("%w: app hash is %d bytes", ErrHeader, len(sh.AppHash))
	}
	var root smt.Hash
	copy(root[:], sh.AppHash)
	res := &KeyResult{Header: sh.Header, AppHash: sh.AppHash}
	if b.Value == nil {
		if err := p.VerifyExclusion(root, state.KeyHash(b.Key)); err != nil {
			return nil, fmt.Errorf("%w: absence of key %q: %v", ErrProof, b.Key, err)
		}
		return res, nil
	}
	if err := p.VerifyInclusion(root, state.KeyHash(b.Key), state.ValueHash(b.Value)); err != nil {
		return nil, fmt.Errorf("%w: key %q: %v", ErrProof, b.Key, err)
	}
	res.Present = true
	return res, nil
}

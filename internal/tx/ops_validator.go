package tx

import (
	"crypto/ed25519"
	"fmt"
)

// The validator set numbers its kinds from 16; see KindValidator.

// MaxValidatorPower bounds one validator's voting power in an operation,
// so that no set the ledger accepts can reach CometBFT's limit on the
// total (2^63−1 divided by 8).
const MaxValidatorPower = 1 << 40

// Validator adds a CometBFT validator, changes its voting power, or with
// Power 0 removes it. PubKey is the validator's ed25519 consensus key (the
// key in its priv_validator_key.json, not an account key). Operator is the
// account that runs it: it may publish the validator's root name server
// (a Nameserver operation). A zero Operator keeps the operator of a
// validator already in the set and means none for a new one. Only the
// validator admins named in genesis may send it.
type Validator struct {
	PubKey   ed25519.PublicKey
	Power    uint64
	Operator Address
}

// Kind implements Op.
func (*Validator) Kind() Kind { return KindValidator }

// Target implements Op: the consensus key in hex.
func (o *Validator) Target() string { return fmt.Sprintf("%X", []byte(o.PubKey)) }

func (o *Validator) encode(w *writer) error {
	if len(o.PubKey) != PubKeyLen {
		return fmt.Errorf("pubkey: %w: %d bytes, want %d", ErrField, len(o.PubKey), PubKeyLen)
	}
	w.Raw(o.PubKey)
	w.U64(o.Power)
	w.Raw(o.Operator[:])
	return nil
}

func decodeValidatorOp(r *reader) Op {
	o := &Validator{}
	if pk := r.Bytes("pubkey", PubKeyLen); r.Err == nil {
		o.PubKey = append(ed25519.PublicKey(nil), pk...)
	}
	o.Power = r.U64("power")
	o.Operator = readAddress(r, "operator")
	return o
}

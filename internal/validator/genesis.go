package validator

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"

	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// Genesis is the validator part of genesis.json's app_state
// ("validators").
type Genesis struct {
	// Admins may change the set; empty: the registry operators.
	Admins []tx.Address `json:"admins,omitempty"`
	// MaxValidators bounds the set; 0: DefaultMaxValidators.
	MaxValidators int `json:"max_validators,omitempty"`
	// Operators name the account running each genesis validator.
	Operators []GenesisOperator `json:"operators,omitempty"`
}

// GenesisOperator links a genesis validator's consensus key to the
// account that runs it.
type GenesisOperator struct {
	PubKey   []byte     `json:"pub_key"` // ed25519, base64 in JSON
	Operator tx.Address `json:"operator"`
}

// GenesisValidator is a validator CometBFT starts with.
type GenesisValidator struct {
	PubKey ed25519.PublicKey
	Power  int64
}

// InitGenesis writes the parameters and the genesis validators.
func InitGenesis(w *state.Overlay, g *Genesis, registryOperators []tx.Address, vals []GenesisValidator) error {
	if g == nil {
		g = &Genesis{}
	}
	p := Params{Admins: g.Admins, MaxValidators: g.MaxValidators}
	if len(p.Admins) == 0 {
		p.Admins = append([]tx.Address(nil), registryOperators...)
	}
	if p.MaxValidators == 0 {
		p.MaxValidators = DefaultMaxValidators
	}
	if p.MaxValidators < 1 || p.MaxValidators > MaxMaxValidators {
		return fmt.Errorf("genesis validators: max_validators %d not in 1..%d", p.MaxValidators, MaxMaxValidators)
	}
	if len(vals) > p.MaxValidators {
		return fmt.Errorf("genesis validators: %d validators, max_validators is %d", len(vals), p.MaxValidators)
	}
	ops := map[string]tx.Address{}
	for i, o := range g.Operators {
		if len(o.PubKey) != ed25519.PublicKeySize {
			return fmt.Errorf("genesis validators: operator %d: pub_key is %d bytes, want %d", i, len(o.PubKey), ed25519.PublicKeySize)
		}
		ops[string(o.PubKey)] = o.Operator
	}
	for i, gv := range vals {
		if len(gv.PubKey) != ed25519.PublicKeySize {
			return fmt.Errorf("genesis validator %d: not an ed25519 key", i)
		}
		if gv.Power < 1 || gv.Power > tx.MaxValidatorPower {
			return fmt.Errorf("genesis validator %d: power %d not in 1..%d", i, gv.Power, int64(tx.MaxValidatorPower))
		}
		if _, dup := w.Get(Key(gv.PubKey)); dup {
			return fmt.Errorf("genesis validator %d: listed twice", i)
		}
		v := &Validator{PubKey: gv.PubKey, Power: uint64(gv.Power), Operator: ops[string(gv.PubKey)]}
		w.Set(Key(gv.PubKey), v.Encode())
		delete(ops, string(gv.PubKey))
	}
	if len(ops) > 0 {
		return fmt.Errorf("genesis validators: %d operators name a key that is not a genesis validator", len(ops))
	}
	pb, err := json.Marshal(p)
	if err != nil {
		return err
	}
	w.Set(ParamsKey, pb)
	return nil
}

package validator

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dii-net/dii/internal/codec"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// Errors of the validator set rules; the ledger maps each to a result code.
var (
	ErrUnauthorized = errors.New("not a validator admin")
	ErrNotFound     = errors.New("not a validator")
	ErrInvalid      = errors.New("invalid validator change")
	ErrTooLarge     = errors.New("validator set limit")
	ErrBadRecord    = errors.New("corrupt validator record")
)

// Prefix is the state key prefix of validator records.
const Prefix = "v/"

// ParamsKey is the state key of the validator set parameters.
var ParamsKey = []byte("p/validators")

// Limits.
const (
	// DefaultMaxValidators is the largest set when genesis names no limit.
	DefaultMaxValidators = 100
	// MaxMaxValidators bounds the limit genesis may set.
	MaxMaxValidators = 10000
)

// Key is the state key of the validator with consensus key pub.
func Key(pub ed25519.PublicKey) []byte { return append([]byte(Prefix), pub...) }

// Validator is one member of the set.
type Validator struct {
	PubKey   ed25519.PublicKey // consensus key, 32 bytes
	Power    uint64            // voting power, at least 1
	Operator tx.Address        // the account that runs it; zero: none
}

const recordVersion = 1

// Encode returns the record's canonical encoding: version (1), consensus
// key (32), power (u64) and operator (20).
func (v *Validator) Encode() []byte {
	w := &codec.Writer{Buf: make([]byte, 0, 1+32+8+20)}
	w.U8(recordVersion)
	w.Raw(v.PubKey)
	w.U64(v.Power)
	w.Raw(v.Operator[:])
	return w.Buf
}

// Decode parses a record strictly.
func Decode(b []byte) (*Validator, error) {
	r := &codec.Reader{B: b}
	if ver := r.U8("version"); r.Err == nil && ver != recordVersion {
		return nil, fmt.Errorf("%w: version %d", ErrBadRecord, ver)
	}
	v := &Validator{}
	if pk := r.Bytes("pubkey", ed25519.PublicKeySize); r.Err == nil {
		v.PubKey = append(ed25519.PublicKey(nil), pk...)
	}
	v.Power = r.U64("power")
	copy(v.Operator[:], r.Bytes("operator", tx.AddressLen))
	r.End()
	if r.Err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRecord, r.Err)
	}
	if v.Power == 0 || v.Power > tx.MaxValidatorPower {
		return nil, fmt.Errorf("%w: power %d", ErrBadRecord, v.Power)
	}
	return v, nil
}

// Get reads one validator; ok is false when pub is not in the set.
func Get(r state.Reader, pub ed25519.PublicKey) (v *Validator, ok bool, err error) {
	b, found := r.Get(Key(pub))
	if !found {
		return nil, false, nil
	}
	v, err = Decode(b)
	if err == nil && !bytes.Equal(v.PubKey, pub) {
		err = fmt.Errorf("%w: record of %X under the key of %X", ErrBadRecord, []byte(v.PubKey), []byte(pub))
	}
	return v, err == nil, err
}

// List returns the set in key order (by consensus key).
func List(r state.Reader) ([]*Validator, error) {
	var out []*Validator
	var err error
	p := []byte(Prefix)
	r.Iterate(p, state.PrefixEnd(p), func(_, b []byte) bool {
		v, derr := Decode(b)
		if derr != nil {
			err = derr
			return false
		}
		out = append(out, v)
		return true
	})
	return out, err
}

// Params are the validator set's genesis parameters, fixed at genesis.
type Params struct {
	// Admins may add, re-weigh and remove validators.
	Admins []tx.Address `json:"admins"`
	// MaxValidators is the largest set.
	MaxValidators int `json:"max_validators"`
}

// IsAdmin reports whether a is a validator admin.
func (p *Params) IsAdmin(a tx.Address) bool {
	for _, x := range p.Admins {
		if x == a {
			return true
		}
	}
	return false
}

// LoadParams reads the parameters. A chain from before validator
// operations has none stored: it has no admins, so its set cannot change.
func LoadParams(r state.Reader) (*Params, error) {
	b, ok := r.Get(ParamsKey)
	if !ok {
		return &Params{MaxValidators: DefaultMaxValidators}, nil
	}
	var p Params
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%w: parameters: %v", ErrBadRecord, err)
	}
	return &p, nil
}

// IsOperator reports whether a runs a validator of the set.
func IsOperator(r state.Reader, a tx.Address) (bool, error) {
	if a.IsZero() {
		return false, nil
	}
	vs, err := List(r)
	for _, v := range vs {
		if v.Operator == a {
			return true, err
		}
	}
	return false, err
}

// Exec applies a validator operation by signer to w. It writes nothing
// when it fails.
func Exec(w *state.Overlay, p *Params, signer tx.Address, o *tx.Validator) error {
	if !p.IsAdmin(signer) {
		return fmt.Errorf("%w: only a validator admin named in genesis may change the validator set", ErrUnauthorized)
	}
	if len(o.PubKey) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: consensus key is %d bytes, want %d", ErrInvalid, len(o.PubKey), ed25519.PublicKeySize)
	}
	if o.Power > tx.MaxValidatorPower {
		return fmt.Errorf("%w: power %d over %d", ErrTooLarge, o.Power, uint64(tx.MaxValidatorPower))
	}
	vs, err := List(w)
	if err != nil {
		return err
	}
	var cur *Validator
	for _, v := range vs {
		if bytes.Equal(v.PubKey, o.PubKey) {
			cur = v
		}
	}
	if o.Power == 0 {
		if cur == nil {
			return fmt.Errorf("%w: %X", ErrNotFound, []byte(o.PubKey))
		}
		if len(vs) == 1 {
			return fmt.Errorf("%w: the last validator cannot be removed", ErrInvalid)
		}
		w.Delete(Key(o.PubKey))
		withdrawIfIdle(w, vs, cur, cur.Operator)
		return nil
	}
	if cur == nil {
		limit := p.MaxValidators
		if limit <= 0 {
			limit = DefaultMaxValidators
		}
		if len(vs) >= limit {
			return fmt.Errorf("%w: the set has %d validators, the most genesis allows", ErrTooLarge, len(vs))
		}
		nv := &Validator{PubKey: append(ed25519.PublicKey(nil), o.PubKey...), Power: o.Power, Operator: o.Operator}
		w.Set(Key(o.PubKey), nv.Encode())
		return nil
	}
	nv := &Validator{PubKey: cur.PubKey, Power: o.Power, Operator: cur.Operator}
	if !o.Operator.IsZero() {
		nv.Operator = o.Operator
	}
	w.Set(Key(o.PubKey), nv.Encode())
	if nv.Operator != cur.Operator {
		withdrawIfIdle(w, vs, cur, cur.Operator)
	}
	return nil
}

// withdrawIfIdle deletes op's root name server entry unless op runs a
// validator other than changed.
func withdrawIfIdle(w *state.Overlay, vs []*Validator, changed *Validator, op tx.Address) {
	if op.IsZero() {
		return
	}
	for _, v := range vs {
		if v != changed && v.Operator == op {
			return
		}
	}
	w.Delete(registry.NameserverKey(op))
}

// Update is a change of one validator's voting power for CometBFT; power
// 0 removes it.
type Update struct {
	PubKey ed25519.PublicKey
	Power  int64
}

// Updates returns, in key order, the validators whose power differs
// between base and base with changes applied: what CometBFT must be told
// at the end of the block. A validator added and removed in the same block
// gives no update.
func Updates(base state.Reader, changes []state.Change) ([]Update, error) {
	var out []Update
	for _, c := range changes {
		if len(c.Key) != len(Prefix)+ed25519.PublicKeySize || !bytes.HasPrefix(c.Key, []byte(Prefix)) {
			continue
		}
		pub := ed25519.PublicKey(c.Key[len(Prefix):])
		var before, after uint64
		old, ok, err := Get(base, pub)
		if err != nil {
			return nil, err
		}
		if ok {
			before = old.Power
		}
		if c.Value != nil {
			nv, err := Decode(c.Value)
			if err != nil {
				return nil, err
			}
			after = nv.Power
		}
		if before != after {
			out = append(out, Update{PubKey: append(ed25519.PublicKey(nil), pub...), Power: int64(after)})
		}
	}
	return out, nil
}

package tx

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/dii-net/dii/internal/codec"
)

// Version is the only transaction version this package encodes and decodes.
const Version = 1

// Limits on a transaction's shape. They bound the work one transaction can
// cause before any signature is checked.
const (
	MaxChainIDLen = 50
	MaxOps        = 1024
	MaxTxBytes    = 1 << 20 // 1 MiB, CometBFT's default mempool limit
	MaxNameLen    = 253
	MaxRecords    = 255
	MaxRDataLen   = 65535
)

// Sizes of fixed fields.
const (
	AddressLen   = 20
	PubKeyLen    = ed25519.PublicKeySize
	SignatureLen = ed25519.SignatureSize
)

var magic = [2]byte{'d', 'T'}

// signDomain separates transaction signatures from any other message an
// account key might sign.
const signDomain = "dii/tx/v1\x00"

// Errors returned by Decode and Encode. Field errors from the codec
// package (codec.ErrTruncated, codec.ErrField, codec.ErrTrailing) are
// wrapped with the field name and offset.
var (
	ErrBadMagic     = errors.New("not a dii transaction")
	ErrVersion      = errors.New("unsupported transaction version")
	ErrTooLarge     = errors.New("transaction too large")
	ErrUnknownOp    = errors.New("unknown operation kind")
	ErrBadSignature = errors.New("bad signature")
)

// Address identifies an account: the first 20 bytes of sha256 of its
// ed25519 public key (the same derivation CometBFT uses for validators).
type Address [AddressLen]byte

// AddressOf derives the account address of a public key.
func AddressOf(pub ed25519.PublicKey) Address {
	sum := sha256.Sum256(pub)
	var a Address
	copy(a[:], sum[:AddressLen])
	return a
}

// Tx is a decoded transaction.
type Tx struct {
	ChainID   string
	Signer    ed25519.PublicKey // 32 bytes
	Sequence  uint64
	Ops       []Op
	Signature []byte // 64 bytes
}

// SignerAddress is the address of the signing account.
func (t *Tx) SignerAddress() Address { return AddressOf(t.Signer) }

// body encodes everything the signature covers: version to the last op.
func (t *Tx) body(w *writer) error {
	if len(t.ChainID) == 0 || len(t.ChainID) > MaxChainIDLen {
		return fmt.Errorf("chain id: %w: length %d not in 1..%d", ErrField, len(t.ChainID), MaxChainIDLen)
	}
	for i := 0; i < len(t.ChainID); i++ {
		if c := t.ChainID[i]; c < 0x21 || c > 0x7e {
			return fmt.Errorf("chain id: %w: byte %#x is not printable ASCII", ErrField, c)
		}
	}
	if len(t.Signer) != PubKeyLen {
		return fmt.Errorf("signer: %w: %d bytes, want %d", ErrField, len(t.Signer), PubKeyLen)
	}
	if len(t.Ops) == 0 || len(t.Ops) > MaxOps {
		return fmt.Errorf("ops: %w: %d operations, want 1..%d", ErrField, len(t.Ops), MaxOps)
	}
	w.U8(Version)
	w.Str8(t.ChainID)
	w.Raw(t.Signer)
	w.U64(t.Sequence)
	w.U16(uint16(len(t.Ops)))
	for i, op := range t.Ops {
		if op == nil {
			return fmt.Errorf("op %d: %w: nil", i, ErrField)
		}
		w.U8(uint8(op.Kind()))
		if err := op.encode(w); err != nil {
			return fmt.Errorf("op %d (%s): %w", i, op.Kind(), err)
		}
	}
	return nil
}

// SignBytes returns the bytes an account signs: a domain tag followed by the
// transaction body, which includes the chain id and the sequence number.
func (t *Tx) SignBytes() ([]byte, error) {
	w := &writer{Buf: make([]byte, 0, 256)}
	w.Raw([]byte(signDomain))
	if err := t.body(w); err != nil {
		return nil, err
	}
	return w.Buf, nil
}

// Sign sets Signer from key and signs the transaction.
func (t *Tx) Sign(key ed25519.PrivateKey) error {
	t.Signer = key.Public().(ed25519.PublicKey)
	sb, err := t.SignBytes()
	if err != nil {
		return err
	}
	t.Signature = ed25519.Sign(key, sb)
	return nil
}

// VerifySignature checks the signature over SignBytes.
func (t *Tx) VerifySignature() error {
	if len(t.Signature) != SignatureLen || len(t.Signer) != PubKeyLen {
		return ErrBadSignature
	}
	sb, err := t.SignBytes()
	if err != nil {
		return err
	}
	if !ed25519.Verify(t.Signer, sb, t.Signature) {
		return ErrBadSignature
	}
	return nil
}

// Encode returns the canonical encoding of a signed transaction.
func (t *Tx) Encode() ([]byte, error) {
	if len(t.Signature) != SignatureLen {
		return nil, fmt.Errorf("signature: %w: %d bytes, want %d (sign first)", ErrField, len(t.Signature), SignatureLen)
	}
	w := &writer{Buf: make([]byte, 0, 256)}
	w.Raw(magic[:])
	if err := t.body(w); err != nil {
		return nil, err
	}
	w.Raw(t.Signature)
	if len(w.Buf) > MaxTxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(w.Buf), MaxTxBytes)
	}
	return w.Buf, nil
}

// Hash is the transaction's identifier: sha256 of its encoding, as
// CometBFT computes it.
func Hash(raw []byte) [32]byte { return sha256.Sum256(raw) }

// Decode parses a transaction strictly. It checks encoding, not signatures:
// call VerifySignature on the result.
func Decode(b []byte) (*Tx, error) {
	if len(b) > MaxTxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(b), MaxTxBytes)
	}
	r := &reader{B: b}
	m := r.Bytes("magic", 2)
	if r.Err != nil {
		return nil, r.Err
	}
	if m[0] != magic[0] || m[1] != magic[1] {
		return nil, ErrBadMagic
	}
	if v := r.U8("version"); r.Err == nil && v != Version {
		return nil, fmt.Errorf("%w: %d", ErrVersion, v)
	}
	t := &Tx{}
	t.ChainID = r.Str8("chain id", 1, MaxChainIDLen)
	for i := 0; r.Err == nil && i < len(t.ChainID); i++ {
		if c := t.ChainID[i]; c < 0x21 || c > 0x7e {
			r.Fail("chain id", ErrField, "not printable ASCII")
		}
	}
	t.Signer = ed25519.PublicKey(r.Bytes("signer", PubKeyLen))
	t.Sequence = r.U64("sequence")
	n := int(r.U16("op count"))
	if r.Err == nil && (n == 0 || n > MaxOps) {
		r.Fail("op count", ErrField, fmt.Sprintf("%d not in 1..%d", n, MaxOps))
	}
	if r.Err != nil {
		return nil, r.Err
	}
	t.Ops = make([]Op, 0, n)
	for i := 0; i < n; i++ {
		op, err := decodeOp(r)
		if err != nil {
			return nil, fmt.Errorf("op %d: %w", i, err)
		}
		t.Ops = append(t.Ops, op)
	}
	t.Signature = r.Bytes("signature", SignatureLen)
	if r.Err != nil {
		return nil, r.Err
	}
	if r.Off != len(b) {
		return nil, fmt.Errorf("%w: %d after the signature", ErrTrailing, len(b)-r.Off)
	}
	return t, nil
}

// Aliases so callers can match decoding failures without importing codec.
var (
	ErrTruncated = codec.ErrTruncated
	ErrField     = codec.ErrField
	ErrTrailing  = codec.ErrTrailing
)

type (
	writer = codec.Writer
	reader = codec.Reader
)

package smt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// ProofVersion is the version byte of the proof encoding described in the
// package documentation.
const ProofVersion byte = 1

// ProofKind says what a proof proves; it is byte 1 of the encoding.
type ProofKind byte

// Proof kinds. The zero ProofKind is invalid.
const (
	// KindInclusion: the path ends at the leaf for the queried key.
	KindInclusion ProofKind = 1
	// KindExclusionEmpty: the path of the queried key ends at an empty
	// subtree.
	KindExclusionEmpty ProofKind = 2
	// KindExclusionLeaf: the path of the queried key ends at a leaf holding
	// another key, which is alone in that subtree.
	KindExclusionLeaf ProofKind = 3
)

// String returns a short lower-case name of k.
func (k ProofKind) String() string {
	switch k {
	case KindInclusion:
		return "inclusion"
	case KindExclusionEmpty:
		return "exclusion-empty"
	case KindExclusionLeaf:
		return "exclusion-leaf"
	}
	return fmt.Sprintf("invalid-kind(%d)", byte(k))
}

func (k ProofKind) valid() bool { return k >= KindInclusion && k <= KindExclusionLeaf }

// Errors returned by proof decoding and verification. Returned errors wrap
// one of these (test with errors.Is) and add detail.
var (
	// ErrTruncated: the encoding ends before the proof does.
	ErrTruncated = errors.New("smt: truncated proof")
	// ErrTrailingData: bytes follow the end of the proof.
	ErrTrailingData = errors.New("smt: trailing bytes after proof")
	// ErrUnknownVersion: the version byte is not ProofVersion.
	ErrUnknownVersion = errors.New("smt: unknown proof version")
	// ErrUnknownKind: the kind byte is not one of the ProofKind constants.
	ErrUnknownKind = errors.New("smt: unknown proof kind")
	// ErrDepthTooLarge: the depth exceeds 256.
	ErrDepthTooLarge = errors.New("smt: proof depth exceeds 256")
	// ErrNonCanonical: the encoding is not the unique canonical one (padding
	// bits set in the bitmap, an empty sibling sent as an explicit zero hash,
	// or an empty sibling directly above the terminal).
	ErrNonCanonical = errors.New("smt: non-canonical proof")
	// ErrMalformedProof: the proof is nil, the zero Proof, or internally
	// inconsistent.
	ErrMalformedProof = errors.New("smt: malformed proof")
	// ErrWrongKind: an exclusion proof was verified as an inclusion proof or
	// vice versa.
	ErrWrongKind = errors.New("smt: wrong proof kind")
	// ErrTerminalLeaf: the other leaf of an exclusion proof has the queried
	// key or does not share the path prefix with it.
	ErrTerminalLeaf = errors.New("smt: terminal leaf does not fit the queried key")
	// ErrRootMismatch: the proof does not lead to the expected root.
	ErrRootMismatch = errors.New("smt: proof does not match root")
)

// Proof is an inclusion or exclusion proof for one key, as returned by
// Tree.Prove or decoded by UnmarshalBinary. It holds the sibling hashes along
// the key's path from the root down to the depth where the path ends, with
// empty siblings compressed by a bitmap, and, for an exclusion proof that ends
// at another leaf, that leaf's key and value hash.
//
// The zero Proof is invalid. A Proof is not modified by its methods other
// than UnmarshalBinary, so a decoded proof may be verified concurrently.
type Proof struct {
	kind     ProofKind
	depth    int    // number of levels on the path, in [0, 256]
	bitmap   []byte // (depth+7)/8 bytes; bit i (MSB first) set = sibling at depth i is non-empty
	siblings []Hash // the non-empty siblings, root to leaf
	leafKey  Hash   // KindExclusionLeaf only
	leafVal  Hash   // KindExclusionLeaf only
}

// Kind returns what p proves (0 for a nil or zero Proof).
func (p *Proof) Kind() ProofKind {
	if p == nil {
		return 0
	}
	return p.kind
}

// Depth returns the length of the proof's path: the depth of its terminal
// (the leaf or the empty subtree where the key's path ends).
func (p *Proof) Depth() int {
	if p == nil {
		return 0
	}
	return p.depth
}

// Prove returns a proof for key against t.Root(): an inclusion proof if key
// is present, otherwise an exclusion proof. The empty tree yields an
// exclusion proof of depth 0.
func (t *Tree) Prove(key Hash) *Proof {
	var r ref
	if t != nil {
		r = t.root
	}
	p := &Proof{
		bitmap:   make([]byte, 0, 4),
		siblings: make([]Hash, 0, 24),
	}
	depth := 0
	for r.in != nil {
		if depth >= MaxDepth {
			panic("smt: internal error: inner node at depth 256")
		}
		b := bitAt(&key, depth)
		if depth&7 == 0 {
			p.bitmap = append(p.bitmap, 0)
		}
		if sib := r.in.child[b^1]; !sib.isEmpty() {
			p.bitmap[depth>>3] |= 0x80 >> uint(depth&7)
			p.siblings = append(p.siblings, sib.hash())
		}
		r = r.in.child[b]
		depth++
	}
	p.depth = depth
	switch {
	case r.lf == nil:
		p.kind = KindExclusionEmpty
	case r.lf.key == key:
		p.kind = KindInclusion
	default:
		p.kind = KindExclusionLeaf
		p.leafKey, p.leafVal = r.lf.key, r.lf.value
	}
	return p
}

// check verifies the internal consistency of p; it is the in-memory
// counterpart of the checks UnmarshalBinary performs on the encoding.
func (p *Proof) check() error {
	if p == nil {
		return fmt.Errorf("%w: nil proof", ErrMalformedProof)
	}
	if !p.kind.valid() {
		return fmt.Errorf("%w: %v", ErrMalformedProof, p.kind)
	}
	if p.depth < 0 || p.depth > MaxDepth {
		return fmt.Errorf("%w: depth %d", ErrMalformedProof, p.depth)
	}
	if len(p.bitmap) != (p.depth+7)/8 {
		return fmt.Errorf("%w: bitmap of %d bytes for depth %d", ErrMalformedProof, len(p.bitmap), p.depth)
	}
	if err := checkBitmap(p.bitmap, p.depth); err != nil {
		return err
	}
	if n := popCount(p.bitmap); n != len(p.siblings) {
		return fmt.Errorf("%w: bitmap has %d bits set but proof has %d siblings", ErrMalformedProof, n, len(p.siblings))
	}
	for i := range p.siblings {
		if p.siblings[i] == (Hash{}) {
			return fmt.Errorf("%w: sibling %d is an explicit empty hash", ErrNonCanonical, i)
		}
	}
	return nil
}

// checkBitmap checks the canonical-form rules on a bitmap of depth bits:
// padding bits are zero, and the last bit (the sibling right above the
// terminal) is set, because in the compact tree an inner node never has an
// empty child next to a single leaf or next to another empty subtree.
func checkBitmap(bitmap []byte, depth int) error {
	if depth == 0 {
		return nil
	}
	if rem := depth & 7; rem != 0 {
		if bitmap[len(bitmap)-1]&(0xFF>>uint(rem)) != 0 {
			return fmt.Errorf("%w: padding bits set in bitmap", ErrNonCanonical)
		}
	}
	last := depth - 1
	if bitmap[last>>3]&(0x80>>uint(last&7)) == 0 {
		return fmt.Errorf("%w: empty sibling above the terminal at depth %d", ErrNonCanonical, last)
	}
	return nil
}

func popCount(b []byte) int {
	n := 0
	for _, x := range b {
		n += bits.OnesCount8(x)
	}
	return n
}

// rootFrom folds the path from the terminal hash h at p.depth up to the root,
// taking the left/right order from the bits of key. p must have passed check.
func (p *Proof) rootFrom(key *Hash, h Hash) Hash {
	idx := len(p.siblings)
	var sib Hash
	for i := p.depth - 1; i >= 0; i-- {
		if p.bitmap[i>>3]&(0x80>>uint(i&7)) != 0 {
			idx--
			sib = p.siblings[idx]
		} else {
			sib = Hash{}
		}
		if bitAt(key, i) == 0 {
			h = hashInner(&h, &sib)
		} else {
			h = hashInner(&sib, &h)
		}
	}
	return h
}

// VerifyInclusion returns nil if p proves that key is present with value
// hash value in the tree whose root is root; otherwise an error wrapping one
// of the package's sentinel errors.
func (p *Proof) VerifyInclusion(root, key, value Hash) error {
	if err := p.check(); err != nil {
		return err
	}
	if p.kind != KindInclusion {
		return fmt.Errorf("%w: %v proof cannot prove inclusion", ErrWrongKind, p.kind)
	}
	if p.rootFrom(&key, hashLeaf(&key, &value)) != root {
		return ErrRootMismatch
	}
	return nil
}

// VerifyExclusion returns nil if p proves that key is absent from the tree
// whose root is root; otherwise an error wrapping one of the package's
// sentinel errors.
func (p *Proof) VerifyExclusion(root, key Hash) error {
	if err := p.check(); err != nil {
		return err
	}
	var h Hash
	switch p.kind {
	case KindExclusionEmpty:
		// The terminal is the empty subtree, whose hash is zero.
	case KindExclusionLeaf:
		if p.leafKey == key {
			return fmt.Errorf("%w: it holds the queried key", ErrTerminalLeaf)
		}
		if cp := commonPrefixLen(&p.leafKey, &key); cp < p.depth {
			return fmt.Errorf("%w: it shares %d bits with the queried key, the path has %d", ErrTerminalLeaf, cp, p.depth)
		}
		h = hashLeaf(&p.leafKey, &p.leafVal)
	default:
		return fmt.Errorf("%w: %v proof cannot prove exclusion", ErrWrongKind, p.kind)
	}
	if p.rootFrom(&key, h) != root {
		return ErrRootMismatch
	}
	return nil
}

const headerSize = 4 // version, kind, depth (uint16)

// Size returns the length in bytes of p's binary encoding (0 for nil).
func (p *Proof) Size() int {
	if p == nil {
		return 0
	}
	n := headerSize + len(p.bitmap) + len(p.siblings)*len(Hash{})
	if p.kind == KindExclusionLeaf {
		n += 2 * len(Hash{})
	}
	return n
}

// MarshalBinary returns the canonical binary encoding of p, described in the
// package documentation. It fails only for a nil, zero or inconsistent proof.
func (p *Proof) MarshalBinary() ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, p.Size())
	b = append(b, ProofVersion, byte(p.kind))
	b = binary.BigEndian.AppendUint16(b, uint16(p.depth))
	b = append(b, p.bitmap...)
	for i := range p.siblings {
		b = append(b, p.siblings[i][:]...)
	}
	if p.kind == KindExclusionLeaf {
		b = append(b, p.leafKey[:]...)
		b = append(b, p.leafVal[:]...)
	}
	return b, nil
}

// UnmarshalBinary decodes a proof produced by MarshalBinary into p. It is
// strict: only the canonical encoding of a structurally valid proof is
// accepted, so a successful decode re-encodes to exactly b. On error p is
// left unchanged. The result does not alias b.
func (p *Proof) UnmarshalBinary(b []byte) error {
	if p == nil {
		return fmt.Errorf("%w: nil proof", ErrMalformedProof)
	}
	if len(b) < headerSize {
		return fmt.Errorf("%w: %d bytes, header needs %d", ErrTruncated, len(b), headerSize)
	}
	if b[0] != ProofVersion {
		return fmt.Errorf("%w: %d", ErrUnknownVersion, b[0])
	}
	kind := ProofKind(b[1])
	if !kind.valid() {
		return fmt.Errorf("%w: %d", ErrUnknownKind, b[1])
	}
	depth := int(binary.BigEndian.Uint16(b[2:4]))
	if depth > MaxDepth {
		return fmt.Errorf("%w: %d", ErrDepthTooLarge, depth)
	}
	rest := b[headerSize:]
	nb := (depth + 7) / 8
	if len(rest) < nb {
		return fmt.Errorf("%w: bitmap needs %d bytes, %d left", ErrTruncated, nb, len(rest))
	}
	bitmap := rest[:nb]
	if err := checkBitmap(bitmap, depth); err != nil {
		return err
	}
	rest = rest[nb:]
	nsib := popCount(bitmap)
	need := nsib * len(Hash{})
	if kind == KindExclusionLeaf {
		need += 2 * len(Hash{})
	}
	if len(rest) < need {
		return fmt.Errorf("%w: %d siblings and terminal need %d bytes, %d left", ErrTruncated, nsib, need, len(rest))
	}
	if len(rest) > need {
		return fmt.Errorf("%w: %d extra bytes", ErrTrailingData, len(rest)-need)
	}
	q := Proof{
		kind:     kind,
		depth:    depth,
		bitmap:   append([]byte(nil), bitmap...),
		siblings: make([]Hash, nsib),
	}
	for i := range q.siblings {
		copy(q.siblings[i][:], rest)
		rest = rest[len(Hash{}):]
		if q.siblings[i] == (Hash{}) {
			return fmt.Errorf("%w: sibling %d is an explicit empty hash", ErrNonCanonical, i)
		}
	}
	if kind == KindExclusionLeaf {
		copy(q.leafKey[:], rest)
		copy(q.leafVal[:], rest[len(Hash{}):])
	}
	*p = q
	return nil
}

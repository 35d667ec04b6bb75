package smt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand"
	"testing"
)

// proofCase is a tree plus keys to prove: present ones and absent ones.
type proofCase struct {
	name    string
	tree    *Tree
	present []Leaf
	absent  []Hash
}

func proofCases(t testing.TB) []proofCase {
	t.Helper()
	rng := rand.New(rand.NewSource(10))
	a, b := lastBitPair(rng)
	var cases []proofCase
	add := func(name string, leaves []Leaf, absent ...Hash) {
		tree := mustBuild(t, sortedLeaves(leaves))
		for i := 0; i < 20; i++ {
			absent = append(absent, randHash(rng))
		}
		for _, l := range leaves {
			k := l.Key
			k[31] ^= 1 // likely absent neighbour sharing 255 bits
			if _, ok := tree.Get(k); !ok {
				absent = append(absent, k)
			}
			k = l.Key
			k[20] ^= 0x10
			if _, ok := tree.Get(k); !ok {
				absent = append(absent, k)
			}
		}
		cases = append(cases, proofCase{name, tree, leaves, absent})
	}
	add("empty", nil)
	add("one leaf", []Leaf{{Key: a, Value: Hash{1}}})
	a2 := a
	a2[31] ^= 2 // shares 254 bits with a and b
	add("last bit pair", []Leaf{{Key: a, Value: Hash{1}}, {Key: b, Value: Hash{2}}}, a2)
	var fam []Leaf
	seen := map[Hash]bool{}
	for _, k := range keyFamily(rng, 30) {
		if !seen[k] {
			seen[k] = true
			fam = append(fam, Leaf{Key: k, Value: randHash(rng)})
		}
	}
	add("long prefixes", fam)
	rnd := make([]Leaf, 3000)
	for i := range rnd {
		rnd[i] = Leaf{Key: randHash(rng), Value: randHash(rng)}
	}
	add("random 3000", rnd)
	return cases
}

func roundTrip(t *testing.T, p *Proof) []byte {
	t.Helper()
	enc, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(enc) != p.Size() {
		t.Fatalf("Size() = %d, encoding has %d bytes", p.Size(), len(enc))
	}
	var q Proof
	if err := q.UnmarshalBinary(enc); err != nil {
		t.Fatalf("UnmarshalBinary(MarshalBinary()) = %v", err)
	}
	enc2, err := q.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, enc2) {
		t.Fatal("re-encoding differs")
	}
	return enc
}

func TestProofs(t *testing.T) {
	for _, tc := range proofCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			root := tc.tree.Root()
			otherRoot := tc.tree.Apply([]Op{{Key: Hash{0xee}, Value: Hash{0xee}}}).Root()
			for _, l := range tc.present {
				p := tc.tree.Prove(l.Key)
				if p.Kind() != KindInclusion {
					t.Fatalf("Prove(present) kind %v", p.Kind())
				}
				if err := p.VerifyInclusion(root, l.Key, l.Value); err != nil {
					t.Fatalf("VerifyInclusion: %v", err)
				}
				if err := p.VerifyExclusion(root, l.Key); !errors.Is(err, ErrWrongKind) {
					t.Fatalf("inclusion proof verified as exclusion: %v", err)
				}
				wrong := l.Value
				wrong[0] ^= 1
				if err := p.VerifyInclusion(root, l.Key, wrong); !errors.Is(err, ErrRootMismatch) {
					t.Fatalf("wrong value: %v", err)
				}
				if err := p.VerifyInclusion(otherRoot, l.Key, l.Value); !errors.Is(err, ErrRootMismatch) {
					t.Fatalf("other root: %v", err)
				}
				var q Proof
				if err := q.UnmarshalBinary(roundTrip(t, p)); err != nil || q.VerifyInclusion(root, l.Key, l.Value) != nil {
					t.Fatalf("decoded proof does not verify: %v", err)
				}
			}
			for _, k := range tc.absent {
				p := tc.tree.Prove(k)
				if p.Kind() == KindInclusion {
					t.Fatalf("Prove(absent) kind %v", p.Kind())
				}
				if err := p.VerifyExclusion(root, k); err != nil {
					t.Fatalf("VerifyExclusion(%v, depth %d): %v", p.Kind(), p.Depth(), err)
				}
				if err := p.VerifyInclusion(root, k, Hash{}); !errors.Is(err, ErrWrongKind) {
					t.Fatalf("exclusion proof verified as inclusion: %v", err)
				}
				if root != otherRoot {
					if err := p.VerifyExclusion(otherRoot, k); err == nil {
						t.Fatal("exclusion proof verified against another root")
					}
				}
				// The proof of k says nothing about present keys.
				for _, l := range tc.present[:min(3, len(tc.present))] {
					if err := p.VerifyExclusion(root, l.Key); err == nil {
						t.Fatalf("exclusion proof of %x excludes present key %x", k, l.Key)
					}
				}
				roundTrip(t, p)
			}
		})
	}
}

// TestProofTamperEveryBit flips every bit of encoded proofs of every kind:
// the result must either fail to decode or fail to verify.
func TestProofTamperEveryBit(t *testing.T) {
	type target struct {
		name   string
		root   Hash
		key    Hash
		value  Hash
		incl   bool
		proofs *Proof
	}
	var targets []target
	for _, tc := range proofCases(t) {
		root := tc.tree.Root()
		seen := map[ProofKind]int{}
		for _, l := range tc.present {
			if seen[KindInclusion] < 2 {
				seen[KindInclusion]++
				targets = append(targets, target{tc.name, root, l.Key, l.Value, true, tc.tree.Prove(l.Key)})
			}
		}
		for _, k := range tc.absent {
			p := tc.tree.Prove(k)
			if seen[p.Kind()] < 2 {
				seen[p.Kind()]++
				targets = append(targets, target{tc.name, root, k, Hash{}, false, p})
			}
		}
	}
	kinds := map[ProofKind]bool{}
	for _, tg := range targets {
		kinds[tg.proofs.Kind()] = true
		enc, err := tg.proofs.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(enc)*8; i++ {
			bad := bytes.Clone(enc)
			bad[i/8] ^= 0x80 >> (i % 8)
			var q Proof
			if q.UnmarshalBinary(bad) != nil {
				continue
			}
			if tg.incl && q.VerifyInclusion(tg.root, tg.key, tg.value) == nil {
				t.Fatalf("%s: inclusion proof with bit %d flipped still verifies", tg.name, i)
			}
			if q.VerifyExclusion(tg.root, tg.key) == nil {
				t.Fatalf("%s: %v proof with bit %d flipped verifies exclusion", tg.name, tg.proofs.Kind(), i)
			}
		}
	}
	if len(kinds) != 3 {
		t.Fatalf("tampering covered kinds %v, want all 3", kinds)
	}
}

// TestProofTamperFields modifies decoded proofs in memory.
func TestProofTamperFields(t *testing.T) {
	cases := proofCases(t)
	tc := cases[len(cases)-1] // random 3000
	root := tc.tree.Root()
	l := tc.present[0]
	var exclLeaf, exclEmpty *Proof
	var kLeaf, kEmpty Hash
	for _, k := range tc.absent {
		switch p := tc.tree.Prove(k); p.Kind() {
		case KindExclusionLeaf:
			exclLeaf, kLeaf = p, k
		case KindExclusionEmpty:
			exclEmpty, kEmpty = p, k
		}
	}
	if exclLeaf == nil || exclEmpty == nil {
		t.Fatal("missing exclusion proof kinds")
	}
	type tamper struct {
		name string
		fn   func(p *Proof)
	}
	tampers := []tamper{
		{"kind inclusion", func(p *Proof) { p.kind = KindInclusion }},
		{"kind exclusion-empty", func(p *Proof) { p.kind = KindExclusionEmpty }},
		{"kind exclusion-leaf", func(p *Proof) { p.kind = KindExclusionLeaf }},
		{"kind invalid", func(p *Proof) { p.kind = 9 }},
		{"depth+1", func(p *Proof) { p.depth++ }},
		{"depth-1", func(p *Proof) { p.depth-- }},
		{"depth 300", func(p *Proof) { p.depth = 300 }},
		{"sibling bit", func(p *Proof) { p.siblings[len(p.siblings)/2][7] ^= 4 }},
		{"first sibling", func(p *Proof) { p.siblings[0][0] ^= 1 }},
		{"last sibling", func(p *Proof) { p.siblings[len(p.siblings)-1][31] ^= 0x80 }},
		{"drop sibling", func(p *Proof) { p.siblings = p.siblings[1:] }},
		{"bitmap bit", func(p *Proof) { p.bitmap[0] ^= 0x40 }},
		{"bitmap swap", func(p *Proof) { p.bitmap[0] ^= 0xc0 }},
		{"leaf key", func(p *Proof) { p.leafKey[31] ^= 1 }},
		{"leaf value", func(p *Proof) { p.leafVal[3] ^= 1 }},
		{"nil bitmap", func(p *Proof) { p.bitmap = nil }},
	}
	type subject struct {
		name  string
		p     *Proof
		key   Hash
		value Hash
		incl  bool
	}
	subjects := []subject{
		{"inclusion", tc.tree.Prove(l.Key), l.Key, l.Value, true},
		{"exclusion-leaf", exclLeaf, kLeaf, Hash{}, false},
		{"exclusion-empty", exclEmpty, kEmpty, Hash{}, false},
	}
	for _, s := range subjects {
		for _, tm := range tampers {
			t.Run(s.name+"/"+tm.name, func(t *testing.T) {
				enc, _ := s.p.MarshalBinary()
				var p Proof
				if err := p.UnmarshalBinary(enc); err != nil {
					t.Fatal(err)
				}
				before := p.Kind()
				tm.fn(&p)
				// Changes that do not touch this kind's data (leaf fields of a
				// non-leaf proof, or setting the kind it already has) are
				// expected to verify; everything else must fail.
				noop := (tm.name == "leaf key" || tm.name == "leaf value") && before != KindExclusionLeaf ||
					p.Kind() == before && tm.name[:4] == "kind"
				incl := p.VerifyInclusion(root, s.key, s.value)
				excl := p.VerifyExclusion(root, s.key)
				ok := (s.incl && incl == nil) || (!s.incl && excl == nil)
				if ok != noop {
					t.Fatalf("verification ok=%v (incl %v, excl %v), want ok=%v", ok, incl, excl, noop)
				}
				if s.incl && excl == nil || !s.incl && incl == nil {
					t.Fatal("proof verified for the opposite claim")
				}
			})
		}
	}
}

func TestExclusionLeafChecks(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	a, b := lastBitPair(rng)
	c := a
	c[0] ^= 0x80
	tree := (*Tree)(nil).Apply([]Op{{Key: a, Value: Hash{1}}, {Key: c, Value: Hash{3}}})
	root := tree.Root()
	p := tree.Prove(b) // ends at leaf a, depth 1
	if p.Kind() != KindExclusionLeaf || p.Depth() != 1 {
		t.Fatalf("kind %v depth %d", p.Kind(), p.Depth())
	}
	if err := p.VerifyExclusion(root, b); err != nil {
		t.Fatal(err)
	}
	// The terminal leaf holds the queried key: not an exclusion.
	if err := p.VerifyExclusion(root, a); !errors.Is(err, ErrTerminalLeaf) {
		t.Fatalf("queried key = leaf key: %v", err)
	}
	// A key off the leaf's path: prefix check fails.
	d := c
	d[31] ^= 1
	if err := p.VerifyExclusion(root, d); !errors.Is(err, ErrTerminalLeaf) {
		t.Fatalf("prefix mismatch: %v", err)
	}
	// Single-leaf tree: exclusion-leaf proof of depth 0.
	one := (*Tree)(nil).Apply([]Op{{Key: a, Value: Hash{1}}})
	p = one.Prove(c)
	if p.Kind() != KindExclusionLeaf || p.Depth() != 0 {
		t.Fatalf("kind %v depth %d", p.Kind(), p.Depth())
	}
	if err := p.VerifyExclusion(one.Root(), c); err != nil {
		t.Fatal(err)
	}
	// Depth-256 inclusion proof (keys differing in the last bit).
	two := (*Tree)(nil).Apply([]Op{{Key: a, Value: Hash{1}}, {Key: b, Value: Hash{2}}})
	p = two.Prove(b)
	if p.Depth() != 256 || p.Size() != 4+32+32 {
		t.Fatalf("depth %d size %d", p.Depth(), p.Size())
	}
	if err := p.VerifyInclusion(two.Root(), b, Hash{2}); err != nil {
		t.Fatal(err)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	sib := bytes.Repeat([]byte{7}, 32)
	hdr := func(version, kind byte, depth uint16) []byte {
		return binary.BigEndian.AppendUint16([]byte{version, kind}, depth)
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name string
		in   []byte
		want error // nil: must decode
	}{
		{"empty input", nil, ErrTruncated},
		{"short header", []byte{1, 1, 0}, ErrTruncated},
		{"version 0", hdr(0, 2, 0), ErrUnknownVersion},
		{"version 2", hdr(2, 2, 0), ErrUnknownVersion},
		{"kind 0", hdr(1, 0, 0), ErrUnknownKind},
		{"kind 4", hdr(1, 4, 0), ErrUnknownKind},
		{"depth 257", cat(hdr(1, 2, 257), make([]byte, 33)), ErrDepthTooLarge},
		{"depth 65535", hdr(1, 2, 65535), ErrDepthTooLarge},
		{"missing bitmap", hdr(1, 2, 3), ErrTruncated},
		{"padding bits set", cat(hdr(1, 2, 1), []byte{0xc0}, sib, sib), ErrNonCanonical},
		{"last sibling empty", cat(hdr(1, 2, 2), []byte{0x80}, sib), ErrNonCanonical},
		{"explicit zero sibling", cat(hdr(1, 2, 2), []byte{0xc0}, make([]byte, 32), sib), ErrNonCanonical},
		{"missing sibling", cat(hdr(1, 2, 2), []byte{0xc0}, sib), ErrTruncated},
		{"trailing sibling", cat(hdr(1, 2, 1), []byte{0x80}, sib, sib), ErrTrailingData},
		{"trailing byte", cat(hdr(1, 2, 0), []byte{0}), ErrTrailingData},
		{"exclusion-leaf without leaf", cat(hdr(1, 3, 1), []byte{0x80}, sib), ErrTruncated},
		{"exclusion-leaf half leaf", cat(hdr(1, 3, 0), sib), ErrTruncated},
		{"inclusion with leaf data", cat(hdr(1, 1, 0), sib, sib), ErrTrailingData},
		{"ok empty tree", hdr(1, 2, 0), nil},
		{"ok depth 1", cat(hdr(1, 1, 1), []byte{0x80}, sib), nil},
		{"ok exclusion-leaf", cat(hdr(1, 3, 9), []byte{0x01, 0x80}, sib, sib, sib, sib), nil},
		{"ok depth 256", cat(hdr(1, 1, 256), make([]byte, 31), []byte{1}, sib), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p Proof
			err := p.UnmarshalBinary(tc.in)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				enc, err := p.MarshalBinary()
				if err != nil || !bytes.Equal(enc, tc.in) {
					t.Fatalf("re-encoding %x, %v", enc, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if p.Kind() != 0 {
				t.Fatal("failed decode modified the proof")
			}
		})
	}
}

func TestInvalidProofValues(t *testing.T) {
	var nilProof *Proof
	for name, p := range map[string]*Proof{"nil": nilProof, "zero": {}} {
		t.Run(name, func(t *testing.T) {
			if err := p.VerifyInclusion(Hash{}, Hash{}, Hash{}); !errors.Is(err, ErrMalformedProof) {
				t.Fatalf("VerifyInclusion: %v", err)
			}
			if err := p.VerifyExclusion(Hash{}, Hash{}); !errors.Is(err, ErrMalformedProof) {
				t.Fatalf("VerifyExclusion: %v", err)
			}
			if _, err := p.MarshalBinary(); !errors.Is(err, ErrMalformedProof) {
				t.Fatalf("MarshalBinary: %v", err)
			}
		})
	}
	if err := nilProof.UnmarshalBinary([]byte{1, 2, 0, 0}); !errors.Is(err, ErrMalformedProof) {
		t.Fatalf("UnmarshalBinary into nil: %v", err)
	}
}

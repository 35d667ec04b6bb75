package smt

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// fuzzTree is a small fixed tree used to check that fuzzed proofs never
// prove anything false about it.
func fuzzTree() (*Tree, []Leaf) {
	var ops []Op
	for i := 0; i < 12; i++ {
		ops = append(ops, Op{Key: fuzzKey(byte(i%4), byte(i*37)), Value: Hash{byte(i + 1)}})
	}
	tree := (*Tree)(nil).Apply(ops)
	var leaves []Leaf
	tree.Walk(func(l Leaf) bool { leaves = append(leaves, l); return true })
	return tree, leaves
}

// fuzzKey makes keys from two bytes in four styles that produce long shared
// prefixes, short ones and random-looking ones.
func fuzzKey(style, sel byte) Hash {
	var k Hash
	switch style & 3 {
	case 0: // only the last byte varies: >= 248 shared bits
		for i := range k {
			k[i] = 0xaa
		}
		k[31] = sel
	case 1: // one bit flipped from a base key
		for i := range k {
			k[i] = 0x55
		}
		k[sel/8] ^= 0x80 >> (sel % 8)
	case 2: // only the first byte varies
		k[0] = sel
	default:
		k = sha256.Sum256([]byte{sel})
	}
	return k
}

// seedProofs returns encodings of valid proofs of every kind plus broken
// variants, used as fuzz seeds.
func seedProofs() [][]byte {
	tree, leaves := fuzzTree()
	var seeds [][]byte
	add := func(p *Proof) {
		enc, err := p.MarshalBinary()
		if err != nil {
			panic(err)
		}
		seeds = append(seeds, enc)
	}
	add(tree.Prove(leaves[0].Key))                   // inclusion, long path
	add(tree.Prove(leaves[len(leaves)-1].Key))       // inclusion
	add(tree.Prove(fuzzKey(0, 0xff)))                // exclusion
	add(tree.Prove(fuzzKey(3, 200)))                 // exclusion
	add(tree.Prove(fuzzKey(2, 0x13)))                // exclusion
	add((*Tree)(nil).Prove(Hash{}))                  // empty tree
	add((*Tree)(nil).Apply([]Op{{}}).Prove(Hash{1})) // single leaf, exclusion-leaf depth 0
	// An exclusion proof ending at an empty subtree below the root.
found:
	for style := byte(0); style < 4; style++ {
		for sel := 0; sel < 256; sel++ {
			if p := tree.Prove(fuzzKey(style, byte(sel))); p.Kind() == KindExclusionEmpty && p.Depth() > 0 {
				add(p)
				break found
			}
		}
	}
	valid := len(seeds)
	for _, s := range seeds[:valid] {
		seeds = append(seeds, s[:len(s)-1])              // truncated
		seeds = append(seeds, append(bytes.Clone(s), 0)) // trailing byte
		b := bytes.Clone(s)
		b[len(b)/2] ^= 0x10 // flipped bit
		seeds = append(seeds, b)
	}
	return seeds
}

func FuzzProofUnmarshal(f *testing.F) {
	for _, s := range seedProofs() {
		f.Add(s)
	}
	tree, leaves := fuzzTree()
	root := tree.Root()
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Proof
		if err := p.UnmarshalBinary(data); err != nil {
			if p.Kind() != 0 {
				t.Fatal("failed decode modified the proof")
			}
			return
		}
		enc, err := p.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded proof does not encode: %v", err)
		}
		if !bytes.Equal(enc, data) || p.Size() != len(data) {
			t.Fatalf("re-encoding differs: %x vs %x", enc, data)
		}
		// Soundness against the fixed tree, for its keys and for keys
		// taken from the proof itself.
		keys := []Hash{p.leafKey, sha256.Sum256(data)}
		for _, l := range leaves[:4] {
			keys = append(keys, l.Key)
		}
		for _, k := range keys {
			v, present := tree.Get(k)
			if p.VerifyInclusion(root, k, p.leafVal) == nil && (!present || v != p.leafVal) {
				t.Fatalf("forged inclusion of %x", k)
			}
			if p.VerifyInclusion(root, k, v) == nil && !present {
				t.Fatalf("forged inclusion of %x", k)
			}
			if p.VerifyExclusion(root, k) == nil && present {
				t.Fatalf("forged exclusion of %x", k)
			}
			_ = p.VerifyExclusion(Hash{}, k)
			_ = p.VerifyInclusion(Hash{}, k, Hash{})
		}
	})
}

// decodeOps turns fuzz bytes into batches: 3 bytes per op (control, key
// selector, value); control bit 0 = delete, bit 1 = end the batch after this
// op, bits 2-3 = key style.
func decodeOps(data []byte) [][]Op {
	const maxOps = 256
	var batches [][]Op
	var cur []Op
	for i := 0; i+3 <= len(data) && i/3 < maxOps; i += 3 {
		c, sel, val := data[i], data[i+1], data[i+2]
		cur = append(cur, Op{Key: fuzzKey(c>>2, sel), Value: Hash{val, 1}, Delete: c&1 != 0})
		if c&2 != 0 {
			batches = append(batches, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		batches = append(batches, cur)
	}
	return batches
}

func FuzzApply(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 1, 0, 2, 2, 2, 1, 0})
	f.Add([]byte{0, 0, 1, 0, 1, 2, 4, 255, 3, 4, 254, 4, 3, 0, 0})
	f.Add([]byte{12, 5, 5, 8, 0, 1, 8, 128, 2, 1, 5, 0, 4, 7, 9, 6, 3, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		type version struct {
			tree *Tree
			m    model
		}
		var versions []version
		tree, m := (*Tree)(nil), model{}
		for _, ops := range decodeOps(data) {
			tree = tree.Apply(ops)
			m.apply(ops)
			checkTree(t, tree, m)
			versions = append(versions, version{tree, m.clone()})
		}
		for _, v := range versions {
			if v.tree.Root() != v.m.root() || v.tree.Len() != len(v.m) {
				t.Fatal("old version changed")
			}
		}
		// Build from the final contents gives the same tree.
		if b := mustBuild(t, m.leaves()); b.Root() != tree.Root() {
			t.Fatal("Build root differs from Apply root")
		}
	})
}

// TestWriteSeedCorpus writes the seed corpus files under testdata/fuzz when
// SMT_WRITE_CORPUS=1; otherwise it is skipped.
func TestWriteSeedCorpus(t *testing.T) {
	if os.Getenv("SMT_WRITE_CORPUS") != "1" {
		t.Skip("set SMT_WRITE_CORPUS=1 to rewrite testdata/fuzz seeds")
	}
	write := func(fuzzName, name string, data []byte) {
		dir := filepath.Join("testdata", "fuzz", fuzzName)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range seedProofs() {
		write("FuzzProofUnmarshal", fmt.Sprintf("seed-%02d", i), s)
	}
	apply := [][]byte{
		{0, 7, 1, 0, 6, 2, 2, 7, 0, 1, 7, 0},                // insert, split, delete
		{4, 255, 1, 4, 254, 2, 6, 0, 3, 5, 255, 0, 4, 3, 3}, // long prefixes, one-bit-apart keys
		{8, 1, 1, 8, 2, 2, 8, 3, 3, 10, 4, 4, 9, 1, 0, 9, 9, 9, 14, 1, 1},
		{0, 1, 1, 0, 1, 2, 1, 1, 0, 0, 1, 3, 2, 0, 0}, // duplicates in a batch, last wins
	}
	for i, s := range apply {
		write("FuzzApply", fmt.Sprintf("seed-%02d", i), s)
	}
}

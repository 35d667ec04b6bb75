// Package smt implements an authenticated, persistent sparse Merkle tree held
// in memory.
//
// The tree is the authenticated state of the application: it maps 256-bit
// keys to 256-bit value hashes, and its root hash is the block's app hash.
// Everything that affects a hash is deterministic: no map iteration, no
// floating point, no randomness, no clock. Bad input (proof bytes, unsorted
// leaves) yields errors, never panics; the package panics only when one of
// its own internal invariants is broken.
//
// # Keys and paths
//
// Keys and values are [Hash] values (32 bytes) that the caller has already
// hashed, typically key = sha256(stateKey) and value = sha256(stateValue).
// The tree is binary and at most 256 levels deep. Bit i of a key, where bit
// 0 is the most significant bit of byte 0, chooses the left (0) or right (1)
// child at depth i; the root is at depth 0.
//
// # Hashing
//
// With sha256 and a one-byte domain-separation prefix:
//
//	empty subtree:  32 zero bytes (Empty)
//	leaf:           sha256(0x00 || key || valueHash)
//	inner node:     sha256(0x01 || leftHash || rightHash)
//
// # Compact form
//
// A subtree holding exactly one leaf is represented by that leaf itself: the
// leaf sits at the shallowest depth where it is alone, and the subtree's hash
// is the leaf hash. Inner nodes exist only where a subtree holds two or more
// leaves. An inner node can still have an empty child: two leaves whose keys
// share their first 5 bits hang below a chain of inner nodes at depths 0..4,
// each with one empty child, and split at depth 5. Hence the root depends
// only on the set of (key, value hash) pairs, never on the insertion order or
// history. A leaf is at most at depth 256 (two keys differing only in their
// last bit), an inner node at most at depth 255.
//
// # Versions and concurrency
//
// A [Tree] is an immutable version; nil and the zero Tree are the empty
// tree. [Tree.Apply] returns a new version that shares every untouched
// subtree with the old one and copies only the touched paths; old versions
// keep their roots and answers. Any number of goroutines may read any
// versions concurrently (Get, Root, Prove, Walk, Apply itself).
//
// # Complexity
//
// With n random keys the tree has depth about log2(n)+1.3 (≈ 22 at one
// million leaves). Get and Prove take O(depth). [Build] builds a tree from
// sorted leaves in O(n), hashing every node once. Apply sorts its batch of m
// ops and applies it in one recursive pass, hashing each touched node once:
// about m·(log2(n) − log2(m)) + 2m hashes. Large builds and batches are
// spread over a few goroutines near the root, which does not affect the
// result. Memory per leaf is about 190 bytes: a 96-byte leaf (hash, key,
// value) plus on average 1.44 inner nodes of 64 bytes (hash and two child
// references), without per-node slices, maps or interfaces.
//
// # Proofs
//
// [Tree.Prove] returns an inclusion proof when the key is present and an
// exclusion proof otherwise. A proof lists the sibling hashes along the
// key's path from the root down to the terminal, the node where the path
// ends, at depth d (the proof's depth, 0 ≤ d ≤ 256). There are three kinds:
//
//	1 inclusion        the terminal is the leaf of the queried key
//	2 exclusion-empty  the terminal is an empty subtree
//	3 exclusion-leaf   the terminal is a leaf holding another key, which
//	                   shares the first d bits with the queried key
//
// # Proof encoding
//
// The binary encoding (MarshalBinary / UnmarshalBinary, version 1) is, byte
// by byte:
//
//	offset  size        field
//	0       1           version, 0x01
//	1       1           kind: 0x01 inclusion, 0x02 exclusion-empty,
//	                    0x03 exclusion-leaf
//	2       2           depth d, big-endian uint16, at most 256
//	4       ceil(d/8)   bitmap of d bits, most significant bit first: bit i
//	                    (bit 7-i%8 of byte i/8) is 1 iff the sibling at
//	                    depth i is non-empty; padding bits are zero
//	...     32·k        the k non-empty siblings (k = number of 1 bits in
//	                    the bitmap), in order from the root (depth 0) to the
//	                    terminal (depth d-1)
//	...     32 + 32     exclusion-leaf only: the other leaf's key, then its
//	                    value hash
//
// The encoding is canonical and decoding is strict: it rejects truncated
// input, trailing bytes, an unknown version or kind, d > 256, padding bits
// set, a non-empty sibling that is the zero hash (an empty sibling must be
// sent as a 0 bit), and a 0 bit for the sibling at depth d-1 (in the compact
// form the node above the terminal always has a non-empty other child). A
// successfully decoded proof therefore re-encodes to the same bytes. Errors
// wrap sentinel values such as [ErrTruncated] and [ErrNonCanonical]. With
// one million random keys a proof has about 22 siblings: 4 + 3 + 22·32 ≈
// 711 bytes.
//
// # Verification
//
// [Proof.VerifyInclusion] and [Proof.VerifyExclusion] recompute the root and
// compare it with the expected root. The verifier checks:
//
//   - the proof is well formed: known kind, d ≤ 256, bitmap of ceil(d/8)
//     bytes with zero padding, exactly one sibling per 1 bit, no explicit
//     zero sibling;
//   - the kind matches the question: only an inclusion proof proves
//     inclusion and only an exclusion proof proves exclusion;
//   - the terminal hash is computed by the verifier, never taken from the
//     proof: for inclusion, the leaf hash of the queried key and value; for
//     exclusion-empty, the zero hash; for exclusion-leaf, the leaf hash of
//     the other leaf, after checking that its key differs from the queried
//     key and shares the first d bits with it (so it sits in the queried
//     key's path, and being alone in that subtree, excludes the key);
//   - folding up from depth d-1 to 0, the queried key's bit i decides
//     whether the running hash is the left or the right child at depth i,
//     an empty sibling counting as the zero hash; the result must equal the
//     root.
//
// The empty tree (root = Empty) has the exclusion-empty proof of depth 0,
// which verifies against the zero root for every key. Soundness rests on the
// collision resistance of sha256 and on the domain separation between leaves
// and inner nodes.
package smt

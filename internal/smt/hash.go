package smt

import (
	"crypto/sha256"
	"math/bits"
)

// Hash is a 256-bit digest. It is used for keys (already hashed by the
// caller), for leaf values (also hashed by the caller) and for node hashes.
type Hash = [32]byte

// Empty is the hash of an empty subtree and therefore the root of the empty
// tree: 32 zero bytes. The package never reads this variable; it only exists
// for callers that want to compare a root against it.
var Empty Hash

// Domain separation prefixes for the two kinds of hashed nodes.
const (
	leafPrefix  byte = 0x00
	innerPrefix byte = 0x01
)

// MaxDepth is the maximal depth of the tree: keys have 256 bits, so a leaf is
// never deeper than 256 and an inner node never deeper than 255.
const MaxDepth = 256

// hashLeaf returns sha256(0x00 || key || value).
func hashLeaf(key, value *Hash) Hash {
	var buf [1 + 2*len(Hash{})]byte
	buf[0] = leafPrefix
	copy(buf[1:33], key[:])
	copy(buf[33:], value[:])
	return sha256.Sum256(buf[:])
}

// hashInner returns sha256(0x01 || left || right).
func hashInner(left, right *Hash) Hash {
	var buf [1 + 2*len(Hash{})]byte
	buf[0] = innerPrefix
	copy(buf[1:33], left[:])
	copy(buf[33:], right[:])
	return sha256.Sum256(buf[:])
}

// bitAt returns bit i of k, where bit 0 is the most significant bit of
// byte 0. i must be in [0, 256).
func bitAt(k *Hash, i int) int {
	return int(k[i>>3]>>(7-uint(i&7))) & 1
}

// commonPrefixLen returns the number of leading bits a and b have in common
// (256 if they are equal).
func commonPrefixLen(a, b *Hash) int {
	for i := range a {
		if x := a[i] ^ b[i]; x != 0 {
			return i*8 + bits.LeadingZeros8(x)
		}
	}
	return MaxDepth
}

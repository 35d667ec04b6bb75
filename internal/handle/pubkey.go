package handle

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
)

// Ed25519KeyType is the key type of an ed25519 public key in HS_PUBKEY
// data. RFC 3651 §3.2.4 lays the data out as a UTF8-String key type, a
// 2-byte reserved field and the key-type-specific bytes, and names only
// DSA ("DSA_PUB_KEY") and RSA keys; dii adds this type for the keys its
// accounts sign with, laid out like the DSA parameters: a 4-byte length
// (32) and the 32-byte public key.
const Ed25519KeyType = "ED25519_PUB_KEY"

// PubKeyData is the HS_PUBKEY data of an ed25519 public key:
//
//	00 00 00 0f "ED25519_PUB_KEY"  key type (UTF8-String)
//	00 00                          reserved
//	00 00 00 20 <32 bytes>         the public key
func PubKeyData(pub ed25519.PublicKey) []byte {
	b := make([]byte, 0, 4+len(Ed25519KeyType)+2+4+ed25519.PublicKeySize)
	b = binary.BigEndian.AppendUint32(b, uint32(len(Ed25519KeyType)))
	b = append(b, Ed25519KeyType...)
	b = append(b, 0, 0)
	b = binary.BigEndian.AppendUint32(b, ed25519.PublicKeySize)
	return append(b, pub...)
}

// ParsePubKey reads HS_PUBKEY data: its key type, and the ed25519 key
// when the type is Ed25519KeyType (nil for other types, whose bytes are
// kept but never match a signer). An ed25519 key's layout must be exact,
// its reserved bytes zero.
func ParsePubKey(b []byte) (keyType string, pub ed25519.PublicKey, err error) {
	if len(b) < 6 {
		return "", nil, fmt.Errorf("%w: HS_PUBKEY data of %d bytes is too short", ErrInvalidValue, len(b))
	}
	n := binary.BigEndian.Uint32(b)
	if n == 0 || uint64(n) > uint64(len(b)-6) {
		return "", nil, fmt.Errorf("%w: HS_PUBKEY key type length %d does not fit %d bytes", ErrInvalidValue, n, len(b))
	}
	keyType = string(b[4 : 4+n])
	rest := b[4+n+2:]
	if keyType != Ed25519KeyType {
		return keyType, nil, nil
	}
	if b[4+n] != 0 || b[4+n+1] != 0 {
		return "", nil, fmt.Errorf("%w: %s data has reserved bytes %#x %#x, not zero", ErrInvalidValue, Ed25519KeyType, b[4+n], b[4+n+1])
	}
	if len(rest) != 4+ed25519.PublicKeySize || binary.BigEndian.Uint32(rest) != ed25519.PublicKeySize {
		return "", nil, fmt.Errorf("%w: %s data must be a 4-byte length 32 and the 32-byte key", ErrInvalidValue, Ed25519KeyType)
	}
	return keyType, ed25519.PublicKey(rest[4:]), nil
}

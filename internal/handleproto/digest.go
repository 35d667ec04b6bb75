package handleproto

import (
	"bytes"
	"crypto/md5"  //nolint:gosec // G501: MD5 request digests are part of the protocol; they check integrity, not secrecy
	"crypto/sha1" //nolint:gosec // G505: SHA-1 request digests are part of the protocol; they check integrity, not secrecy
	"crypto/sha256"
	"fmt"
)

// DigestRequest returns the request digest a response to request carries
// when the request set FlagRD (RFC 3652 §2.2.3): a hash of the request's
// header and body, without envelope or credential. request is the message
// as received; it must hold at least its header and body.
func DigestRequest(alg uint8, request []byte) (*RequestDigest, error) {
	h, err := ParseHeader(request)
	if err != nil {
		return nil, err
	}
	end := uint64(HeaderSize) + uint64(h.BodyLength)
	if end > uint64(len(request)) {
		return nil, fmt.Errorf("request digest: body length %d beyond the %d bytes given: %w", h.BodyLength, len(request), ErrLength)
	}
	hb := request[:end]
	var sum []byte
	switch alg {
	case DigestMD5, DigestMD5Legacy:
		s := md5.Sum(hb) //nolint:gosec // G401: protocol-defined integrity digest
		sum = s[:]
	case DigestSHA1:
		s := sha1.Sum(hb) //nolint:gosec // G401: protocol-defined integrity digest
		sum = s[:]
	case DigestSHA256:
		s := sha256.Sum256(hb)
		sum = s[:]
	default:
		return nil, fmt.Errorf("request digest algorithm %d: %w", alg, ErrDigest)
	}
	return &RequestDigest{Algorithm: alg, Digest: sum}, nil
}

// Matches reports whether d is the digest of request.
func (d *RequestDigest) Matches(request []byte) bool {
	want, err := DigestRequest(d.Algorithm, request)
	return err == nil && bytes.Equal(want.Digest, d.Digest)
}

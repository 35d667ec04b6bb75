package handleproto

import (
	"encoding/binary"
	"fmt"

	"github.com/dii-net/dii/internal/codec"
)

// Header is the 24-byte message header (RFC 3652 §2.2.2).
type Header struct {
	OpCode         OpCode
	ResponseCode   ResponseCode // RCReserved in a request
	OpFlags        OpFlags
	SiteInfoSerial uint16
	RecursionCount uint8
	// The byte after RecursionCount is reserved; it is written as zero and
	// ignored when read.
	ExpirationTime uint32 // seconds since 1970 after which the message is stale
	// BodyLength is the length of the body. AppendMessage computes it;
	// ParseMessage reports what the wire said.
	BodyLength uint32
}

// IsResponse reports whether the header is a response's.
func (h Header) IsResponse() bool { return h.ResponseCode != RCReserved }

// RequestDigest is the optional digest of the request at the start of a
// response body, present when the response's RD flag is set (RFC 3652
// §2.2.3).
type RequestDigest struct {
	Algorithm uint8 // DigestMD5, DigestSHA1, DigestSHA256 or DigestMD5Legacy
	Digest    []byte
}

// digestSize is the fixed digest size of each algorithm; the legacy form
// carries its own 4-byte length instead.
func digestSize(alg uint8) (int, bool) {
	switch alg {
	case DigestMD5:
		return 16, true
	case DigestSHA1:
		return 20, true
	case DigestSHA256:
		return 32, true
	}
	return 0, false
}

// Credential is a message's credential section (RFC 3652 §2.2.4): who
// signed the message, with which kind of signature, and the signature.
type Credential struct {
	Version  uint8
	Reserved uint8
	Options  uint16
	Signer   Reference // the signer's key: a handle and value index
	Type     string    // HS_SIGNED, HS_MAC, ...
	// SignedInfo: the digest algorithm and the signed data.
	DigestAlgorithm string
	SignedData      []byte
}

// Message is one Handle protocol message without its envelope: header,
// body and credential.
type Message struct {
	Header Header
	// Digest is the request digest that opens a response body when the
	// RD flag is set; nil otherwise.
	Digest *RequestDigest
	// Body is the rest of the body, after any request digest, still
	// encoded; decode it with the Parse function for the opcode and
	// response code.
	Body []byte
	// Credential is nil when the credential section is absent or empty.
	Credential *Credential
}

// AppendMessage appends m: header (with BodyLength computed), request
// digest when m.Digest is set (and then sets FlagRD), body, and the
// credential section; an empty credential is written as a zero length.
func AppendMessage(dst []byte, m *Message) []byte {
	h := m.Header
	bodyLen := len(m.Body)
	if m.Digest != nil {
		h.OpFlags |= FlagRD
		bodyLen += 1 + len(m.Digest.Digest)
		if m.Digest.Algorithm == DigestMD5Legacy {
			bodyLen += 3 // the legacy form's 4-byte length replaces the 1-byte code
		}
	}
	h.BodyLength = uint32(bodyLen)
	dst = appendHeader(dst, h)
	if d := m.Digest; d != nil {
		if d.Algorithm == DigestMD5Legacy {
			dst = binary.BigEndian.AppendUint32(dst, uint32(len(d.Digest)))
		} else {
			dst = append(dst, d.Algorithm)
		}
		dst = append(dst, d.Digest...)
	}
	dst = append(dst, m.Body...)
	return appendCredential(dst, m.Credential)
}

func appendHeader(dst []byte, h Header) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.OpCode))
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.ResponseCode))
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.OpFlags))
	dst = binary.BigEndian.AppendUint16(dst, h.SiteInfoSerial)
	dst = append(dst, h.RecursionCount, 0)
	dst = binary.BigEndian.AppendUint32(dst, h.ExpirationTime)
	return binary.BigEndian.AppendUint32(dst, h.BodyLength)
}

func appendCredential(dst []byte, c *Credential) []byte {
	if c == nil {
		return binary.BigEndian.AppendUint32(dst, 0)
	}
	lenAt := len(dst)
	dst = append(dst, 0, 0, 0, 0, c.Version, c.Reserved)
	dst = binary.BigEndian.AppendUint16(dst, c.Options)
	dst = appendString(dst, c.Signer.Handle)
	dst = binary.BigEndian.AppendUint32(dst, c.Signer.Index)
	dst = appendString(dst, c.Type)
	dst = binary.BigEndian.AppendUint32(dst, uint32(8+len(c.DigestAlgorithm)+len(c.SignedData)))
	dst = appendString(dst, c.DigestAlgorithm)
	dst = appendBytes(dst, c.SignedData)
	binary.BigEndian.PutUint32(dst[lenAt:], uint32(len(dst)-lenAt-4))
	return dst
}

// ParseHeader reads the header at the start of b.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("header: %d bytes, need %d: %w", len(b), HeaderSize, ErrTruncated)
	}
	return Header{
		OpCode:         OpCode(binary.BigEndian.Uint32(b[0:])),
		ResponseCode:   ResponseCode(binary.BigEndian.Uint32(b[4:])),
		OpFlags:        OpFlags(binary.BigEndian.Uint32(b[8:])),
		SiteInfoSerial: binary.BigEndian.Uint16(b[12:]),
		RecursionCount: b[14],
		ExpirationTime: binary.BigEndian.Uint32(b[16:]),
		BodyLength:     binary.BigEndian.Uint32(b[20:]),
	}, nil
}

// ParseMessage decodes one message (the MessageLength bytes after an
// envelope). The body length must fit the message; what follows the body
// is the credential section: nothing (older peers omit it), or a 4-byte
// length that must account for every remaining byte.
//
// For an opcode the protocol does not define, ParseMessage returns the
// message with its header and an error wrapping ErrUnknownOpCode, so a
// server can still answer with the opcode and request id.
func ParseMessage(b []byte) (*Message, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	m := &Message{Header: h}
	rest := b[HeaderSize:]
	if uint64(h.BodyLength) > uint64(len(rest)) {
		return m, fmt.Errorf("header: body length %d, %d bytes follow: %w", h.BodyLength, len(rest), ErrLength)
	}
	body, tail := rest[:h.BodyLength], rest[h.BodyLength:]
	if len(tail) > 0 {
		c, err := parseCredentialSection(tail)
		if err != nil {
			return m, err
		}
		m.Credential = c
	}
	if h.IsResponse() && h.OpFlags&FlagRD != 0 {
		d, n, err := parseDigest(body)
		if err != nil {
			return m, err
		}
		m.Digest, body = d, body[n:]
	}
	m.Body = body
	if !h.OpCode.Known() {
		return m, fmt.Errorf("opcode %d: %w", uint32(h.OpCode), ErrUnknownOpCode)
	}
	return m, nil
}

func parseDigest(body []byte) (*RequestDigest, int, error) {
	if len(body) < 1 {
		return nil, 0, fmt.Errorf("request digest: %w", ErrTruncated)
	}
	alg := body[0]
	if alg == DigestMD5Legacy {
		r := codec.Reader{B: body}
		d := bytesField(&r, "request digest", 64)
		if r.Err != nil {
			return nil, 0, r.Err
		}
		return &RequestDigest{Algorithm: alg, Digest: d}, r.Off, nil
	}
	n, ok := digestSize(alg)
	if !ok {
		return nil, 0, fmt.Errorf("request digest algorithm %d: %w", alg, ErrDigest)
	}
	if len(body) < 1+n {
		return nil, 0, fmt.Errorf("request digest: %d bytes, need %d: %w", len(body)-1, n, ErrTruncated)
	}
	return &RequestDigest{Algorithm: alg, Digest: append([]byte(nil), body[1:1+n]...)}, 1 + n, nil
}

func parseCredentialSection(tail []byte) (*Credential, error) {
	r := codec.Reader{B: tail}
	n := r.U32("credential length")
	if r.Err != nil {
		return nil, r.Err
	}
	if uint64(n) != uint64(r.Remaining()) {
		return nil, fmt.Errorf("credential length %d, %d bytes follow: %w", n, r.Remaining(), ErrLength)
	}
	if n == 0 {
		return nil, nil
	}
	c := &Credential{Version: r.U8("credential version"), Reserved: r.U8("credential reserved")}
	c.Options = r.U16("credential options")
	c.Signer.Handle = stringField(&r, "credential signer", MaxHandleLength)
	c.Signer.Index = r.U32("credential signer index")
	c.Type = stringField(&r, "credential type", maxTypeLength)
	si := r.U32("credential signed info length")
	if r.Err == nil && uint64(si) != uint64(r.Remaining()) {
		r.Fail("credential signed info", ErrLength, fmt.Sprintf("length %d, %d bytes follow", si, r.Remaining()))
	}
	c.DigestAlgorithm = stringField(&r, "credential digest algorithm", maxTypeLength)
	c.SignedData = bytesField(&r, "credential signed data", MaxMessageLength)
	r.End()
	if r.Err != nil {
		return nil, r.Err
	}
	return c, nil
}

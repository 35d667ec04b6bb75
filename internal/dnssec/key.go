package dnssec

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/miekg/dns"
)

// Algorithm is the signing algorithm dii uses: ECDSA P-256 with SHA-256.
const Algorithm = dns.ECDSAP256SHA256

// KeyFlags marks the key as a zone key and a secure entry point: dii signs
// with one combined key (a CSK) per node.
const KeyFlags = 257

// Key is a node's DNSSEC signing key.
type Key struct {
	priv   *ecdsa.PrivateKey
	dnskey *dns.DNSKEY // owner "."; copied with another owner for each zone
}

// GenerateKey makes a new ECDSA P-256 key.
func GenerateKey() (*Key, error) {
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: KeyFlags, Protocol: 3, Algorithm: Algorithm}
	priv, err := k.Generate(256)
	if err != nil {
		return nil, err
	}
	return &Key{priv: priv.(*ecdsa.PrivateKey), dnskey: k}, nil
}

// Save writes the key in BIND's private key format (readable by
// dnssec-signzone and ldns tools), mode 0600.
func (k *Key) Save(path string) error {
	text := k.dnskey.PrivateKeyString(k.priv)
	return os.WriteFile(path, []byte(text), 0o600)
}

// LoadKey reads a key written by Save.
func LoadKey(path string) (*Key, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: KeyFlags, Protocol: 3, Algorithm: Algorithm}
	// The DNS library wants the public key before it reads the private
	// one; derive it from the private scalar.
	var d []byte
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "PrivateKey:"); ok {
			d, _ = base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		}
	}
	ek, err := ecdh.P256().NewPrivateKey(d)
	if err != nil {
		return nil, fmt.Errorf("dnssec key %s: %w", path, err)
	}
	k.PublicKey = base64.StdEncoding.EncodeToString(ek.PublicKey().Bytes()[1:]) // X||Y, without the 0x04 prefix
	priv, err := k.ReadPrivateKey(strings.NewReader(string(raw)), path)
	if err != nil {
		return nil, fmt.Errorf("dnssec key %s: %w", path, err)
	}
	ec, ok := priv.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("dnssec key " + path + ": not an ECDSA key")
	}
	return &Key{priv: ec, dnskey: k}, nil
}

// DNSKEY returns the key's DNSKEY record for owner (a zone apex, FQDN).
func (k *Key) DNSKEY(owner string, ttl uint32) *dns.DNSKEY {
	c := *k.dnskey
	c.Hdr.Name = dns.Fqdn(owner)
	c.Hdr.Ttl = ttl
	return &c
}

// RData is the DNSKEY RDATA in wire form, as published on the ledger.
func (k *Key) RData() []byte { return RDataOf(k.dnskey) }

// RDataOf is the RDATA of a DNSKEY record in wire form (nil if it does not
// pack).
func RDataOf(key *dns.DNSKEY) []byte {
	c := *key
	c.Hdr.Name = "." // a one-byte owner: the RDATA starts 11 bytes in
	buf := make([]byte, 512)
	n, err := dns.PackRR(&c, buf, 0, nil, false)
	if err != nil || n < 11 {
		return nil
	}
	return append([]byte(nil), buf[11:n]...)
}

// Signer is the private key as a crypto.Signer.
func (k *Key) Signer() crypto.Signer { return k.priv }

// KeyTag is the key's tag (RFC 4034 Appendix B).
func (k *Key) KeyTag() uint16 { return k.dnskey.KeyTag() }

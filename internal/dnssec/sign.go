package dnssec

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Validity is how long a signature is valid from its inception.
const Validity = 7 * 24 * time.Hour

// DefaultCacheSize is the number of signatures a Signer keeps by default.
const DefaultCacheSize = 50000

// ErrRRset means the records handed to Sign are not one RRset.
var ErrRRset = errors.New("dnssec: not an RRset")

// Window returns the validity period of a signature made at now: the
// inception is the start of the hour before the current one (so a
// resolver whose clock is up to an hour behind still accepts it), the
// expiration Validity later. Every signature made within one clock hour
// has the same window, which is what lets the cache serve them.
func Window(now time.Time) (inception, expiration time.Time) {
	inc := now.UTC().Truncate(time.Hour).Add(-time.Hour)
	return inc, inc.Add(Validity)
}

// Signer signs RRsets online with one node's key and remembers the
// signatures it made. It is safe for concurrent use.
type Signer struct {
	key   *Key
	tag   uint16
	cache *sigCache

	hits, misses atomic.Uint64
}

// NewSigner returns a signer for k that caches up to cacheSize signatures
// (0: DefaultCacheSize; negative: no cache).
func NewSigner(k *Key, cacheSize int) *Signer {
	if cacheSize == 0 {
		cacheSize = DefaultCacheSize
	}
	s := &Signer{key: k, tag: k.KeyTag()}
	if cacheSize > 0 {
		s.cache = newSigCache(cacheSize)
	}
	return s
}

// Key is the signing key.
func (s *Signer) Key() *Key { return s.key }

// Stats reports how many Sign calls the cache answered (hits) and how many
// made a new signature (misses).
func (s *Signer) Stats() (hits, misses uint64) { return s.hits.Load(), s.misses.Load() }

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// Sign returns the RRSIG of rrset (RFC 4034 §3) made with the signer's key
// for the zone named zone (the signer name), valid in Window(now). rrset
// is the records as they go into a response: one owner name, type and
// class, the TTL of the first record being the original TTL. The Labels
// field counts every label of the owner: a wildcard-synthesized RRset
// owned by the query name is signed as if that name existed (RFC 9824
// §3.3), which needs no NSEC to prove that no closer match exists.
//
// The returned RRSIG may be shared with other callers (it comes from the
// cache): do not modify it.
func (s *Signer) Sign(rrset []dns.RR, zone string, now time.Time) (*dns.RRSIG, error) {
	if len(rrset) == 0 {
		return nil, ErrRRset
	}
	h := rrset[0].Header()
	inc, exp := Window(now)
	zone = dns.Fqdn(zone)
	if hasUpper(zone) {
		zone = strings.ToLower(zone)
	}
	sig := dns.RRSIG{
		Hdr:         dns.RR_Header{Name: h.Name, Rrtype: dns.TypeRRSIG, Class: h.Class, Ttl: h.Ttl},
		TypeCovered: h.Rrtype,
		Algorithm:   Algorithm,
		Labels:      uint8(dns.CountLabel(h.Name)),
		OrigTtl:     h.Ttl,
		Expiration:  uint32(exp.Unix()),
		Inception:   uint32(inc.Unix()),
		KeyTag:      s.tag,
		SignerName:  zone,
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	data, err := signedData((*bp)[:0], &sig, rrset)
	*bp = data[:0]
	if err != nil {
		return nil, err
	}
	if s.cache != nil {
		if c := s.cache.get(data); c != nil {
			s.hits.Add(1)
			return c, nil
		}
	}
	s.misses.Add(1)
	digest := sha256.Sum256(data)
	r, ss, err := ecdsa.Sign(rand.Reader, s.key.priv, digest[:])
	if err != nil {
		return nil, err
	}
	var raw [64]byte // r || s, 32 octets each (RFC 6605 §4)
	r.FillBytes(raw[:32])
	ss.FillBytes(raw[32:])
	out := new(dns.RRSIG)
	*out = sig
	out.Signature = base64.StdEncoding.EncodeToString(raw[:])
	if s.cache != nil {
		s.cache.put(string(data), out)
	}
	return out, nil
}

// signedData appends to buf the data an RRSIG signs (RFC 4034 §3.1.8.1):
// the RRSIG RDATA without the signature, then the RRs of the set in
// canonical form (§6.2) and canonical order (§6.3), duplicates dropped.
func signedData(buf []byte, sig *dns.RRSIG, rrset []dns.RR) ([]byte, error) {
	buf = append(buf,
		byte(sig.TypeCovered>>8), byte(sig.TypeCovered),
		sig.Algorithm, sig.Labels,
		byte(sig.OrigTtl>>24), byte(sig.OrigTtl>>16), byte(sig.OrigTtl>>8), byte(sig.OrigTtl),
		byte(sig.Expiration>>24), byte(sig.Expiration>>16), byte(sig.Expiration>>8), byte(sig.Expiration),
		byte(sig.Inception>>24), byte(sig.Inception>>16), byte(sig.Inception>>8), byte(sig.Inception),
		byte(sig.KeyTag>>8), byte(sig.KeyTag))
	var err error
	if buf, err = appendName(buf, sig.SignerName); err != nil {
		return buf, err
	}
	h0 := rrset[0].Header()
	if len(rrset) == 1 {
		buf, _, err = appendCanonical(buf, rrset[0], sig.OrigTtl)
		return buf, err
	}
	// Pack every RR after the prefix, then append them again in order.
	type span struct{ start, rdata, end int }
	var spansArr [16]span
	spans := spansArr[:0]
	prefix := len(buf)
	for _, rr := range rrset {
		h := rr.Header()
		if h.Rrtype != h0.Rrtype || h.Class != h0.Class || !strings.EqualFold(h.Name, h0.Name) {
			return buf, ErrRRset
		}
		start := len(buf)
		var rdata int
		if buf, rdata, err = appendCanonical(buf, rr, sig.OrigTtl); err != nil {
			return buf, err
		}
		spans = append(spans, span{start, rdata, len(buf)})
	}
	slices.SortFunc(spans, func(a, b span) int {
		return bytes.Compare(buf[a.rdata:a.end], buf[b.rdata:b.end])
	})
	end := len(buf)
	var last []byte
	for i, sp := range spans {
		rd := buf[sp.rdata:sp.end]
		if i > 0 && bytes.Equal(rd, last) {
			continue
		}
		last = rd
		buf = append(buf, buf[sp.start:sp.end]...)
	}
	// Move the ordered copy down over the unordered one.
	n := copy(buf[prefix:], buf[end:])
	return buf[:prefix+n], nil
}

// appendName appends a domain name in canonical wire form: uncompressed,
// lower case.
func appendName(buf []byte, name string) ([]byte, error) {
	start := len(buf)
	buf = slices.Grow(buf, 256)
	off, err := dns.PackDomainName(dns.Fqdn(name), buf[:cap(buf)], start, nil, false)
	if err != nil {
		return buf, err
	}
	buf = buf[:off]
	lowerWireName(buf[start:])
	return buf, nil
}

// appendCanonical appends rr in canonical form (RFC 4034 §6.2): owner and
// the domain names in the RDATA of the types §6.2 lists in lower case
// (RFC 6840 §5.1 takes NSEC off that list), the TTL set to ttl. It returns
// where the RDATA starts.
func appendCanonical(buf []byte, rr dns.RR, ttl uint32) ([]byte, int, error) {
	rr = lowerRdataNames(rr)
	start := len(buf)
	buf = slices.Grow(buf, dns.Len(rr)+16)
	off, err := dns.PackRR(rr, buf[:cap(buf)], start, nil, false)
	if err != nil {
		return buf[:start], 0, err
	}
	buf = buf[:off]
	n := lowerWireName(buf[start:])
	// type(2) class(2) ttl(4) rdlength(2) follow the owner.
	t := start + n + 4
	buf[t], buf[t+1], buf[t+2], buf[t+3] = byte(ttl>>24), byte(ttl>>16), byte(ttl>>8), byte(ttl)
	return buf, start + n + 10, nil
}

// lowerWireName lowers the ASCII letters of the uncompressed wire name at
// the start of b and returns its length.
func lowerWireName(b []byte) int {
	i := 0
	for i < len(b) {
		l := int(b[i])
		if l == 0 {
			return i + 1
		}
		for j := i + 1; j <= i+l && j < len(b); j++ {
			if c := b[j]; 'A' <= c && c <= 'Z' {
				b[j] = c + 'a' - 'A'
			}
		}
		i += l + 1
	}
	return i
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// lowerRdataNames returns rr, or a copy with the names in its RDATA in
// lower case when it is of a type whose canonical form asks for that
// (RFC 4034 §6.2 item 3) and some name has an upper-case letter.
func lowerRdataNames(rr dns.RR) dns.RR {
	var a, b string
	switch r := rr.(type) {
	case *dns.NS:
		a = r.Ns
	case *dns.CNAME:
		a = r.Target
	case *dns.DNAME:
		a = r.Target
	case *dns.PTR:
		a = r.Ptr
	case *dns.MX:
		a = r.Mx
	case *dns.SRV:
		a = r.Target
	case *dns.NAPTR:
		a = r.Replacement
	case *dns.SOA:
		a, b = r.Ns, r.Mbox
	case *dns.RP:
		a, b = r.Mbox, r.Txt
	case *dns.AFSDB:
		a = r.Hostname
	case *dns.KX:
		a = r.Exchanger
	case *dns.RT:
		a = r.Host
	case *dns.PX:
		a, b = r.Map822, r.Mapx400
	case *dns.MINFO:
		a, b = r.Rmail, r.Email
	case *dns.MB:
		a = r.Mb
	case *dns.MG:
		a = r.Mg
	case *dns.MR:
		a = r.Mr
	case *dns.MD:
		a = r.Md
	case *dns.MF:
		a = r.Mf
	default:
		return rr
	}
	if !hasUpper(a) && !hasUpper(b) {
		return rr
	}
	return lowerRdataNamesCopy(dns.Copy(rr))
}

// lowerRdataNamesCopy lowers the RDATA names of c in place.
func lowerRdataNamesCopy(c dns.RR) dns.RR {
	low := strings.ToLower
	switch r := c.(type) {
	case *dns.NS:
		r.Ns = low(r.Ns)
	case *dns.CNAME:
		r.Target = low(r.Target)
	case *dns.DNAME:
		r.Target = low(r.Target)
	case *dns.PTR:
		r.Ptr = low(r.Ptr)
	case *dns.MX:
		r.Mx = low(r.Mx)
	case *dns.SRV:
		r.Target = low(r.Target)
	case *dns.NAPTR:
		r.Replacement = low(r.Replacement)
	case *dns.SOA:
		r.Ns, r.Mbox = low(r.Ns), low(r.Mbox)
	case *dns.RP:
		r.Mbox, r.Txt = low(r.Mbox), low(r.Txt)
	case *dns.AFSDB:
		r.Hostname = low(r.Hostname)
	case *dns.KX:
		r.Exchanger = low(r.Exchanger)
	case *dns.RT:
		r.Host = low(r.Host)
	case *dns.PX:
		r.Map822, r.Mapx400 = low(r.Map822), low(r.Mapx400)
	case *dns.MINFO:
		r.Rmail, r.Email = low(r.Rmail), low(r.Email)
	case *dns.MB:
		r.Mb = low(r.Mb)
	case *dns.MG:
		r.Mg = low(r.Mg)
	case *dns.MR:
		r.Mr = low(r.Mr)
	case *dns.MD:
		r.Md = low(r.Md)
	case *dns.MF:
		r.Mf = low(r.Mf)
	}
	return c
}

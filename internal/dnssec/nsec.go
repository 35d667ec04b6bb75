package dnssec

import (
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// TypeNXNAME is the meta-type of compact denial of existence (RFC 9824
// §2): set in the type bitmap of the NSEC that answers for a name that
// does not exist. It never appears elsewhere; a query for it is FORMERR.
const TypeNXNAME uint16 = 128

// maxWire is the longest domain name in wire form (RFC 1035 §2.3.4).
const maxWire = 255

// NXNameNSEC is the NSEC of a compact answer for a name that does not
// exist (RFC 9824 §3.1): owned by the name, next name its immediate
// successor, types RRSIG, NSEC and NXNAME only. ttl should be that of the
// negative answer's SOA, min(SOA TTL, MINIMUM) (RFC 9077).
func NXNameNSEC(owner string, ttl uint32) *dns.NSEC {
	return &dns.NSEC{Hdr: nsecHdr(owner, ttl), NextDomain: Successor(owner),
		TypeBitMap: []uint16{dns.TypeRRSIG, dns.TypeNSEC, TypeNXNAME}}
}

// NoDataNSEC is the NSEC of a compact NODATA answer (RFC 9824 §3.2): owned
// by the name, next name its immediate successor, the types present at the
// name plus RRSIG and NSEC. For an empty non-terminal types is empty; for
// a wildcard match it is the types of the wildcard (§3.3).
func NoDataNSEC(owner string, types []uint16, ttl uint32) *dns.NSEC {
	return &dns.NSEC{Hdr: nsecHdr(owner, ttl), NextDomain: Successor(owner), TypeBitMap: bitmap(types)}
}

// CutNSEC is the NSEC a parent zone gives for a zone cut without DS: in an
// unsigned referral, or for DS NODATA at the cut (RFC 9824 §3.4). Its next
// name is the owner with a zero octet appended to its first label, so that
// it covers nothing below the cut, which is not the parent's. types are
// those the parent holds at the cut (NS).
func CutNSEC(owner string, types []uint16, ttl uint32) *dns.NSEC {
	return &dns.NSEC{Hdr: nsecHdr(owner, ttl), NextDomain: SiblingSuccessor(owner), TypeBitMap: bitmap(types)}
}

func nsecHdr(owner string, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: dns.Fqdn(owner), Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: ttl}
}

// bitmap returns types plus RRSIG and NSEC, ascending, without repeats.
func bitmap(types []uint16) []uint16 {
	out := make([]uint16, 0, len(types)+2)
	out = append(out, types...)
	out = append(out, dns.TypeRRSIG, dns.TypeNSEC)
	slices.Sort(out)
	return slices.Compact(out)
}

// Successor returns the immediate successor of name in the canonical order
// of RFC 4034 §6.1, as RFC 4471 §3.1.2 computes it: "\000." prepended when
// the result fits in 255 octets; otherwise the least greater name that is
// not a descendant (SiblingSuccessor).
func Successor(name string) string {
	name = dns.Fqdn(name)
	if name == "." {
		return "\\000."
	}
	// The wire form is at most one octet longer than the presentation form.
	if len(name)+1+2 <= maxWire {
		return "\\000." + name
	}
	labels, n, ok := wireLabels(name)
	if !ok {
		return "\\000." + dns.Fqdn(name)
	}
	if n+2 <= maxWire {
		return presentation(append([][]byte{{0}}, labels...))
	}
	return presentation(sibling(labels, n))
}

// SiblingSuccessor returns the least name greater than name and all of its
// descendants: a zero octet appended to the first label when that fits,
// else the first label's last octet incremented (dropping octets that are
// at 0xff), else the same for the parent (RFC 4471 §3.1.2). For the root,
// which has no such name, it returns "\000.".
func SiblingSuccessor(name string) string {
	name = dns.Fqdn(name)
	if i := strings.IndexByte(name, '.'); i > 0 && i < 63 && len(name)+1+1 <= maxWire && !strings.Contains(name[:i], "\\") {
		return name[:i] + "\\000" + name[i:]
	}
	labels, n, ok := wireLabels(name)
	if !ok || len(labels) == 0 {
		return "\\000."
	}
	return presentation(sibling(labels, n))
}

// sibling does SiblingSuccessor on wire labels; n is the wire length.
func sibling(labels [][]byte, n int) [][]byte {
	for len(labels) > 0 {
		first := labels[0]
		if len(first) < 63 && n+1 <= maxWire {
			l := append(slices.Clip(first), 0)
			return append([][]byte{l}, labels[1:]...)
		}
		for i := len(first) - 1; i >= 0; i-- {
			c := first[i]
			if c == 0xff {
				continue
			}
			c++
			if 'A' <= c && c <= 'Z' {
				c = 'Z' + 1 // upper case sorts as lower case
			}
			l := append(slices.Clone(first[:i]), c)
			return append([][]byte{l}, labels[1:]...)
		}
		// Every octet is 0xff: the parent's successor is next.
		n -= len(first) + 1
		labels = labels[1:]
	}
	return [][]byte{{0}}
}

// wireLabels splits a name in presentation form into its wire labels
// (escapes decoded), with its wire length.
func wireLabels(name string) ([][]byte, int, bool) {
	var buf [maxWire + 1]byte
	off, err := dns.PackDomainName(dns.Fqdn(name), buf[:], 0, nil, false)
	if err != nil {
		return nil, 0, false
	}
	var out [][]byte
	for i := 0; i < off && buf[i] != 0; i += int(buf[i]) + 1 {
		out = append(out, slices.Clone(buf[i+1:i+1+int(buf[i])]))
	}
	return out, off, true
}

// presentation renders wire labels as a fully qualified name.
func presentation(labels [][]byte) string {
	var buf [maxWire + 1]byte
	off := 0
	for _, l := range labels {
		if off+len(l)+1 >= len(buf) {
			break
		}
		buf[off] = byte(len(l))
		copy(buf[off+1:], l)
		off += len(l) + 1
	}
	buf[off] = 0
	s, _, err := dns.UnpackDomainName(buf[:off+1], 0)
	if err != nil {
		return "."
	}
	return s
}

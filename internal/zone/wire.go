package zone

import (
	"encoding/binary"
	"math/bits"
	"strings"

	"github.com/miekg/dns"
)

// WireAnswer says what AppendAnswer appended.
type WireAnswer struct {
	// Rcode is dns.RcodeSuccess or dns.RcodeNameError.
	Rcode int
	// Authoritative is the AA bit: set except for a referral.
	Authoritative bool
	// Root: the answer is the root zone's (Result.Zone "."). With Outside
	// also set, qname is under no TLD of the ledger (NXDOMAIN from the
	// root zone) and nothing was appended: that is the seam where the
	// caller forwards or refuses the query.
	Root, Outside bool
	// Records appended to the answer, authority and additional sections.
	Answer, Ns, Extra uint16
}

// maxLabels bounds the labels of a name in wire form (255 octets).
const maxLabels = 128

// AppendAnswer answers the common questions straight in wire form, with
// the same records Lookup gives: a name's RRset of qtype, NODATA and
// NXDOMAIN with the zone's SOA, and referrals with their glue, when no
// CNAME, DNAME, wildcard or ORS name is involved and qtype is not ANY,
// DS, or SOA, NS or DNSKEY at a zone apex. It returns ok false, having
// appended nothing, for every other question: those go through Lookup.
//
// msg holds a response's header and its one question (so the question's
// name starts at offset 12, where the answers' owner names point); the
// answer, authority and additional records are appended to it, without
// OPT, and the caller sets the header's counts and flags from the
// WireAnswer. lname is the question's name in wire form in lower case
// (the question itself may hold any case: owner names point at it).
// Answers at the question's name carry it as a compression pointer to the
// question, other owners in full; RDATA is never compressed. AppendAnswer
// allocates nothing.
func (s *Snapshot) AppendAnswer(msg, lname []byte, qtype uint16) (out []byte, w WireAnswer, ok bool) {
	switch qtype {
	case dns.TypeANY, dns.TypeDS:
		return msg, w, false
	}
	var nk nameKey
	var keyBuf [maxWire + 2]byte
	key, ok := nk.parse(keyBuf[:0], lname)
	if !ok {
		return msg, w, false // malformed, the root apex, or escapes: Lookup's slow parse
	}
	offs, ends, total := &nk.offs, &nk.ends, nk.total
	if s.ors != nil && atOrUnder(keyView(key), s.cfg.ors.key) {
		return msg, w, false
	}

	// Down the labels from the root, as walk does.
	// The index's slots, not its nodes: a slot carries what this reads.
	var zone, exact, cut fslot
	zoneDepth, deepest := 0, 0
	for d := 1; d <= total; d++ {
		k := keyView(key[:ends[d]])
		nd, ok := s.idx.lookup(k, hashKey(k))
		if !ok {
			continue
		}
		deepest = d
		isQ := d == total
		if nd.has(fNS) {
			cut = nd
			zoneDepth = d
			break
		}
		if nd.has(fRegistered) {
			zone, zoneDepth = nd, d
		}
		if isQ {
			exact = nd
		} else if nd.has(fDNAME) {
			return msg, w, false
		}
	}
	// Owner name offsets in msg of the suffixes of qname.
	suffix := func(depth int) uint16 { return 12 + uint16(offs[total-depth]) }

	if cut.nd != nil {
		// A referral: NS and DS of the cut, and glue.
		out = msg
		w.Ns = appendSet(&out, cut.find(dns.TypeNS), suffix(zoneDepth))
		w.Ns += appendSet(&out, cut.find(dns.TypeDS), suffix(zoneDepth))
		for _, gk := range cut.nd.glue() {
			g := s.get(gk)
			if g == nil {
				continue
			}
			for _, t := range [...]uint16{dns.TypeA, dns.TypeAAAA} {
				w.Extra += appendSetNamed(&out, g.find(t), g.name())
			}
		}
		return out, w, true
	}
	w.Root = zone.nd == nil
	w.Authoritative = true
	if exact.nd != nil {
		apex := exact.nd == zone.nd
		if apex && (qtype == dns.TypeSOA || qtype == dns.TypeNS || qtype == dns.TypeDNSKEY) {
			return msg, WireAnswer{}, false
		}
		if set := exact.find(qtype); set.n > 0 {
			out = msg
			w.Answer = appendSet(&out, set, 12)
			return out, w, true
		}
		if exact.has(fCNAME) && qtype != dns.TypeCNAME {
			return msg, WireAnswer{}, false
		}
		out, w.Ns = s.appendNegSOA(msg, lname, offs[:total], zoneDepth, zone.nd == nil)
		return out, w, true
	}
	// qname is not in the index (empty non-terminals are): it does not
	// exist, unless the ORS zone's apex is below it or a wildcard matches.
	if s.ors != nil && zone.nd != nil && under(s.cfg.ors.key, keyView(key)) {
		return msg, WireAnswer{}, false
	}
	var wkBuf [maxWire + 4]byte
	wk := append(wkBuf[:0], key[:ends[deepest]]...)
	if deepest > 0 {
		wk = append(wk, sep)
	}
	wk = append(wk, '*')
	if k := keyView(wk); s.idx.get(k, hashKey(k)) != nil {
		return msg, WireAnswer{}, false
	}
	w.Rcode = dns.RcodeNameError
	if zone.nd == nil {
		w.Outside = true
		return msg, w, true
	}
	out, w.Ns = s.appendNegSOA(msg, lname, offs[:total], zoneDepth, false)
	return out, w, true
}

// appendSet appends the records of set owned by the name at offset owner
// of the message; it returns how many.
func appendSet(out *[]byte, set rrset, owner uint16) uint16 {
	b := *out
	for off := 0; off+rrHeaderLen <= len(set.wire); {
		end := off + rrHeaderLen + (int(set.wire[off+8])<<8 | int(set.wire[off+9]))
		b = append(b, 0xc0|byte(owner>>8), byte(owner))
		b = append(b, set.wire[off:end]...)
		off = end
	}
	*out = b
	return set.n
}

// appendSetNamed appends the records of set with the owner name written
// in full; it returns how many.
func appendSetNamed(out *[]byte, set rrset, owner string) uint16 {
	b := *out
	for off := 0; off+rrHeaderLen <= len(set.wire); {
		end := off + rrHeaderLen + (int(set.wire[off+8])<<8 | int(set.wire[off+9]))
		b = appendWireName(b, owner)
		b = append(b, set.wire[off:end]...)
		off = end
	}
	*out = b
	return set.n
}

// appendWireName appends a canonical, fully qualified name made of stored
// labels (no escapes) in wire form.
func appendWireName(b []byte, name string) []byte {
	for name != "" && name != "." {
		i := strings.IndexByte(name, '.')
		if i < 0 {
			i = len(name)
		}
		b = append(b, byte(i))
		b = append(b, name[:i]...)
		if i == len(name) {
			break
		}
		name = name[i+1:]
	}
	return append(b, 0)
}

// appendNegSOA appends the SOA of a negative answer: that of the hosted
// zone whose apex is the suffix of qname of depth zoneDepth, or the
// root's. It returns 1, the records appended.
func (s *Snapshot) appendNegSOA(b, lname []byte, offs []uint8, zoneDepth int, root bool) ([]byte, uint16) {
	var apex []byte // the zone's name in wire form
	if root {
		b = append(b, 0)
		apex = []byte{0}
	} else {
		o := int(offs[len(offs)-zoneDepth])
		p := 12 + o
		b = append(b, 0xc0|byte(p>>8), byte(p))
		apex = lname[o:]
	}
	b = binary.BigEndian.AppendUint16(b, dns.TypeSOA)
	b = binary.BigEndian.AppendUint16(b, dns.ClassINET)
	b = binary.BigEndian.AppendUint32(b, s.negTTL())
	lenAt := len(b)
	b = append(b, 0, 0)
	b = appendWireName(b, s.ns[0].name)
	if root {
		b = appendWireName(b, s.cfg.rootHostmaster)
	} else {
		b = append(b, 10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r')
		b = append(b, apex...)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(s.height))
	b = binary.BigEndian.AppendUint32(b, soaRefresh)
	b = binary.BigEndian.AppendUint32(b, soaRetry)
	b = binary.BigEndian.AppendUint32(b, soaExpire)
	b = binary.BigEndian.AppendUint32(b, s.cfg.negTTL)
	binary.BigEndian.PutUint16(b[lenAt:], uint16(len(b)-lenAt-2))
	return b, 1
}

// prefetchMax is the most names Prefetch takes at once.
const prefetchMax = 64

// prefetchMin is the fewest names an index has for Prefetch to read
// ahead: a smaller one stays in the processor's caches anyway, and
// reading ahead would only repeat the lookups' work. (A variable for the
// tests.)
var prefetchMin = 1 << 16

// Prefetch reads the memory that looking the given names up (wire form,
// lower case; up to 64) will read in the hash index's flat table: their
// control words, the slots whose tags match, and the nodes' data those
// point to, so that the lookups that follow find it in the processor's
// caches. It reads all the names' control words first, then all their
// slots, then all their data, so that the cache misses of different
// names overlap instead of waiting one behind the other: at a million
// names a lookup's misses are most of its cost. It reads nothing for an
// index of fewer than 65,536 names, which the caches hold, nor in the
// small trie of recent changes. It changes nothing; the result only keeps
// the reads from being optimised away.
func (s *Snapshot) Prefetch(lnames [][]byte) uint64 {
	f := s.idx.base
	if s.idx.len < prefetchMin || f == nil {
		return 0
	}
	var hs, homes, ws [prefetchMax]uint64
	var ok [prefetchMax]bool
	var slots [prefetchMax]*fslot
	n := min(len(lnames), prefetchMax)
	var keyBuf [maxWire + 2]byte
	var nk nameKey
	// The names' hashes and home groups first, and only then, in a loop
	// of nothing else, their control words: a parse and a hash are some
	// hundred instructions, and a control word read after each would let
	// the processor wait for only one or two of those misses at a time.
	for i, ln := range lnames[:n] {
		k, good := nk.parse(keyBuf[:0], ln)
		if !good {
			continue
		}
		hs[i], ok[i] = hashKey(keyView(k)), true
		homes[i] = f.home(hs[i])
	}
	for i := range n {
		ws[i] = f.ctrl[homes[i]]
	}
	// The first slot of the home group whose tag matches: what a hit reads.
	for i := range n {
		if m := matchTag(ws[i], hs[i]&0x7f); m != 0 && ok[i] {
			slots[i] = &f.slots[homes[i]*groupSlots+uint64(bits.TrailingZeros64(m)>>3)]
		}
	}
	var sum uint64
	for _, sl := range slots[:n] {
		if sl != nil {
			sum += uint64(len(sl.data))
		}
	}
	for _, sl := range slots[:n] {
		if sl != nil && len(sl.data) > 0 {
			sum += uint64(sl.data[0]) + uint64(sl.data[len(sl.data)-1])
		}
	}
	return sum
}

// nameKey is a name's labels and the ends of its key's prefixes, as
// parse finds them.
type nameKey struct {
	offs  [maxLabels]uint8     // offset in lname of each label, leftmost first
	ends  [maxLabels + 1]uint8 // ends[d]: the end in the key of depth d's prefix
	total int                  // labels
}

// parse appends the index key of lname (a name in wire form, lower case:
// its labels rightmost first, joined by sep) to b, and records the labels'
// offsets and the prefixes' ends. false, for a name with no label (the
// root), a malformed one, or a label holding a byte no stored name has.
func (nk *nameKey) parse(b, lname []byte) ([]byte, bool) {
	total := 0 // a local: the loops below are the query path's first work
	for i := 0; ; {
		if i >= len(lname) {
			return b, false
		}
		l := int(lname[i])
		if l == 0 {
			if i+1 != len(lname) {
				return b, false
			}
			break
		}
		if l > 63 || total == maxLabels || i+1+l > len(lname) || i > 255 {
			return b, false
		}
		nk.offs[total] = uint8(i)
		total++
		i += 1 + l
	}
	nk.total = total
	start := len(b)
	for d := 1; d <= total; d++ {
		o := int(nk.offs[total-d])
		label := lname[o+1 : o+1+int(lname[o])]
		for _, c := range label {
			if !plainByte(c) {
				return b, false
			}
		}
		if d > 1 {
			b = append(b, sep)
		}
		b = append(b, label...)
		nk.ends[d] = uint8(len(b) - start)
	}
	return b, total > 0
}

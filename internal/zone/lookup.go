package zone

import (
	"github.com/miekg/dns"
)

// maxChain is the most CNAME and DNAME links one answer follows.
const maxChain = 8

// Result is the answer to one question.
//
// The RR values, and the slices when they come straight from the index,
// are shared with the snapshot and with other results: treat them as
// read-only (append is safe, the slices are full; sorting or editing in
// place is not).
type Result struct {
	// Rcode is dns.RcodeSuccess, dns.RcodeNameError (NXDOMAIN),
	// dns.RcodeYXDomain (a DNAME substitution too long),
	// dns.RcodeFormatError (qname is not a domain name) or
	// dns.RcodeRefused (qname under no hosted zone: not possible while the
	// root is hosted).
	Rcode int
	// Authoritative is the AA bit: false for a referral (unless CNAMEs from
	// our zones led to it) and for errors.
	Authoritative bool
	Answer        []dns.RR
	Ns            []dns.RR
	Extra         []dns.RR
	// Zone is the fully qualified zone that answered ("." for the root),
	// or the delegation point of a referral. For a CNAME or DNAME chain it
	// is the zone of qname.
	Zone string
	// Referral is set when the response is a referral: no answer, AA off,
	// the delegation's NS (and DS) in Ns.
	Referral bool

	// The fields below are set by LookupDNSSEC only: what a signer needs
	// besides the records.

	// AuthZone is the zone the SOA, DS and denial of the authority section
	// belong to: the zone of the last name looked up, or for a referral
	// the zone that holds the delegation.
	AuthZone string
	// Denial, when set, describes the NSEC that proves a negative answer
	// (NXDOMAIN or NODATA) or a delegation without DS, under compact
	// denial of existence (RFC 9824).
	Denial *Denial

	secure bool
	links  []link // zones of the answer RRsets of a chain (nil: all Zone)
}

// Denial is what the NSEC of a compact denial of existence says (RFC
// 9824): the owner is the name looked up, and the types are those there.
type Denial struct {
	// Owner is the name the NSEC is at, canonical presentation form: the
	// last name of the chain (qname when there is no chain), or the
	// delegation point of a referral without DS.
	Owner string
	// NXName: Owner does not exist (the lookup gave NXDOMAIN). The NSEC
	// has types RRSIG, NSEC and NXNAME only.
	NXName bool
	// Cut: Owner is a zone cut seen from the parent (an unsigned referral,
	// or NODATA for DS at the cut): the NSEC's next name must not fall
	// below the cut (RFC 9824 §3.4).
	Cut bool
	// Types are the types at Owner, ascending, without RRSIG and NSEC.
	// For a wildcard match, those of the wildcard; for an empty
	// non-terminal or NXName, none.
	Types []uint16
	// TTL for the NSEC: that of the negative answer's SOA, min(SOA TTL,
	// MINIMUM) (RFC 9077).
	TTL uint32
}

type link struct {
	start int // index in Answer where the link's RRsets start
	zone  string
}

// AnswerZone is the zone (the signer name) of Answer[i]: Zone, or for a
// CNAME or DNAME chain that leaves qname's zone, the zone of the link
// Answer[i] belongs to. It is meaningful after LookupDNSSEC only.
func (r *Result) AnswerZone(i int) string {
	for j := len(r.links) - 1; j >= 0; j-- {
		if r.links[j].start <= i {
			return r.links[j].zone
		}
	}
	return r.Zone
}

// Lookup answers the question (qname, qtype, class IN) from the snapshot.
// qname is in presentation form as miekg/dns gives it (escapes allowed, any
// case, trailing dot optional). It never panics and never blocks.
func (s *Snapshot) Lookup(qname string, qtype uint16) *Result {
	return s.lookup(qname, qtype, false)
}

// LookupDNSSEC is Lookup, with in addition what DNSSEC signing needs:
// AuthZone, Denial and AnswerZone. The records are exactly Lookup's.
func (s *Snapshot) LookupDNSSEC(qname string, qtype uint16) *Result {
	return s.lookup(qname, qtype, true)
}

func (s *Snapshot) lookup(qname string, qtype uint16, secure bool) *Result {
	res := &Result{Rcode: dns.RcodeSuccess, Authoritative: true, secure: secure}
	q, ok := parseName(qname)
	if !ok {
		res.Rcode, res.Authoritative = dns.RcodeFormatError, false
		return res
	}
	var seen [maxChain + 1]string
	for hop := 0; ; hop++ {
		seen[hop] = q.pres
		var next string
		var follow bool
		switch z := s.forName(&q); {
		case z == s:
			next, follow = s.step(res, &q, qtype, hop)
		case qtype == dns.TypeDS && q.key == s.cfg.ors.key && q.full():
			next, follow = s.orsDS(res, &q, hop)
		default:
			next, follow = z.step(res, &q, qtype, hop)
		}
		if !follow || hop == maxChain {
			return res
		}
		nq, ok := parseName(next)
		if !ok {
			return res
		}
		for _, p := range seen[:hop+1] {
			if p == nq.pres {
				return res // a loop: the answer holds every link once
			}
		}
		q = nq
	}
}

// path is what walking from the root down to a name finds.
type path struct {
	zone    *node // apex of the hosted zone; nil for the root zone
	cut     *node // a delegation above the name, or at it: a referral
	dname   *node // a DNAME strictly above the name inside its zone
	exact   *node // the node of the name itself
	deepest int   // depth of the deepest node met
}

// walk goes down the labels of q from the root (RFC 1034 §4.3.2 step 3).
// The first delegation point met (a non-root name with NS) gives a
// referral, except that DS at exactly that name is answered by the parent
// zone. Registered names without NS start a new (hosted) zone; DS at
// exactly such a name is also answered by the parent zone. Inside a zone, a
// DNAME above q wins over every name below it, except registered names,
// which are zones of their own.
func (s *Snapshot) walk(q *qname, qtype uint16) (p path) {
	k := q.key
	if k == "" {
		return p
	}
	d := 0
	for i := 0; i <= len(k); i++ {
		if i < len(k) && k[i] != sep {
			continue
		}
		d++
		nd := s.get(k[:i])
		if nd == nil {
			continue
		}
		p.deepest = d
		isQ := d == q.total
		if nd.registered() {
			switch {
			case isQ && qtype == dns.TypeDS:
				p.exact = nd // the parent side answers DS
			case nd.has(fNS):
				p.cut = nd // delegated out
				return p
			default:
				p.zone, p.dname = nd, nil
				if isQ {
					p.exact = nd
				} else if nd.has(fDNAME) {
					p.dname = nd
				}
			}
			continue
		}
		if p.dname != nil {
			continue // occluded by the DNAME
		}
		if nd.has(fNS) && (!isQ || qtype != dns.TypeDS) {
			p.cut = nd
			return p
		}
		if isQ {
			p.exact = nd
		} else if nd.has(fDNAME) {
			p.dname = nd
		}
	}
	return p
}

// step answers one name of a chain; it returns the name to continue at.
func (s *Snapshot) step(res *Result, q *qname, qtype uint16, hop int) (string, bool) {
	p := s.walk(q, qtype)
	if res.secure && hop > 0 {
		if res.links == nil {
			res.links = []link{{0, res.Zone}}
		}
		res.links = append(res.links, link{len(res.Answer), zoneName(p.zone)})
	}
	if p.cut != nil {
		if hop == 0 {
			res.Authoritative, res.Referral, res.Zone = false, true, p.cut.name()
		}
		res.Ns = append(res.Ns, p.cut.referral()...)
		res.Extra = s.appendGlue(res.Extra, p.cut.glue())
		if res.secure {
			res.AuthZone = zoneName(p.zone)
			if !p.cut.has(fDS) {
				res.Denial = &Denial{Owner: p.cut.name(), Cut: true, Types: []uint16{dns.TypeNS}, TTL: s.negTTL()}
			}
		}
		return "", false
	}
	if hop == 0 {
		res.Zone = zoneName(p.zone)
	}
	if p.dname != nil {
		return s.synthesize(res, q, p.dname)
	}
	if q.total == 0 {
		return s.answer(res, q, nil, true, nil, qtype, "")
	}
	if p.exact != nil {
		if qtype == dns.TypeDS && p.exact != p.zone && (p.exact.registered() || p.exact.has(fNS)) {
			return s.parentDS(res, q, p.exact, p.zone)
		}
		return s.answer(res, q, p.exact, p.exact == p.zone, p.zone, qtype, "")
	}
	// q is not a node: the index holds every name that has descendants
	// (empty non-terminals), so q has none, except for the ORS apex,
	// which is in an index of its own.
	if q.full() && s.orsBelow(q, p.zone) {
		s.negative(res, q, p.zone, dns.RcodeSuccess, nil)
		return "", false
	}
	// Wildcard at the closest encloser (RFC 4592 §3.3.1): the deepest
	// ancestor of q in the index.
	if w := s.get(wildcardKey(q.key, min(p.deepest, q.n))); w != nil {
		return s.answer(res, q, w, false, p.zone, qtype, q.pres)
	}
	if hop > 0 && p.zone == nil {
		// A chain led out of the ledger's zones: the resolver follows it.
		return "", false
	}
	s.negative(res, q, p.zone, dns.RcodeNameError, nil)
	return "", false
}

// parentDS answers DS at a delegation point or at the apex of a hosted
// child zone from the parent zone (RFC 4035 §3.1.4.1): for a hosted child
// while keys are published, the DS derived from them; otherwise the
// ledger's DS, or NODATA.
func (s *Snapshot) parentDS(res *Result, q *qname, nd, zone *node) (string, bool) {
	switch {
	case nd.registered() && !nd.has(fNS) && len(s.keys) > 0:
		res.Answer = appendRRs(res.Answer, s.childDS(nd.name()))
	case nd.has(fDS):
		res.Answer = append(res.Answer, nd.find(dns.TypeDS).records(nd.name())...)
	default:
		s.negative(res, q, zone, dns.RcodeSuccess, []uint16{dns.TypeNS})
		if res.Denial != nil {
			res.Denial.Cut = true
		}
	}
	return "", false
}

// wildcardKey returns the key of "*" below the first d labels of key.
func wildcardKey(key string, d int) string {
	if d == 0 {
		return "*"
	}
	for i := 0; i < len(key); i++ {
		if key[i] == sep {
			d--
			if d == 0 {
				return key[:i] + string(sep) + "*"
			}
		}
	}
	return key + string(sep) + "*"
}

func zoneName(z *node) string {
	if z == nil {
		return "."
	}
	return z.name()
}

// answer answers qtype at q from the node nd (nil: the root apex). apex
// means nd is the apex of zone, with a derived SOA, NS and DNSKEY. A
// non-empty owner replaces the owner name (wildcard synthesis).
func (s *Snapshot) answer(res *Result, q *qname, nd *node, apex bool, zone *node, qtype uint16, owner string) (string, bool) {
	var sets []rrset
	if nd != nil {
		sets = nd.rrsets()
	}
	if apex {
		switch qtype {
		case dns.TypeSOA:
			res.Answer = appendRRs(res.Answer, s.zoneSOA(zone, false))
			return "", false
		case dns.TypeDNSKEY:
			if len(s.keys) > 0 {
				res.Answer = appendRRs(res.Answer, s.zoneKeys(zone))
				return "", false
			}
		case dns.TypeNS:
			res.Answer = appendRRs(res.Answer, s.zoneNS(zone))
			for i := range s.ns {
				if g := s.top().get(s.ns[i].key); g != nil {
					for _, t := range [...]uint16{dns.TypeA, dns.TypeAAAA} {
						if set := g.find(t); set.n > 0 {
							res.Extra = append(res.Extra, set.records(g.name())...)
						}
					}
				}
			}
			return "", false
		case dns.TypeANY:
			// RFC 8482 §4.1: one RRset, the lowest type, counting the
			// derived NS (2) and SOA (6).
			for _, set := range sets {
				if set.typ < dns.TypeNS {
					res.Answer = append(res.Answer, set.records(nd.name())...)
					return "", false
				}
			}
			res.Answer = appendRRs(res.Answer, s.zoneNS(zone))
			return "", false
		}
	}
	if owner == "" && nd != nil {
		owner = nd.name()
	}
	if qtype == dns.TypeANY {
		if len(sets) > 0 {
			res.Answer = append(res.Answer, sets[0].records(owner)...)
			return "", false
		}
		s.negative(res, q, zone, dns.RcodeSuccess, s.typesAt(res, nd, apex))
		return "", false
	}
	if nd != nil {
		if set := nd.find(qtype); set.n > 0 {
			res.Answer = append(res.Answer, set.records(owner)...)
			return "", false
		}
		if nd.has(fCNAME) && qtype != dns.TypeCNAME {
			rr := nd.find(dns.TypeCNAME).first(owner)
			if rr == nil {
				return "", false
			}
			res.Answer = append(res.Answer, rr)
			if c, ok := rr.(*dns.CNAME); ok {
				return c.Target, true
			}
			return "", false
		}
	}
	s.negative(res, q, zone, dns.RcodeSuccess, s.typesAt(res, nd, apex))
	return "", false
}

// typesAt lists the types at nd for the NSEC of a NODATA answer, when the
// lookup is for DNSSEC.
func (s *Snapshot) typesAt(res *Result, nd *node, apex bool) []uint16 {
	if !res.secure {
		return nil
	}
	if apex {
		return s.apexTypes(nd)
	}
	return nodeTypes(nd)
}

// synthesize applies the DNAME at d to q (RFC 6672 §3.3).
func (s *Snapshot) synthesize(res *Result, q *qname, d *node) (string, bool) {
	dn, ok := d.find(dns.TypeDNAME).first(d.name()).(*dns.DNAME)
	if !ok {
		return "", false
	}
	if !containsDNAME(res.Answer, dn) {
		res.Answer = append(res.Answer, dn)
	}
	target := leadingLabels(q.pres, q.total-int(d.depth))
	if dn.Target != "." {
		target += dn.Target
	}
	nq, ok := parseName(target)
	if !ok {
		res.Rcode = dns.RcodeYXDomain
		return "", false
	}
	res.Answer = append(res.Answer, &dns.CNAME{Hdr: hdr(q.pres, dns.TypeCNAME, dn.Hdr.Ttl), Target: nq.pres})
	return nq.pres, true
}

// negative sets rcode and puts the zone's SOA in the authority section
// with the negative TTL of RFC 2308 §3. For DNSSEC it also records the
// denial at q: types are the types there (NODATA).
func (s *Snapshot) negative(res *Result, q *qname, zone *node, rcode int, types []uint16) {
	res.Rcode = rcode
	res.Ns = appendRRs(res.Ns, s.zoneSOA(zone, true))
	if res.secure {
		res.AuthZone = zoneName(zone)
		res.Denial = &Denial{Owner: q.pres, NXName: rcode == dns.RcodeNameError, Types: types, TTL: s.negTTL()}
	}
}

// negTTL is the TTL of a negative answer's SOA.
func (s *Snapshot) negTTL() uint32 { return min(s.cfg.soaTTL, s.cfg.negTTL) }

func (s *Snapshot) zoneSOA(zone *node, negative bool) []dns.RR {
	if zone == nil {
		if negative {
			return s.rootNegSOA
		}
		return s.rootSOA
	}
	ttl := s.cfg.soaTTL
	if negative {
		ttl = min(ttl, s.cfg.negTTL)
	}
	return []dns.RR{s.soa(zone.name(), "hostmaster."+zone.name(), ttl)}
}

func (s *Snapshot) zoneNS(zone *node) []dns.RR {
	if zone == nil {
		return s.rootNS
	}
	return s.derivedNS(zone.name())
}

// appendGlue appends the A and AAAA RRsets at the given keys.
func (s *Snapshot) appendGlue(extra []dns.RR, keys []string) []dns.RR {
	for _, k := range keys {
		g := s.get(k)
		if g == nil {
			continue
		}
		for _, t := range [...]uint16{dns.TypeA, dns.TypeAAAA} {
			if set := g.find(t); set.n > 0 {
				extra = append(extra, set.records(g.name())...)
			}
		}
	}
	return extra
}

// appendRRs appends rrs to dst; with dst empty it returns rrs itself, which
// is full (len == cap), so later appends copy it.
func appendRRs(dst, rrs []dns.RR) []dns.RR {
	if len(dst) == 0 {
		return rrs[:len(rrs):len(rrs)]
	}
	return append(dst, rrs...)
}

// containsDNAME reports whether list holds the DNAME d already: a chain
// that meets one DNAME twice shows it once.
func containsDNAME(list []dns.RR, d *dns.DNAME) bool {
	for _, x := range list {
		if y, ok := x.(*dns.DNAME); ok && y.Hdr.Name == d.Hdr.Name && y.Target == d.Target {
			return true
		}
	}
	return false
}

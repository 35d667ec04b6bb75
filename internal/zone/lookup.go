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
}

// Lookup answers the question (qname, qtype, class IN) from the snapshot.
// qname is in presentation form as miekg/dns gives it (escapes allowed, any
// case, trailing dot optional). It never panics and never blocks.
func (s *Snapshot) Lookup(qname string, qtype uint16) *Result {
	res := &Result{Rcode: dns.RcodeSuccess, Authoritative: true}
	q, ok := parseName(qname)
	if !ok {
		res.Rcode, res.Authoritative = dns.RcodeFormatError, false
		return res
	}
	var seen [maxChain + 1]string
	for hop := 0; ; hop++ {
		seen[hop] = q.pres
		next, follow := s.step(res, &q, qtype, hop)
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
		if nd.registered {
			switch {
			case isQ && qtype == dns.TypeDS:
				p.exact = nd // the parent side answers DS
			case nd.ns != nil:
				p.cut = nd // delegated out
				return p
			default:
				p.zone, p.dname = nd, nil
				if isQ {
					p.exact = nd
				} else if nd.dname != nil {
					p.dname = nd
				}
			}
			continue
		}
		if p.dname != nil {
			continue // occluded by the DNAME
		}
		if nd.ns != nil && (!isQ || qtype != dns.TypeDS) {
			p.cut = nd
			return p
		}
		if isQ {
			p.exact = nd
		} else if nd.dname != nil {
			p.dname = nd
		}
	}
	return p
}

// step answers one name of a chain; it returns the name to continue at.
func (s *Snapshot) step(res *Result, q *qname, qtype uint16, hop int) (string, bool) {
	p := s.walk(q, qtype)
	if p.cut != nil {
		if hop == 0 {
			res.Authoritative, res.Referral, res.Zone = false, true, p.cut.name
		}
		res.Ns = appendRRs(res.Ns, p.cut.referral)
		res.Extra = s.appendGlue(res.Extra, p.cut.glue)
		return "", false
	}
	if hop == 0 {
		res.Zone = zoneName(p.zone)
	}
	if p.dname != nil {
		return s.synthesize(res, q, p.dname)
	}
	if q.total == 0 {
		return s.answer(res, nil, true, nil, qtype, "")
	}
	if p.exact != nil {
		return s.answer(res, p.exact, p.exact == p.zone, p.zone, qtype, "")
	}
	// q is not a node. With descendants it is an empty non-terminal.
	var pred, succ string
	s.tree.AscendGreaterOrEqual(entry{key: q.key}, func(e entry) bool {
		succ = e.key
		return false
	})
	if q.full() && under(succ, q.key) {
		s.negative(res, p.zone, dns.RcodeSuccess)
		return "", false
	}
	// Wildcard at the closest encloser (RFC 4592 §3.3.1).
	s.tree.DescendLessOrEqual(entry{key: q.key}, func(e entry) bool {
		pred = e.key
		return false
	})
	ce := max(p.deepest, commonLabels(pred, q.key), commonLabels(succ, q.key))
	ce = min(ce, q.n)
	if w := s.get(wildcardKey(q.key, ce)); w != nil {
		return s.answer(res, w, false, p.zone, qtype, q.pres)
	}
	if hop > 0 && p.zone == nil {
		// A chain led out of the ledger's zones: the resolver follows it.
		return "", false
	}
	s.negative(res, p.zone, dns.RcodeNameError)
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
	return z.name
}

// answer answers qtype from the node nd (nil: the root apex). apex means nd
// is the apex of zone, with a derived SOA and NS. A non-empty owner
// replaces the owner name (wildcard synthesis).
func (s *Snapshot) answer(res *Result, nd *node, apex bool, zone *node, qtype uint16, owner string) (string, bool) {
	var sets []rrset
	if nd != nil {
		sets = nd.sets
	}
	if apex {
		switch qtype {
		case dns.TypeSOA:
			res.Answer = appendRRs(res.Answer, s.zoneSOA(zone, false))
			return "", false
		case dns.TypeNS:
			res.Answer = appendRRs(res.Answer, s.zoneNS(zone))
			for i := range s.cfg.ns {
				if g := s.get(s.cfg.ns[i].key); g != nil {
					for _, t := range [...]uint16{dns.TypeA, dns.TypeAAAA} {
						if set := g.find(t); set != nil {
							res.Extra = appendRRs(res.Extra, set.rrs)
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
					res.Answer = appendRRs(res.Answer, set.rrs)
					return "", false
				}
			}
			res.Answer = appendRRs(res.Answer, s.zoneNS(zone))
			return "", false
		}
	}
	if qtype == dns.TypeANY {
		if len(sets) > 0 {
			res.Answer = appendRRs(res.Answer, withOwner(sets[0].rrs, owner))
			return "", false
		}
		s.negative(res, zone, dns.RcodeSuccess)
		return "", false
	}
	if nd != nil {
		if set := nd.find(qtype); set != nil {
			res.Answer = appendRRs(res.Answer, withOwner(set.rrs, owner))
			return "", false
		}
		if nd.cname != nil && qtype != dns.TypeCNAME {
			res.Answer = appendRRs(res.Answer, withOwner(nd.cname.rrs, owner))
			if c, ok := nd.cname.rrs[0].(*dns.CNAME); ok {
				return c.Target, true
			}
			return "", false
		}
	}
	s.negative(res, zone, dns.RcodeSuccess)
	return "", false
}

// synthesize applies the DNAME at d to q (RFC 6672 §3.3).
func (s *Snapshot) synthesize(res *Result, q *qname, d *node) (string, bool) {
	rr := d.dname.rrs[0]
	dn, ok := rr.(*dns.DNAME)
	if !ok {
		return "", false
	}
	if !containsRR(res.Answer, rr) {
		res.Answer = appendRRs(res.Answer, d.dname.rrs[:1:1])
	}
	target := leadingLabels(q.pres, q.total-d.depth)
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
// with the negative TTL of RFC 2308 §3.
func (s *Snapshot) negative(res *Result, zone *node, rcode int) {
	res.Rcode = rcode
	res.Ns = appendRRs(res.Ns, s.zoneSOA(zone, true))
}

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
	return []dns.RR{s.soa(zone.name, "hostmaster."+zone.name, ttl)}
}

func (s *Snapshot) zoneNS(zone *node) []dns.RR {
	if zone == nil {
		return s.rootNS
	}
	return s.derivedNS(zone.name)
}

// appendGlue appends the A and AAAA RRsets at the given keys.
func (s *Snapshot) appendGlue(extra []dns.RR, keys []string) []dns.RR {
	for _, k := range keys {
		g := s.get(k)
		if g == nil {
			continue
		}
		for _, t := range [...]uint16{dns.TypeA, dns.TypeAAAA} {
			if set := g.find(t); set != nil {
				extra = appendRRs(extra, set.rrs)
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

// withOwner returns rrs, or copies of them owned by owner when it is set.
func withOwner(rrs []dns.RR, owner string) []dns.RR {
	if owner == "" {
		return rrs
	}
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		c := dns.Copy(rr)
		c.Header().Name = owner
		out[i] = c
	}
	return out
}

func containsRR(list []dns.RR, rr dns.RR) bool {
	for _, x := range list {
		if x == rr {
			return true
		}
	}
	return false
}

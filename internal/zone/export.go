package zone

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/miekg/dns"
)

// ErrNoZone means Export was asked for a name that is not a hosted zone.
var ErrNoZone = errors.New("zone: not a hosted zone")

// Zones returns the hosted zones, fully qualified, in canonical order: the
// root, then every registered name without NS at its apex that Lookup
// reaches (not below a delegation, nor at or below the ORS apex), and the
// ORS zone. It visits every name in the index.
func (s *Snapshot) Zones() []string {
	out := []string{"."}
	orsKey := ""
	if s.ors != nil {
		orsKey = s.cfg.ors.key
	}
	s.tree.Ascend(func(n *node) bool {
		if orsKey != "" && n.key() > orsKey && !under(n.key(), orsKey) {
			out = append(out, s.cfg.ors.apex)
			orsKey = ""
		}
		if orsKey != "" && atOrUnder(n.key(), orsKey) {
			return true
		}
		if n.registered() && !n.has(fNS) {
			q := qname{pres: n.name(), key: n.key(), n: int(n.depth), total: int(n.depth)}
			if p := s.walk(&q, dns.TypeSOA); p.zone == n && p.exact == n {
				out = append(out, n.name())
			}
		}
		return true
	})
	if orsKey != "" {
		out = append(out, s.cfg.ors.apex)
	}
	return out
}

// kind is how a name below a zone apex appears in the zone's master file.
type kind int

const (
	kindData  kind = iota // its RRsets
	kindDeleg             // a delegation: NS, DS, and glue below it
	kindChild             // a hosted child zone: the derived NS, DS, glue
)

// zoneNodes calls fn for every name of the zone below its apex (key ak; ""
// for the root), in canonical order, skipping what a cut or a DNAME
// occludes. The apex DNAME case is the caller's.
//
// In the ledger's index, names at or below the ORS apex are skipped (the
// ORS zone wins there), and when the ORS zone is a child of the zone, its
// apex is visited in its place as a hosted child zone.
func (s *Snapshot) zoneNodes(ak string, fn func(n *node, k kind)) {
	skip := ""
	orsKey := ""
	var orsCut *node
	if s.ors != nil {
		orsKey, orsCut = s.cfg.ors.key, s.orsCutIn(ak)
	}
	visit := func(n *node) bool {
		if ak != "" && !under(n.key(), ak) {
			return false
		}
		if orsCut != nil && n.key() > orsKey {
			fn(orsCut, kindChild)
			orsCut = nil
		}
		if orsKey != "" && atOrUnder(n.key(), orsKey) {
			return true
		}
		if skip != "" && under(n.key(), skip) {
			return true
		}
		switch {
		case n.registered() && !n.has(fNS):
			fn(n, kindChild)
			skip = n.key()
		case n.has(fNS):
			fn(n, kindDeleg)
			skip = n.key()
		default:
			fn(n, kindData)
			if n.has(fDNAME) {
				skip = n.key()
			}
		}
		return true
	}
	if ak == "" {
		s.tree.Ascend(visit)
	} else {
		s.tree.AscendGreaterOrEqual(probe(ak+string(sep)), visit)
	}
	if orsCut != nil {
		fn(orsCut, kindChild)
	}
}

// Export writes the hosted zone in RFC 1035 master file form: $ORIGIN, the
// SOA, the apex NS, the DNSKEY RRset of the published keys (when there are
// any), the other apex RRsets, then every name of the zone in canonical
// order. Delegations and hosted child zones appear as cuts: their NS (for a
// hosted child, the derived NS), DS (for a hosted child, when keys are
// published, the DS derived from them), and the A and AAAA records of the
// NS targets below the cut (glue); nothing else below a cut or below a
// DNAME is written. No RRSIG or NSEC is written: signing is online. DS is written only at cuts. Every record has its TTL and
// a fully qualified owner.
func (s *Snapshot) Export(zone string, w io.Writer) error {
	q, ok := parseName(zone)
	if !ok || !q.full() {
		return fmt.Errorf("%w: %q", ErrNoZone, zone)
	}
	if z := s.forName(&q); z != s {
		return z.Export(zone, w) // the ORS zone, or nothing at or below it
	}
	var apex *node
	if q.total > 0 {
		p := s.walk(&q, dns.TypeSOA)
		if p.cut != nil || p.exact == nil || p.exact != p.zone {
			return fmt.Errorf("%w: %s", ErrNoZone, q.pres)
		}
		apex = p.zone
	}
	origin := zoneName(apex)
	ak := ""
	if apex != nil {
		ak = apex.key()
	}

	// The NS targets of the zone, for glue.
	var targets []string
	addTarget := func(name string) {
		if t, ok := parseName(name); ok && t.full() && !slices.Contains(targets, t.key) {
			targets = append(targets, t.key)
		}
	}
	nsTargets := func(rrs []dns.RR) {
		for _, rr := range rrs {
			if ns, ok := rr.(*dns.NS); ok {
				addTarget(ns.Ns)
			}
		}
	}
	for i := range s.ns {
		addTarget(s.ns[i].name)
	}
	occluded := apex != nil && apex.has(fDNAME)
	if !occluded {
		s.zoneNodes(ak, func(n *node, k kind) {
			if k == kindDeleg {
				nsTargets(n.find(dns.TypeNS).records(n.name()))
			}
		})
	}
	slices.Sort(targets)

	bw := bufio.NewWriter(w)
	var line []byte // a hosted child zone's cut, written without making records
	fmt.Fprintf(bw, "$ORIGIN %s\n", origin)
	writeRRs(bw, s.zoneSOA(apex, false))
	writeRRs(bw, s.zoneNS(apex))
	writeRRs(bw, s.zoneKeys(apex))
	if apex != nil {
		for _, set := range apex.rrsets() {
			if set.typ != dns.TypeNS && set.typ != dns.TypeDS {
				writeRRs(bw, set.records(apex.name()))
			}
		}
	}
	glue := func(cut string) {
		i, _ := slices.BinarySearch(targets, cut)
		for ; i < len(targets) && (targets[i] == cut || under(targets[i], cut)); i++ {
			if g := s.get(targets[i]); g != nil {
				for _, t := range [...]uint16{dns.TypeA, dns.TypeAAAA} {
					if set := g.find(t); set.n > 0 {
						writeRRs(bw, set.records(g.name()))
					}
				}
			}
		}
	}
	if !occluded {
		s.zoneNodes(ak, func(n *node, k kind) {
			switch k {
			case kindData:
				for _, set := range n.rrsets() {
					if set.typ != dns.TypeDS {
						writeRRs(bw, set.records(n.name()))
					}
				}
			case kindDeleg:
				writeRRs(bw, n.referral())
				glue(n.key())
			case kindChild:
				line = s.appendCut(line[:0], n.name())
				_, _ = bw.Write(line)
				if len(s.keys) == 0 {
					if ds := n.find(dns.TypeDS); ds.n > 0 {
						writeRRs(bw, ds.records(n.name()))
					}
				}
				glue(n.key())
			}
		})
	}
	return bw.Flush()
}

// writeRRs writes one record per line. Write errors stick in w and are
// returned by its Flush.
func writeRRs(w *bufio.Writer, rrs []dns.RR) {
	for _, rr := range rrs {
		fmt.Fprintln(w, rr.String())
	}
}

// appendCut appends the master file lines of a hosted child zone's cut as
// writeRRs would write its derived NS and DS records, without making them:
// a zone of a million hosted children writes two million such lines.
// name is canonical and made of stored labels, as are the name servers'
// names.
func (s *Snapshot) appendCut(b []byte, name string) []byte {
	for i := range s.ns {
		b = appendHeader(b, name, s.cfg.nsTTL, "NS")
		b = append(append(b, s.ns[i].name...), '\n')
	}
	var scratch [512]byte
	for i := range s.dsKeys {
		k := &s.dsKeys[i]
		d, _ := k.digest(name, scratch[:0])
		b = appendHeader(b, name, s.cfg.keyTTL, "DS")
		b = strconv.AppendUint(b, uint64(k.tag), 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(k.alg), 10)
		b = append(b, ' ', '0'+dns.SHA256, ' ')
		n := len(b)
		b = hex.AppendEncode(b, d[:])
		for j := n; j < len(b); j++ {
			if 'a' <= b[j] && b[j] <= 'f' {
				b[j] -= 'a' - 'A'
			}
		}
		b = append(b, '\n')
	}
	return b
}

// appendHeader appends what dns.RR_Header.String writes for an RR of
// class IN: owner, TTL, class and type, each followed by a tab.
func appendHeader(b []byte, owner string, ttl uint32, typ string) []byte {
	b = append(append(b, owner...), '\t')
	b = strconv.AppendUint(b, uint64(ttl), 10)
	return append(append(append(b, "\tIN\t"...), typ...), '\t')
}

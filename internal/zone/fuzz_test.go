package zone

import (
	"bytes"
	"testing"

	"github.com/miekg/dns"
)

// Seeds live in testdata/fuzz/FuzzLookup; the f.Add calls add a few more.
func FuzzLookup(f *testing.F) {
	s := fixture(f)
	for _, q := range []string{"www.example.dii.", "x.wild.dii.", "a.b.dn.dii.", "www.deleg.dii.", ".", "", "\\000.\\255.dii"} {
		f.Add(q, dns.TypeA)
	}
	f.Fuzz(func(t *testing.T, qname string, qtype uint16) {
		checkWellFormed(t, qname, qtype, s.Lookup(qname, qtype))
	})
}

// checkWellFormed checks the invariants of any Result.
func checkWellFormed(t *testing.T, qname string, qtype uint16, r *Result) {
	t.Helper()
	if r == nil {
		t.Fatalf("Lookup(%q, %d) = nil", qname, qtype)
	}
	switch r.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError, dns.RcodeYXDomain:
	case dns.RcodeFormatError:
		if r.Authoritative || len(r.Answer)+len(r.Ns)+len(r.Extra) > 0 {
			t.Fatalf("Lookup(%q): FORMERR with data:\n%s", qname, render(r))
		}
		return
	default:
		t.Fatalf("Lookup(%q): rcode %d", qname, r.Rcode)
	}
	for _, sec := range [][]dns.RR{r.Answer, r.Ns, r.Extra} {
		for _, x := range sec {
			if x == nil {
				t.Fatalf("Lookup(%q): nil RR:\n%s", qname, render(r))
			}
			h := x.Header()
			if _, ok := dns.IsDomainName(h.Name); !ok || !dns.IsFqdn(h.Name) || h.Class != dns.ClassINET {
				t.Fatalf("Lookup(%q): bad owner or class in %s", qname, x)
			}
		}
	}
	if r.Referral {
		if r.Authoritative || len(r.Answer) > 0 || len(r.Ns) == 0 || r.Ns[0].Header().Rrtype != dns.TypeNS {
			t.Fatalf("Lookup(%q): malformed referral:\n%s", qname, render(r))
		}
	} else if !r.Authoritative {
		t.Fatalf("Lookup(%q): not authoritative:\n%s", qname, render(r))
	}
	negative := r.Rcode == dns.RcodeNameError || r.Rcode == dns.RcodeSuccess && len(r.Answer) == 0 && !r.Referral
	if negative && (len(r.Ns) == 0 || r.Ns[len(r.Ns)-1].Header().Rrtype != dns.TypeSOA) {
		t.Fatalf("Lookup(%q): negative answer without SOA:\n%s", qname, render(r))
	}
	// The first answer is owned by qname (case-insensitively, in wire
	// form), or it is a DNAME above qname, followed by a CNAME owned by
	// qname unless the substitution failed.
	if len(r.Answer) > 0 {
		first := r.Answer[0]
		if _, ok := first.(*dns.DNAME); ok && !sameName(qname, first.Header().Name) {
			if !dns.IsSubDomain(first.Header().Name, dns.CanonicalName(qname)) {
				t.Fatalf("Lookup(%q): DNAME %s is not above qname", qname, first)
			}
			switch {
			case len(r.Answer) > 1:
				first = r.Answer[1]
			case r.Rcode != dns.RcodeYXDomain:
				t.Fatalf("Lookup(%q): DNAME without CNAME:\n%s", qname, render(r))
			}
		}
		if !sameName(qname, first.Header().Name) && r.Rcode != dns.RcodeYXDomain {
			t.Fatalf("Lookup(%q): first answer owned by %q", qname, first.Header().Name)
		}
	}
	// The result packs into a message and unpacks again.
	m := new(dns.Msg)
	m.SetQuestion(".", qtype)
	m.Rcode, m.Authoritative, m.Response = r.Rcode, r.Authoritative, true
	m.Answer, m.Ns, m.Extra = r.Answer, r.Ns, r.Extra
	wire, err := m.Pack()
	if err != nil {
		t.Fatalf("Lookup(%q): pack: %v\n%s", qname, err, render(r))
	}
	var back dns.Msg
	if err := back.Unpack(wire); err != nil || len(back.Answer) != len(r.Answer) || len(back.Ns) != len(r.Ns) || len(back.Extra) != len(r.Extra) {
		t.Fatalf("Lookup(%q): unpack: %v", qname, err)
	}
}

// sameName compares a query name with an owner in wire form, ignoring
// case. Names miekg/dns cannot pack count as equal.
func sameName(qname, owner string) bool {
	var a, b [256]byte
	n1, err1 := dns.PackDomainName(dns.Fqdn(qname), a[:], 0, nil, false)
	n2, err2 := dns.PackDomainName(owner, b[:], 0, nil, false)
	return err1 != nil || err2 == nil && bytes.Equal(asciiLower(a[:n1]), b[:n2])
}

func asciiLower(b []byte) []byte {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}

// Every table case is well formed too.
func TestLookupWellFormed(t *testing.T) {
	s := fixture(t)
	u := newUniverse()
	for _, r := range fixtureRecords(t) {
		for _, set := range r.RRsets {
			u.queries = append(u.queries, set.Name+".", "q."+set.Name+".", "Q.\\.x."+set.Name)
		}
	}
	for _, q := range u.queries {
		for _, typ := range append(queryTypes, 0, dns.TypeRRSIG, dns.TypeAXFR, 65535) {
			checkWellFormed(t, q, typ, s.Lookup(q, typ))
		}
	}
}

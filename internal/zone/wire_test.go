package zone

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// mixCase upper-cases every other letter, as a resolver using 0x20
// randomisation might.
func mixCase(s string) string {
	b := []byte(s)
	for i := range b {
		if i%2 == 0 && 'a' <= b[i] && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

// wireAnswer runs AppendAnswer for qname (presentation form) and decodes
// the message it makes; nil when it declines.
func wireAnswer(tb testing.TB, s *Snapshot, qname string, qtype uint16) (*dns.Msg, WireAnswer) {
	tb.Helper()
	asked := mixCase(qname)
	msg := make([]byte, 12, 512)
	off, err := dns.PackDomainName(asked, msg[:cap(msg)], 12, nil, false)
	if err != nil {
		tb.Fatalf("%s: %v", asked, err)
	}
	msg = msg[:off]
	lname := []byte(strings.ToLower(string(msg[12:])))
	msg = binary.BigEndian.AppendUint16(msg, qtype)
	msg = binary.BigEndian.AppendUint16(msg, dns.ClassINET)
	before := len(msg)
	out, w, ok := s.AppendAnswer(msg, lname, qtype)
	if !ok || w.Outside {
		if len(out) != before {
			tb.Fatalf("%s %s: declined or outside, but appended %d bytes", qname, dns.TypeToString[qtype], len(out)-before)
		}
		if !ok {
			return nil, w
		}
	}
	binary.BigEndian.PutUint16(out[4:], 1)
	binary.BigEndian.PutUint16(out[6:], w.Answer)
	binary.BigEndian.PutUint16(out[8:], w.Ns)
	binary.BigEndian.PutUint16(out[10:], w.Extra)
	flags := uint16(1<<15) | uint16(w.Rcode)
	if w.Authoritative {
		flags |= 1 << 10
	}
	binary.BigEndian.PutUint16(out[2:], flags)
	m := new(dns.Msg)
	if err := m.Unpack(out); err != nil {
		tb.Fatalf("%s %s: the wire answer does not unpack: %v", qname, dns.TypeToString[qtype], err)
	}
	if m.Question[0].Name != asked {
		tb.Fatalf("question changed: %s", m.Question[0].Name)
	}
	return m, w
}

// renderWire renders a decoded wire answer as render renders a Result,
// owner names in lower case (they point at the question, in any case).
func renderWire(m *dns.Msg, w WireAnswer, s *Snapshot, qname string, qtype uint16) string {
	r := &Result{Rcode: m.Rcode, Authoritative: m.Authoritative, Answer: m.Answer, Ns: m.Ns, Extra: m.Extra}
	for _, sec := range [][]dns.RR{r.Answer, r.Ns, r.Extra} {
		for _, rr := range sec {
			rr.Header().Name = strings.ToLower(rr.Header().Name)
		}
	}
	// Zone and Referral are not on the wire: take them from Lookup, the
	// checks below compare what is.
	l := s.Lookup(qname, qtype)
	r.Zone, r.Referral = l.Zone, l.Referral
	return render(r)
}

// checkWire compares AppendAnswer with Lookup for every query of the
// universe and type, and returns how many AppendAnswer answered.
func checkWire(tb testing.TB, s *Snapshot, queries []string, types []uint16) int {
	tb.Helper()
	answered := 0
	for _, q := range queries {
		for _, t := range types {
			m, w := wireAnswer(tb, s, q, t)
			if m == nil {
				continue
			}
			answered++
			want := s.Lookup(q, t)
			if w.Outside {
				if want.Rcode != dns.RcodeNameError || want.Zone != "." || !w.Root {
					tb.Fatalf("%s %s: outside the namespace on the wire, Lookup says:\n%s", q, dns.TypeToString[t], render(want))
				}
				continue
			}
			if w.Root != (want.Zone == ".") {
				tb.Fatalf("%s %s: Root %v, Lookup's zone %s", q, dns.TypeToString[t], w.Root, want.Zone)
			}
			if got, exp := renderWire(m, w, s, q, t), render(want); got != exp {
				tb.Fatalf("%s %s: wire answer\n%s\nLookup\n%s", q, dns.TypeToString[t], got, exp)
			}
		}
	}
	return answered
}

var wireTypes = append([]uint16{dns.TypeDNSKEY, dns.TypeNSEC, dns.TypeSRV, dns.TypeCAA}, queryTypes...)

// TestAppendAnswer: the wire answers equal Lookup's on the fixture, and
// the common questions do take the wire path.
func TestAppendAnswer(t *testing.T) {
	s := fixture(t)
	u := newUniverse()
	queries := append(u.queries, "example.dii.", "mail.example.dii.", "www.example.dii.", "nothere.example.dii.",
		"x.deleg.dii.", "deleg.dii.", "ns1.deleg.dii.", "sub.deleg.dii.", "_tcp.svc.dii.", "svc.dii.", "a.wild.dii.",
		"sub.wild.dii.", "e.wild.dii.", "x.e.wild.dii.", "x.dn.dii.", "foo.bar.", "sld.test.", "www.sld.test.",
		"x.www.sld.test.", "a\\.b.dii.", "a\\032b.example.dii.")
	n := checkWire(t, s, queries, wireTypes)
	for _, c := range []struct {
		q  string
		t  uint16
		ok bool
	}{
		{"example.dii.", dns.TypeA, true},
		{"example.dii.", dns.TypeMX, true},
		{"example.dii.", dns.TypeTXT, true},       // NODATA
		{"nothere.example.dii.", dns.TypeA, true}, // NXDOMAIN
		{"x.deleg.dii.", dns.TypeA, true},         // referral with glue
		{"nope.", dns.TypeA, true},                // outside
		{"www.example.dii.", dns.TypeA, false},    // CNAME
		{"a.wild.dii.", dns.TypeA, false},         // wildcard
		{"x.dn.dii.", dns.TypeA, false},           // DNAME
		{"example.dii.", dns.TypeSOA, false},      // apex SOA
		{"deleg.dii.", dns.TypeDS, false},         // DS
		{"example.dii.", dns.TypeANY, false},      // ANY
		{"a\\.b.dii.", dns.TypeA, false},          // an escape
		{"2.oid-res.org.", dns.TypeNAPTR, false},  // the ORS zone
		{"_tcp.svc.dii.", dns.TypeA, true},        // an empty non-terminal
	} {
		if m, _ := wireAnswer(t, s, c.q, c.t); (m != nil) != c.ok {
			t.Errorf("%s %s: answered on the wire %v, want %v", c.q, dns.TypeToString[c.t], m != nil, c.ok)
		}
	}
	t.Logf("%d of %d questions answered on the wire", n, len(queries)*len(wireTypes))
}

// TestAppendAnswerAllocs: the wire path allocates nothing.
func TestAppendAnswerAllocs(t *testing.T) {
	s := fixture(t)
	for _, q := range []string{"example.dii.", "nothere.example.dii.", "x.deleg.dii."} {
		msg := make([]byte, 12, 1024)
		off, _ := dns.PackDomainName(q, msg[:cap(msg)], 12, nil, false)
		msg = append(msg[:off], 0, 1, 0, 1)
		lname := append([]byte(nil), msg[12:off]...)
		allocs := testing.AllocsPerRun(100, func() {
			if _, _, ok := s.AppendAnswer(msg, lname, dns.TypeA); !ok {
				t.Fatal("declined")
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations", q, allocs)
		}
	}
}

// FuzzAppendAnswer gives AppendAnswer arbitrary names: it must not panic,
// and whatever it answers must decode and match Lookup.
func FuzzAppendAnswer(f *testing.F) {
	for _, q := range []string{"example.dii.", "x.deleg.dii.", "nope.", "a.wild.dii."} {
		b := make([]byte, 256)
		n, _ := dns.PackDomainName(q, b, 0, nil, false)
		f.Add(b[:n], uint16(dns.TypeA))
	}
	s := fixture(f)
	f.Fuzz(func(t *testing.T, lname []byte, qtype uint16) {
		msg := make([]byte, 12, 2048)
		msg = append(msg, lname...)
		msg = binary.BigEndian.AppendUint16(msg, qtype)
		msg = binary.BigEndian.AppendUint16(msg, dns.ClassINET)
		lower := []byte(strings.ToLower(string(lname)))
		out, w, ok := s.AppendAnswer(msg, lower, qtype)
		if !ok {
			return
		}
		name, _, err := dns.UnpackDomainName(msg, 12)
		if err != nil {
			t.Fatalf("answered a name that does not unpack: %x", lname)
		}
		binary.BigEndian.PutUint16(out[4:], 1)
		binary.BigEndian.PutUint16(out[6:], w.Answer)
		binary.BigEndian.PutUint16(out[8:], w.Ns)
		binary.BigEndian.PutUint16(out[10:], w.Extra)
		var m dns.Msg
		if err := m.Unpack(out); err != nil {
			t.Fatalf("%s: answer does not unpack: %v", name, err)
		}
		if l := s.Lookup(name, qtype); l.Rcode != w.Rcode || len(m.Answer) != len(l.Answer) || !w.Outside && len(m.Ns) != len(l.Ns) {
			t.Fatalf("%s %d: wire %+v, Lookup\n%s", name, qtype, w, render(l))
		}
	})
}

// TestPrefetch: Prefetch takes any names, those it cannot look up too,
// and does not change what AppendAnswer answers.
func TestPrefetch(t *testing.T) {
	s := fixture(t)
	old := prefetchMin
	prefetchMin = 0
	t.Cleanup(func() { prefetchMin = old })
	var names [][]byte
	for _, q := range []string{"example.dii.", "nothere.example.dii.", ".", "a\\.b.dii.", "x.deleg.dii.", "ns1.deleg.dii."} {
		b := make([]byte, 256)
		n, _ := dns.PackDomainName(q, b, 0, nil, false)
		names = append(names, b[:n])
	}
	names = append(names, nil, []byte{5, 'a'})
	for len(names) < 70 {
		names = append(names, names...)
	}
	before := checkWire(t, s, []string{"example.dii.", "x.deleg.dii."}, []uint16{dns.TypeA})
	if s.Prefetch(names) == 0 {
		t.Fatal("nothing read")
	}
	if after := checkWire(t, s, []string{"example.dii.", "x.deleg.dii."}, []uint16{dns.TypeA}); after != before || before != 2 {
		t.Fatalf("answered %d before, %d after", before, after)
	}
}

package nameserver

import (
	"net"
	"testing"

	"github.com/miekg/dns"
)

// TestRFC8906 runs the checks of RFC 8906 ("A Common Operational Problem
// in DNS Servers: Failure to Communicate") and of the EDNS compliance
// tests it describes, over UDP and TCP. A server must answer every one of
// these queries, and answer it right.
func TestRFC8906(t *testing.T) {
	s := startServer(t, Config{})
	edns := func(m *dns.Msg, f func(o *dns.OPT)) *dns.Msg {
		m.SetEdns0(1232, false)
		if f != nil {
			f(m.IsEdns0())
		}
		return m
	}
	soa := q("dii.", dns.TypeSOA)
	cases := []struct {
		name  string
		query *dns.Msg
		check func(t *testing.T, r *dns.Msg)
	}{
		{"dns: plain query", soa.Copy(), func(t *testing.T, r *dns.Msg) {
			wantAnswer(t, r, dns.RcodeSuccess, dns.TypeSOA)
			if r.IsEdns0() != nil {
				t.Fatal("OPT in the answer to a query without EDNS")
			}
		}},
		{"aa: authoritative", soa.Copy(), func(t *testing.T, r *dns.Msg) {
			if !r.Authoritative {
				t.Fatal("AA not set")
			}
		}},
		{"rd: recursion desired", func() *dns.Msg { m := soa.Copy(); m.RecursionDesired = true; return m }(), func(t *testing.T, r *dns.Msg) {
			wantAnswer(t, r, dns.RcodeSuccess, dns.TypeSOA)
			if !r.RecursionDesired || r.RecursionAvailable {
				t.Fatalf("rd=%v ra=%v, want RD copied and RA clear", r.RecursionDesired, r.RecursionAvailable)
			}
		}},
		{"zflag: Z bit in the header", func() *dns.Msg { m := soa.Copy(); m.Zero = true; return m }(), func(t *testing.T, r *dns.Msg) {
			wantAnswer(t, r, dns.RcodeSuccess, dns.TypeSOA)
			if r.Zero {
				t.Fatal("Z bit echoed")
			}
		}},
		{"edns: version 0", edns(soa.Copy(), nil), func(t *testing.T, r *dns.Msg) {
			wantAnswer(t, r, dns.RcodeSuccess, dns.TypeSOA)
			if o := r.IsEdns0(); o == nil || o.Version() != 0 {
				t.Fatalf("OPT %v", o)
			}
		}},
		{"edns1: version 1", edns(soa.Copy(), func(o *dns.OPT) { o.SetVersion(1) }), func(t *testing.T, r *dns.Msg) {
			if r.Rcode != dns.RcodeBadVers || len(r.Answer) != 0 {
				t.Fatalf("rcode %s answers %d, want BADVERS and none", dns.RcodeToString[r.Rcode], len(r.Answer))
			}
			if o := r.IsEdns0(); o == nil || o.Version() != 0 {
				t.Fatalf("BADVERS must carry OPT version 0: %v", o)
			}
		}},
		{"ednsflags: unknown EDNS flag", edns(soa.Copy(), func(o *dns.OPT) { o.Hdr.Ttl |= 0x0040 }), func(t *testing.T, r *dns.Msg) {
			wantAnswer(t, r, dns.RcodeSuccess, dns.TypeSOA)
			if o := r.IsEdns0(); o == nil || o.Hdr.Ttl&0x7fff != 0 {
				t.Fatalf("unknown EDNS flags echoed: %v", o)
			}
		}},
		{"ednsopt: unknown option", edns(soa.Copy(), func(o *dns.OPT) {
			o.Option = append(o.Option, &dns.EDNS0_LOCAL{Code: 100, Data: []byte{}})
		}), func(t *testing.T, r *dns.Msg) {
			wantAnswer(t, r, dns.RcodeSuccess, dns.TypeSOA)
			if o := r.IsEdns0(); o == nil || len(o.Option) != 0 {
				t.Fatalf("unknown option echoed: %v", o)
			}
		}},
		{"edns1opt: version 1 with an unknown option", edns(soa.Copy(), func(o *dns.OPT) {
			o.SetVersion(1)
			o.Option = append(o.Option, &dns.EDNS0_LOCAL{Code: 100, Data: []byte{}})
		}), func(t *testing.T, r *dns.Msg) {
			if r.Rcode != dns.RcodeBadVers {
				t.Fatalf("rcode %s, want BADVERS", dns.RcodeToString[r.Rcode])
			}
		}},
		{"do: DNSSEC OK", func() *dns.Msg { m := soa.Copy(); m.SetEdns0(1232, true); return m }(), func(t *testing.T, r *dns.Msg) {
			wantAnswer(t, r, dns.RcodeSuccess, dns.TypeSOA)
			if o := r.IsEdns0(); o == nil || !o.Do() {
				t.Fatal("DO not echoed")
			}
		}},
		{"optlist: NSID, subnet, expire, cookie", edns(soa.Copy(), func(o *dns.OPT) {
			o.Option = append(o.Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID},
				&dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: 1, SourceNetmask: 0, Address: net.IPv4zero.To4()},
				&dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE},
				&dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"})
		}), func(t *testing.T, r *dns.Msg) {
			wantAnswer(t, r, dns.RcodeSuccess, dns.TypeSOA)
		}},
		{"type666: unknown type", q("hello.dii.", 666), func(t *testing.T, r *dns.Msg) {
			if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
				t.Fatalf("unknown type: want NODATA with SOA, got %v", r)
			}
		}},
		{"opcode: unknown opcode", func() *dns.Msg { m := soa.Copy(); m.Opcode = 15; return m }(), func(t *testing.T, r *dns.Msg) {
			if r.Rcode != dns.RcodeNotImplemented {
				t.Fatalf("rcode %s, want NOTIMP", dns.RcodeToString[r.Rcode])
			}
		}},
	}
	for _, transport := range []string{"udp", "tcp"} {
		for _, c := range cases {
			t.Run(transport+"/"+c.name, func(t *testing.T) {
				r := query(t, s.Addr(), transport, c.query.Copy())
				if r.Id != c.query.Id {
					t.Fatalf("id %d, want %d", r.Id, c.query.Id)
				}
				c.check(t, r)
			})
		}
	}
}

func wantAnswer(t *testing.T, r *dns.Msg, rcode int, typ uint16) {
	t.Helper()
	if r.Rcode != rcode || len(r.Answer) == 0 || r.Answer[0].Header().Rrtype != typ {
		t.Fatalf("want %s with %s, got %v", dns.RcodeToString[rcode], dns.TypeToString[typ], r)
	}
}

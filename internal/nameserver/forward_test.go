package nameserver

import (
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakeUpstream answers every A query with 198.51.100.7 and knows the TLD
// "dii" (SOA), so the ledger's "dii" collides with it.
func fakeUpstream(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		switch {
		case q.Qtype == dns.TypeA:
			rr, _ := dns.NewRR(q.Name + " 60 IN A 198.51.100.7")
			m.Answer = append(m.Answer, rr)
		case q.Qtype == dns.TypeSOA && q.Name == "dii.":
			rr, _ := dns.NewRR("dii. 60 IN SOA a.nic.dii. h.nic.dii. 1 2 3 4 5")
			m.Answer = append(m.Answer, rr)
		default:
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestRefusedWithoutUpstream(t *testing.T) {
	s := startServer(t, Config{})
	r := query(t, s.Addr(), "udp", q("www.example.com.", dns.TypeA))
	if r.Rcode != dns.RcodeRefused {
		t.Fatalf("name outside the ledger, no upstream: %s", dns.RcodeToString[r.Rcode])
	}
	// Ledger names are still answered.
	if r := query(t, s.Addr(), "udp", q("hello.dii.", dns.TypeA)); r.Rcode != dns.RcodeSuccess {
		t.Fatalf("ledger name: %v", r)
	}
}

func TestForwardAndCollisions(t *testing.T) {
	up := fakeUpstream(t)
	for _, prefer := range []Prefer{PreferLedger, PreferUpstream} {
		t.Run(string(prefer), func(t *testing.T) {
			reg := prometheus.NewRegistry()
			s := New(Config{Addr: "127.0.0.1:0", Upstream: up, Prefer: prefer, Registerer: reg,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			s.SetSnapshot(testSnapshot(t))
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			defer s.Stop()
			r := query(t, s.Addr(), "udp", q("www.example.com.", dns.TypeA))
			if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "198.51.100.7" {
				t.Fatalf("forwarded answer: %v", r)
			}
			if got := testutil.ToFloat64(s.up.forwarded.WithLabelValues("NOERROR")); got != 1 {
				t.Fatalf("forwarded_total = %v", got)
			}
			// The first query for the ledger TLD starts the collision
			// check; poll until the upstream's answer is known.
			deadline := time.Now().Add(5 * time.Second)
			for !s.up.collides("dii") {
				if time.Now().After(deadline) {
					t.Fatal("collision with the upstream's dii never detected")
				}
				time.Sleep(10 * time.Millisecond)
			}
			r = query(t, s.Addr(), "udp", q("hello.dii.", dns.TypeA))
			want := map[Prefer]string{PreferLedger: "192.0.2.1", PreferUpstream: "198.51.100.7"}[prefer]
			if len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != want {
				t.Fatalf("prefer %s: answer %v, want %s", prefer, r.Answer, want)
			}
			if got := testutil.ToFloat64(s.up.collisions.WithLabelValues("dii", string(prefer))); got < 1 {
				t.Fatalf("collisions_total{dii,%s} = %v", prefer, got)
			}
		})
	}
}

// TestNoCollisionOutsideLedgerZones: names the root zone answers from its
// own data (the name servers' glue) are not ledger TLDs, so they are never
// checked against the upstream nor counted as collisions.
func TestNoCollisionOutsideLedgerZones(t *testing.T) {
	up := fakeUpstream(t)
	reg := prometheus.NewRegistry()
	s := New(Config{Addr: "127.0.0.1:0", Upstream: up, Prefer: PreferUpstream, Registerer: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s.SetSnapshot(testSnapshot(t))
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	for i := 0; i < 3; i++ {
		r := query(t, s.Addr(), "udp", q("ns1.dii-nic.", dns.TypeA))
		if len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "127.0.0.1" || !r.Authoritative {
			t.Fatalf("glue name answered by %v, want the root zone's 127.0.0.1", r)
		}
	}
	s.up.mu.Lock()
	_, checked := s.up.known["dii-nic"]
	s.up.mu.Unlock()
	if checked {
		t.Fatal("the glue name's TLD was checked against the upstream")
	}
}

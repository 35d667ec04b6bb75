package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/testnode"
	"github.com/dii-net/dii/internal/tx"
)

func ask(t *testing.T, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	c := &dns.Client{Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s %s: %v", name, dns.TypeToString[qtype], err)
	}
	return r
}

// TestDNSFreshness: a record is answered over DNS as soon as its commit is
// reported, with no wait on any TTL or timer.
func TestDNSFreshness(t *testing.T) {
	n := testnode.Start(t)
	ctx := context.Background()
	op := n.Operator(t)
	ok(op.Submit(ctx, client.WaitCommit, &tx.Register{Name: "dii", Open: true}))(t)
	addr := n.Addrs().DNS
	if r := ask(t, addr, "fresh.dii.", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Fatalf("before registration: %v", r)
	}
	for i, ip := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		ops := []tx.Op{&tx.SetRRset{Name: "fresh.dii", Type: dns.TypeA, TTL: 3600, Records: [][]byte{rd(t, dns.TypeA, ip)}}}
		if i == 0 {
			ops = append([]tx.Op{&tx.Register{Name: "fresh.dii"}}, ops...)
		}
		res := ok(op.Submit(ctx, client.WaitCommit, ops...))(t)
		r := ask(t, addr, "fresh.dii.", dns.TypeA)
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != ip {
			t.Fatalf("right after the commit at height %d: %v", res.Height, r)
		}
	}
	// The root zone: SOA serial follows the ledger height; NS is served.
	r := ask(t, addr, ".", dns.TypeSOA)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || !r.Authoritative {
		t.Fatalf("root SOA: %v", r)
	}
	if got := ask(t, addr, ".", dns.TypeNS); len(got.Answer) == 0 {
		t.Fatalf("root NS: %v", got)
	}
	// The zone list and export go through the API.
	zl := ok(n.Client.Zones(ctx))(t)
	if len(zl.Zones) < 3 {
		t.Fatalf("zones: %+v", zl)
	}
	text := ok(n.Client.ExportZone(ctx, "fresh.dii"))(t)
	if len(text) == 0 {
		t.Fatal("empty export")
	}
}

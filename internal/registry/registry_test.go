package registry_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

func TestRegisterRules(t *testing.T) {
	exp := t0 + 365*day // example.dii's expiry
	grace := 30 * day
	tests := []struct {
		name  string
		steps []step
	}{
		{"tld by operator", []step{
			{operator, t0, &tx.Register{Name: "shop"}, nil},
		}},
		{"tld by anyone else", []step{
			{alice, t0, &tx.Register{Name: "shop"}, registry.ErrUnauthorized},
			{alice, t0, &tx.Register{Name: "shop", Open: true}, registry.ErrUnauthorized},
		}},
		{"open only on tlds", []step{
			{operator, t0, &tx.Register{Name: "x.dii", Open: true}, registry.ErrInvalid},
			{bob, t0, &tx.Register{Name: "bob.dii", Open: true}, registry.ErrInvalid},
			{alice, t0, &tx.Register{Name: "www.example.dii", Open: true}, registry.ErrInvalid},
		}},
		{"tld taken", []step{
			{operator, t0, &tx.Register{Name: "dii"}, registry.ErrExists},
		}},
		{"open tld: anyone registers a second-level name", []step{
			{bob, t0, &tx.Register{Name: "bob.dii"}, nil},
			{carol, t0 + 1, &tx.Register{Name: "carol.dii"}, nil},
			{operator, t0, &tx.Register{Name: "op.dii"}, nil},
		}},
		{"closed tld: only the tld owner", []step{
			{bob, t0, &tx.Register{Name: "bob.corp"}, registry.ErrUnauthorized},
			{operator, t0, &tx.Register{Name: "bob.corp", Owner: bob}, nil},
		}},
		{"third level: only the owner of the closest ancestor", []step{
			{bob, t0, &tx.Register{Name: "www.example.dii"}, registry.ErrUnauthorized},
			{operator, t0, &tx.Register{Name: "www.example.dii"}, registry.ErrUnauthorized},
			{alice, t0, &tx.Register{Name: "www.example.dii", Owner: bob}, nil},
			// Now www.example.dii (bob) is the closest ancestor.
			{alice, t0, &tx.Register{Name: "a.www.example.dii"}, registry.ErrUnauthorized},
			{bob, t0, &tx.Register{Name: "a.www.example.dii"}, nil},
			// Skipping a level: the closest registered ancestor decides.
			{carol, t0, &tx.Register{Name: "x.y.example.dii"}, registry.ErrUnauthorized},
			{alice, t0, &tx.Register{Name: "x.y.example.dii"}, nil},
		}},
		{"open tld is fcfs only one level down", []step{
			{bob, t0, &tx.Register{Name: "a.unregistered.dii"}, registry.ErrUnauthorized},
			{operator, t0, &tx.Register{Name: "a.unregistered.dii"}, nil},
		}},
		{"no registered tld", []step{
			{operator, t0, &tx.Register{Name: "example.nowhere"}, registry.ErrNotFound},
			{bob, t0, &tx.Register{Name: "a.b.nowhere"}, registry.ErrNotFound},
		}},
		{"expired ancestor", []step{
			{bob, exp, &tx.Register{Name: "www.example.dii"}, registry.ErrExpired},
			{alice, exp, &tx.Register{Name: "www.example.dii"}, registry.ErrExpired},
			{alice, exp - 1, &tx.Register{Name: "www.example.dii"}, nil},
		}},
		{"name syntax", []step{
			{bob, t0, &tx.Register{Name: "bad_name.dii"}, names.ErrBadChar},
			{bob, t0, &tx.Register{Name: "-bob.dii"}, names.ErrHyphen},
			{operator, t0, &tx.Register{Name: "123"}, names.ErrNumericTLD},
			{bob, t0, &tx.Register{Name: "*.dii"}, names.ErrBadChar},
		}},
		{"taken name", []step{
			{bob, t0, &tx.Register{Name: "example.dii"}, registry.ErrExists},
			{alice, t0, &tx.Register{Name: "example.dii"}, registry.ErrExists},
			{operator, t0, &tx.Register{Name: "example.dii"}, registry.ErrExists},
			{bob, exp, &tx.Register{Name: "example.dii"}, registry.ErrExists},
			{bob, exp + grace - 1, &tx.Register{Name: "example.dii"}, registry.ErrExists},
			{alice, exp + grace - 1, &tx.Register{Name: "example.dii"}, registry.ErrExists},
		}},
		{"after expiry and grace anyone eligible", []step{
			{bob, exp + grace, &tx.Register{Name: "example.dii"}, nil},
		}},
		{"after expiry and grace the former owner too", []step{
			{alice, exp + grace, &tx.Register{Name: "example.dii"}, nil},
		}},
		{"after expiry and grace under a closed tld only its owner", []step{
			{operator, t0, &tx.Register{Name: "x.corp", Owner: bob, PeriodDays: 10}, nil},
			{bob, t0 + 10*day + grace, &tx.Register{Name: "x.corp"}, registry.ErrUnauthorized},
			{operator, t0 + 10*day + grace, &tx.Register{Name: "x.corp", Owner: carol}, nil},
		}},
		{"period limits", []step{
			{bob, t0, &tx.Register{Name: "b.dii", PeriodDays: 3651}, registry.ErrInvalid},
			{bob, t0, &tx.Register{Name: "b.dii", PeriodDays: 0xffff}, registry.ErrInvalid},
			{operator, t0, &tx.Register{Name: "long", PeriodDays: 3651}, registry.ErrInvalid},
			{bob, t0, &tx.Register{Name: "b.dii", PeriodDays: 3650}, nil},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run(t, world(t), params(), tc.steps...)
		})
	}
}

func TestRegisterRecord(t *testing.T) {
	w := world(t)
	run(t, w, params(),
		step{bob, t0 + 5, &tx.Register{Name: "Bob.DII."}, nil},
		step{bob, t0 + 6, &tx.Register{Name: "gift.dii", Owner: carol, PeriodDays: 10}, nil},
	)
	tests := []struct {
		name    string
		owner   tx.Address
		created int64
		expiry  int64
		open    bool
	}{
		{"dii", operator, t0, t0 + 3650*day, true},
		{"corp", operator, t0, t0 + 3650*day, false},
		{"example.dii", alice, t0, t0 + 365*day, false},
		{"bob.dii", bob, t0 + 5, t0 + 5 + 365*day, false}, // lower-cased, default period
		{"gift.dii", carol, t0 + 6, t0 + 6 + 10*day, false},
	}
	for _, tc := range tests {
		rec := get(t, w, tc.name)
		if rec.Name != tc.name || rec.Owner != tc.owner || rec.Created != tc.created || rec.Expiry != tc.expiry || rec.Open != tc.open {
			t.Errorf("%s: got %+v", tc.name, rec)
		}
		if len(rec.Delegates) != 0 || len(rec.RRsets) != 0 {
			t.Errorf("%s: new record has delegates or RRsets", tc.name)
		}
		if rec.IsTLD() != !strings.Contains(tc.name, ".") {
			t.Errorf("%s: IsTLD = %v", tc.name, rec.IsTLD())
		}
	}
	if _, err := registry.Get(w, "Bob.DII."); err == nil {
		// Get takes the ledger form; only the canonical key exists.
		if _, ok := w.Get([]byte("n/DII.Bob")); ok {
			t.Error("a non-canonical key was stored")
		}
	}
}

func TestReregisterAfterGraceStartsFresh(t *testing.T) {
	w := world(t)
	exp := t0 + 365*day
	run(t, w, params(),
		step{alice, t0, setOp("example.dii", dns.TypeA, rdata(t, dns.TypeA, "192.0.2.1")), nil},
		step{alice, t0, &tx.Delegate{Name: "example.dii", Account: carol, Allow: true}, nil},
		step{bob, exp + 30*day, &tx.Register{Name: "example.dii", PeriodDays: 1}, nil},
	)
	rec := get(t, w, "example.dii")
	if rec.Owner != bob || rec.Created != exp+30*day || rec.Expiry != exp+31*day {
		t.Fatalf("re-registered record: %+v", rec)
	}
	if len(rec.RRsets) != 0 || len(rec.Delegates) != 0 {
		t.Fatalf("re-registered record kept the old RRsets or delegates: %+v", rec)
	}
	// The old owner and delegate lost control.
	run(t, w, params(),
		step{alice, exp + 30*day, setOp("example.dii", dns.TypeA, rdata(t, dns.TypeA, "192.0.2.2")), registry.ErrUnauthorized},
		step{carol, exp + 30*day, setOp("example.dii", dns.TypeA, rdata(t, dns.TypeA, "192.0.2.2")), registry.ErrUnauthorized},
	)
}

func TestRenewRules(t *testing.T) {
	exp := t0 + 365*day
	grace := 30 * day
	tests := []struct {
		name       string
		steps      []step
		wantExpiry int64 // of example.dii after the steps; 0: not checked
	}{
		{"owner renews", []step{
			{alice, t0, &tx.Renew{Name: "example.dii", PeriodDays: 10}, nil},
		}, exp + 10*day},
		{"default period", []step{
			{alice, t0, &tx.Renew{Name: "example.dii"}, nil},
		}, exp + 365*day},
		{"others may not", []step{
			{bob, t0, &tx.Renew{Name: "example.dii"}, registry.ErrUnauthorized},
			{operator, t0, &tx.Renew{Name: "example.dii"}, registry.ErrUnauthorized},
		}, exp},
		{"a delegate may not", []step{
			{alice, t0, &tx.Delegate{Name: "example.dii", Account: bob, Allow: true}, nil},
			{bob, t0, &tx.Renew{Name: "example.dii"}, registry.ErrUnauthorized},
		}, exp},
		{"within grace only the owner", []step{
			{bob, exp, &tx.Renew{Name: "example.dii"}, registry.ErrUnauthorized},
			{bob, exp, &tx.Register{Name: "example.dii"}, registry.ErrExists},
			{alice, exp + grace - 1, &tx.Renew{Name: "example.dii", PeriodDays: 1}, nil},
		}, exp + day},
		{"after grace nobody", []step{
			{alice, exp + grace, &tx.Renew{Name: "example.dii"}, registry.ErrExpired},
		}, exp},
		{"beyond max period from now", []step{
			// exp is t0+365d; +3286 days is 1 day more than 3650 from t0.
			{alice, t0, &tx.Renew{Name: "example.dii", PeriodDays: 3286}, registry.ErrInvalid},
			{alice, t0, &tx.Renew{Name: "example.dii", PeriodDays: 3285}, nil},
			{alice, t0, &tx.Renew{Name: "example.dii", PeriodDays: 1}, registry.ErrInvalid},
			// A day later there is room for one more day.
			{alice, t0 + day, &tx.Renew{Name: "example.dii", PeriodDays: 1}, nil},
		}, t0 + 3651*day},
		{"period over max", []step{
			{alice, t0, &tx.Renew{Name: "example.dii", PeriodDays: 3651}, registry.ErrInvalid},
		}, exp},
		{"operator renews any tld", []step{
			{operator, t0, &tx.Register{Name: "given", Owner: alice, PeriodDays: 10}, nil},
			{operator, t0, &tx.Renew{Name: "given", PeriodDays: 10}, nil},
			{alice, t0, &tx.Renew{Name: "given", PeriodDays: 10}, nil},
			{bob, t0, &tx.Renew{Name: "given", PeriodDays: 10}, registry.ErrUnauthorized},
		}, 0},
		{"not registered", []step{
			{alice, t0, &tx.Renew{Name: "nothing.dii"}, registry.ErrNotFound},
		}, exp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := world(t)
			run(t, w, params(), tc.steps...)
			if tc.wantExpiry != 0 {
				if rec := get(t, w, "example.dii"); rec.Expiry != tc.wantExpiry {
					t.Fatalf("expiry %d (t0%+d days), want t0%+d days", rec.Expiry, (rec.Expiry-t0)/day, (tc.wantExpiry-t0)/day)
				}
			}
		})
	}
}

func TestSetRRsetRules(t *testing.T) {
	exp := t0 + 365*day
	a1 := rdata(t, dns.TypeA, "192.0.2.1")
	a2 := rdata(t, dns.TypeA, "192.0.2.2")
	ns := rdata(t, dns.TypeNS, "ns1.example.net.")
	ds := rdata(t, dns.TypeDS, "12345 13 2 "+strings.Repeat("ab", 32))
	cname := rdata(t, dns.TypeCNAME, "target.example.net.")
	dname := rdata(t, dns.TypeDNAME, "example.net.")
	tests := []struct {
		name  string
		steps []step
	}{
		{"owner sets", []step{
			{alice, t0, setOp("example.dii", dns.TypeA, a1), nil},
			{alice, t0, setOp("www.example.dii", dns.TypeA, a1, a2), nil},
		}},
		{"delegate sets", []step{
			{alice, t0, &tx.Delegate{Name: "example.dii", Account: bob, Allow: true}, nil},
			{bob, t0, setOp("example.dii", dns.TypeA, a1), nil},
		}},
		{"others may not", []step{
			{bob, t0, setOp("example.dii", dns.TypeA, a1), registry.ErrUnauthorized},
			{operator, t0, setOp("example.dii", dns.TypeA, a1), registry.ErrUnauthorized},
			{operator, t0, setOp("www.example.dii", dns.TypeA, a1), registry.ErrUnauthorized},
			{bob, t0, setOp("example.dii", dns.TypeA), registry.ErrUnauthorized},
		}},
		{"removed delegate may not", []step{
			{alice, t0, &tx.Delegate{Name: "example.dii", Account: bob, Allow: true}, nil},
			{alice, t0, &tx.Delegate{Name: "example.dii", Account: bob, Allow: false}, nil},
			{bob, t0, setOp("example.dii", dns.TypeA, a1), registry.ErrUnauthorized},
		}},
		{"tld owner may not edit below a registered name", []step{
			{operator, t0, setOp("dii", dns.TypeNS, ns), nil},
			{operator, t0, setOp("x.example.dii", dns.TypeA, a1), registry.ErrUnauthorized},
		}},
		{"unknown types", []step{
			{alice, t0, setOp("example.dii", dns.TypeSOA, []byte{0}), names.ErrUnknownType},
			{alice, t0, setOp("example.dii", dns.TypeSOA), names.ErrUnknownType},
			{alice, t0, setOp("example.dii", 9999, []byte{1}), names.ErrUnknownType},
			{alice, t0, setOp("example.dii", 9999), names.ErrUnknownType},
			{alice, t0, setOp("example.dii", dns.TypeDNSKEY, []byte{1}), names.ErrUnknownType},
			{alice, t0, setOp("example.dii", 0), names.ErrUnknownType},
		}},
		{"bad record data", []step{
			{alice, t0, setOp("example.dii", dns.TypeA, []byte{1, 2, 3}), names.ErrBadRData},
			{alice, t0, setOp("example.dii", dns.TypeA, a1, a1), names.ErrDuplicate},
			{alice, t0, &tx.SetRRset{Name: "example.dii", Type: dns.TypeA, TTL: names.MaxTTL + 1, Records: [][]byte{a1}}, names.ErrTTL},
		}},
		{"cname beside other data", []step{
			{alice, t0, setOp("www.example.dii", dns.TypeA, a1), nil},
			{alice, t0, setOp("www.example.dii", dns.TypeCNAME, cname), names.ErrCoexistence},
			{alice, t0, setOp("www.example.dii", dns.TypeA), nil},
			{alice, t0, setOp("www.example.dii", dns.TypeCNAME, cname), nil},
			{alice, t0, setOp("www.example.dii", dns.TypeA, a1), names.ErrCoexistence},
			// The same types at another owner are independent.
			{alice, t0, setOp("ftp.example.dii", dns.TypeA, a1), nil},
		}},
		{"ds needs ns", []step{
			{alice, t0, setOp("sub.example.dii", dns.TypeDS, ds), names.ErrCoexistence},
			{alice, t0, setOp("sub.example.dii", dns.TypeNS, ns), nil},
			{alice, t0, setOp("sub.example.dii", dns.TypeDS, ds), nil},
			// Removing the NS would orphan the DS.
			{alice, t0, setOp("sub.example.dii", dns.TypeNS), names.ErrCoexistence},
			{alice, t0, setOp("sub.example.dii", dns.TypeDS), nil},
			{alice, t0, setOp("sub.example.dii", dns.TypeNS), nil},
		}},
		{"a registered name is a zone apex", []step{
			// The ledger derives an SOA at every registered name, so no
			// CNAME there, and DNAME may sit beside NS only there.
			{alice, t0, setOp("example.dii", dns.TypeCNAME, cname), names.ErrCoexistence},
			{alice, t0, setOp("www.example.dii", dns.TypeCNAME, cname), nil},
			{alice, t0, setOp("example.dii", dns.TypeNS, ns), nil},
			{alice, t0, setOp("example.dii", dns.TypeDNAME, dname), nil},
			{alice, t0, setOp("sub.example.dii", dns.TypeNS, ns), nil},
			{alice, t0, setOp("sub.example.dii", dns.TypeDNAME, dname), names.ErrCoexistence},
			{alice, t0, &tx.Register{Name: "sub2.example.dii"}, nil},
			{alice, t0, setOp("sub2.example.dii", dns.TypeNS, ns), nil},
			{alice, t0, setOp("sub2.example.dii", dns.TypeDNAME, dname), nil},
		}},
		{"expired", []step{
			{alice, exp - 1, setOp("example.dii", dns.TypeA, a1), nil},
			{alice, exp, setOp("example.dii", dns.TypeA, a2), registry.ErrExpired},
			{alice, exp, setOp("www.example.dii", dns.TypeA, a2), registry.ErrExpired},
			{alice, exp, setOp("example.dii", dns.TypeA), registry.ErrExpired},
			{alice, exp, &tx.Renew{Name: "example.dii"}, nil},
			{alice, exp, setOp("example.dii", dns.TypeA, a2), nil},
		}},
		{"expired, others still unauthorised", []step{
			{bob, exp, setOp("example.dii", dns.TypeA, a1), registry.ErrUnauthorized},
		}},
		{"no registered name", []step{
			{alice, t0, setOp("www.nowhere", dns.TypeA, a1), registry.ErrNotFound},
		}},
		{"owner syntax", []step{
			{alice, t0, setOp("a..example.dii", dns.TypeA, a1), names.ErrEmptyLabel},
			{alice, t0, setOp("_sip._tcp.example.dii", dns.TypeSRV, rdata(t, dns.TypeSRV, "10 5 5060 sip.example.dii.")), nil},
			{alice, t0, setOp("*.example.dii", dns.TypeA, a1), nil},
			{alice, t0, setOp("*.example.dii", dns.TypeNS, ns), names.ErrCoexistence},
		}},
		{"too many records in one rrset", []step{
			{alice, t0, setOp("example.dii", dns.TypeA, manyA(t, names.MaxRecordsPerRRset)...), nil},
			{alice, t0, setOp("example.dii", dns.TypeA, manyA(t, names.MaxRecordsPerRRset+1)...), names.ErrRRsetSize},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run(t, world(t), params(), tc.steps...)
		})
	}
}

func manyA(t *testing.T, n int) [][]byte {
	t.Helper()
	out := make([][]byte, n)
	for i := range out {
		out[i] = rdata(t, dns.TypeA, fmt.Sprintf("192.0.%d.%d", i/256, i%256))
	}
	return out
}

// TestSetRRsetPlacement: RRsets at or below a registered name live in the
// record of the closest registered name.
func TestSetRRsetPlacement(t *testing.T) {
	w := world(t)
	a1 := rdata(t, dns.TypeA, "192.0.2.1")
	aaaa := rdata(t, dns.TypeAAAA, "2001:db8::1")
	txt := rdata(t, dns.TypeTXT, `"hello"`)
	run(t, w, params(),
		step{alice, t0, setOp("www.example.dii", dns.TypeA, a1), nil},
		step{alice, t0, setOp("WWW.Example.DII", dns.TypeAAAA, aaaa), nil}, // stored lower case
		step{alice, t0, setOp("example.dii", dns.TypeTXT, txt), nil},
		step{alice, t0, setOp("deep.er.example.dii", dns.TypeA, a1), nil},
		step{alice, t0, &tx.Register{Name: "shop.example.dii", Owner: bob}, nil},
		step{bob, t0, setOp("shop.example.dii", dns.TypeA, a1), nil},
		step{bob, t0, setOp("cart.shop.example.dii", dns.TypeA, a1), nil},
	)
	if _, ok := w.Get(registry.Key("www.example.dii")); ok {
		t.Fatal("setting records at www.example.dii registered it")
	}
	rec := get(t, w, "example.dii")
	var got []string
	for _, s := range rec.RRsets {
		got = append(got, s.Name+"/"+names.TypeName(s.Type))
	}
	// Canonical order: by reversed owner name, then type.
	want := []string{"example.dii/TXT", "deep.er.example.dii/A", "www.example.dii/A", "www.example.dii/AAAA"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("example.dii holds %v, want %v", got, want)
	}
	if s, ok := rec.Lookup("www.example.dii", dns.TypeA); !ok || s.TTL != 3600 || len(s.Records) != 1 || !bytes.Equal(s.Records[0], a1) {
		t.Fatalf("Lookup(www A) = %+v, %v", s, ok)
	}
	if _, ok := rec.Lookup("www.example.dii", dns.TypeMX); ok {
		t.Fatal("Lookup found an absent type")
	}
	if types := rec.TypesAt("www.example.dii"); len(types) != 2 || types[0] != dns.TypeA || types[1] != dns.TypeAAAA {
		t.Fatalf("TypesAt(www) = %v", types)
	}
	shop := get(t, w, "shop.example.dii")
	if len(shop.RRsets) != 2 || shop.RRsets[0].Name != "shop.example.dii" || shop.RRsets[1].Name != "cart.shop.example.dii" {
		t.Fatalf("shop.example.dii holds %+v", shop.RRsets)
	}

	// Replacing keeps one RRset; the empty set deletes; deleting an absent
	// RRset is a no-op.
	a2 := rdata(t, dns.TypeA, "192.0.2.2")
	run(t, w, params(),
		step{alice, t0, &tx.SetRRset{Name: "www.example.dii", Type: dns.TypeA, TTL: 60, Records: [][]byte{a2, a1}}, nil},
		step{alice, t0, setOp("deep.er.example.dii", dns.TypeA), nil},
		step{alice, t0, setOp("nothing.example.dii", dns.TypeMX), nil},
	)
	rec = get(t, w, "example.dii")
	s, ok := rec.Lookup("www.example.dii", dns.TypeA)
	if !ok || s.TTL != 60 || len(s.Records) != 2 || !bytes.Equal(s.Records[0], a2) {
		t.Fatalf("replaced RRset = %+v, %v", s, ok)
	}
	if _, ok := rec.Lookup("deep.er.example.dii", dns.TypeA); ok || len(rec.RRsets) != 3 {
		t.Fatalf("deleted RRset still there: %+v", rec.RRsets)
	}
}

func TestRegisterBelowRecords(t *testing.T) {
	a1 := rdata(t, dns.TypeA, "192.0.2.1")
	run(t, world(t), params(),
		step{alice, t0, setOp("www.example.dii", dns.TypeA, a1), nil},
		step{alice, t0, setOp("a.b.example.dii", dns.TypeA, a1), nil},
		step{alice, t0, setOp("wwwx.example.dii", dns.TypeA, a1), nil},
		step{alice, t0, setOp("example.dii", dns.TypeA, a1), nil},
		// Records at the name.
		step{alice, t0, &tx.Register{Name: "www.example.dii"}, registry.ErrExists},
		// Records below the name.
		step{alice, t0, &tx.Register{Name: "b.example.dii"}, registry.ErrExists},
		// Records at a sibling or at the parent do not block.
		step{alice, t0, &tx.Register{Name: "ww.example.dii"}, nil},
		step{alice, t0, &tx.Register{Name: "x.example.dii"}, nil},
		// After deleting them the name is free.
		step{alice, t0, setOp("www.example.dii", dns.TypeA), nil},
		step{alice, t0, &tx.Register{Name: "www.example.dii"}, nil},
	)

	// The same under an open TLD: records the TLD holds block fcfs.
	run(t, world(t), params(),
		step{operator, t0, setOp("held.dii", dns.TypeA, a1), nil},
		step{bob, t0, &tx.Register{Name: "held.dii"}, registry.ErrExists},
	)
}

// TestRRsetLimits fills a name up to names.MaxRRsetsPerName and
// names.MaxNameBytes.
func TestRRsetLimits(t *testing.T) {
	t.Run("rrset count", func(t *testing.T) {
		w := world(t)
		a1 := rdata(t, dns.TypeA, "192.0.2.1")
		for i := 0; i < names.MaxRRsetsPerName; i++ {
			run(t, w, params(), step{alice, t0, setOp(fmt.Sprintf("h%d.example.dii", i), dns.TypeA, a1), nil})
		}
		run(t, w, params(),
			step{alice, t0, setOp("one-more.example.dii", dns.TypeA, a1), registry.ErrTooLarge},
			// Replacing an existing RRset is still fine.
			step{alice, t0, setOp("h0.example.dii", dns.TypeA, rdata(t, dns.TypeA, "192.0.2.2")), nil},
			// So is deleting one and adding another.
			step{alice, t0, setOp("h1.example.dii", dns.TypeA), nil},
			step{alice, t0, setOp("one-more.example.dii", dns.TypeA, a1), nil},
		)
		if n := len(get(t, w, "example.dii").RRsets); n != names.MaxRRsetsPerName {
			t.Fatalf("%d RRsets, want %d", n, names.MaxRRsetsPerName)
		}
	})
	t.Run("data size", func(t *testing.T) {
		w := world(t)
		// 15 TXT strings of 255 octets: 3840 octets of record data.
		big := rdata(t, dns.TypeTXT, strings.TrimSpace(strings.Repeat(`"`+strings.Repeat("x", 255)+`" `, 15)))
		if len(big) != 15*256 {
			t.Fatalf("test setup: TXT record of %d octets", len(big))
		}
		for i := 0; i < 4; i++ {
			run(t, w, params(), step{alice, t0, setOp(fmt.Sprintf("t%d.example.dii", i), dns.TypeTXT, big), nil})
		}
		// 5 x 3840 > 16384.
		run(t, w, params(),
			step{alice, t0, setOp("t4.example.dii", dns.TypeTXT, big), registry.ErrTooLarge},
			// A small one still fits.
			step{alice, t0, setOp("t4.example.dii", dns.TypeTXT, rdata(t, dns.TypeTXT, `"small"`)), nil},
		)
	})
}

// TestNameBytesCountsWireSize: names.MaxNameBytes bounds "the sum of
// RRsetSize over its RRsets" (the uncompressed wire size: owner name, 10
// header octets and the data, per record), so that a whole zone fits in
// one DNS message. The registry must count that, not only the record data:
// three A RRsets of 32 records at a 203-octet owner name are
// 3 x 32 x (205+10+4) = 21024 octets on the wire but only 384 octets of
// record data.
func TestNameBytesCountsWireSize(t *testing.T) {
	w := world(t)
	long := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 62)
	recs := manyA(t, names.MaxRecordsPerRRset)
	total := 0
	for i := 0; i < 3; i++ {
		owner := fmt.Sprintf("%s%d.example.dii", long, i)
		size := names.RRsetSize(owner, recs)
		want := error(nil)
		if total+size > names.MaxNameBytes {
			want = registry.ErrTooLarge
		}
		err := exec(t, w, params(), step{alice, t0, setOp(owner, dns.TypeA, recs...), nil})
		if !isErr(err, want) {
			t.Fatalf("RRset %d: name would hold %d octets (limit %d): %v, want %v", i, total+size, names.MaxNameBytes, err, want)
		}
		if err == nil {
			total += size
		}
	}
}

func TestTransferRules(t *testing.T) {
	exp := t0 + 365*day
	a1 := rdata(t, dns.TypeA, "192.0.2.1")
	t.Run("owner only", func(t *testing.T) {
		run(t, world(t), params(),
			step{alice, t0, &tx.Delegate{Name: "example.dii", Account: carol, Allow: true}, nil},
			step{bob, t0, &tx.Transfer{Name: "example.dii", To: bob}, registry.ErrUnauthorized},
			step{carol, t0, &tx.Transfer{Name: "example.dii", To: carol}, registry.ErrUnauthorized},
			step{operator, t0, &tx.Transfer{Name: "example.dii", To: operator}, registry.ErrUnauthorized},
			step{alice, t0, &tx.Transfer{Name: "nothing.dii", To: bob}, registry.ErrNotFound},
			step{alice, t0, &tx.Transfer{Name: "example.dii"}, registry.ErrInvalid}, // zero address
			step{alice, exp, &tx.Transfer{Name: "example.dii", To: bob}, registry.ErrExpired},
		)
	})
	t.Run("moves control and clears delegates", func(t *testing.T) {
		w := world(t)
		run(t, w, params(),
			step{alice, t0, setOp("example.dii", dns.TypeA, a1), nil},
			step{alice, t0, &tx.Delegate{Name: "example.dii", Account: carol, Allow: true}, nil},
			step{alice, t0, &tx.Transfer{Name: "Example.DII", To: bob}, nil},
		)
		rec := get(t, w, "example.dii")
		if rec.Owner != bob || len(rec.Delegates) != 0 {
			t.Fatalf("after transfer: owner %x delegates %v", rec.Owner, rec.Delegates)
		}
		if len(rec.RRsets) != 1 || rec.Expiry != exp || rec.Created != t0 {
			t.Fatalf("transfer changed more than the owner: %+v", rec)
		}
		run(t, w, params(),
			step{alice, t0, setOp("example.dii", dns.TypeA), registry.ErrUnauthorized},
			step{carol, t0, setOp("example.dii", dns.TypeA), registry.ErrUnauthorized},
			step{alice, t0, &tx.Transfer{Name: "example.dii", To: alice}, registry.ErrUnauthorized},
			step{bob, t0, setOp("example.dii", dns.TypeA), nil},
			step{bob, t0, &tx.Register{Name: "www.example.dii"}, nil},
			step{alice, t0, &tx.Register{Name: "ftp.example.dii"}, registry.ErrUnauthorized},
		)
	})
}

func TestDelegateRules(t *testing.T) {
	exp := t0 + 365*day
	w := world(t)
	run(t, w, params(),
		step{alice, t0, &tx.Delegate{Name: "example.dii", Account: dave, Allow: true}, nil},
		step{alice, t0, &tx.Delegate{Name: "example.dii", Account: bob, Allow: true}, nil},
		step{alice, t0, &tx.Delegate{Name: "example.dii", Account: carol, Allow: true}, nil},
		step{alice, t0, &tx.Delegate{Name: "example.dii", Account: bob, Allow: true}, nil}, // twice
	)
	rec := get(t, w, "example.dii")
	if want := []tx.Address{bob, carol, dave}; fmt.Sprint(rec.Delegates) != fmt.Sprint(want) {
		t.Fatalf("delegates %v, want sorted %v", rec.Delegates, want)
	}
	for _, a := range []tx.Address{alice, bob, carol, dave} {
		if !rec.MayEdit(a) {
			t.Errorf("MayEdit(%s) = false", a)
		}
	}
	if rec.MayEdit(operator) {
		t.Error("MayEdit(operator) = true")
	}
	run(t, w, params(),
		step{bob, t0, &tx.Delegate{Name: "example.dii", Account: bob, Allow: false}, registry.ErrUnauthorized},
		step{bob, t0, &tx.Delegate{Name: "example.dii", Account: operator, Allow: true}, registry.ErrUnauthorized},
		step{operator, t0, &tx.Delegate{Name: "example.dii", Account: operator, Allow: true}, registry.ErrUnauthorized},
		step{alice, t0, &tx.Delegate{Name: "nothing.dii", Account: bob, Allow: true}, registry.ErrNotFound},
		step{alice, exp, &tx.Delegate{Name: "example.dii", Account: bob, Allow: true}, registry.ErrExpired},
		step{alice, t0, &tx.Delegate{Name: "example.dii", Account: carol, Allow: false}, nil},
		step{alice, t0, &tx.Delegate{Name: "example.dii", Account: operator, Allow: false}, nil}, // not a delegate: no-op
	)
	rec = get(t, w, "example.dii")
	if want := []tx.Address{bob, dave}; fmt.Sprint(rec.Delegates) != fmt.Sprint(want) {
		t.Fatalf("delegates %v, want %v", rec.Delegates, want)
	}

	// Up to MaxDelegates.
	w = world(t)
	for i := 0; i < registry.MaxDelegates; i++ {
		run(t, w, params(), step{alice, t0, &tx.Delegate{Name: "example.dii", Account: account(byte(200 - i)), Allow: true}, nil})
	}
	run(t, w, params(),
		step{alice, t0, &tx.Delegate{Name: "example.dii", Account: account(1), Allow: true}, registry.ErrTooLarge},
		// Re-adding a present one is fine at the limit.
		step{alice, t0, &tx.Delegate{Name: "example.dii", Account: account(200), Allow: true}, nil},
	)
	rec = get(t, w, "example.dii")
	if len(rec.Delegates) != registry.MaxDelegates {
		t.Fatalf("%d delegates", len(rec.Delegates))
	}
	for i := 1; i < len(rec.Delegates); i++ {
		if bytes.Compare(rec.Delegates[i-1][:], rec.Delegates[i][:]) >= 0 {
			t.Fatalf("delegates not strictly ascending: %v", rec.Delegates)
		}
	}
}

func TestDeleteRules(t *testing.T) {
	a1 := rdata(t, dns.TypeA, "192.0.2.1")
	w := world(t)
	run(t, w, params(),
		step{alice, t0, setOp("example.dii", dns.TypeA, a1), nil},
		step{alice, t0, &tx.Delegate{Name: "example.dii", Account: bob, Allow: true}, nil},
		step{alice, t0, &tx.Register{Name: "www.example.dii", Owner: carol}, nil},
		step{bob, t0, &tx.Register{Name: "xexample.dii"}, nil},

		step{bob, t0, &tx.Delete{Name: "example.dii"}, registry.ErrUnauthorized}, // a delegate
		step{operator, t0, &tx.Delete{Name: "example.dii"}, registry.ErrUnauthorized},
		step{alice, t0, &tx.Delete{Name: "nothing.dii"}, registry.ErrNotFound},
		step{alice, t0, &tx.Delete{Name: "example.dii"}, registry.ErrHasChildren},
		step{operator, t0, &tx.Delete{Name: "dii"}, registry.ErrHasChildren},
		step{alice, t0, &tx.Delete{Name: "www.example.dii"}, registry.ErrUnauthorized},
		step{carol, t0, &tx.Delete{Name: "www.example.dii"}, nil},
		// xexample.dii is not below example.dii.
		step{alice, t0, &tx.Delete{Name: "example.dii"}, nil},
		step{alice, t0, &tx.Delete{Name: "example.dii"}, registry.ErrNotFound},
	)
	if _, err := registry.Get(w, "example.dii"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("Get after delete: %v", err)
	}
	if _, ok := w.Get(registry.Key("example.dii")); ok {
		t.Fatal("key still present")
	}
	// The name is free again, with none of its old data.
	run(t, w, params(), step{dave, t0 + 1, &tx.Register{Name: "example.dii"}, nil})
	if rec := get(t, w, "example.dii"); rec.Owner != dave || len(rec.RRsets) != 0 || len(rec.Delegates) != 0 {
		t.Fatalf("re-registered after delete: %+v", rec)
	}

	// Deleting an expired name is allowed for its owner.
	w = world(t)
	run(t, w, params(), step{alice, t0 + 400*day, &tx.Delete{Name: "example.dii"}, nil})
}

// TestFailedTransactionLeavesNoTrace follows the ledger: the ops of one
// transaction run in one overlay over the block, which is written to the
// block only if every op succeeds.
func TestFailedTransactionLeavesNoTrace(t *testing.T) {
	block := world(t)
	before := block.Changes()
	rootBefore := state.Empty().Next(1, before).Root()

	ops := []tx.Op{
		&tx.Register{Name: "bob.dii"},                                         // succeeds
		setOp("bob.dii", dns.TypeA, rdata(t, dns.TypeA, "192.0.2.1")),         // succeeds
		&tx.Delegate{Name: "bob.dii", Account: carol, Allow: true},            // succeeds
		&tx.Transfer{Name: "example.dii", To: bob},                            // fails: alice's
		&tx.Register{Name: "never.dii"},                                       // not reached
		setOp("bob.dii", dns.TypeAAAA, rdata(t, dns.TypeAAAA, "2001:db8::1")), // not reached
	}
	txw := state.NewOverlay(block)
	var failed error
	for _, op := range ops {
		if err := registry.Exec(txw, params(), bob, t0, op); err != nil {
			failed = err
			break
		}
	}
	if !errors.Is(failed, registry.ErrUnauthorized) {
		t.Fatalf("transaction error %v, want ErrUnauthorized", failed)
	}
	// The transaction overlay holds the first ops' writes...
	if _, ok := txw.Get(registry.Key("bob.dii")); !ok {
		t.Fatal("test setup: the successful ops wrote nothing")
	}
	// ...and is dropped: the block is unchanged.
	if after := block.Changes(); !sameChanges(before, after) {
		t.Fatal("a failed transaction changed the block")
	}
	if _, err := registry.Get(block, "bob.dii"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("bob.dii after the failed transaction: %v", err)
	}
	if state.Empty().Next(1, block.Changes()).Root() != rootBefore {
		t.Fatal("root changed")
	}

	// The same ops without the failing one commit together.
	txw = state.NewOverlay(block)
	for _, op := range append(ops[:3:3], ops[4:]...) {
		if err := registry.Exec(txw, params(), bob, t0, op); err != nil {
			t.Fatalf("%s %s: %v", op.Kind(), op.Target(), err)
		}
	}
	txw.WriteTo(block)
	rec := get(t, block, "bob.dii")
	if len(rec.RRsets) != 2 || len(rec.Delegates) != 1 {
		t.Fatalf("bob.dii: %+v", rec)
	}
	if _, err := registry.Get(block, "never.dii"); err != nil {
		t.Fatal(err)
	}
}

// TestExecDeterministic runs the same ops on two independent states.
func TestExecDeterministic(t *testing.T) {
	a1 := rdata(t, dns.TypeA, "192.0.2.1")
	steps := []step{
		{bob, t0, &tx.Register{Name: "bob.dii"}, nil},
		{bob, t0 + 1, setOp("www.bob.dii", dns.TypeA, a1), nil},
		{bob, t0 + 2, &tx.Delegate{Name: "bob.dii", Account: carol, Allow: true}, nil},
		{carol, t0 + 3, setOp("bob.dii", dns.TypeA, a1), nil},
		{bob, t0 + 4, &tx.Renew{Name: "bob.dii", PeriodDays: 7}, nil},
		{bob, t0 + 5, &tx.Transfer{Name: "bob.dii", To: dave}, nil},
	}
	var roots [2][32]byte
	for i := range roots {
		w := world(t)
		run(t, w, params(), steps...)
		roots[i] = state.Empty().Next(1, w.Changes()).Root()
	}
	if roots[0] != roots[1] {
		t.Fatal("same ops, different roots")
	}
}

func TestParamsHelpers(t *testing.T) {
	p := params()
	if !p.IsOperator(operator) || p.IsOperator(alice) || p.IsOperator(tx.Address{}) {
		t.Fatal("IsOperator")
	}
	d := registry.DefaultParams()
	if d.DefaultPeriodDays != 365 || d.MaxPeriodDays != 3650 || d.GraceDays != 30 || len(d.Operators) != 0 {
		t.Fatalf("DefaultParams = %+v", d)
	}
	// Register and renew with period 0 use DefaultPeriodDays, which is
	// itself bounded by MaxPeriodDays.
	bad := &registry.Params{Operators: []tx.Address{operator}, DefaultPeriodDays: 20, MaxPeriodDays: 10, GraceDays: 1}
	w := state.NewOverlay(state.Empty())
	run(t, w, bad,
		step{operator, t0, &tx.Register{Name: "dii"}, registry.ErrInvalid},
		step{operator, t0, &tx.Register{Name: "dii", PeriodDays: 10}, nil},
	)
	// Zero grace: the name is free the moment it expires.
	zero := &registry.Params{Operators: []tx.Address{operator}, DefaultPeriodDays: 1, MaxPeriodDays: 10}
	w = state.NewOverlay(state.Empty())
	run(t, w, zero,
		step{operator, t0, &tx.Register{Name: "dii", Open: true, PeriodDays: 10}, nil},
		step{alice, t0, &tx.Register{Name: "a.dii"}, nil},
		step{bob, t0 + day - 1, &tx.Register{Name: "a.dii"}, registry.ErrExists},
		step{alice, t0 + day, &tx.Renew{Name: "a.dii"}, registry.ErrExpired},
		step{bob, t0 + day, &tx.Register{Name: "a.dii"}, nil},
	)
}

package registry_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// sampleRecords are valid records in canonical form.
func sampleRecords() map[string]*registry.Record {
	return map[string]*registry.Record{
		"minimal":        {Name: "a.dii", Owner: alice, Created: t0, Expiry: t0 + day},
		"open-tld":       {Name: "dii", Owner: operator, Created: 0, Expiry: 1<<62 + 3, Open: true},
		"negative-times": {Name: "x.dii", Owner: bob, Created: -5, Expiry: -1},
		"full": {
			Name: "example.dii", Owner: alice, Created: t0, Expiry: t0 + 365*day,
			Delegates: []tx.Address{bob, carol, dave},
			RRsets: []registry.RRset{
				{Name: "example.dii", Type: dns.TypeA, TTL: 300, Records: [][]byte{{192, 0, 2, 1}, {192, 0, 2, 2}}},
				{Name: "example.dii", Type: dns.TypeNS, TTL: 3600, Records: [][]byte{[]byte("\x03ns1\x07example\x03net\x00")}},
				{Name: "example.dii", Type: dns.TypeTXT, TTL: 0, Records: [][]byte{[]byte("\x05hello")}},
				{Name: "a-b.example.dii", Type: dns.TypeA, TTL: 1, Records: [][]byte{{1, 1, 1, 1}}},
				{Name: "www.example.dii", Type: dns.TypeA, TTL: 1, Records: [][]byte{{1, 1, 1, 1}}},
				{Name: "a.www.example.dii", Type: dns.TypeAAAA, TTL: 1, Records: [][]byte{bytes.Repeat([]byte{0x20}, 16)}},
			},
		},
		"max-delegates": {Name: "m.dii", Owner: alice, Delegates: func() []tx.Address {
			var ds []tx.Address
			for i := 0; i < registry.MaxDelegates; i++ {
				ds = append(ds, account(byte(i+1)))
			}
			return ds
		}()},
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for name, rec := range sampleRecords() {
		t.Run(name, func(t *testing.T) {
			b := rec.Encode()
			if b[0] != 1 {
				t.Fatalf("version byte %d, want 1", b[0])
			}
			got, err := registry.DecodeRecord(b)
			if err != nil {
				t.Fatalf("DecodeRecord: %v", err)
			}
			if !reflect.DeepEqual(got, rec) {
				t.Fatalf("round trip\n got %+v\nwant %+v", got, rec)
			}
			if again := got.Encode(); !bytes.Equal(again, b) {
				t.Fatal("re-encoding differs")
			}
			// Clone is deep: changing it leaves the original as it was.
			// (Clone may turn a nil slice into an empty one; compare the
			// encodings.)
			c := got.Clone()
			if !bytes.Equal(c.Encode(), b) {
				t.Fatal("Clone differs")
			}
			if len(c.Delegates) > 0 {
				c.Delegates[0] = tx.Address{}
			}
			if len(c.RRsets) > 0 {
				c.RRsets[0].TTL++
				c.RRsets[0].Records[0] = nil
			}
			if !bytes.Equal(got.Encode(), b) {
				t.Fatal("changing a Clone changed the original")
			}
		})
	}
}

func TestRecordEncodingLayout(t *testing.T) {
	rec := &registry.Record{Name: "a.dii", Owner: alice, Created: 1, Expiry: 2, Open: true,
		Delegates: []tx.Address{bob},
		RRsets:    []registry.RRset{{Name: "a.dii", Type: 1, TTL: 3, Records: [][]byte{{9, 9, 9, 9}}}}}
	var want []byte
	want = append(want, 1, 5)
	want = append(want, "a.dii"...)
	want = append(want, alice[:]...)
	want = binary.BigEndian.AppendUint64(want, 1)
	want = binary.BigEndian.AppendUint64(want, 2)
	want = append(want, 1, 1)
	want = append(want, bob[:]...)
	want = append(want, 0, 1, 5)
	want = append(want, "a.dii"...)
	want = append(want, 0, 1, 0, 0, 0, 3, 1, 0, 4, 9, 9, 9, 9)
	if got := rec.Encode(); !bytes.Equal(got, want) {
		t.Fatalf("Encode\n got %x\nwant %x", got, want)
	}
}

func TestDecodeRecordRejects(t *testing.T) {
	full := sampleRecords()["full"]
	good := full.Encode()

	t.Run("truncated", func(t *testing.T) {
		for n := 0; n < len(good); n++ {
			if rec, err := registry.DecodeRecord(good[:n]); !errors.Is(err, registry.ErrBadRecord) || rec != nil {
				t.Fatalf("DecodeRecord of %d of %d bytes: %v, %v", n, len(good), rec, err)
			}
		}
	})

	mutate := func(f func(r *registry.Record)) []byte {
		r := sampleRecords()["full"]
		f(r)
		return r.Encode()
	}
	// Offsets in the encoding of "full".
	openOff := 1 + 1 + len(full.Name) + tx.AddressLen + 8 + 8
	patch := func(off int, v ...byte) []byte {
		c := append([]byte(nil), good...)
		copy(c[off:], v)
		return c
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"trailing byte", append(append([]byte(nil), good...), 0)},
		{"version 0", patch(0, 0)},
		{"version 2", patch(0, 2)},
		{"empty name", (&registry.Record{}).Encode()},
		{"open byte 2", patch(openOff, 2)},
		{"delegate count over max", func() []byte {
			r := sampleRecords()["max-delegates"]
			r.Delegates = append(r.Delegates, account(0xff))
			return r.Encode()
		}()},
		{"delegates unsorted", mutate(func(r *registry.Record) { r.Delegates[0], r.Delegates[1] = r.Delegates[1], r.Delegates[0] })},
		{"delegates duplicate", mutate(func(r *registry.Record) { r.Delegates[1] = r.Delegates[0] })},
		{"rrsets unsorted by type", mutate(func(r *registry.Record) { r.RRsets[0], r.RRsets[1] = r.RRsets[1], r.RRsets[0] })},
		{"rrsets unsorted by name", mutate(func(r *registry.Record) { r.RRsets[3], r.RRsets[4] = r.RRsets[4], r.RRsets[3] })},
		{"rrsets in plain name order", mutate(func(r *registry.Record) {
			// "a.www.example.dii" < "www.example.dii" as plain strings,
			// but reversed "dii.example.www.a" > "dii.example.www".
			r.RRsets[4], r.RRsets[5] = r.RRsets[5], r.RRsets[4]
		})},
		{"rrset duplicate", mutate(func(r *registry.Record) { r.RRsets[1] = r.RRsets[0] })},
		{"rrset count over data", patch(len(good)-len(rrsetsBytes(full)), 0xff, 0xff)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := registry.DecodeRecord(tc.in)
			if !errors.Is(err, registry.ErrBadRecord) {
				t.Fatalf("DecodeRecord = %+v, %v; want ErrBadRecord", rec, err)
			}
			if rec != nil {
				t.Fatal("DecodeRecord returned a record with an error")
			}
		})
	}
}

// rrsetsBytes is the encoding of r's RRset count and RRsets, the tail of
// its encoding.
func rrsetsBytes(r *registry.Record) []byte {
	c := *r
	c.RRsets = nil
	return r.Encode()[len(c.Encode())-2:]
}

func TestKey(t *testing.T) {
	tests := []struct {
		name string
		key  string
	}{
		{"dii", "n/dii"},
		{"example.dii", "n/dii.example"},
		{"www.example.dii", "n/dii.example.www"},
	}
	for _, tc := range tests {
		if got := string(registry.Key(tc.name)); got != tc.key {
			t.Errorf("Key(%q) = %q, want %q", tc.name, got, tc.key)
		}
		if got, ok := registry.NameOfKey([]byte(tc.key)); !ok || got != tc.name {
			t.Errorf("NameOfKey(%q) = %q, %v", tc.key, got, ok)
		}
	}
	for _, k := range []string{"a/xyz", "", "n", "p/registry"} {
		if _, ok := registry.NameOfKey([]byte(k)); ok {
			t.Errorf("NameOfKey(%q) accepted a key outside the registry", k)
		}
	}
}

func TestGetAndClosest(t *testing.T) {
	w := world(t)
	run(t, w, params(), step{alice, t0, &tx.Register{Name: "www.example.dii"}, nil})
	tests := []struct {
		name    string
		closest string
	}{
		{"dii", "dii"},
		{"example.dii", "example.dii"},
		{"a.example.dii", "example.dii"},
		{"a.b.c.example.dii", "example.dii"},
		{"www.example.dii", "www.example.dii"},
		{"x.www.example.dii", "www.example.dii"},
		{"xexample.dii", "dii"},
		{"corp", "corp"},
	}
	for _, tc := range tests {
		rec, err := registry.Closest(w, tc.name)
		if err != nil || rec.Name != tc.closest {
			t.Errorf("Closest(%q) = %v, %v; want %s", tc.name, rec, err, tc.closest)
		}
	}
	if _, err := registry.Closest(w, "a.nowhere"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Closest(a.nowhere) = %v", err)
	}
	if _, err := registry.Get(w, "a.example.dii"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Get(a.example.dii) = %v", err)
	}
	// A stored value that is not a record is reported, not ignored.
	w.Set(registry.Key("broken.dii"), []byte{9})
	if _, err := registry.Get(w, "broken.dii"); !errors.Is(err, registry.ErrBadRecord) {
		t.Errorf("Get(broken) = %v", err)
	}
	if _, err := registry.Closest(w, "a.broken.dii"); !errors.Is(err, registry.ErrBadRecord) {
		t.Errorf("Closest(a.broken.dii) = %v", err)
	}
}

func listWorld(t *testing.T) *state.Overlay {
	t.Helper()
	w := world(t)
	run(t, w, params(),
		step{bob, t0, &tx.Register{Name: "a.dii"}, nil},
		step{alice, t0, &tx.Register{Name: "www.example.dii"}, nil},
		step{alice, t0, &tx.Register{Name: "a.www.example.dii"}, nil},
		step{alice, t0, &tx.Register{Name: "example-2.dii"}, nil},
		step{bob, t0, &tx.Register{Name: "xexample.dii"}, nil},
		step{bob, t0, &tx.Register{Name: "z.dii"}, nil},
		step{operator, t0, &tx.Register{Name: "alice.corp", Owner: alice}, nil},
	)
	return w
}

func recNames(recs []*registry.Record) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.Name)
	}
	return out
}

func TestList(t *testing.T) {
	w := listWorld(t)
	// Key order: labels reversed, so a name's subtree follows it; '-'
	// sorts before '.'.
	all := []string{"corp", "alice.corp", "dii", "a.dii", "example.dii", "example-2.dii", "www.example.dii", "a.www.example.dii", "xexample.dii", "z.dii"}
	underDii := all[3:]
	tests := []struct {
		name                string
		zone, prefix, after string
		want                []string
	}{
		{"everything", "", "", "", all},
		{"under dii", "dii", "", "", underDii},
		{"under example.dii", "example.dii", "", "", []string{"www.example.dii", "a.www.example.dii"}},
		{"xexample is not under example", "xexample.dii", "", "", []string{}},
		{"under a leaf", "z.dii", "", "", []string{}},
		{"prefix ex", "dii", "ex", "", []string{"example.dii", "example-2.dii", "www.example.dii", "a.www.example.dii"}},
		{"prefix x", "dii", "x", "", []string{"xexample.dii"}},
		{"prefix matches nothing", "dii", "q", "", []string{}},
		{"prefix of tlds", "", "c", "", []string{"corp", "alice.corp"}},
		{"after", "dii", "", "example.dii", []string{"example-2.dii", "www.example.dii", "a.www.example.dii", "xexample.dii", "z.dii"}},
		{"after a name with children", "dii", "", "www.example.dii", []string{"a.www.example.dii", "xexample.dii", "z.dii"}},
		{"after an unregistered name", "dii", "", "m.dii", []string{"xexample.dii", "z.dii"}},
		{"after before the zone", "dii", "", "alice.corp", underDii},
		{"after the end", "dii", "", "zz.dii", []string{}},
		{"unknown zone", "nowhere", "", "", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, next, err := registry.List(w, tc.zone, tc.prefix, tc.after, 100)
			if err != nil {
				t.Fatal(err)
			}
			if got := recNames(recs); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("List(%q, %q, %q) = %v, want %v", tc.zone, tc.prefix, tc.after, got, tc.want)
			}
			if next != "" {
				t.Fatalf("next = %q on the last page", next)
			}
		})
	}
}

func TestListPagination(t *testing.T) {
	w := listWorld(t)
	for _, zone := range []string{"", "dii", "example.dii"} {
		full, next, err := registry.List(w, zone, "", "", 1000)
		if err != nil || next != "" {
			t.Fatalf("List(%q): %v, next %q", zone, err, next)
		}
		for limit := 1; limit <= len(full)+1; limit++ {
			t.Run(fmt.Sprintf("zone=%q/limit=%d", zone, limit), func(t *testing.T) {
				var got []*registry.Record
				after := ""
				for page := 0; ; page++ {
					if page > len(full)+1 {
						t.Fatal("pagination does not end")
					}
					recs, next, err := registry.List(w, zone, "", after, limit)
					if err != nil {
						t.Fatal(err)
					}
					if len(recs) > limit {
						t.Fatalf("page of %d, limit %d", len(recs), limit)
					}
					got = append(got, recs...)
					if next == "" {
						// A cursor is given exactly when more remain.
						break
					}
					if len(recs) != limit || next != recs[len(recs)-1].Name {
						t.Fatalf("page %d: %d records, next %q", page, len(recs), next)
					}
					after = next
				}
				if strings.Join(recNames(got), " ") != strings.Join(recNames(full), " ") {
					t.Fatalf("pages give %v, want %v", recNames(got), recNames(full))
				}
			})
		}
	}
	// A full last page gives no cursor when nothing follows.
	recs, next, err := registry.List(w, "example.dii", "", "", 2)
	if err != nil || len(recs) != 2 || next != "" {
		t.Fatalf("exact page: %d records, next %q, %v", len(recs), next, err)
	}
}

func TestListBadRecord(t *testing.T) {
	w := listWorld(t)
	w.Set(registry.Key("m.dii"), []byte("garbage"))
	if _, _, err := registry.List(w, "dii", "", "", 100); !errors.Is(err, registry.ErrBadRecord) {
		t.Fatalf("List over a bad record: %v", err)
	}
	// A page that stops before the bad record is fine.
	if recs, next, err := registry.List(w, "dii", "", "", 2); err != nil || len(recs) != 2 || next == "" {
		t.Fatalf("first page: %v, %q, %v", recNames(recs), next, err)
	}
}

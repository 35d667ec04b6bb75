package zone

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
)

// universe is the set of names the randomized tests draw from.
type universe struct {
	regs    []string // names that may be registered
	queries []string // names that are looked up
}

var ownerPrefixes = []string{"", "www.", "*.", "_tcp.", "_sip._tcp.", "ns.", "m.n.", "x.", "deep.x."}

func newUniverse() *universe {
	u := &universe{}
	for _, tld := range []string{"dii", "test"} {
		u.regs = append(u.regs, tld)
		for _, s := range []string{"a", "b", "c", "x"} {
			sld := s + "." + tld
			u.regs = append(u.regs, sld)
			for _, t := range []string{"x", "y"} {
				u.regs = append(u.regs, t+"."+sld)
			}
		}
	}
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			u.queries = append(u.queries, n)
		}
	}
	add(".")
	add("nope.")
	add("www.example.com.")
	for _, r := range u.regs {
		for _, p := range ownerPrefixes {
			add(p + r + ".")
		}
		add("q." + r + ".")
		add("q.www." + r + ".")
		add("zz.m.n." + r + ".")
	}
	add("a.root-servers.dii.")
	add("b.root-servers.dii.")
	return u
}

var queryTypes = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeNS, dns.TypeDS, dns.TypeCNAME, dns.TypeDNAME,
	dns.TypeTXT, dns.TypeMX, dns.TypeSOA, dns.TypeANY}

// randomSet returns a random RRset at owner inside the record name.
func randomSet(rng *rand.Rand, u *universe, owner, name string) set {
	types := []uint16{dns.TypeA, dns.TypeA, dns.TypeAAAA, dns.TypeNS, dns.TypeNS, dns.TypeDS, dns.TypeCNAME,
		dns.TypeDNAME, dns.TypeTXT, dns.TypeMX}
	t := types[rng.Intn(len(types))]
	s := set{owner: owner, typ: t, ttl: uint32(60 * (1 + rng.Intn(3)))}
	n := 1 + rng.Intn(2)
	for i := 0; i < n; i++ {
		var d string
		switch t {
		case dns.TypeA:
			d = fmt.Sprintf("192.0.2.%d", rng.Intn(256))
		case dns.TypeAAAA:
			d = fmt.Sprintf("2001:db8::%x", rng.Intn(65536))
		case dns.TypeNS:
			d = []string{"ns." + name + ".", "ns.other.net.", "ns.x." + name + ".", "ns." + owner + "."}[rng.Intn(4)]
			if strings.ContainsAny(d, "_*") {
				d = "ns." + name + "."
			}
		case dns.TypeDS:
			d = fmt.Sprintf("%d 13 2 %064x", rng.Intn(65536), rng.Int63())
		case dns.TypeCNAME, dns.TypeDNAME:
			if i > 0 {
				continue
			}
			q := u.queries[rng.Intn(len(u.queries))]
			if q == "." || strings.HasPrefix(q, "*.") {
				q = "www.example.com."
			}
			d = q
		case dns.TypeTXT:
			d = fmt.Sprintf(`"t%d"`, rng.Intn(1000))
		case dns.TypeMX:
			d = fmt.Sprintf("%d mail.%s.", rng.Intn(20), name)
		}
		if !slices.Contains(s.data, d) {
			s.data = append(s.data, d)
		}
	}
	return s
}

// mutate makes one random change to the model and returns the names whose
// records changed.
func mutate(tb testing.TB, rng *rand.Rand, u *universe, model map[string]*registry.Record) string {
	name := u.regs[rng.Intn(len(u.regs))]
	rec := model[name]
	switch op := rng.Intn(10); {
	case rec == nil:
		model[name] = &registry.Record{Name: name, Expiry: 1 << 40}
	case op == 0:
		delete(model, name)
	case op <= 2 && len(rec.RRsets) > 0:
		c := rec.Clone()
		i := rng.Intn(len(c.RRsets))
		c.RRsets = append(c.RRsets[:i], c.RRsets[i+1:]...)
		model[name] = c
	default:
		owner := ownerPrefixes[rng.Intn(len(ownerPrefixes))] + name
		s := mkRecord(tb, name, randomSet(rng, u, owner, name)).RRsets[0]
		c := rec.Clone()
		replaced := false
		for i := range c.RRsets {
			if c.RRsets[i].Name == s.Name && c.RRsets[i].Type == s.Type {
				c.RRsets[i], replaced = s, true
			}
		}
		if !replaced {
			c.RRsets = append(c.RRsets, s)
		}
		sortRRsets(c)
		model[name] = c
	}
	return name
}

func changesFor(model map[string]*registry.Record, touched []string) []state.Change {
	var ch []state.Change
	for _, n := range touched {
		if r, ok := model[n]; ok {
			ch = append(ch, put(r))
		} else {
			ch = append(ch, del(n))
		}
	}
	return ch
}

// snapshotText renders every lookup of the universe, the zone list and
// every exported zone.
func snapshotText(tb testing.TB, s *Snapshot, u *universe) string {
	var b strings.Builder
	fmt.Fprintf(&b, "height %d\nzones %v\n", s.Height(), s.Zones())
	for _, q := range u.queries {
		for _, t := range queryTypes {
			fmt.Fprintf(&b, "? %s %s\n%s", q, dns.TypeToString[t], render(s.Lookup(q, t)))
		}
	}
	for _, z := range s.Zones() {
		if err := s.Export(z, &b); err != nil {
			tb.Fatalf("export %s: %v", z, err)
		}
	}
	return b.String()
}

// wireText renders the wire answers (AppendAnswer) to every query of the
// universe.
func wireText(tb testing.TB, s *Snapshot, u *universe) string {
	var b strings.Builder
	for _, q := range u.queries {
		for _, t := range queryTypes {
			if m, w := wireAnswer(tb, s, q, t); m != nil {
				fmt.Fprintf(&b, "? %s %s %+v\n%s", q, dns.TypeToString[t], w, m)
			}
		}
	}
	return b.String()
}

// dumpIndex renders every node of the index with everything it holds.
func dumpIndex(s *Snapshot) string {
	var b strings.Builder
	s.tree.Ascend(func(n *node) bool {
		var referral []dns.RR
		if n.has(fNS) {
			referral = n.referral()
		}
		fmt.Fprintf(&b, "%q %s reg=%v kids=%d flags=%b owned=%q glue=%q referral=%v\n", n.key(), n.name(), n.registered(), n.kids, n.flags, n.owned(), n.glue(), showAll(referral))
		for _, c := range n.contribs() {
			fmt.Fprintf(&b, "  contrib %q %d\n", c.src, c.depth)
			for _, set := range c.sets {
				fmt.Fprintf(&b, "    %d %v\n", set.typ, showAll(set.records(n.name())))
			}
		}
		for _, set := range n.rrsets() {
			fmt.Fprintf(&b, "  set %d %v\n", set.typ, showAll(set.records(n.name())))
		}
		return true
	})
	return b.String()
}

// dumpNames lists the keys and names of the index in canonical order.
func dumpNames(s *Snapshot) string {
	var b strings.Builder
	s.tree.Ascend(func(n *node) bool {
		fmt.Fprintf(&b, "%s %s\n", n.key(), n.name())
		return true
	})
	return b.String()
}

// checkIndex checks the invariants of the index: the hash trie and the
// tree hold the same nodes; every node's parent is in the index and counts
// it; no node is empty.
func checkIndex(tb testing.TB, s *Snapshot) {
	tb.Helper()
	kids := map[string]int32{}
	count := 0
	s.tree.Ascend(func(n *node) bool {
		count++
		if got := s.get(n.key()); got != n {
			tb.Errorf("%q: the hash index has %p, the tree %p", n.key(), got, n)
		}
		if n.has(fDead) || int(n.depth) != depthOf(n.key()) || keyOf(n.name()) != n.key() {
			tb.Errorf("%q: bad node %+v", n.key(), n)
		}
		if n.depth > 1 {
			pk, pn := parentOf(n.key(), n.name())
			if p := s.get(pk); p == nil || p.name() != pn {
				tb.Errorf("%q: parent %q missing", n.key(), pk)
			}
			kids[pk]++
		}
		if !n.registered() && !n.hasContribs() && n.kids == 0 {
			tb.Errorf("%q: empty node", n.key())
		}
		if x := n.x; x != nil && x.contribs == nil && x.owned == nil && x.glue == nil {
			tb.Errorf("%q: an empty extra part", n.key())
		}
		if n.has(fOwn) && (n.x != nil && n.x.contribs != nil) {
			tb.Errorf("%q: own and listed contributions", n.key())
		}
		if c := n.contribs(); len(c) == 1 && c[0].src == n.key() && !n.has(fOwn) {
			tb.Errorf("%q: a lone own contribution not flagged", n.key())
		}
		return true
	})
	s.tree.Ascend(func(n *node) bool {
		if n.kids != kids[n.key()] {
			tb.Errorf("%q: kids %d, counted %d", n.key(), n.kids, kids[n.key()])
		}
		return true
	})
	if count != s.idx.len {
		tb.Errorf("tree has %d nodes, hash index %d", count, s.idx.len)
	}
	entries := 0
	s.idx.each(func(h uint64, n *node) {
		entries++
		if h != hashKey(n.key()) {
			tb.Errorf("%q: hash %x, want %x", n.key(), h, hashKey(n.key()))
		}
		if t, ok := s.tree.Get(n); !ok || t != n {
			tb.Errorf("%q: in the hash index, not the tree", n.key())
		}
	})
	s.tree.Ascend(func(n *node) bool {
		if s.get(n.key()) != n {
			tb.Errorf("%q: in the tree, not the hash index", n.key())
		}
		return true
	})
	if entries != count {
		tb.Errorf("the hash index has %d entries, the tree %d nodes", entries, count)
	}
	checkHashIndex(tb, &s.idx)
	if s.ors != nil {
		checkIndex(tb, s.ors)
	}
}

func diffText(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			lo := max(0, i-8)
			return fmt.Sprintf("first difference at line %d:\n--- apply\n%s\n--- build\n%s", i,
				strings.Join(la[lo:min(len(la), i+4)], "\n"), strings.Join(lb[lo:min(len(lb), i+4)], "\n"))
		}
	}
	return fmt.Sprintf("lengths differ: %d and %d lines", len(la), len(lb))
}

// TestApplyMatchesBuild applies random blocks of registrations, RRset
// changes and deletions incrementally and checks every lookup, the zone
// list and every export against a fresh Build, and that the previous
// snapshot did not change.
func TestApplyMatchesBuild(t *testing.T) {
	u := newUniverse()
	cfg := testConfig()
	blocks := 30
	if testing.Short() {
		blocks = 10
	}
	for seed := int64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewSource(seed))
			model := map[string]*registry.Record{}
			v := state.Empty()
			snap, err := Build(v, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for h := int64(1); h <= int64(blocks); h++ {
				var touched []string
				for i := 0; i < 1+rng.Intn(8); i++ {
					touched = append(touched, mutate(t, rng, u, model))
				}
				next := v.Next(h, changesFor(model, touched))
				checkOld := h%5 == 0
				var before, beforeIndex, beforeWire string
				if checkOld {
					before, beforeIndex, beforeWire = snapshotText(t, snap, u), dumpIndex(snap), wireText(t, snap, u)
				}
				applied, err := snap.Apply(v, next, changesFor(model, touched))
				if err != nil {
					t.Fatal(err)
				}
				if checkOld {
					if after := snapshotText(t, snap, u); after != before {
						t.Fatalf("height %d: Apply changed the previous snapshot: %s", h, diffText(after, before))
					}
					if after := dumpIndex(snap); after != beforeIndex {
						t.Fatalf("height %d: Apply changed the previous index: %s", h, diffText(after, beforeIndex))
					}
					if after := wireText(t, snap, u); after != beforeWire {
						t.Fatalf("height %d: Apply changed the previous wire answers: %s", h, diffText(after, beforeWire))
					}
				}
				fresh, err := Build(next, cfg)
				if err != nil {
					t.Fatal(err)
				}
				checkIndex(t, applied)
				checkIndex(t, fresh)
				checkWire(t, applied, u.queries, queryTypes)
				if a, b := dumpNames(applied), dumpNames(fresh); a != b {
					t.Fatalf("height %d: Apply and Build index other names: %s", h, diffText(a, b))
				}
				if a, b := snapshotText(t, applied, u), snapshotText(t, fresh, u); a != b {
					t.Fatalf("height %d: Apply and Build differ: %s", h, diffText(a, b))
				}
				v, snap = next, applied
			}
		})
	}
}

// TestApplyFixture builds the fixture in several blocks, in a different
// order, and compares with the one-block build.
func TestApplyFixture(t *testing.T) {
	u := newUniverse()
	for _, r := range fixtureRecords(t) {
		u.queries = append(u.queries, r.Name+".", "www."+r.Name+".")
		for _, s := range r.RRsets {
			u.queries = append(u.queries, s.Name+".", "q."+s.Name+".")
		}
	}
	want := snapshotText(t, fixture(t), u)
	recs := fixtureRecords(t)
	v := state.Empty()
	snap, err := Build(v, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	for i := len(recs) - 1; i >= 0; i-- {
		h := int64(len(recs) - i)
		if i == 0 {
			h = fixtureHeight
		}
		next := v.Next(h, []state.Change{put(recs[i])})
		if snap, err = snap.Apply(v, next, []state.Change{put(recs[i])}); err != nil {
			t.Fatal(err)
		}
		v = next
	}
	if got := snapshotText(t, snap, u); got != want {
		t.Fatal(diffText(got, want))
	}
	// Deleting everything leaves only the root zone and the config glue.
	var ch []state.Change
	for _, r := range recs {
		ch = append(ch, del(r.Name))
	}
	next := v.Next(v.Height()+1, ch)
	empty, err := snap.Apply(v, next, ch)
	if err != nil {
		t.Fatal(err)
	}
	if z := empty.Zones(); !slices.Equal(z, []string{".", DefaultORSDomain}) {
		t.Errorf("zones after deleting everything: %v", z)
	}
	// The two name server names and the empty non-terminals above them.
	if got := dumpNames(empty); got != "dii dii.\ndii root-servers root-servers.dii.\ndii root-servers a a.root-servers.dii.\ndii root-servers b b.root-servers.dii.\n" {
		t.Errorf("names left in the index:\n%s", got)
	}
	checkIndex(t, empty)
	if got := snapshotText(t, snap, u); got != want {
		t.Fatal("deleting changed the previous snapshot:", diffText(got, want))
	}
}

// TestConcurrentReaders looks names up from several goroutines while
// snapshots are derived from the same snapshot (run with -race).
func TestConcurrentReaders(t *testing.T) {
	base := fixture(t)
	v := fixtureVersion(t)
	queries := []string{"example.dii.", "www.example.dii.", "x.wild.dii.", "www.deleg.dii.", "nope.dii.", "."}
	want := make([]string, len(queries))
	for i, q := range queries {
		want[i] = render(base.Lookup(q, dns.TypeA))
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for i, q := range queries {
					if got := render(base.Lookup(q, dns.TypeA)); got != want[i] {
						t.Errorf("concurrent lookup of %s changed:\n%s", q, got)
						return
					}
				}
			}
		}()
	}
	for i := 0; i < 50; i++ {
		rec := mkRecord(t, "example.dii", rr("example.dii", dns.TypeA, fmt.Sprintf("192.0.2.%d", i)))
		ch := []state.Change{put(rec), put(mkRecord(t, fmt.Sprintf("n%d.dii", i)))}
		next := v.Next(fixtureHeight+1, ch)
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := base.Apply(v, next, ch)
			if err != nil {
				t.Error(err)
				return
			}
			if got := showAll(s.Lookup("example.dii.", dns.TypeA).Answer); len(got) != 1 || !strings.HasSuffix(got[0], fmt.Sprintf(" 192.0.2.%d", i)) {
				t.Errorf("applied snapshot answers %v", got)
			}
		}()
	}
	close(stop)
	wg.Wait()
}

// Changes outside the registry prefix, repeated keys and no-op changes are
// handled.
func TestApplyIgnoresOtherKeys(t *testing.T) {
	s := fixture(t)
	v := fixtureVersion(t)
	rec := mkRecord(t, "new.dii", rr("new.dii", dns.TypeA, "192.0.2.1"))
	ch := []state.Change{
		{Key: []byte("a/xxxxxxxxxxxxxxxxxxxx"), Value: []byte("account")},
		put(mkRecord(t, "new.dii")),
		put(rec),
		put(fixtureRecords(t)[2]), // unchanged deleg.dii
	}
	next := v.Next(fixtureHeight+1, ch)
	got, err := s.Apply(v, next, ch)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Build(next, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	u := newUniverse()
	u.queries = append(u.queries, "new.dii.", "www.new.dii.")
	if a, b := snapshotText(t, got, u), snapshotText(t, fresh, u); a != b {
		t.Fatal(diffText(a, b))
	}
	if got.Height() != fixtureHeight+1 || s.Height() != fixtureHeight {
		t.Errorf("heights %d, %d", got.Height(), s.Height())
	}
}

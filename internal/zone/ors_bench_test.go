package zone

import (
	"fmt"
	"testing"

	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/state"
)

// orsBenchState is a tree of about n arcs below 2.999, every tenth with
// a label and an identifier.
func orsBenchState(b *testing.B, n int) *state.Version {
	b.Helper()
	ch := []state.Change{putArc(b, arcSpec{oid: "2"}), putArc(b, arcSpec{oid: "2.999"})}
	for i := 0; len(ch) < n; i++ {
		a := arcSpec{oid: fmt.Sprintf("2.999.%d", i)}
		if i%10 == 0 {
			a.labels, a.ids = []string{fmt.Sprintf("L%d", i)}, []string{fmt.Sprintf("l%d", i)}
		}
		ch = append(ch, putArc(b, a))
		for j := 0; j < 9 && len(ch) < n; j++ {
			ch = append(ch, putArc(b, arcSpec{oid: fmt.Sprintf("2.999.%d.%d", i, j)}))
		}
	}
	return state.Empty().Next(1, ch)
}

// BenchmarkORSApply: one block of 100 new arcs and 100 relabelled ones
// applied to an ORS zone of 100,000 arcs.
func BenchmarkORSApply(b *testing.B) {
	v := orsBenchState(b, 100_000)
	cfg := orsTestConfig()
	s, err := Build(v, cfg)
	if err != nil {
		b.Fatal(err)
	}
	var ch []state.Change
	for i := 0; i < 100; i++ {
		ch = append(ch, putArc(b, arcSpec{oid: fmt.Sprintf("2.999.%d.%d", i*37, 100+i)}),
			putArc(b, arcSpec{oid: fmt.Sprintf("2.999.%d", i*53), labels: []string{fmt.Sprintf("New%d", i)}}))
	}
	next := v.Next(2, ch)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Apply(v, next, ch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkORSLookup: NAPTR at an arc of a 100,000-arc ORS zone.
func BenchmarkORSLookup(b *testing.B) {
	s, err := Build(orsBenchState(b, 100_000), orsTestConfig())
	if err != nil {
		b.Fatal(err)
	}
	name := oid.ORSName(oid.OID{2, 999, 4321, 5}, "")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := s.Lookup(name, 35); len(r.Answer) == 0 {
			b.Fatal("no answer")
		}
	}
}

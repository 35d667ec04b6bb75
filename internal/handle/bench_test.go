package handle_test

import (
	"fmt"
	"testing"

	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/state"
)

// BenchmarkLookup is the registry's share of one resolution: read a
// handle's record from a state of 100,000 handles, decode it and convert
// its values to the protocol's form (what the Handle server's source
// does).
func BenchmarkLookup(b *testing.B) {
	const n = 100_000
	ch := make([]state.Change, 0, n)
	for i := 0; i < n; i++ {
		h, _ := handle.Parse(fmt.Sprintf("20.500.bench/h%d", i))
		rec := &handle.Record{Handle: h.Text, Values: []handle.Value{
			{Index: 1, Type: "URL", Data: []byte(fmt.Sprintf("https://example.org/objects/%d", i)), TTL: 86400, Perms: handle.DefaultPerms},
			{Index: 2, Type: "EMAIL", Data: []byte("objects@example.org"), TTL: 86400, Perms: handle.DefaultPerms},
			{Index: 100, Type: "HS_ADMIN", Data: []byte("\x07\xf3\x00\x00\x00\x0b0.NA/20.500\x00\x00\x00\x00"), TTL: 86400, Perms: handle.DefaultPerms},
		}}
		ch = append(ch, state.Change{Key: handle.Key(h), Value: rec.Encode()})
	}
	v := state.Empty().Next(1, ch)
	names := make([]string, 1024)
	for i := range names {
		names[i] = fmt.Sprintf("20.500.bench/h%d", i*97%n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec, err := handle.Get(v, names[i%len(names)])
		if err != nil || len(rec.Wire()) != 3 {
			b.Fatal(err)
		}
	}
}

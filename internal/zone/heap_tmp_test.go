package zone

import (
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

func TestHeapTmp(t *testing.T) {
	if os.Getenv("HEAPTMP") == "" {
		t.Skip()
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	n := 1000000
	h0 := heap()
	owner := tx.Address{1}
	changes := make([]state.Change, 0, n+1)
	tld := &registry.Record{Name: "bench", Owner: owner, Expiry: 1 << 40, Open: true}
	changes = append(changes, state.Change{Key: registry.Key("bench"), Value: tld.Encode()})
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("name%07d.bench", i)
		a, _ := names.ParseRData(dns.TypeA, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		rec := &registry.Record{Name: name, Owner: owner, Expiry: 1 << 40, Created: 1,
			RRsets: []registry.RRset{{Name: name, Type: dns.TypeA, TTL: 3600, Records: [][]byte{a}}}}
		changes = append(changes, state.Change{Key: registry.Key(name), Value: rec.Encode()})
	}
	v := state.Empty().Next(1, changes)
	changes = nil
	h1 := heap()
	z, err := Build(v, Config{Nameservers: []Nameserver{{Name: "ns1.dii-nic.", IPv4: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}}})
	if err != nil {
		t.Fatal(err)
	}
	h2 := heap()
	t.Logf("state %d MiB (%d B/name), zone %d MiB (%d B/name)", (h1-h0)>>20, (h1-h0)/uint64(n), (h2-h1)>>20, (h2-h1)/uint64(n))
	if f, err := os.Create("/tmp/zoneheap.prof"); err == nil {
		runtime.GC()
		pprof.WriteHeapProfile(f)
		f.Close()
	}
	runtime.KeepAlive(v)
	runtime.KeepAlive(z)
}

package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/nameserver"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
	"github.com/dii-net/dii/internal/zone"
)

// profileDNS serves n names from dii's own name server code inside this
// process and writes a CPU profile of dnsperf's rate run against it. The
// state is built directly (as bench/ledger does), not through consensus:
// the records, the zone index and the query path are those of "dii up",
// without the ledger around them.
func (b *bench) profileDNS(ctx context.Context, n int) error {
	o := b.o
	b.printf("== profile: %d names in-process\n", n)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	h0 := heap()
	owner := tx.AddressOf(make(ed25519.PublicKey, ed25519.PublicKeySize))
	changes := make([]state.Change, 0, n+1)
	tldRec := &registry.Record{Name: tld, Owner: owner, Created: 1, Expiry: 1 << 40, Open: true}
	changes = append(changes, state.Change{Key: registry.Key(tld), Value: tldRec.Encode()})
	for i := 0; i < n; i++ {
		rd, err := names.ParseRData(dns.TypeA, address(i))
		if err != nil {
			return err
		}
		rec := &registry.Record{Name: hitName(i), Owner: owner, Created: 1, Expiry: 1 << 40,
			RRsets: []registry.RRset{{Name: hitName(i), Type: dns.TypeA, TTL: 3600, Records: [][]byte{rd}}}}
		changes = append(changes, state.Change{Key: registry.Key(hitName(i)), Value: rec.Encode()})
	}
	v := state.Empty().Next(1, changes)
	changes = nil
	h1 := heap()
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	snap, err := zone.Build(v, zone.Config{Nameservers: []zone.Nameserver{{Name: "ns1.dii-nic.", IPv4: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}}})
	if err != nil {
		return err
	}
	// With a metrics registry, as "dii up" has: the metrics are part of
	// the cost of a query.
	h2 := heap()
	b.printf("  heap: ledger state %s (%d B per name), zone snapshot %s (%d B per name)\n",
		mib(int64(h1-h0)), (h1-h0)/uint64(n), mib(int64(h2-h1)), (h2-h1)/uint64(n))
	b.profileHeap = fmt.Sprintf("ledger state %s (%d B per name), zone snapshot %s (%d B per name)", mib(int64(h1-h0)), (h1-h0)/uint64(n), mib(int64(h2-h1)), (h2-h1)/uint64(n))
	if o.memprofile != "" {
		mf, err := os.Create(o.memprofile)
		if err != nil {
			return err
		}
		err = pprof.Lookup("heap").WriteTo(mf, 0)
		if cerr := mf.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	ns := nameserver.New(nameserver.Config{Addr: addr, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registerer: prometheus.NewRegistry()})
	if err := ns.Start(); err != nil {
		return err
	}
	defer func() { _ = ns.Stop() }()
	ns.SetSnapshot(snap)
	runtime.GC()
	if err := expectA(ctx, addr, hitName(n-1), address(n-1)); err != nil {
		return err
	}
	dir := filepath.Join(b.tmp, "profile")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	qfile, _, err := queryFileFor(dir, n, o.queries, o.hits, o.seed)
	if err != nil {
		return err
	}
	if o.warmup > 0 {
		w := o.perf
		w.duration = o.warmup
		if _, err := runPerf(ctx, w, addr, qfile, false, 0, io.Discard); err != nil {
			return err
		}
	}
	f, err := os.Create(o.profile)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	t0 := time.Now()
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	res, err := runPerf(ctx, o.perf, addr, qfile, false, 0, b.log)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	cpu := func(r *syscall.Rusage) time.Duration {
		return time.Duration(r.Utime.Nano() + r.Stime.Nano())
	}
	span := time.Since(t0)
	if res.runTime > 0 && res.runTime < span {
		span = res.runTime
	}
	res.serverCPU = (cpu(&ru1) - cpu(&ru0)).Seconds() / span.Seconds()
	b.printf("  in-process dii name server, %d names: %.0f qps for %s, %d lost, %.2f CPUs; CPU profile in %s\n",
		n, res.qps, res.runTime.Round(time.Second), res.lost, res.serverCPU, o.profile)
	b.printf("  see: go tool pprof -top %s\n", o.profile)
	fmt.Printf("### Profile: dii's name server in-process, %s names\n\nHeap after garbage collection: %s. Rate run: %s qps, %.2f CPUs (server), %.2f CPUs (dnsperf). CPU profile: %s.\n\n",
		commas(int64(n)), b.profileHeap, commas(int64(res.qps)), res.serverCPU, res.clientCPU, o.profile)
	runtime.KeepAlive(v)
	return nil
}

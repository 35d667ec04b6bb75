package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dii-net/dii/internal/newiplab"
	"github.com/dii-net/dii/internal/router"
	"github.com/dii-net/dii/pkg/newip"
)

func main() {
	duration := flag.Duration("duration", 5*time.Second, "measuring time per forwarding run")
	lab := flag.Duration("lab", 2*time.Second, "traffic time per lab round")
	only := flag.String("only", "", "run one part only: forwarding or contracts")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	offload := flag.String("offload", "both", "UDP segmentation offload (UDP_SEGMENT, UDP_GRO) in the forwarding runs: on, off or both")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("dii New IP router benchmark, %s, %s/%s, %d CPUs, GOMAXPROCS %d, %s\n\n", time.Now().UTC().Format("2006-01-02"),
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	if *only == "" || *only == "forwarding" {
		fmt.Println("Forwarding over the UDP overlay, decision only (no rate, no delay), one router:")
		fmt.Println()
		fmt.Println("| offload | payload | packet | offered pps | forwarded pps | drained pps | process CPU |")
		fmt.Println("|--------:|--------:|-------:|------------:|--------------:|------------:|------------:|")
		modes := map[string][]bool{"on": {true}, "off": {false}, "both": {false, true}}[*offload]
		if modes == nil {
			fmt.Fprintln(os.Stderr, "-offload: want on, off or both")
			os.Exit(2)
		}
		for _, off := range modes {
			for _, size := range []int{64, 1000} {
				if err := forwarding(size, *duration, off); err != nil {
					fmt.Fprintln(os.Stderr, "forwarding:", err)
					pprof.StopCPUProfile()
					os.Exit(1)
				}
			}
		}
		fmt.Println()
	}
	if *only == "" || *only == "contracts" {
		if err := contracts(*lab); err != nil {
			fmt.Fprintln(os.Stderr, "contracts:", err)
			os.Exit(1)
		}
	}
}

func listen() (*net.UDPConn, error) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	// Larger socket buffers absorb bursts; the kernel may cap them.
	_ = c.SetReadBuffer(8 << 20)
	_ = c.SetWriteBuffer(8 << 20)
	return c, nil
}

func addrOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// forwarding runs one generator → router → sink measurement.
func forwarding(size int, d time.Duration, offload bool) error {
	gen, err := listen()
	if err != nil {
		return err
	}
	sink, err := listen()
	if err != nil {
		return err
	}
	in, err := listen()
	if err != nil {
		return err
	}
	out, err := listen()
	if err != nil {
		return err
	}
	r, err := router.New(&router.Config{
		Name: "bench", Addresses: []string{"10.0.0.1"},
		Links: []router.LinkConfig{
			{Name: "in", Conn: in, Remote: addrOf(gen).String(), NoOffload: !offload},
			{Name: "out", Conn: out, Remote: addrOf(sink).String(), NoOffload: !offload},
		},
		Routes: []router.RouteConfig{{Prefix: "10.2.0.0/16", Link: "out"}, {Prefix: "10.1.0.0/16", Link: "in"}},
	})
	if err != nil {
		return err
	}
	if err := r.Start(); err != nil {
		return err
	}
	defer func() { _ = r.Close() }()

	const batch = 64
	pkts := make([][]byte, batch)
	src := newip.AddrFrom4([4]byte{10, 1, 0, 1})
	for i := range pkts {
		p, err := newip.AppendPacket(nil, newip.Header{HopLimit: 64, Src: src, Dst: newip.AddrFrom4([4]byte{10, 2, byte(i), 1})}, make([]byte, size))
		if err != nil {
			return err
		}
		pkts[i] = p
	}
	gc, err := router.NewBatchConn(gen, batch, offload)
	if err != nil {
		return err
	}
	sc, err := router.NewBatchConn(sink, batch, offload)
	if err != nil {
		return err
	}
	var offered, drained atomic.Uint64
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(2)
	to := addrOf(in)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			failed, _ := gc.Write(pkts, to)
			offered.Add(uint64(batch - failed))
		}
	}()
	go func() {
		defer wg.Done()
		for {
			n, err := sc.Read()
			if err != nil {
				return
			}
			drained.Add(uint64(n))
		}
	}()
	time.Sleep(500 * time.Millisecond) // warm up
	tx := func() uint64 { return r.Stats().Links["out"].TxPackets }
	o0, f0, d0, c0, t0 := offered.Load(), tx(), drained.Load(), cpuTime(), time.Now()
	time.Sleep(d)
	o1, f1, d1, c1, t1 := offered.Load(), tx(), drained.Load(), cpuTime(), time.Now()
	stop.Store(true)
	_ = sink.Close()
	_ = gen.Close()
	wg.Wait()
	secs := t1.Sub(t0).Seconds()
	mode := "off"
	if offload {
		mode = "on"
	}
	fmt.Printf("| %s | %d B | %d B | %.0f | %.0f | %.0f | %.2f cores |\n", mode, size, len(pkts[0]),
		float64(o1-o0)/secs, float64(f1-f0)/secs, float64(d1-d0)/secs, float64(c1-c0)/float64(t1.Sub(t0)))
	if drops := r.Stats().Links["in"].Drops; len(drops) > 0 {
		fmt.Printf("  (router drops: %v)\n", drops)
	}
	return nil
}

// contracts measures the LBF flow's in-budget share at several loads of
// the bottleneck, with the contract and as best effort.
func contracts(d time.Duration) error {
	fmt.Println("Latency-Based Forwarding under load: three routers, 10 Mbit/s bottleneck (5 ms), 256 KiB queue;")
	fmt.Println("a 100 packet/s flow of 200-byte packets with a 40 ms budget; 1,000-byte best-effort cross traffic:")
	fmt.Println()
	fmt.Println("| cross traffic (share of bottleneck) | LBF in budget | best effort in budget | LBF p99 | best effort p99 | LBF early drops |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|")
	for _, load := range []float64{0.5, 0.9, 1.2, 2.0} {
		pps := load * 10e6 / 8 / 1000 // 1,000-byte packets
		top, err := newiplab.Parse([]byte(fmt.Sprintf(`
duration = "%s"
warmup = "500ms"
[[router]]
name = "r1"
address = "10.0.0.1"
[[router]]
name = "r2"
address = "10.0.0.2"
[[router]]
name = "r3"
address = "10.0.0.3"
[[link]]
a = "r1"
b = "r2"
rate = "100Mbit"
delay = "2ms"
[[link]]
a = "r2"
b = "r3"
rate = "10Mbit"
delay = "5ms"
queue = "256KiB"
[[host]]
name = "a"
address = "10.1.0.1"
router = "r1"
[[host]]
name = "x"
address = "10.1.0.2"
router = "r1"
[[host]]
name = "b"
address = "10.2.0.1"
router = "r3"
[[flow]]
name = "lbf"
from = "a"
to = "b"
contract = "lbf"
budget = "40ms"
rate = 100
size = 200
[[flow]]
name = "cross"
from = "x"
to = "b"
rate = %f
size = 1000
cross = true
`, d, pps)))
		if err != nil {
			return err
		}
		l, err := newiplab.Start(top)
		if err != nil {
			return err
		}
		with, err := l.Run(context.Background(), true)
		if err != nil {
			l.Close()
			return err
		}
		early := uint64(0)
		for _, r := range l.Routers {
			st := r.Stats()
			early += st.Drops(router.DropLBFBudget) + st.Drops(router.DropLBFLate)
		}
		without, err := l.Run(context.Background(), false)
		l.Close()
		if err != nil {
			return err
		}
		fmt.Printf("| %.0f%% | %.1f%% | %.1f%% | %.1f ms | %.1f ms | %d |\n", 100*load,
			100*with[0].InTimeRatio(), 100*without[0].InTimeRatio(),
			float64(with[0].P99)/1e6, float64(without[0].P99)/1e6, early)
	}
	return nil
}

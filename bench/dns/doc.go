// Command dns benchmarks dii's authoritative DNS server against NSD and
// Knot DNS serving the same zone, on this machine, in one run, with
// dnsperf:
//
//  1. it builds the dii binary (go build ./cmd/dii) into a temporary
//     folder and, for each zone size of -sizes (default 1,000 and
//     1,000,000 names), starts a fresh "dii up" with its own home and
//     loopback ports;
//  2. it loads the zone through the real ledger path: the operator key of
//     the new home registers the open TLD "bench", then -writers fresh
//     accounts register nameNNNNNNN.bench and give each an A record, in
//     signed transactions of -batch operations over the HTTP API, waiting
//     for each commit (a progress line on standard error every 5 s);
//  3. it exports the zone with "dii zone export bench" and checks it with
//     named-checkzone. dii hosts every registered name as a zone of its
//     own, so the export holds a cut (the child zone's NS) per name; the
//     file NSD and Knot serve is that export with each hosted child zone's
//     records (from GET /v1/names?zone=bench) merged in place of its cut,
//     so that all three give the same answer to every query of the
//     benchmark. A sample of the queries (-compare) is asked of each
//     server and must be answered as dii answers it;
//  4. it starts NSD (nsd -d) and Knot DNS (knotd) in the foreground, each
//     with its own configuration in the temporary folder,
//     on other loopback ports (as user nobody when run as root), with no
//     DNSSEC, no response-rate limiting and minimal responses, and waits
//     until each answers the zone's SOA. Every server of every size then
//     stays up, paused (SIGSTOP) whenever it is not being measured;
//  5. it writes a dnsperf query file per size (-queries lines, -hits of
//     them A queries for loaded names drawn uniformly, the rest for names
//     that do not exist) and, once every size is ready, runs dnsperf
//     against each server at each size in turn with the same settings:
//     -rounds rate runs each (unlimited rate by default, each after a
//     warm-up) for queries per second (the median run is reported, with
//     the range), lost queries and the CPU use of the server and of
//     dnsperf; then a latency run each at a fixed rate (-latency-qps) with
//     dnsperf -v, whose per-response latencies give p50 and p99 (dnsperf
//     2.10 prints no percentiles). The servers and the sizes take turns
//     (round 1 of every server at every size, then round 2...), so that a
//     burst of other work on the machine, or a drift of its speed, hits
//     one run rather than one server or one size: the aims compare sizes
//     as well as servers. dii's ledger is idle while the servers are
//     measured (the program waits for dii's CPU use to settle after
//     loading), and only the server being measured runs;
//  6. it prints one table per size: per server the rate, lost queries,
//     latencies, CPU use, queries per CPU-second, and memory (the sum of
//     VmRSS, and of Pss, over the server's processes, read after its
//     runs), and dii's RSS before loading, after loading and after the
//     DNS runs, and its largest RSS at any time (VmHWM: for a large zone,
//     reached while loading); then the project's aims, met or not;
//  7. it stops every process it started and removes the temporary folder
//     (-keep keeps it), also on an error or Ctrl-C.
//
// With -cpuprofile FILE it also serves the largest size from dii's name
// server code inside this process (internal/nameserver over an
// internal/zone snapshot built directly from ledger records, without
// consensus) and writes a CPU profile of a dnsperf rate run against it,
// for "go tool pprof".
//
// It installs nothing: when nsd, knotd, dnsperf or named-checkzone is
// missing it names the Debian package (nsd, knot, dnsperf, bind9-utils)
// and exits with status 1.
//
// Run it with "go run ./bench/dns" from the repository; see -help.
// Results are recorded in docs/benchmarks.md.
package main

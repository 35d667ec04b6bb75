// Command handle measures handle resolutions per second over the node's
// HTTP API (GET /api/handles/{handle}, loaded by wrk, the Debian package
// wrk) and over the native Handle protocol (a concurrent load generator on
// the protocol client, UDP by default), against a state of 1,000,000
// handles built directly, as the node would hold them after committing
// them. It prints requests per second, latency percentiles and the
// process's resident memory; docs/benchmarks.md records results.
//
//	go run ./bench/handle                       # 1,000,000 handles, 10 s per run
//	go run ./bench/handle -handles 10000 -duration 3s
//	go run ./bench/handle -only native -tcp
package main

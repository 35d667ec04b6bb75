// Command testnet benchmarks dii networks of several validators on this
// machine: for each validator count (default 1, 4 and 7) it lays out a
// network with package testnet, each node a separate "dii up" process on
// loopback, drives it with package load (the engine of "dii load") at a
// target rate for a duration, and prints one markdown table with the
// networks side by side: submitted, committed, rejected and failed
// transactions, committed transactions and name updates per second, and
// the p50, p95 and p99 submit-to-commit latency.
//
// Run it from the repository root with `go run ./bench/testnet` (it builds
// cmd/dii first) or `make bench-testnet`; see -help. Results are recorded
// in docs/benchmarks.md.
package main

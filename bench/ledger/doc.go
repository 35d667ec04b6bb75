// Command ledger benchmarks dii's blockchain layer on this machine and
// prints a table:
//
//   - committed name updates per second on a single validator, with
//     submit-to-commit latency percentiles, through the real path: signed
//     transactions over the HTTP API, CometBFT consensus and the ledger
//     application, driven by package load (the engine of "dii load") in
//     closed loop;
//   - Merkle proof size, proof verification rate on one core, and memory
//     per name, at a state of -names registered names (default 1,000,000).
//
// Run it with `make bench` or `go run ./bench/ledger`; see -help. Results
// are recorded in docs/benchmarks.md.
package main

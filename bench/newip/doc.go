// Command newip benchmarks the New IP router.
//
// Forwarding: one router with two UDP links forwards what a generator
// sends (batches of 64 datagrams per sendmmsg) to a sink (recvmmsg), all
// in this process, with 64-byte and 1,000-byte payloads and no rate or
// delay on the links: the decision-only path, with UDP segmentation
// offload (UDP_SEGMENT and UDP_GRO: many equal datagrams per kernel
// traversal) and without. It reports packets per second offered,
// forwarded and drained, and the process's CPU use.
//
// Contracts under load: a lab of three routers with a bottleneck, a
// Latency-Based Forwarding flow and best-effort cross traffic at several
// loads; it reports the share of the flow delivered within its budget
// with the contract and without.
//
//	go run ./bench/newip
//	go run ./bench/newip -duration 10s -only forwarding
package main

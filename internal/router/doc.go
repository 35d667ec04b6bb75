// Package router is dii's user-space New IP router.
//
// # Links
//
// A link is a UDP tunnel to a neighbouring router or host, so routers
// run without privileges and many fit on one machine; a router running
// as root can also use raw Ethernet (AF_PACKET, EtherType 0x88B6) on an
// interface such as one end of a veth pair. A UDP link with no remote
// learns its peer from the packets it receives: that is how hosts
// attach. Datagrams move in batches of up to 64 per system call
// (recvmmsg and sendmmsg) and the forwarding path allocates nothing.
//
// A link with a rate or a delay gets a port: a queue, a wire of that
// rate and a delay line, driven by one goroutine. The port is pure logic
// on an injectable clock (Clock), so its scheduling is tested in
// simulated time. A link with neither sends at once from the receiving
// goroutine, zero-copy.
//
// # The packet path
//
// For each datagram, in order: decode (every malformed packet is dropped
// and counted under its reason), answer a ping addressed to the router,
// decrement the hop limit, look the destination up (longest-prefix
// match over the address type and its wire bytes, so flexible addresses
// route like any other), evaluate general contract blocks (priority,
// drop, next hop, metadata, wash), refuse to send a packet back out of
// the link it came in on (a loop), then apply the contracts:
//
//   - Max-Delay Forwarding drops a packet whose experienced delay
//     exceeds its budget, on arrival and again as it leaves.
//   - Latency-Based Forwarding gives the packet this hop's share of the
//     remaining budget, (max − experienced − path delay) / hops left, as
//     a local deadline; the queue sends latency-bound packets earliest
//     deadline first, ahead of best effort, and holds a packet with a
//     minimum delay until its share of that has passed. A packet whose
//     budget cannot be met even with no queueing is dropped on arrival;
//     one whose queueing here used the budget up is dropped as it
//     leaves.
//   - Ping: routers answer requests to their addresses, and answer a
//     request whose hop limit runs out (trace) or that has no route.
//   - Packet wash: when a queue holds more than the link's wash depth, a
//     chunked packet loses its least significant chunks, just enough to
//     fit, instead of the whole packet being lost.
//
// Every drop is counted per link and reason, and Router.Registry exports
// the counters as Prometheus metrics (dii_newip_router_*).
// docs/newip-router.md describes the configuration and the metrics.
package router

// Package newiplab runs a New IP network on loopback from a small TOML
// description: routers, the links between them with their rates and
// delays, hosts attached to routers, and flows of traffic between hosts.
// It computes every router's forwarding table (shortest paths by delay,
// with the path delay and queue count that Latency-Based Forwarding
// needs), starts the routers and hosts in-process, runs the flows once
// with their contracts and once as best effort, and reports per flow
// what the contract bought: delivery ratio, the share delivered within
// the flow's budget, and latency percentiles.
//
// A host marked attach gets only its router link, for a program outside
// the lab (a gateway, dii ping) to use.
package newiplab

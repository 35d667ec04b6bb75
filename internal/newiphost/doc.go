// Package newiphost is a New IP host: an endpoint with a New IP address
// attached to a router by a UDP tunnel. It sends and receives New IP
// packets, answers Ping contract requests addressed to it, and runs the
// two probes of the Ping contract: ping (echo requests to a destination)
// and trace (requests with a growing hop limit, answered by each router
// on the way).
//
// A router sees a host as a link with no fixed remote: it learns the
// host's UDP address from the first packet the host sends.
package newiphost

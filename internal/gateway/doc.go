// Package gateway joins IPv6 and New IP: an IPv6 host reaches a New IP
// host through it, and back, and two IPv6 hosts talk across a New IP
// core through a gateway each.
//
// On the New IP side a gateway is a host: a UDP tunnel to a router. On
// the IPv6 side it works in one of two modes:
//
//   - tun: a TUN device (needs /dev/net/tun and root). The kernel routes
//     IPv6 packets for mapped addresses into the device; the gateway
//     translates each one and writes the answers back. ICMPv6 echo
//     becomes the Ping contract, so an IPv6 ping crosses New IP and New
//     IP routers and hosts answer it; UDP and TCP segments ride in the
//     payload with their next-header byte.
//   - udp: plain UDP sockets, no privileges. An import listens on an
//     IPv6 socket and carries each datagram to a New IP address and
//     port; an export delivers datagrams for a New IP address and port
//     to an IPv6 UDP endpoint and carries its answers back.
//
// Addresses map one to one: every IPv6 address on either side of a
// gateway has a New IP address, and every gateway of a network uses the
// same map, so a translated packet keeps its transport checksum.
// docs/newip-router.md describes the configuration and the payload
// framing.
package gateway

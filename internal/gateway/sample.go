package gateway

// SampleConfig is a commented gateway configuration: "dii newip gateway
// sample-config" prints it, and a test checks that it parses.
const SampleConfig = `# A dii gateway between IPv6 and New IP.

name = "gw1"

# The router link the gateway attaches to: a link with no remote in the
# router's configuration, routed to the New IP addresses below.
router = "127.0.0.1:7100"
# listen = "127.0.0.1:0"     # the gateway's own UDP address towards the router

# mode: auto (default) uses a TUN device when /dev/net/tun exists and the
# gateway runs as root, udp otherwise.
mode = "auto"
tun = "dii6"                 # TUN device name (default dii6)
# metrics = "127.0.0.1:9520"
# hop_limit = 64             # of the packets udp mode builds

# The address map, one to one. Every gateway of a network uses the same
# map, so a packet crossing New IP comes out with the IPv6 addresses it
# went in with (and its transport checksum still holds).
[[map]]
ipv6 = "fd00:a::1"           # an IPv6 host behind this gateway
newip = "10.1.0.1"           # its New IP address, routed to this gateway

[[map]]
ipv6 = "fd00:b::1"           # an IPv6 host behind another gateway
newip = "10.2.0.1"

[[map]]
ipv6 = "fd00:c::3"           # a New IP router, reachable by IPv6 ping
newip = "10.0.0.3"

# udp mode (also served in tun mode): IPv6 UDP clients sending to listen
# reach port 7 of New IP 10.2.0.1, from New IP source 10.1.0.9.
[[import]]
listen = "[::1]:9001"
to = "10.2.0.1"
port = 7
from = "10.1.0.9"

# ...and datagrams for port 7 of 10.1.0.7 go to an IPv6 UDP service.
[[export]]
address = "10.1.0.7"
port = 7
target = "[::1]:9007"
`

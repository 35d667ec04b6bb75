package router

// SampleConfig is a commented router configuration: "dii router
// sample-config" prints it, and a test checks that it parses.
const SampleConfig = `# A dii New IP router. Every field is shown; the values are examples,
# and the comments give the defaults.

# name labels the router in logs and metrics.
name = "r1"

# addresses are the router's own New IP addresses: it answers Ping
# contract requests sent to them, and the first one is the source of
# the replies it sends (echo, hop limit ran out, unreachable).
# Forms: 10.0.0.1, 2001:db8::1, 8bit:7, f:f20a000001, f=167772161.
addresses = ["10.0.0.1"]

# metrics is where Prometheus scrapes /metrics; "" (the default) for none.
metrics = "127.0.0.1:9510"

# hop_limit of the packets the router sends itself (default 64).
hop_limit = 64

# A link to a neighbouring router: a UDP tunnel between two fixed
# addresses. rate and delay make a queue that contracts act on.
[[link]]
name = "r2"
kind = "udp"                 # udp (default) or ether
listen = "127.0.0.1:7101"
remote = "127.0.0.1:7201"
rate = "10Mbit"              # 0 (default): no rate limit
delay = "5ms"                # one-way propagation delay (default 0)
queue = "256KiB"             # queue capacity (default 256KiB)
wash = "64KiB"               # wash chunked payloads above this depth; 0 (default): never
no_offload = false           # true: no UDP segmentation offload (UDP_SEGMENT, UDP_GRO)

# A link to a host: no remote, the router learns the host's UDP address
# from the first packet the host sends.
[[link]]
name = "h1"
listen = "127.0.0.1:7100"

# A raw Ethernet link (EtherType 0x88B6), for a router running as root.
# [[link]]
# name = "eth"
# kind = "ether"
# interface = "veth0"
# peer_mac = "02:00:00:00:00:02"   # default: broadcast

# The forwarding table: longest-prefix match over the address type and
# its wire bytes. delay and hops describe the rest of the path for
# Latency-Based Forwarding (fib_todelay, fib_tohops): the least delay
# from this router to the destination (default: the link's delay) and
# the number of queues on the way, this one included (default 1).
[[route]]
prefix = "10.1.0.0/16"
link = "h1"

[[route]]
prefix = "f:f2/8"            # every five-byte flexible address
link = "r2"
delay = "15ms"
hops = 3
`

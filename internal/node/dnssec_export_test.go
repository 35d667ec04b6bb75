package node

import "github.com/dii-net/dii/internal/zone"

// DNSSnapshot is the zone snapshot n's name server answers from, for the
// DNSSEC tests of package node_test.
func DNSSnapshot(n *Node) *zone.Snapshot { return n.dns.Snapshot() }

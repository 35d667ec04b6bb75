package gateway

import "github.com/prometheus/client_golang/prometheus"

var (
	descToNewIP = prometheus.NewDesc("dii_newip_gateway_to_newip_packets_total",
		"Packets the gateway sent into New IP.", nil, nil)
	descToIPv6 = prometheus.NewDesc("dii_newip_gateway_to_ipv6_packets_total",
		"Packets the gateway delivered on its IPv6 side.", nil, nil)
	descDrops = prometheus.NewDesc("dii_newip_gateway_drops_total",
		"Packets the gateway dropped, by reason.", []string{"reason"}, nil)
)

type collector struct{ g *Gateway }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descToNewIP
	ch <- descToIPv6
	ch <- descDrops
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descToNewIP, prometheus.CounterValue, float64(c.g.toNewIP.Load()))
	ch <- prometheus.MustNewConstMetric(descToIPv6, prometheus.CounterValue, float64(c.g.toIPv6.Load()))
	for r := reason(1); r < numReasons; r++ {
		ch <- prometheus.MustNewConstMetric(descDrops, prometheus.CounterValue, float64(c.g.drops[r].Load()), r.String())
	}
}

// Stats is a snapshot of the gateway's counters.
type Stats struct {
	ToNewIP, ToIPv6 uint64
	Drops           map[string]uint64 // by reason, only those seen
}

// Stats returns a snapshot of the gateway's counters.
func (g *Gateway) Stats() Stats {
	s := Stats{ToNewIP: g.toNewIP.Load(), ToIPv6: g.toIPv6.Load(), Drops: map[string]uint64{}}
	for r := reason(1); r < numReasons; r++ {
		if v := g.drops[r].Load(); v > 0 {
			s.Drops[r.String()] = v
		}
	}
	return s
}

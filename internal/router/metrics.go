package router

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// linkStats are one link's counters. The packet path adds to them with
// atomics; the Prometheus collector reads them when scraped, so counting
// costs no map lookups and no allocation.
type linkStats struct {
	rxPackets, rxBytes atomic.Uint64
	txPackets, txBytes atomic.Uint64
	washedPackets      atomic.Uint64
	washedBytes        atomic.Uint64
	queueBytes         atomic.Int64
	drops              [numReasons]atomic.Uint64
}

// routerStats are the router's counters not tied to one link.
type routerStats struct {
	pings     atomic.Uint64 // echo requests answered
	hopLimits atomic.Uint64 // hop-limit replies sent to tracers
}

var (
	descRxPackets = prometheus.NewDesc("dii_newip_router_received_packets_total",
		"Packets received on a link.", []string{"link"}, nil)
	descRxBytes = prometheus.NewDesc("dii_newip_router_received_bytes_total",
		"Bytes received on a link.", []string{"link"}, nil)
	descTxPackets = prometheus.NewDesc("dii_newip_router_sent_packets_total",
		"Packets sent on a link.", []string{"link"}, nil)
	descTxBytes = prometheus.NewDesc("dii_newip_router_sent_bytes_total",
		"Bytes sent on a link.", []string{"link"}, nil)
	descDrops = prometheus.NewDesc("dii_newip_router_drops_total",
		"Packets dropped, by the link they were on and the reason.", []string{"link", "reason"}, nil)
	descWashedPackets = prometheus.NewDesc("dii_newip_router_washed_packets_total",
		"Packets whose low-significance payload chunks were trimmed under congestion.", []string{"link"}, nil)
	descWashedBytes = prometheus.NewDesc("dii_newip_router_washed_bytes_total",
		"Payload bytes trimmed by packet wash.", []string{"link"}, nil)
	descQueueBytes = prometheus.NewDesc("dii_newip_router_queue_bytes",
		"Bytes waiting in a link's queue.", []string{"link"}, nil)
	descPings = prometheus.NewDesc("dii_newip_router_pings_answered_total",
		"Ping contract requests this router answered.", nil, nil)
	descHopLimits = prometheus.NewDesc("dii_newip_router_hop_limit_replies_total",
		"Ping contract packets whose hop limit ran out here and that got a reply (trace).", nil, nil)
)

type collector struct{ r *Router }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRxPackets, descRxBytes, descTxPackets, descTxBytes, descDrops,
		descWashedPackets, descWashedBytes, descQueueBytes, descPings, descHopLimits} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for _, l := range c.r.links {
		s := &l.stats
		counter(descRxPackets, s.rxPackets.Load(), l.name)
		counter(descRxBytes, s.rxBytes.Load(), l.name)
		counter(descTxPackets, s.txPackets.Load(), l.name)
		counter(descTxBytes, s.txBytes.Load(), l.name)
		counter(descWashedPackets, s.washedPackets.Load(), l.name)
		counter(descWashedBytes, s.washedBytes.Load(), l.name)
		ch <- prometheus.MustNewConstMetric(descQueueBytes, prometheus.GaugeValue, float64(s.queueBytes.Load()), l.name)
		for r := Reason(1); r < numReasons; r++ {
			counter(descDrops, s.drops[r].Load(), l.name, r.String())
		}
	}
	counter(descPings, c.r.stats.pings.Load())
	counter(descHopLimits, c.r.stats.hopLimits.Load())
}

// Stats is a snapshot of a router's counters.
type Stats struct {
	Links     map[string]LinkStats
	Pings     uint64 // echo requests answered
	HopLimits uint64 // hop-limit replies sent
}

// LinkStats is a snapshot of one link's counters.
type LinkStats struct {
	RxPackets, RxBytes uint64
	TxPackets, TxBytes uint64
	WashedPackets      uint64
	WashedBytes        uint64
	QueueBytes         int64
	Drops              map[string]uint64 // by reason; only reasons seen
}

// Drops returns the total of the reason's drops across links.
func (s Stats) Drops(r Reason) uint64 {
	var n uint64
	for _, l := range s.Links {
		n += l.Drops[r.String()]
	}
	return n
}

// Stats returns a snapshot of the router's counters.
func (r *Router) Stats() Stats {
	st := Stats{Links: map[string]LinkStats{}, Pings: r.stats.pings.Load(), HopLimits: r.stats.hopLimits.Load()}
	for _, l := range r.links {
		s := &l.stats
		ls := LinkStats{
			RxPackets: s.rxPackets.Load(), RxBytes: s.rxBytes.Load(),
			TxPackets: s.txPackets.Load(), TxBytes: s.txBytes.Load(),
			WashedPackets: s.washedPackets.Load(), WashedBytes: s.washedBytes.Load(),
			QueueBytes: s.queueBytes.Load(), Drops: map[string]uint64{},
		}
		for rr := Reason(1); rr < numReasons; rr++ {
			if v := s.drops[rr].Load(); v > 0 {
				ls.Drops[rr.String()] = v
			}
		}
		st.Links[l.name] = ls
	}
	return st
}

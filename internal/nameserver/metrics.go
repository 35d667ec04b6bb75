package nameserver

import (
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	queries *prometheus.CounterVec
	latency *prometheus.HistogramVec
	dropped *prometheus.CounterVec
	refused prometheus.Counter
	height  prometheus.Gauge

	// The counters and histograms of the common transports and response
	// codes, looked up once, so a query does not hash label values.
	fast map[string]*transportMetrics
}

type transportMetrics struct {
	latency prometheus.Observer
	rcodes  [dns.RcodeBadCookie + 1]prometheus.Counter
}

var transports = []string{"udp", "tcp", "dot", "doh"}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dii", Subsystem: "dns", Name: "queries_total",
			Help: "DNS queries answered, by transport and response code.",
		}, []string{"transport", "rcode"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "dii", Subsystem: "dns", Name: "answer_seconds",
			Help:    "Time from a parsed query to its written answer.",
			Buckets: []float64{10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 5e-3, 25e-3},
		}, []string{"transport"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dii", Subsystem: "dns", Name: "dropped_total",
			Help: "Queries dropped or refused before answering, by reason.",
		}, []string{"reason"}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "dii", Subsystem: "dns", Name: "refused_total",
			Help: "Queries answered REFUSED (names neither ours nor forwardable).",
		}),
		height: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "dii", Subsystem: "dns", Name: "snapshot_height",
			Help: "Ledger height of the zone snapshot being served.",
		}),
		fast: map[string]*transportMetrics{},
	}
	for _, tr := range transports {
		tm := &transportMetrics{latency: m.latency.WithLabelValues(tr)}
		for rc := range tm.rcodes {
			if _, ok := dns.RcodeToString[rc]; ok {
				tm.rcodes[rc] = m.queries.WithLabelValues(tr, rcodeName(rc))
			}
		}
		m.fast[tr] = tm
	}
	if reg != nil {
		reg.MustRegister(m.queries, m.latency, m.dropped, m.refused, m.height)
	}
	return m
}

func (m *metrics) observe(transport string, rcode int, d time.Duration) {
	if tm := m.fast[transport]; tm != nil {
		tm.latency.Observe(d.Seconds())
		if rcode >= 0 && rcode < len(tm.rcodes) && tm.rcodes[rcode] != nil {
			tm.rcodes[rcode].Inc()
			return
		}
	} else {
		m.latency.WithLabelValues(transport).Observe(d.Seconds())
	}
	m.queries.WithLabelValues(transport, rcodeName(rcode)).Inc()
}

func rcodeName(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return "OTHER"
}

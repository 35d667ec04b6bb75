package ledger

import (
	"bytes"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/validator"
)

// Metrics are the application's Prometheus metrics.
type Metrics struct {
	txs     *prometheus.CounterVec
	checks  *prometheus.CounterVec
	updates prometheus.Counter
	height  prometheus.Gauge
	keys    prometheus.Gauge
	entries *prometheus.GaugeVec
	serve   prometheus.Histogram

	// counts are the entries of each registry, kept in step with every
	// commit (only the consensus goroutine touches them).
	counts []int
	gauges []prometheus.Gauge
}

// registries are the key prefixes whose entries dii_ledger_registry_entries
// counts, by label.
var registries = []struct{ label, prefix string }{
	{"accounts", AccountPrefix},
	{"names", registry.KeyPrefix},
	{"nameservers", registry.NameserverPrefix},
	{"validators", validator.Prefix},
	{"oid_arcs", oid.ArcPrefix},
	{"uav_identities", oid.UAVPrefix},
	{"handles", handle.KeyPrefix}, // naming authorities 0.NA/… included
}

// NewMetrics registers the application's metrics with reg (nil: none).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		txs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dii", Subsystem: "ledger", Name: "txs_total",
			Help: "Transactions executed in blocks, by result code.",
		}, []string{"code"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dii", Subsystem: "ledger", Name: "checktx_total",
			Help: "Transactions checked for the mempool, by result code.",
		}, []string{"code"}),
		updates: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "dii", Subsystem: "ledger", Name: "operations_total",
			Help: "Operations applied by successful transactions.",
		}),
		height: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "dii", Subsystem: "ledger", Name: "height",
			Help: "Last committed block height.",
		}),
		keys: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "dii", Subsystem: "ledger", Name: "state_keys",
			Help: "Keys in the authenticated state (accounts, names, parameters).",
		}),
		entries: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "dii", Subsystem: "ledger", Name: "registry_entries",
			Help: "Entries in each registry of the committed state: accounts, names, root name servers, validators, OID arcs, UAV identities, handles.",
		}, []string{"registry"}),
		serve: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "dii", Subsystem: "ledger", Name: "commit_to_serve_seconds",
			Help:    "Time from the start of a block's commit in the application to its state being served by the API and DNS.",
			Buckets: []float64{1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5},
		}),
		counts: make([]int, len(registries)),
	}
	for _, r := range registries {
		m.gauges = append(m.gauges, m.entries.WithLabelValues(r.label))
	}
	if reg != nil {
		reg.MustRegister(m.txs, m.checks, m.updates, m.height, m.keys, m.entries, m.serve)
	}
	return m
}

func (m *Metrics) delivered(c Code) { m.txs.WithLabelValues(c.String()).Inc() }
func (m *Metrics) checked(c Code)   { m.checks.WithLabelValues(c.String()).Inc() }

func (m *Metrics) observe(v *state.Version) {
	m.height.Set(float64(v.Height()))
	m.keys.Set(float64(v.Len()))
}

// count counts every registry's entries in v from scratch.
func (m *Metrics) count(v *state.Version) {
	for i, r := range registries {
		n := 0
		p := []byte(r.prefix)
		v.Iterate(p, state.PrefixEnd(p), func(_, _ []byte) bool { n++; return true })
		m.counts[i] = n
		m.gauges[i].Set(float64(n))
	}
}

// committed updates the registry counts with the changes from prev and
// records how long the commit took to be served since start.
func (m *Metrics) committed(prev *state.Version, changes []state.Change, start time.Time) {
	// Timed before the counting below, which is the metrics' own work.
	m.serve.Observe(time.Since(start).Seconds())
	for _, c := range changes {
		for i, r := range registries {
			if !bytes.HasPrefix(c.Key, []byte(r.prefix)) {
				continue
			}
			_, had := prev.Get(c.Key)
			switch has := c.Value != nil; {
			case has && !had:
				m.counts[i]++
			case !has && had:
				m.counts[i]--
			}
			break
		}
	}
	for i := range registries {
		m.gauges[i].Set(float64(m.counts[i]))
	}
}

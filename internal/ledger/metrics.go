package ledger

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dii-net/dii/internal/state"
)

// Metrics are the application's Prometheus metrics.
type Metrics struct {
	txs     *prometheus.CounterVec
	checks  *prometheus.CounterVec
	updates prometheus.Counter
	height  prometheus.Gauge
	keys    prometheus.Gauge
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
	}
	if reg != nil {
		reg.MustRegister(m.txs, m.checks, m.updates, m.height, m.keys)
	}
	return m
}

func (m *Metrics) delivered(c Code) { m.txs.WithLabelValues(c.String()).Inc() }
func (m *Metrics) checked(c Code)   { m.checks.WithLabelValues(c.String()).Inc() }

func (m *Metrics) observe(v *state.Version) {
	m.height.Set(float64(v.Height()))
	m.keys.Set(float64(v.Len()))
}

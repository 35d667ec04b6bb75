package handleserver

import (
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	requests *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	conns    prometheus.Gauge

	// Counters of the common cases, looked up once so a request does not
	// hash label values.
	fast map[fastKey]prometheus.Counter
}

type fastKey struct {
	transport string
	op        handleproto.OpCode
	rc        handleproto.ResponseCode
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dii", Subsystem: "handle", Name: "requests_total",
			Help: "Handle protocol requests answered, by transport, opcode and response code.",
		}, []string{"transport", "opcode", "code"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dii", Subsystem: "handle", Name: "dropped_total",
			Help: "Handle protocol datagrams, messages or connections dropped without an answer, by reason.",
		}, []string{"reason"}),
		conns: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "dii", Subsystem: "handle", Name: "tcp_connections",
			Help: "Open Handle protocol TCP connections.",
		}),
		fast: map[fastKey]prometheus.Counter{},
	}
	for _, tr := range []string{"udp", "tcp"} {
		for _, op := range []handleproto.OpCode{handleproto.OCResolution, handleproto.OCGetSiteInfo} {
			for _, rc := range []handleproto.ResponseCode{handleproto.RCSuccess, handleproto.RCHandleNotFound, handleproto.RCValueNotFound} {
				m.fast[fastKey{tr, op, rc}] = m.requests.WithLabelValues(tr, op.String(), rc.String())
			}
		}
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.dropped, m.conns)
	}
	return m
}

func (m *metrics) answered(transport string, op handleproto.OpCode, rc handleproto.ResponseCode) {
	if c, ok := m.fast[fastKey{transport, op, rc}]; ok {
		c.Inc()
		return
	}
	name := "OTHER"
	if op.Known() {
		name = op.String()
	}
	code := "OTHER"
	if rc.Known() {
		code = rc.String()
	}
	m.requests.WithLabelValues(transport, name, code).Inc()
}

func (m *metrics) drop(reason string) { m.dropped.WithLabelValues(reason).Inc() }

package nameserver

import (
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// Prefer says who answers for a TLD that is on the ledger and also known
// to the upstream resolver: the seam where the namespaces split.
type Prefer string

// Policies for colliding TLDs.
const (
	PreferLedger   Prefer = "ledger"
	PreferUpstream Prefer = "upstream"
)

// collisionTTL is how long the answer to "does the upstream know this
// TLD?" is kept.
const collisionTTL = time.Hour

// upstream forwards names outside the ledger namespace and watches for
// ledger TLDs that the upstream namespace has too.
type upstream struct {
	addr   string
	prefer Prefer
	client *dns.Client

	mu    sync.Mutex
	known map[string]collision // ledger TLD → does the upstream have it

	forwarded  *prometheus.CounterVec
	collisions *prometheus.CounterVec
	failures   prometheus.Counter
}

type collision struct {
	exists  bool
	checked time.Time
	pending bool
}

func newUpstream(addr string, prefer Prefer, reg prometheus.Registerer) *upstream {
	u := &upstream{
		addr: addr, prefer: prefer, client: &dns.Client{Timeout: 3 * time.Second},
		known: map[string]collision{},
		forwarded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dii", Subsystem: "dns", Name: "forwarded_total",
			Help: "Queries forwarded to the upstream resolver, by the upstream's response code.",
		}, []string{"rcode"}),
		collisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dii", Subsystem: "dns", Name: "collisions_total",
			Help: "Queries for a ledger TLD that the upstream namespace also has, by TLD and by who answered.",
		}, []string{"tld", "answered_by"}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "dii", Subsystem: "dns", Name: "upstream_failures_total",
			Help: "Forwarded queries that got no answer from the upstream resolver.",
		}),
	}
	if reg != nil {
		reg.MustRegister(u.forwarded, u.collisions, u.failures)
	}
	return u
}

// forward asks the upstream and returns its answer under the client's id,
// or SERVFAIL when it does not answer.
func (u *upstream) forward(r *dns.Msg, tcp bool) *dns.Msg {
	q := r.Copy()
	q.Id = dns.Id()
	c := *u.client
	if tcp {
		c.Net = "tcp"
	}
	resp, _, err := c.Exchange(q, u.addr)
	if err == nil && resp.Truncated && !tcp {
		c.Net = "tcp"
		resp, _, err = c.Exchange(q, u.addr)
	}
	if err != nil {
		u.failures.Inc()
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeServerFailure)
		return m
	}
	resp.Id = r.Id
	u.forwarded.WithLabelValues(rcodeName(resp.Rcode)).Inc()
	return resp
}

// collides reports whether the upstream is known to have tld. The first
// query for a TLD starts a check in the background and answers false, so
// no query waits on the upstream for it.
func (u *upstream) collides(tld string) bool {
	u.mu.Lock()
	c, ok := u.known[tld]
	stale := !ok || (!c.pending && time.Since(c.checked) > collisionTTL)
	if stale {
		c.pending = true
		u.known[tld] = c
	}
	u.mu.Unlock()
	if stale {
		go u.check(tld)
	}
	return c.exists
}

// collidesWire is collides for the TLD of a name in wire form, in lower
// case; it allocates only to start a check.
func (u *upstream) collidesWire(lname []byte) bool {
	tld := tldWire(lname)
	u.mu.Lock()
	c, ok := u.known[string(tld)]
	stale := !ok || (!c.pending && time.Since(c.checked) > collisionTTL)
	u.mu.Unlock()
	if stale {
		return u.collides(string(tld))
	}
	return c.exists
}

func (u *upstream) check(tld string) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(tld), dns.TypeSOA)
	m.RecursionDesired = true
	resp, _, err := u.client.Exchange(m, u.addr)
	exists := err == nil && resp.Rcode == dns.RcodeSuccess && (len(resp.Answer) > 0 || len(resp.Ns) > 0)
	u.mu.Lock()
	u.known[tld] = collision{exists: exists, checked: time.Now()}
	u.mu.Unlock()
}

// tldOf returns the last label of a lower-case FQDN ("" for the root).
func tldOf(name string) string {
	name = strings.TrimSuffix(name, ".")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

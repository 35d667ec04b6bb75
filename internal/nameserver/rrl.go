package nameserver

import (
	"bytes"
	"hash/maphash"
	"net/netip"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// rrl is response-rate limiting against reflection: a client network
// (/24 for IPv4, /56 for IPv6) gets at most rate identical responses per
// second (same name, type and response code); beyond that, responses are
// dropped, except every slip-th, which is sent truncated (TC, no records)
// so a real client behind a spoofed flood can still retry over TCP. Only
// UDP is limited: TCP cannot be spoofed.
//
// State is a fixed-size table of counters indexed by a hash, so a flood
// of distinct keys costs no memory; colliding keys share a bucket, which
// can only make limiting stricter for them.
type rrl struct {
	rate  int
	slip  int
	now   func() time.Time
	seed  maphash.Seed
	mu    sync.Mutex
	table []rrlBucket
}

type rrlBucket struct {
	second int64
	count  int
	key    uint64
}

const rrlBuckets = 1 << 16

// rrlAction is what to do with one response.
type rrlAction int

const (
	rrlSend rrlAction = iota
	rrlDrop
	rrlSlip
)

func newRRL(rate, slip int) *rrl {
	if rate <= 0 {
		return nil
	}
	return &rrl{rate: rate, slip: slip, now: time.Now, seed: maphash.MakeSeed(), table: make([]rrlBucket, rrlBuckets)}
}

// check counts one response for client and says what to do with it.
// qname is in presentation form, as miekg/dns decodes it.
func (l *rrl) check(client netip.Addr, qname string, qtype uint16, rcode int) rrlAction {
	var buf [256]byte
	n, err := dns.PackDomainName(dns.Fqdn(qname), buf[:], 0, nil, false)
	if err != nil {
		n = copy(buf[:], qname) // not a name: any key will do
	}
	return l.checkName(client, bytes.ToLower(buf[:n]), qtype, rcode)
}

// checkName is check for a name in wire form, in lower case.
func (l *rrl) checkName(client netip.Addr, lname []byte, qtype uint16, rcode int) rrlAction {
	var h maphash.Hash
	h.SetSeed(l.seed)
	pfx := 24
	if client.Is6() && !client.Is4In6() {
		pfx = 56
	}
	p, _ := client.Unmap().Prefix(pfx)
	a := p.Addr().As16()
	// maphash.Hash writes never fail.
	_, _ = h.Write(a[:])
	_, _ = h.Write(lname)
	_ = h.WriteByte(byte(qtype >> 8))
	_ = h.WriteByte(byte(qtype))
	_ = h.WriteByte(byte(rcode))
	key := h.Sum64()
	sec := l.now().Unix()

	l.mu.Lock()
	defer l.mu.Unlock()
	bk := &l.table[key%rrlBuckets]
	if bk.second != sec || bk.key != key {
		*bk = rrlBucket{second: sec, key: key}
	}
	bk.count++
	if bk.count <= l.rate {
		return rrlSend
	}
	if l.slip > 0 && (bk.count-l.rate)%l.slip == 0 {
		return rrlSlip
	}
	return rrlDrop
}

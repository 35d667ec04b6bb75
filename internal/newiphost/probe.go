package newiphost

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/dii-net/dii/pkg/newip"
)

// probeHeader is the start of a probe's payload: a magic word, the
// probe id and the sequence number. Replies echo the payload.
const probeHeader = 8

var probeMagic = [4]byte{'d', 'i', 'i', 'p'}

func probeIDs(b []byte) (id, seq uint16, ok bool) {
	if len(b) < probeHeader || [4]byte(b[:4]) != probeMagic {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(b[4:]), binary.BigEndian.Uint16(b[6:]), true
}

func newProbeID() uint16 {
	var b [2]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint16(b[:])
}

// ProbeHops is the Hops value a probe starts with; each router a request
// crosses takes one off, and the reply carries the count back.
const ProbeHops = 255

// Contract is an extra contract a probe carries besides Ping.
type Contract struct {
	MaxDelay *newip.MaxDelay
	LBF      *newip.LBF
}

// buildProbe makes an echo request to dst.
func (h *Host) buildProbe(dst newip.Address, hopLimit uint8, id, seq uint16, size int, c Contract) ([]byte, error) {
	var b newip.Builder
	b.Reset(make([]byte, 0, 128+size))
	b.Start(newip.Header{HopLimit: hopLimit, Src: h.addr, Dst: dst})
	b.Ping(newip.Ping{Code: newip.PingRequest, Hops: ProbeHops, Timestamp: uint64(time.Now().UnixMicro())})
	if c.MaxDelay != nil {
		b.MaxDelay(*c.MaxDelay)
	}
	if c.LBF != nil {
		b.LBF(*c.LBF)
	}
	pl := make([]byte, max(size, probeHeader))
	copy(pl, probeMagic[:])
	binary.BigEndian.PutUint16(pl[4:], id)
	binary.BigEndian.PutUint16(pl[6:], seq)
	for i := probeHeader; i < len(pl); i++ {
		pl[i] = byte(i)
	}
	b.Payload(pl)
	return b.Finish()
}

// PingOptions control Ping.
type PingOptions struct {
	Count    int           // requests to send; 0 means until ctx ends
	Interval time.Duration // between requests; 0 means one second
	Timeout  time.Duration // how long to wait for the last reply; 0 means one second
	Size     int           // payload bytes (at least 8)
	HopLimit uint8         // 0 means the host's hop limit
	Contract Contract
}

// PingStats sums up a ping run as ping(8) does.
type PingStats struct {
	Sent, Received int
	Errors         int // replies other than echo replies (unreachable, hop limit)
	Min, Avg, Max  time.Duration
	Mdev           time.Duration
	Elapsed        time.Duration
}

// Loss returns the fraction of requests with no echo reply.
func (s PingStats) Loss() float64 {
	if s.Sent == 0 {
		return 0
	}
	return 1 - float64(s.Received)/float64(s.Sent)
}

// Ping sends echo requests to dst and calls each for every answer.
func (h *Host) Ping(ctx context.Context, dst newip.Address, o PingOptions, each func(Reply)) (PingStats, error) {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	hl := o.HopLimit
	if hl == 0 {
		hl = h.hopLimit
	}
	id := newProbeID()
	ch := make(chan Reply, 64)
	for h.subscribe(id, ch) != nil {
		id = newProbeID()
	}
	defer h.unsubscribe(id)

	var st PingStats
	var rtts []time.Duration
	seen := map[uint16]bool{}
	start := time.Now()
	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	send := func(seq uint16) error {
		pkt, err := h.buildProbe(dst, hl, id, seq, o.Size, o.Contract)
		if err != nil {
			return err
		}
		st.Sent++
		return h.Send(pkt)
	}
	take := func(r Reply) {
		if seen[r.Seq] {
			return
		}
		seen[r.Seq] = true
		if r.Code == newip.PingReply {
			st.Received++
			rtts = append(rtts, r.RTT())
		} else {
			st.Errors++
		}
		if each != nil {
			each(r)
		}
	}
	var seq uint16
	if err := send(seq); err != nil {
		return st, err
	}
	var last <-chan time.Time
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case r := <-ch:
			take(r)
			if o.Count > 0 && len(seen) >= o.Count && st.Sent >= o.Count {
				break loop
			}
		case <-tick.C:
			if o.Count > 0 && st.Sent >= o.Count {
				if last == nil {
					last = time.After(o.Timeout)
				}
				continue
			}
			seq++
			if err := send(seq); err != nil {
				return st, err
			}
		case <-last:
			break loop
		}
	}
	st.Elapsed = time.Since(start)
	st.summarise(rtts)
	return st, nil
}

func (s *PingStats) summarise(rtts []time.Duration) {
	if len(rtts) == 0 {
		return
	}
	sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
	s.Min, s.Max = rtts[0], rtts[len(rtts)-1]
	var sum, sq float64
	for _, d := range rtts {
		sum += float64(d)
		sq += float64(d) * float64(d)
	}
	n := float64(len(rtts))
	mean := sum / n
	s.Avg = time.Duration(mean)
	s.Mdev = time.Duration(math.Sqrt(math.Max(sq/n-mean*mean, 0)))
}

// TraceOptions control Trace.
type TraceOptions struct {
	MaxHops int           // 0 means 30
	Queries int           // probes per hop; 0 means 3
	Timeout time.Duration // per probe; 0 means one second
	Size    int
}

// TraceHop is what one hop answered.
type TraceHop struct {
	TTL     int
	From    newip.Address   // the first address that answered, or invalid
	RTTs    []time.Duration // one per answered probe
	Lost    int             // probes with no answer
	Code    uint16          // the last answer's code
	Reached bool            // the destination answered
}

// ErrUnreachable is returned by Trace when a router has no route.
var ErrUnreachable = errors.New("destination unreachable")

// Trace sends Ping contract requests with hop limits 1, 2, 3… to dst;
// the router where the hop limit runs out answers each. It calls each
// per hop and stops at the destination, at an unreachable answer, or at
// MaxHops.
func (h *Host) Trace(ctx context.Context, dst newip.Address, o TraceOptions, each func(TraceHop)) error {
	if o.MaxHops <= 0 {
		o.MaxHops = 30
	}
	if o.MaxHops > 255 {
		return fmt.Errorf("max hops %d: at most 255", o.MaxHops)
	}
	if o.Queries <= 0 {
		o.Queries = 3
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	id := newProbeID()
	ch := make(chan Reply, 64)
	for h.subscribe(id, ch) != nil {
		id = newProbeID()
	}
	defer h.unsubscribe(id)
	seq := uint16(0)
	for ttl := 1; ttl <= o.MaxHops; ttl++ {
		hop := TraceHop{TTL: ttl}
		for q := 0; q < o.Queries; q++ {
			seq++
			pkt, err := h.buildProbe(dst, uint8(ttl), id, seq, o.Size, Contract{})
			if err != nil {
				return err
			}
			if err := h.Send(pkt); err != nil {
				return err
			}
			r, got, err := waitSeq(ctx, ch, seq, o.Timeout)
			if err != nil {
				return err
			}
			if !got {
				hop.Lost++
				continue
			}
			if !hop.From.IsValid() {
				hop.From = r.From
			}
			hop.RTTs = append(hop.RTTs, r.RTT())
			hop.Code = r.Code
			hop.Reached = hop.Reached || r.Code == newip.PingReply
		}
		if each != nil {
			each(hop)
		}
		if hop.Reached {
			return nil
		}
		if hop.Code == newip.PingUnreachable && len(hop.RTTs) > 0 {
			return ErrUnreachable
		}
	}
	return nil
}

// waitSeq waits for the reply to probe seq, discarding late ones.
func waitSeq(ctx context.Context, ch <-chan Reply, seq uint16, timeout time.Duration) (Reply, bool, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return Reply{}, false, ctx.Err()
		case <-t.C:
			return Reply{}, false, nil
		case r := <-ch:
			if r.Seq == seq {
				return r, true, nil
			}
		}
	}
}

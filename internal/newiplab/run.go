package newiplab

import (
	"context"
	"encoding/binary"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dii-net/dii/internal/newiphost"
	"github.com/dii-net/dii/pkg/newip"
)

// payloadHeader starts every lab packet's payload: the flow's index, the
// sequence number and the send time in ns.
const payloadHeader = 14

// Result is what one flow got in one round.
type Result struct {
	Flow     string
	Contract string // as run: none in the best-effort round; wash for a chunked flow without one
	Cross    bool
	Budget   time.Duration
	Sent     int
	Received int
	InTime   int // received within Budget (all received when there is none)
	Washed   int // received with chunks missing
	P50      time.Duration
	P90      time.Duration
	P99      time.Duration
	Max      time.Duration
}

// DeliveryRatio is the share of packets sent that arrived.
func (r Result) DeliveryRatio() float64 { return ratio(r.Received, r.Sent) }

// InTimeRatio is the share of packets sent that arrived within budget.
func (r Result) InTimeRatio() float64 { return ratio(r.InTime, r.Sent) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// flowState counts one flow's packets in a round.
type flowState struct {
	spec   *FlowSpec
	src    *newiphost.Host
	dst    newip.Address
	sent   atomic.Int64
	mu     sync.Mutex
	seen   map[uint32]bool
	lat    []time.Duration
	washed int
}

// Run sends every flow for the topology's duration (cross traffic from
// the start of the warm-up) and returns one result per flow. With
// contracts false every flow goes best effort.
func (l *Lab) Run(ctx context.Context, contracts bool) ([]Result, error) {
	t := l.Topo
	states := make([]*flowState, len(t.Flows))
	byHost := map[*newiphost.Host][]int{}
	for i := range t.Flows {
		f := &t.Flows[i]
		to := l.Hosts[f.To]
		states[i] = &flowState{spec: f, src: l.Hosts[f.From], dst: to.Addr(), seen: map[uint32]bool{}}
		byHost[to] = append(byHost[to], i)
	}
	for h := range byHost {
		h.Handle(func(p *newip.Packet, at time.Time) { receive(states, p, at) })
	}
	defer func() {
		for h := range byHost {
			h.Handle(nil)
		}
	}()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	start := func(st *flowState, idx int, until time.Time) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			send(ctx, st, uint16(idx), contracts, until)
		}()
	}
	begin := time.Now()
	measured := begin.Add(time.Duration(t.Warmup))
	end := measured.Add(time.Duration(t.Duration))
	for i, st := range states {
		if st.spec.Cross {
			start(st, i, end)
		}
	}
	select {
	case <-ctx.Done():
	case <-time.After(time.Until(measured)):
	}
	for i, st := range states {
		if !st.spec.Cross {
			start(st, i, end)
		}
	}
	wg.Wait()
	// Let what is in flight land: until nothing new arrives for a while.
	quiet := 300 * time.Millisecond
	last, lastCount := time.Now(), -1
	for time.Since(last) < quiet && ctx.Err() == nil {
		n := 0
		for _, st := range states {
			st.mu.Lock()
			n += len(st.lat)
			st.mu.Unlock()
		}
		if n != lastCount {
			last, lastCount = time.Now(), n
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := make([]Result, len(states))
	for i, st := range states {
		out[i] = st.result(contracts)
	}
	return out, ctx.Err()
}

// send runs one flow's sender until the end time.
func send(ctx context.Context, st *flowState, idx uint16, contracts bool, end time.Time) {
	f := st.spec
	interval := time.Duration(float64(time.Second) / f.Rate)
	tick := max(interval, time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	buf := make([]byte, 0, f.Size+256)
	pl := make([]byte, f.Size)
	first := time.Now()
	var seq uint32
	for {
		now := time.Now()
		if now.After(end) || ctx.Err() != nil {
			return
		}
		due := int(now.Sub(first)/interval) + 1
		for ; int(seq) < due; seq++ {
			pkt := build(buf[:0], pl, st, idx, seq, contracts)
			if pkt != nil {
				_ = st.src.Send(pkt) // a packet lost here counts as not delivered
				st.sent.Add(1)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// build makes one packet of a flow.
func build(dst, pl []byte, st *flowState, idx uint16, seq uint32, contracts bool) []byte {
	f := st.spec
	binary.BigEndian.PutUint16(pl[0:], idx)
	binary.BigEndian.PutUint32(pl[2:], seq)
	binary.BigEndian.PutUint64(pl[6:], uint64(time.Now().UnixNano()))
	var b newip.Builder
	b.Reset(dst)
	b.Start(newip.Header{HopLimit: newip.DefaultHopLimit, Src: st.src.Addr(), Dst: st.dst})
	if contracts {
		budget := uint16(time.Duration(f.Budget) / time.Millisecond)
		switch f.Contract {
		case ContractLBF:
			b.LBF(newip.LBF{MinDelay: uint16(time.Duration(f.MinDelay) / time.Millisecond), MaxDelay: budget})
		case ContractMDF:
			b.MaxDelay(newip.MaxDelay{MaxAllowedDelay: budget})
		}
	}
	if contracts && f.Chunks > 1 {
		// The header rides in an essential chunk; the rest of the
		// payload is split over chunks of falling significance.
		b.Chunk(newip.Chunk{Significance: newip.Essential, Seq: 0, Data: pl[:payloadHeader]})
		rest := pl[payloadHeader:]
		n := f.Chunks - 1
		for i := 0; i < n; i++ {
			part := rest[i*len(rest)/n : (i+1)*len(rest)/n]
			sig := uint8(200 - 200*i/n)
			b.Chunk(newip.Chunk{Significance: sig, Seq: uint8(i + 1), Data: part})
		}
	} else {
		b.Payload(pl)
	}
	out, err := b.Finish()
	if err != nil {
		return nil
	}
	return out
}

// receive records a flow packet's arrival.
func receive(states []*flowState, p *newip.Packet, at time.Time) {
	pl := p.Payload()
	washed := false
	chunks := 0
	if p.Chunked() {
		it := p.Chunks()
		c, ok := it.Next()
		if !ok {
			return
		}
		pl = c.Data
		for chunks = 1; ; chunks++ {
			if _, more := it.Next(); !more {
				break
			}
		}
		washed = p.Washed()
	}
	if len(pl) < payloadHeader {
		return
	}
	idx := int(binary.BigEndian.Uint16(pl[0:]))
	if idx >= len(states) {
		return
	}
	st := states[idx]
	seq := binary.BigEndian.Uint32(pl[2:])
	sent := time.Unix(0, int64(binary.BigEndian.Uint64(pl[6:])))
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.seen[seq] {
		return
	}
	st.seen[seq] = true
	st.lat = append(st.lat, at.Sub(sent))
	if washed || (p.Chunked() && chunks < st.spec.Chunks) {
		st.washed++
	}
}

func (st *flowState) result(contracts bool) Result {
	st.mu.Lock()
	defer st.mu.Unlock()
	f := st.spec
	r := Result{Flow: f.Name, Contract: f.Contract, Cross: f.Cross, Budget: time.Duration(f.Budget),
		Sent: int(st.sent.Load()), Received: len(st.lat), Washed: st.washed}
	if !contracts {
		r.Contract = ContractNone
	} else if f.Chunks > 1 && f.Contract == ContractNone {
		r.Contract = "wash"
	}
	lat := append([]time.Duration(nil), st.lat...)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	for _, d := range lat {
		if r.Budget == 0 || d <= r.Budget {
			r.InTime++
		}
	}
	if n := len(lat); n > 0 {
		pct := func(p float64) time.Duration { return lat[min(n-1, int(p*float64(n)))] }
		r.P50, r.P90, r.P99, r.Max = pct(0.50), pct(0.90), pct(0.99), lat[n-1]
	}
	return r
}

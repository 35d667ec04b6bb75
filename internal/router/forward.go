package router

import (
	"github.com/dii-net/dii/pkg/newip"
)

// Units of the contract delay fields (see docs/newip-router.md).
const (
	// boundUnit is the unit of MDF max_allowed_delay and of LBF
	// min_delay, max_delay and fib_todelay (milliseconds, NITK's).
	boundUnit = int64(1_000_000)
	// expUnit is the unit of the delays routers add up: MDF delay_exp
	// and LBF experienced_delay (100 µs, NITK's for experienced_delay).
	expUnit = int64(100_000)
)

// toUnits converts ns to units of u, rounding to nearest and saturating
// at the 16-bit field's maximum.
func toUnits(ns, u int64) uint16 {
	v := (ns + u/2) / u
	if v > 0xFFFF {
		return 0xFFFF
	}
	if v < 0 {
		return 0
	}
	return uint16(v)
}

// handle is the per-packet path: a flat list of checks, each of which
// may drop and count, ending in the packet leaving on a link. b is the
// datagram in the reader's buffer.
func (r *Router) handle(w *worker, in *link, b []byte, now int64) {
	var p newip.Packet
	if err := p.Decode(b); err != nil {
		in.drop(reasonOf(err))
		return
	}
	if in.learn && p.Src() == p.Dst() {
		return // a host's hello: it taught the link its address
	}
	if r.isLocal(p.Dst()) {
		r.deliver(w, in, &p, now)
		return
	}
	if _, live := p.DecHopLimit(); !live {
		in.drop(DropHopLimit)
		r.replyPing(w, &p, newip.PingTimeExceeded, now)
		return
	}
	rt := r.fib.lookup(p.Dst())
	if rt == nil {
		in.drop(DropNoRoute)
		r.replyPing(w, &p, newip.PingUnreachable, now)
		return
	}
	prio := uint8(0)
	if p.NumBlocks() > 0 {
		var why Reason
		if rt, prio, why = r.applyBlocks(&p, rt); why != ok {
			in.drop(why)
			return
		}
		if rt == nil {
			in.drop(DropNoRoute)
			return
		}
	}
	out := rt.link
	if out == in {
		in.drop(DropLoop)
		return
	}
	if out.peer.Load() == nil {
		// A host link that has not heard from its host: nowhere to send.
		out.drop(DropLinkDown)
		r.replyPing(w, &p, newip.PingUnreachable, now)
		return
	}
	if g, isPing := p.Ping(); isPing && g.Code == newip.PingRequest {
		p.DecPingHops()
	}
	r.forward(w, out, &p, rt, prio, now, nil)
}

// forward admits p to out under its contracts and sends it: at once on
// an unshaped link, else through the link's queue. f is the frame that
// holds p, or nil when p is in a reader's buffer.
func (r *Router) forward(w *worker, out *link, p *newip.Packet, rt *route, prio uint8, now int64, f *frame) {
	cls, eligible, deadline, why := admit(p, rt, now)
	if why != ok {
		out.drop(why)
		if f != nil {
			freeFrame(f)
		}
		return
	}
	if out.port == nil {
		// No queue: the packet leaves now, over a link with no delay.
		if why := departure(p, 0, rt.delay); why != ok {
			out.drop(why)
			if f != nil {
				freeFrame(f)
			}
			return
		}
		w.push(out, p.Bytes(), f)
		return
	}
	if f == nil {
		f = newFrame(p.Bytes())
		if err := f.pkt.Decode(f.data); err != nil {
			// Cannot happen: the bytes decoded a moment ago.
			freeFrame(f)
			out.drop(reasonOf(err))
			return
		}
	} else {
		f.pkt = *p
	}
	f.arrived, f.eligible, f.deadline, f.class, f.prio = now, eligible, deadline, cls, prio
	f.rest = max(rt.delay-out.delay, 0)
	if out.washAt > 0 && f.pkt.Chunked() {
		out.mu.Lock()
		over := out.port.bytes + len(f.data) - out.washAt
		out.mu.Unlock()
		if over > 0 {
			if n := f.pkt.WashBytes(over); n > 0 {
				f.data = f.pkt.Bytes()
				out.stats.washedPackets.Add(1)
				out.stats.washedBytes.Add(uint64(n))
			}
		}
	}
	out.enqueue(f, now)
}

// admit applies the contracts' checks on arrival and returns the
// packet's class of service, its earliest send time and its local
// deadline. It writes the forwarding table's view of the rest of the
// path into an LBF contract.
func admit(p *newip.Packet, rt *route, now int64) (cls class, eligible, deadline int64, why Reason) {
	if m, has := p.MaxDelay(); has {
		if int64(m.DelayExp)*expUnit > int64(m.MaxAllowedDelay)*boundUnit {
			return 0, 0, 0, DropMaxDelay
		}
	}
	l, has := p.LBF()
	if !has {
		return classBest, now, 0, ok
	}
	exp := int64(l.ExperiencedDelay) * expUnit
	hops := int64(max(rt.hops, 1))
	slack := int64(l.MaxDelay)*boundUnit - exp - rt.delay
	if slack < 0 {
		return 0, 0, 0, DropLBFBudget
	}
	deadline = now + slack/hops
	eligible = now
	if l.MinDelay > 0 {
		if early := int64(l.MinDelay)*boundUnit - exp - rt.delay; early > 0 {
			eligible = now + early/hops
		}
	}
	l.FibToDelay = toUnits(rt.delay, boundUnit)
	l.FibToHops = uint16(hops)
	p.SetLBF(l)
	return classLatency, eligible, deadline, ok
}

// departure applies the contracts' checks as the packet goes on the
// wire: local is the delay it met here (queueing, serialisation and the
// link's propagation delay), rest the least delay from the far end of
// the link to the destination. It adds local to the experienced delays.
func departure(p *newip.Packet, local, rest int64) Reason {
	if m, has := p.MaxDelay(); has {
		exp := int64(m.DelayExp)*expUnit + local
		if exp > int64(m.MaxAllowedDelay)*boundUnit {
			return DropMaxDelay
		}
		m.DelayExp = toUnits(exp, expUnit)
		p.SetMaxDelay(m)
	}
	if l, has := p.LBF(); has {
		exp := int64(l.ExperiencedDelay)*expUnit + local
		if exp+rest > int64(l.MaxDelay)*boundUnit {
			return DropLBFLate
		}
		l.ExperiencedDelay = toUnits(exp, expUnit)
		p.SetLBF(l)
	}
	return ok
}

// departFrame is the port's hook: the frame starts on the wire at start
// and takes transit to reach the far end.
func (l *link) departFrame(f *frame, start, transit int64) Reason {
	return departure(&f.pkt, start-f.arrived+transit, f.rest)
}

// applyBlocks evaluates the general contract blocks in order and applies
// the actions of each block whose conditions hold, until a final block
// holds. It returns the route the packet takes (changed by a next-hop
// action), its priority, or a drop reason.
func (r *Router) applyBlocks(p *newip.Packet, rt *route) (*route, uint8, Reason) {
	prio := uint8(0)
	it := p.Contracts()
	for g, more := it.NextBlock(); more; g, more = it.NextBlock() {
		if !p.Match(g, newip.Vars{QueueDepth: uint32(rt.link.queueDepth())}) {
			continue
		}
		acts := g.Actions()
		for a, more := acts.Next(); more; a, more = acts.Next() {
			switch a.Type {
			case newip.ActDrop:
				return rt, 0, DropContractRule
			case newip.ActSetPriority:
				prio = min(a.Priority, newip.MaxPriority)
			case newip.ActNextHop:
				if nr := r.fib.lookup(a.NextHop); nr != nil {
					rt = nr
				} else {
					return nil, 0, ok
				}
			case newip.ActRewriteMeta:
				g.SetMeta(a.Key, a.Value)
			case newip.ActWash:
				if n := p.Wash(a.Threshold); n > 0 {
					rt.link.stats.washedPackets.Add(1)
					rt.link.stats.washedBytes.Add(uint64(n))
				}
			}
		}
		if g.Final() {
			break
		}
	}
	return rt, prio, ok
}

// deliver takes in a packet addressed to the router: it answers a ping
// and drops anything else.
func (r *Router) deliver(w *worker, in *link, p *newip.Packet, now int64) {
	g, isPing := p.Ping()
	if !isPing || g.Code != newip.PingRequest {
		in.drop(DropNoService)
		return
	}
	r.stats.pings.Add(1)
	r.sendReply(w, p, p.Dst(), newip.PingReply, g, now)
}

// replyPing answers a ping request the router cannot forward (its hop
// limit ran out, or there is no route) with code, from the router's
// first address. Other packets get no reply.
func (r *Router) replyPing(w *worker, p *newip.Packet, code uint16, now int64) {
	g, isPing := p.Ping()
	if !isPing || g.Code != newip.PingRequest || len(r.local) == 0 {
		return
	}
	if code == newip.PingTimeExceeded {
		r.stats.hopLimits.Add(1)
	}
	r.sendReply(w, p, r.local[0], code, g, now)
}

// sendReply sends a Ping contract reply to p's source: the request's
// hops and timestamp, and its payload, so the sender can match it.
func (r *Router) sendReply(w *worker, p *newip.Packet, from newip.Address, code uint16, g newip.Ping, now int64) {
	rt := r.fib.lookup(p.Src())
	if rt == nil {
		return
	}
	f := framePool.Get().(*frame)
	b := &w.bld
	b.Reset(f.buf[:0])
	b.Start(newip.Header{HopLimit: r.hop, Src: from, Dst: p.Src()})
	b.Ping(newip.Ping{Code: code, Hops: g.Hops, Timestamp: g.Timestamp})
	payload := p.Payload()
	if p.Chunked() {
		payload = nil // a reply carries plain data only
	}
	if len(payload) > frameSize-newip.MaxHeaderLen {
		payload = payload[:frameSize-newip.MaxHeaderLen]
	}
	b.Payload(payload)
	out, err := b.Finish()
	if err != nil {
		framePool.Put(f)
		return
	}
	f.data = out
	f.arrived, f.eligible, f.deadline, f.sendAt, f.class, f.prio, f.hidx, f.rest = now, now, 0, 0, classBest, 0, -1, 0
	if err := f.pkt.Decode(f.data); err != nil {
		framePool.Put(f)
		return
	}
	r.forward(w, rt.link, &f.pkt, rt, 0, now, f)
}

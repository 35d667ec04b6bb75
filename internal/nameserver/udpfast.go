package nameserver

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/zone"
)

const (
	// udpBatch is the most datagrams read (recvmmsg) or written
	// (sendmmsg) in one system call.
	udpBatch = 64
	// maxQuery is the largest query datagram read; a longer one is
	// dropped as malformed.
	maxQuery = 4096
	// maxSlowUDP bounds the UDP queries being answered by the slow path
	// at once; the socket's reader waits when it is reached.
	maxSlowUDP = 4096
)

// udpMsg is one datagram of a batch.
type udpMsg struct {
	buf   []byte         // read: the buffer to read into; write: the datagram
	n     int            // read: the datagram's length
	addr  netip.AddrPort // read: the sender; write: the destination
	trunc bool           // read: the datagram was longer than buf
}

// batchConn reads and writes datagrams in batches (recvmmsg and sendmmsg
// on Linux, udpbatch_linux.go; one per call elsewhere). readBatch waits
// for at least one datagram; writeBatch sends at least one, or fails on
// the first.
type batchConn interface {
	readBatch(ms []udpMsg) (int, error)
	writeBatch(ms []udpMsg) (int, error)
}

// serveUDP answers the datagrams of one socket until it is closed: one
// goroutine per socket (and the sockets share the port with
// SO_REUSEPORT, one per core). It reads a batch, parses the queries in
// the common shape (parseQuery), has the snapshot prefetch the names of
// the whole batch at once (zone.Snapshot.Prefetch: at a million names the
// lookups' cache misses then overlap), answers each on the spot
// (answerFast: no allocation), and writes the answers back in one batch. Any other datagram, and any
// query the fast path declines, is copied to a goroutine of its own that
// answers it like the other transports (answerSlow), since it may wait on
// the upstream resolver.
func (s *Server) serveUDP(pc *net.UDPConn) {
	bc, err := newBatchConn(pc, udpBatch)
	if err != nil {
		s.log.Error("dns udp listener", "err", err)
		return
	}
	ins := make([]udpMsg, udpBatch)
	outs := make([]udpMsg, udpBatch)
	outBufs := make([][]byte, udpBatch)
	rcodes := make([]int, udpBatch)
	for i := range ins {
		ins[i].buf = make([]byte, maxQuery)
		outBufs[i] = make([]byte, 0, 1024)
	}
	var qs [udpBatch]wireQuery
	var parsed [udpBatch]bool
	lnames := make([][]byte, 0, udpBatch)
	for {
		n, err := bc.readBatch(ins)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.metrics.dropped.WithLabelValues("read_error").Inc()
			continue
		}
		start := time.Now()
		z := s.snap.Load()
		lnames = lnames[:0]
		for i := range ins[:n] {
			in := &ins[i]
			parsed[i] = !in.trunc && parseQuery(in.buf[:in.n], &qs[i])
			if parsed[i] {
				lnames = append(lnames, qs[i].name())
			}
		}
		if z != nil && len(lnames) > 1 {
			z.Prefetch(lnames)
		}
		k := 0
		for i := range ins[:n] {
			in := &ins[i]
			if !in.addr.IsValid() {
				continue
			}
			if in.trunc {
				s.metrics.dropped.WithLabelValues("malformed").Inc()
				continue
			}
			raw := in.buf[:in.n]
			q := &qs[i]
			var resp []byte
			var rcode int
			ok := parsed[i]
			if ok {
				resp, rcode, ok = s.answerFast(raw, q, z, outBufs[k][:0])
			}
			if !ok {
				s.slowUDP(pc, raw, in.addr)
				continue
			}
			if s.rrl != nil {
				switch s.rrl.checkName(in.addr.Addr(), q.name(), q.qtype, rcode) {
				case rrlDrop:
					s.metrics.dropped.WithLabelValues("rrl").Inc()
					continue
				case rrlSlip:
					s.metrics.dropped.WithLabelValues("rrl_slip").Inc()
					resp = slipped(resp, q, s.cfg.MaxUDPSize)
				}
			}
			outBufs[k] = resp // it may have grown
			outs[k] = udpMsg{buf: resp, addr: in.addr}
			rcodes[k] = rcode
			k++
		}
		for sent := 0; sent < k; {
			m, err := bc.writeBatch(outs[sent:k])
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				// The datagram at sent could not go (the client's
				// network unreachable, say): drop it, send the rest.
				s.metrics.dropped.WithLabelValues("write_error").Inc()
				rcodes[sent+m] = -1
				m++
			}
			sent += m
		}
		d := time.Since(start)
		for _, rc := range rcodes[:k] {
			if rc >= 0 {
				s.metrics.observe("udp", rc, d)
			}
		}
	}
}

// answerFast answers a query in the common shape straight in wire form,
// into out, from the snapshot z: a name's RRset, NODATA, NXDOMAIN,
// referrals (zone.Snapshot.AppendAnswer), and REFUSED for names outside
// the ledger's namespace when no upstream is set. It declines (ok false)
// what it cannot answer as Answer would: a class other than IN, an EDNS
// version other than 0, transfer and meta types, a signed answer
// (DO with a key), a forwarded name, an answer over the UDP size (which
// Answer truncates), and everything AppendAnswer declines.
func (s *Server) answerFast(raw []byte, q *wireQuery, z *zone.Snapshot, out []byte) (resp []byte, rcode int, ok bool) {
	if z == nil || q.class != dns.ClassINET || q.edns && q.version != 0 {
		return nil, 0, false
	}
	switch q.qtype {
	case dns.TypeAXFR, dns.TypeIXFR, dns.TypeOPT, dns.TypeTSIG, dns.TypeTKEY, dnssec.TypeNXNAME:
		return nil, 0, false
	}
	if q.do && s.cfg.Signer != nil && z.Signed() {
		return nil, 0, false
	}
	out = append(out[:0], raw[:q.qend]...) // the header is overwritten below
	out, w, ok := z.AppendAnswer(out, q.name(), q.qtype)
	if !ok {
		return nil, 0, false
	}
	rcode, aa := w.Rcode, w.Authoritative
	collision := false
	switch {
	case w.Outside && s.up != nil:
		return nil, 0, false // forwarded
	case w.Outside:
		rcode, aa = dns.RcodeRefused, false
	case s.up != nil && !w.Root:
		if collision = s.up.collidesWire(q.name()); collision && s.up.prefer == PreferUpstream {
			return nil, 0, false // forwarded
		}
	}
	ar := w.Extra
	if q.edns {
		out = appendOPT(out, s.cfg.MaxUDPSize, q.do)
		ar++
	}
	if len(out) > q.udpLimit(s.cfg.MaxUDPSize) {
		return nil, 0, false
	}
	putHeader(out, q, aa, false, rcode, w.Answer, w.Ns, ar)
	switch {
	case w.Outside:
		s.metrics.refused.Inc()
	case collision:
		s.up.collisions.WithLabelValues(string(tldWire(q.name())), "ledger").Inc()
	}
	return out, rcode, true
}

// slipped turns a response into the truncated one response-rate limiting
// sends in place of a dropped one: header (with TC) and question, no
// records but OPT, so that a real client retries over TCP.
func slipped(resp []byte, q *wireQuery, size uint16) []byte {
	flags := binary.BigEndian.Uint16(resp[2:])
	out := resp[:q.qend]
	var ar uint16
	if q.edns {
		out = appendOPT(out, size, q.do)
		ar = 1
	}
	putHeader(out, q, flags&flagAA != 0, true, int(flags&0xf), 0, 0, ar)
	return out
}

// slowUDP answers a datagram the fast path did not, in a goroutine of its
// own (at most maxSlowUDP at once), and writes the answer to addr.
func (s *Server) slowUDP(pc *net.UDPConn, raw []byte, addr netip.AddrPort) {
	b := append([]byte(nil), raw...)
	s.slow <- struct{}{}
	s.slowWG.Add(1)
	go func() {
		defer func() { <-s.slow; s.slowWG.Done() }()
		start := time.Now()
		resp, counted := s.answerSlow(b, addr)
		if resp == nil {
			return
		}
		out, err := resp.Pack()
		if err != nil {
			s.metrics.dropped.WithLabelValues("pack_error").Inc()
			return
		}
		if _, err := pc.WriteToUDPAddrPort(out, addr); err != nil {
			s.metrics.dropped.WithLabelValues("write_error").Inc()
			return
		}
		if counted {
			s.metrics.observe("udp", resp.Rcode, time.Since(start))
		}
	}()
}

// answerSlow answers one UDP datagram with the full decoder, as a
// miekg/dns server would: the header is checked first (responses are
// ignored; other opcodes, other than one question and records where a
// query has none are refused with NOTIMP or FORMERR, header only), a
// message that does not decode gets FORMERR, and a query goes through
// Answer and response-rate limiting. nil: send nothing. counted: the
// response answers a query (it counts in the query metrics).
func (s *Server) answerSlow(raw []byte, addr netip.AddrPort) (resp *dns.Msg, counted bool) {
	if len(raw) < headerLen {
		s.metrics.dropped.WithLabelValues("malformed").Inc()
		return nil, false
	}
	dh := dns.Header{
		Id:      binary.BigEndian.Uint16(raw),
		Bits:    binary.BigEndian.Uint16(raw[2:]),
		Qdcount: binary.BigEndian.Uint16(raw[4:]),
		Ancount: binary.BigEndian.Uint16(raw[6:]),
		Nscount: binary.BigEndian.Uint16(raw[8:]),
		Arcount: binary.BigEndian.Uint16(raw[10:]),
	}
	var req dns.Msg
	action := s.accept(dh)
	switch action {
	case dns.MsgIgnore:
		return nil, false
	case dns.MsgAccept:
		if err := req.Unpack(raw); err == nil {
			return s.answerUDPMsg(&req, addr), true
		}
		s.metrics.dropped.WithLabelValues("malformed").Inc()
		// The answer to a message that does not decode: FORMERR, with
		// whatever question did decode.
	default:
		_ = req.Unpack(raw[:headerLen]) // the header alone decodes
	}
	opcode := req.Opcode
	req.SetRcodeFormatError(&req)
	req.Zero = false
	if action == dns.MsgRejectNotImplemented {
		req.Opcode = opcode
		req.Rcode = dns.RcodeNotImplemented
	}
	req.Answer, req.Ns, req.Extra = nil, nil, nil
	return &req, false
}

// answerUDPMsg answers a decoded UDP query, with response-rate limiting.
// nil: send nothing.
func (s *Server) answerUDPMsg(r *dns.Msg, addr netip.AddrPort) *dns.Msg {
	resp := s.Answer(r, false)
	if s.rrl != nil && len(r.Question) == 1 {
		switch s.rrl.check(addr.Addr(), r.Question[0].Name, r.Question[0].Qtype, resp.Rcode) {
		case rrlDrop:
			s.metrics.dropped.WithLabelValues("rrl").Inc()
			return nil
		case rrlSlip:
			s.metrics.dropped.WithLabelValues("rrl_slip").Inc()
			resp.Answer, resp.Ns = nil, nil
			resp.Extra = keepOPT(resp.Extra)
			resp.Truncated = true
		}
	}
	return resp
}

// accept checks a header as miekg/dns's default does, counting what it
// rejects.
func (s *Server) accept(h dns.Header) dns.MsgAcceptAction {
	a := dns.DefaultMsgAcceptFunc(h)
	if a != dns.MsgAccept {
		s.metrics.dropped.WithLabelValues("rejected_header").Inc()
	}
	return a
}

func keepOPT(extra []dns.RR) []dns.RR {
	for _, rr := range extra {
		if rr.Header().Rrtype == dns.TypeOPT {
			return []dns.RR{rr}
		}
	}
	return nil
}

// tldWire returns the last label of a name in wire form.
func tldWire(name []byte) []byte {
	var last []byte
	for i := 0; i < len(name) && name[i] != 0; i += 1 + int(name[i]) {
		if i+1+int(name[i]) > len(name) {
			break
		}
		last = name[i+1 : i+1+int(name[i])]
	}
	return last
}

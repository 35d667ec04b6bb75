package gateway

import (
	"encoding/binary"
	"net/netip"
	"sync"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv6"

	"github.com/dii-net/dii/pkg/newip"
)

// IPv6 next-header values the gateway carries.
const (
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
	ipv6Header  = 40
	udpHeader   = 8
)

// reason says why the gateway dropped a packet.
type reason uint8

const (
	fine            reason = iota
	dropNotIPv6            // not an IPv6 packet, or cut short
	dropMalformed          // a New IP packet or transport header that does not decode
	dropUnmapped           // an address with no counterpart in the map
	dropHopLimit           // the hop limit ran out at the gateway
	dropUnsupported        // extension headers, ICMPv6 other than echo, other protocols
	dropNoFlow             // udp mode: a datagram for no import or export
	dropSendError          // the system refused to send
	numReasons
)

var reasonNames = [numReasons]string{"ok", "not_ipv6", "malformed", "unmapped", "hop_limit", "unsupported", "no_flow", "send_error"}

func (r reason) String() string { return reasonNames[r] }

// mapper is the one-to-one address map.
type mapper struct {
	to6 map[newip.Address]netip.Addr
	toN map[netip.Addr]newip.Address
}

func newMapper(ms []MapConfig) mapper {
	m := mapper{to6: map[newip.Address]netip.Addr{}, toN: map[netip.Addr]newip.Address{}}
	for _, p := range ms {
		a6 := netip.MustParseAddr(p.IPv6)
		an, _ := newip.ParseAddress(p.NewIP) // checked by Check
		m.to6[an], m.toN[a6] = a6, an
	}
	return m
}

// echoKey names an echo exchange the gateway translated, to give the
// answer the Ping contract fields the request had.
type echoKey struct {
	src, dst netip.Addr // of the request, on the IPv6 side
	id, seq  uint16
}

// translator turns IPv6 packets into New IP packets and back (tun mode).
type translator struct {
	m      mapper
	mu     sync.Mutex
	echoes map[echoKey]newip.Ping
}

const maxEchoes = 4096

func newTranslator(m mapper) *translator {
	return &translator{m: m, echoes: map[echoKey]newip.Ping{}}
}

func (t *translator) remember(k echoKey, g newip.Ping) {
	t.mu.Lock()
	if len(t.echoes) >= maxEchoes {
		clear(t.echoes) // old exchanges lose their timestamps, nothing else
	}
	t.echoes[k] = g
	t.mu.Unlock()
}

func (t *translator) recall(k echoKey) (newip.Ping, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.echoes[k]
	delete(t.echoes, k)
	return g, ok
}

// fromIPv6 translates the IPv6 packet b into a New IP packet appended
// to dst. nowMicros is the Ping timestamp of a translated echo request.
func (t *translator) fromIPv6(dst, b []byte, nowMicros uint64) ([]byte, reason) {
	if len(b) < ipv6Header || b[0]>>4 != 6 {
		return nil, dropNotIPv6
	}
	plen := int(binary.BigEndian.Uint16(b[4:6]))
	if ipv6Header+plen > len(b) {
		return nil, dropNotIPv6
	}
	nh, hop := b[6], b[7]
	src6 := netip.AddrFrom16([16]byte(b[8:24]))
	dst6 := netip.AddrFrom16([16]byte(b[24:40]))
	seg := b[ipv6Header : ipv6Header+plen]
	if hop <= 1 {
		return nil, dropHopLimit
	}
	srcN, ok1 := t.m.toN[src6]
	dstN, ok2 := t.m.toN[dst6]
	if !ok1 || !ok2 {
		return nil, dropUnmapped
	}
	var bl newip.Builder
	bl.Reset(dst)
	bl.Start(newip.Header{HopLimit: hop - 1, Src: srcN, Dst: dstN})
	switch nh {
	case protoICMPv6:
		msg, err := icmp.ParseMessage(protoICMPv6, seg)
		if err != nil {
			return nil, dropMalformed
		}
		echo, isEcho := msg.Body.(*icmp.Echo)
		if !isEcho {
			return nil, dropUnsupported
		}
		var g newip.Ping
		switch msg.Type {
		case ipv6.ICMPTypeEchoRequest:
			g = newip.Ping{Code: newip.PingRequest, Hops: 255, Timestamp: nowMicros}
		case ipv6.ICMPTypeEchoReply:
			// The answer to a request that came from New IP: give it
			// back that request's fields.
			req, found := t.recall(echoKey{dst6, src6, uint16(echo.ID), uint16(echo.Seq)})
			g = newip.Ping{Code: newip.PingReply, Hops: req.Hops, Timestamp: req.Timestamp}
			if !found {
				g.Hops = 255
			}
		default:
			return nil, dropUnsupported
		}
		bl.Ping(g)
		pl := make([]byte, 4, 4+len(echo.Data))
		binary.BigEndian.PutUint16(pl[0:], uint16(echo.ID))
		binary.BigEndian.PutUint16(pl[2:], uint16(echo.Seq))
		bl.Payload(append(pl, echo.Data...))
	case protoUDP, protoTCP:
		// The segment rides whole behind its next-header byte; the
		// far gateway restores the same IPv6 addresses, so its
		// checksum still holds.
		pl := make([]byte, 0, 1+len(seg))
		bl.Payload(append(append(pl, nh), seg...))
	default:
		return nil, dropUnsupported
	}
	out, err := bl.Finish()
	if err != nil {
		return nil, dropMalformed
	}
	return out, fine
}

// toIPv6 translates the New IP packet p into an IPv6 packet appended to
// dst.
func (t *translator) toIPv6(dst []byte, p *newip.Packet) ([]byte, reason) {
	src6, ok1 := t.m.to6[p.Src()]
	dst6, ok2 := t.m.to6[p.Dst()]
	if !ok1 || !ok2 {
		return nil, dropUnmapped
	}
	hop, live := p.DecHopLimit()
	if !live {
		return nil, dropHopLimit
	}
	if p.NITK() {
		hop = newip.DefaultHopLimit
	}
	pl := p.Payload()
	if p.Chunked() {
		return nil, dropUnsupported
	}
	var nh byte
	var seg []byte
	if g, isPing := p.Ping(); isPing {
		if len(pl) < 4 {
			return nil, dropMalformed
		}
		echo := &icmp.Echo{ID: int(binary.BigEndian.Uint16(pl[0:])), Seq: int(binary.BigEndian.Uint16(pl[2:])), Data: pl[4:]}
		msg := icmp.Message{Body: echo}
		switch g.Code {
		case newip.PingRequest:
			msg.Type = ipv6.ICMPTypeEchoRequest
			t.remember(echoKey{src6, dst6, uint16(echo.ID), uint16(echo.Seq)}, g)
		case newip.PingReply:
			msg.Type = ipv6.ICMPTypeEchoReply
		default:
			return nil, dropUnsupported
		}
		b, err := msg.Marshal(icmp.IPv6PseudoHeader(src6.AsSlice(), dst6.AsSlice()))
		if err != nil {
			return nil, dropMalformed
		}
		nh, seg = protoICMPv6, b
	} else {
		if len(pl) < 1 {
			return nil, dropMalformed
		}
		nh, seg = pl[0], pl[1:]
		switch nh {
		case protoUDP:
			if len(seg) < udpHeader || int(binary.BigEndian.Uint16(seg[4:])) != len(seg) {
				return nil, dropMalformed
			}
		case protoTCP:
			if len(seg) < 20 {
				return nil, dropMalformed
			}
		default:
			return nil, dropUnsupported
		}
	}
	if len(seg) > 0xFFFF {
		return nil, dropMalformed
	}
	out := append(dst, make([]byte, ipv6Header)...)
	h := out[len(out)-ipv6Header:]
	h[0] = 6 << 4
	binary.BigEndian.PutUint16(h[4:], uint16(len(seg)))
	h[6], h[7] = nh, hop
	a, b := src6.As16(), dst6.As16()
	copy(h[8:24], a[:])
	copy(h[24:40], b[:])
	start := len(out)
	out = append(out, seg...)
	if nh == protoUDP && binary.BigEndian.Uint16(out[start+6:]) == 0 {
		// A datagram from a udp-mode gateway carries no checksum;
		// IPv6 requires one.
		binary.BigEndian.PutUint16(out[start+6:], udpChecksum(src6, dst6, out[start:]))
	}
	return out, fine
}

// udpChecksum computes the UDP checksum over the IPv6 pseudo-header and
// the segment (whose checksum field is zero).
func udpChecksum(src, dst netip.Addr, seg []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	a, b := src.As16(), dst.As16()
	add(a[:])
	add(b[:])
	sum += uint32(len(seg)) + protoUDP
	add(seg)
	for sum>>16 != 0 {
		sum = sum&0xFFFF + sum>>16
	}
	c := ^uint16(sum)
	if c == 0 {
		c = 0xFFFF
	}
	return c
}

// udpFrame builds the New IP payload of a datagram in udp mode: the
// next-header byte and a UDP header with no checksum.
func udpFrame(dst []byte, sport, dport uint16, data []byte) []byte {
	dst = append(dst, protoUDP)
	dst = binary.BigEndian.AppendUint16(dst, sport)
	dst = binary.BigEndian.AppendUint16(dst, dport)
	dst = binary.BigEndian.AppendUint16(dst, uint16(udpHeader+len(data)))
	dst = append(dst, 0, 0)
	return append(dst, data...)
}

// parseUDPFrame reads a UDP payload framing.
func parseUDPFrame(pl []byte) (sport, dport uint16, data []byte, ok bool) {
	if len(pl) < 1+udpHeader || pl[0] != protoUDP {
		return 0, 0, nil, false
	}
	seg := pl[1:]
	if int(binary.BigEndian.Uint16(seg[4:])) != len(seg) {
		return 0, 0, nil, false
	}
	return binary.BigEndian.Uint16(seg[0:]), binary.BigEndian.Uint16(seg[2:]), seg[udpHeader:], true
}

package gateway

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv6"

	"github.com/dii-net/dii/pkg/newip"
)

var testMap = []MapConfig{
	{IPv6: "fd00:a::1", NewIP: "10.1.0.1"},
	{IPv6: "fd00:b::1", NewIP: "f=80000"},
}

var (
	a6 = netip.MustParseAddr("fd00:a::1")
	b6 = netip.MustParseAddr("fd00:b::1")
	x6 = netip.MustParseAddr("fd00:e::1") // not mapped
)

// ip6 builds an IPv6 packet.
func ip6(src, dst netip.Addr, nh, hop byte, seg []byte) []byte {
	b := make([]byte, ipv6Header, ipv6Header+len(seg))
	b[0] = 6 << 4
	binary.BigEndian.PutUint16(b[4:], uint16(len(seg)))
	b[6], b[7] = nh, hop
	s, d := src.As16(), dst.As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	return append(b, seg...)
}

func echo(t testing.TB, typ ipv6.ICMPType, src, dst netip.Addr, id, seq int, data []byte) []byte {
	t.Helper()
	m := icmp.Message{Type: typ, Body: &icmp.Echo{ID: id, Seq: seq, Data: data}}
	b, err := m.Marshal(icmp.IPv6PseudoHeader(src.AsSlice(), dst.AsSlice()))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func udp(sport, dport uint16, data []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, sport)
	b = binary.BigEndian.AppendUint16(b, dport)
	b = binary.BigEndian.AppendUint16(b, uint16(8+len(data)))
	b = append(b, 0, 0)
	return append(b, data...)
}

// checksumOK verifies a transport checksum over the IPv6 pseudo-header.
func checksumOK(pkt []byte) bool {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(pkt[8:40])
	seg := pkt[ipv6Header:]
	sum += uint32(len(seg)) + uint32(pkt[6])
	add(seg)
	for sum>>16 != 0 {
		sum = sum&0xFFFF + sum>>16
	}
	return sum == 0xFFFF
}

func TestEchoCrossesBothWays(t *testing.T) {
	tr := newTranslator(newMapper(testMap))
	// An IPv6 host pings a New IP address.
	req := ip6(a6, b6, protoICMPv6, 64, echo(t, ipv6.ICMPTypeEchoRequest, a6, b6, 77, 3, []byte("abcdef")))
	out, why := tr.fromIPv6(nil, req, 1234)
	if why != fine {
		t.Fatal(why)
	}
	p, err := newip.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := p.Ping()
	if g.Code != newip.PingRequest || g.Timestamp != 1234 || p.HopLimit() != 63 {
		t.Fatalf("translated: %s", p.String())
	}
	if p.Src().String() != "10.1.0.1" || p.Dst().String() != "f:f200013880" {
		t.Fatalf("addresses %s > %s", p.Src(), p.Dst())
	}
	// The New IP side answers with the payload echoed.
	var b newip.Builder
	b.Reset(nil)
	b.Start(newip.Header{HopLimit: 60, Src: p.Dst(), Dst: p.Src()})
	b.Ping(newip.Ping{Code: newip.PingReply, Hops: 252, Timestamp: 1234})
	b.Payload(p.Payload())
	rep, _ := b.Finish()
	rp, _ := newip.Parse(rep)
	back, why := tr.toIPv6(nil, &rp)
	if why != fine {
		t.Fatal(why)
	}
	if back[6] != protoICMPv6 || back[7] != 59 || !checksumOK(back) {
		t.Fatalf("reply header % x, checksum ok %v", back[:8], checksumOK(back))
	}
	m, err := icmp.ParseMessage(protoICMPv6, back[ipv6Header:])
	if err != nil {
		t.Fatal(err)
	}
	e := m.Body.(*icmp.Echo)
	if m.Type != ipv6.ICMPTypeEchoReply || e.ID != 77 || e.Seq != 3 || string(e.Data) != "abcdef" {
		t.Fatalf("reply %+v %+v", m, e)
	}
	if netip.AddrFrom16([16]byte(back[8:24])) != b6 || netip.AddrFrom16([16]byte(back[24:40])) != a6 {
		t.Fatal("reply addresses wrong")
	}

	// The other way: a New IP ping to the IPv6 host, answered by its
	// kernel; the reply gets the request's Ping fields back.
	b.Reset(nil)
	b.Start(newip.Header{HopLimit: 9, Src: p.Dst(), Dst: p.Src()})
	b.Ping(newip.Ping{Code: newip.PingRequest, Hops: 250, Timestamp: 999})
	b.Payload([]byte{0, 5, 0, 1, 'x'})
	nreq, _ := b.Finish()
	np, _ := newip.Parse(nreq)
	v6req, why := tr.toIPv6(nil, &np)
	if why != fine || !checksumOK(v6req) {
		t.Fatalf("%v, checksum %v", why, checksumOK(v6req))
	}
	v6rep := ip6(a6, b6, protoICMPv6, 64, echo(t, ipv6.ICMPTypeEchoReply, a6, b6, 5, 1, []byte("x")))
	out, why = tr.fromIPv6(nil, v6rep, 5555)
	if why != fine {
		t.Fatal(why)
	}
	p, _ = newip.Parse(out)
	g, _ = p.Ping()
	if g.Code != newip.PingReply || g.Hops != 250 || g.Timestamp != 999 || !bytes.Equal(p.Payload(), []byte{0, 5, 0, 1, 'x'}) {
		t.Fatalf("reply %s %+v", p.String(), g)
	}
}

func TestUDPCrossesUnchanged(t *testing.T) {
	tr := newTranslator(newMapper(testMap))
	seg := udp(4000, 53, []byte("query"))
	binary.BigEndian.PutUint16(seg[6:], udpChecksum(a6, b6, seg))
	in := ip6(a6, b6, protoUDP, 64, seg)
	if !checksumOK(in) {
		t.Fatal("test packet checksum")
	}
	out, why := tr.fromIPv6(nil, in, 0)
	if why != fine {
		t.Fatal(why)
	}
	p, _ := newip.Parse(out)
	if p.Payload()[0] != protoUDP {
		t.Fatalf("payload % x", p.Payload())
	}
	back, why := tr.toIPv6(nil, &p)
	if why != fine {
		t.Fatal(why)
	}
	// Everything but the hop limit (two hops: in and out) is as sent.
	in[7] -= 2
	if !bytes.Equal(back, in) || !checksumOK(back) {
		t.Fatalf("got % x\nwant % x", back, in)
	}
}

func TestUDPFramingGetsAChecksum(t *testing.T) {
	tr := newTranslator(newMapper(testMap))
	var b newip.Builder
	b.Reset(nil)
	an, _ := newip.ParseAddress("10.1.0.1")
	bn, _ := newip.ParseAddress("f=80000")
	b.Start(newip.Header{HopLimit: 9, Src: an, Dst: bn})
	b.Payload(udpFrame(nil, 49152, 7, []byte("hi")))
	pkt, _ := b.Finish()
	p, _ := newip.Parse(pkt)
	out, why := tr.toIPv6(nil, &p)
	if why != fine || !checksumOK(out) {
		t.Fatalf("%v, checksum ok %v", why, checksumOK(out))
	}
	sport, dport, data, ok := parseUDPFrame(p.Payload())
	if !ok || sport != 49152 || dport != 7 || string(data) != "hi" {
		t.Fatalf("frame %d %d %q %v", sport, dport, data, ok)
	}
}

func TestTranslationDrops(t *testing.T) {
	tr := newTranslator(newMapper(testMap))
	good := ip6(a6, b6, protoUDP, 64, udp(1, 2, nil))
	rs := echo(t, ipv6.ICMPTypeRouterSolicitation, a6, b6, 0, 0, nil)
	for _, tc := range []struct {
		name string
		in   []byte
		why  reason
	}{
		{"empty", nil, dropNotIPv6},
		{"IPv4", append([]byte{0x45}, good[1:]...), dropNotIPv6},
		{"payload length lies", good[:ipv6Header+4], dropNotIPv6},
		{"unmapped destination", ip6(a6, x6, protoUDP, 64, udp(1, 2, nil)), dropUnmapped},
		{"unmapped source", ip6(x6, b6, protoUDP, 64, udp(1, 2, nil)), dropUnmapped},
		{"hop limit spent", ip6(a6, b6, protoUDP, 1, udp(1, 2, nil)), dropHopLimit},
		{"extension header", ip6(a6, b6, 0, 64, make([]byte, 8)), dropUnsupported},
		{"router solicitation", ip6(a6, b6, protoICMPv6, 255, rs), dropUnsupported},
		{"bad ICMPv6", ip6(a6, b6, protoICMPv6, 64, []byte{128}), dropMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, why := tr.fromIPv6(nil, tc.in, 0); why != tc.why {
				t.Fatalf("got %v, want %v", why, tc.why)
			}
		})
	}
	an, _ := newip.ParseAddress("10.1.0.1")
	bn, _ := newip.ParseAddress("f=80000")
	xn, _ := newip.ParseAddress("10.9.9.9")
	mk := func(src, dst newip.Address, hop uint8, payload []byte, ping *newip.Ping) newip.Packet {
		var b newip.Builder
		b.Reset(nil)
		b.Start(newip.Header{HopLimit: hop, Src: src, Dst: dst})
		if ping != nil {
			b.Ping(*ping)
		}
		b.Payload(payload)
		pkt, err := b.Finish()
		if err != nil {
			t.Fatal(err)
		}
		p, _ := newip.Parse(pkt)
		return p
	}
	for _, tc := range []struct {
		name string
		p    newip.Packet
		why  reason
	}{
		{"unmapped", mk(xn, bn, 9, udpFrame(nil, 1, 2, nil), nil), dropUnmapped},
		{"hop limit spent", mk(an, bn, 1, udpFrame(nil, 1, 2, nil), nil), dropHopLimit},
		{"no payload", mk(an, bn, 9, nil, nil), dropMalformed},
		{"UDP length lies", mk(an, bn, 9, udpFrame(nil, 1, 2, []byte("x"))[:9], nil), dropMalformed},
		{"unknown protocol", mk(an, bn, 9, []byte{99, 1, 2, 3}, nil), dropUnsupported},
		{"ping too short", mk(an, bn, 9, []byte{1}, &newip.Ping{Code: newip.PingRequest}), dropMalformed},
		{"time exceeded", mk(an, bn, 9, []byte{1, 2, 3, 4}, &newip.Ping{Code: newip.PingTimeExceeded}), dropUnsupported},
	} {
		t.Run("to IPv6 "+tc.name, func(t *testing.T) {
			if _, why := tr.toIPv6(nil, &tc.p); why != tc.why {
				t.Fatalf("got %v, want %v", why, tc.why)
			}
		})
	}
}

func TestSampleConfigParses(t *testing.T) {
	c, err := ParseConfig([]byte(SampleConfig))
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != ModeAuto || len(c.Map) != 3 || len(c.Imports) != 1 || len(c.Exports) != 1 || c.TUN != "dii6" {
		t.Fatalf("%+v", c)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`router = "x"`, "router"},
		{"router = \"127.0.0.1:1\"\nmode = \"magic\"", "mode"},
		{"router = \"127.0.0.1:1\"\n[[map]]\nipv6 = \"10.0.0.1\"\nnewip = \"10.0.0.1\"", "map[0].ipv6"},
		{"router = \"127.0.0.1:1\"\n[[map]]\nipv6 = \"fd00::1\"\nnewip = \"10.0.0.1\"\n[[map]]\nipv6 = \"fd00::2\"\nnewip = \"10.0.0.1\"", "already mapped by map[0]"},
		{"router = \"127.0.0.1:1\"\n[[import]]\nlisten = \"[::1]:1\"\nto = \"10.0.0.1\"\nfrom = \"10.0.0.2\"", "import[0].port"},
		{"router = \"127.0.0.1:1\"\nmode = \"tun\"", "tun mode needs"},
	} {
		if _, err := ParseConfig([]byte(tc.in)); err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
			t.Errorf("%q: error %v, want it to mention %q", tc.in, err, tc.want)
		}
	}
}

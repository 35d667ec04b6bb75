package gateway

import (
	"testing"

	"golang.org/x/net/ipv6"

	"github.com/dii-net/dii/pkg/newip"
)

// FuzzFromIPv6 feeds arbitrary bytes to the IPv6 decoder: no panic, and
// whatever it makes is a well-formed New IP packet.
func FuzzFromIPv6(f *testing.F) {
	f.Add(ip6(a6, b6, protoUDP, 64, udp(1, 2, []byte("x"))))
	f.Add(ip6(a6, b6, protoICMPv6, 64, echo(f, ipv6.ICMPTypeEchoRequest, a6, b6, 1, 2, []byte("y"))))
	f.Add(ip6(a6, b6, protoICMPv6, 64, echo(f, ipv6.ICMPTypeEchoReply, a6, b6, 1, 2, nil)))
	f.Add(ip6(a6, b6, protoTCP, 64, make([]byte, 20)))
	f.Add([]byte{0x60})
	tr := newTranslator(newMapper(testMap))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, why := tr.fromIPv6(nil, b, 1)
		if why != fine {
			return
		}
		if _, err := newip.Parse(out); err != nil {
			t.Fatalf("made a malformed packet: %v", err)
		}
	})
}

// FuzzToIPv6 feeds arbitrary New IP packets to the translator: no panic,
// and what it makes is an IPv6 packet whose length field is right.
func FuzzToIPv6(f *testing.F) {
	an, _ := newip.ParseAddress("10.1.0.1")
	bn, _ := newip.ParseAddress("f=80000")
	for _, pl := range [][]byte{udpFrame(nil, 1, 7, []byte("hi")), {protoTCP}, {0, 1, 0, 2, 'z'}} {
		var b newip.Builder
		b.Reset(nil)
		b.Start(newip.Header{HopLimit: 9, Src: an, Dst: bn})
		if pl[0] == 0 {
			b.Ping(newip.Ping{Code: newip.PingRequest})
		}
		b.Payload(pl)
		pkt, _ := b.Finish()
		f.Add(pkt)
	}
	tr := newTranslator(newMapper(testMap))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := newip.Parse(b)
		if err != nil {
			return
		}
		out, why := tr.toIPv6(nil, &p)
		if why != fine {
			return
		}
		if len(out) < ipv6Header || int(out[4])<<8|int(out[5]) != len(out)-ipv6Header {
			t.Fatalf("bad IPv6 packet % x", out)
		}
	})
}

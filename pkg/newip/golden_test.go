package newip_test

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/dii-net/dii/pkg/newip"
)

// goldens pairs each hand-assembled file in testdata/golden with what it
// says. The files cite the layout field by field (docs/newip.md draws the
// same layout): NITK's offset header (shipping, contract, payload
// offsets), dii's fixed header (version, hop limit, flags, total length),
// the shipping spec (types, cast, addresses), the contracts and the
// payload.
func goldens(t testing.TB) map[string]desc {
	return map[string]desc{
		// NITK form: no hop limit, no total length; payload to the end.
		"nitk_v4": {
			Header:  newip.Header{NITK: true, Src: mustAddr(t, "10.0.0.1"), Dst: mustAddr(t, "10.0.0.2")},
			Payload: []byte("hi"),
		},
		// NITK form with the Ping contract: code, hops, µs timestamp.
		"nitk_8bit_ping": {
			Header:    newip.Header{NITK: true, Src: newip.Addr8(1), Dst: newip.Addr8(2)},
			Contracts: []any{newip.Ping{Code: newip.PingRequest, Hops: 255, Timestamp: 1700000000000000}},
		},
		// dii form: IPv6 to IPv4, multicast, Max-Delay Forwarding.
		"dii_v6_mdf": {
			Header:    newip.Header{HopLimit: 64, Cast: newip.Multicast, Src: mustAddr(t, "2001:db8::1"), Dst: mustAddr(t, "192.0.2.7")},
			Contracts: []any{newip.MaxDelay{MaxAllowedDelay: 500}},
			Payload:   []byte("ping"),
		},
		// Flexible addresses of five and two bytes; LBF then Ping.
		"dii_flex_lbf_ping": {
			Header: newip.Header{HopLimit: 3, Cast: newip.Groupcast, Src: mustAddr(t, "f=70000"), Dst: mustAddr(t, "f=221")},
			Contracts: []any{
				newip.LBF{MinDelay: 10, MaxDelay: 100, ExperiencedDelay: 25, FibToDelay: 40, FibToHops: 4},
				newip.Ping{Code: newip.PingReply, Hops: 250, Timestamp: 1},
			},
		},
		// A general block with every action type and both metadata types.
		"dii_general": {
			Header: newip.Header{HopLimit: 64, Src: newip.Addr8(5), Dst: mustAddr(t, "f:07")},
			Contracts: []any{newip.General{
				Final: true,
				Conditions: []newip.Condition{
					{Subject: newip.SubjQueueDepth, Op: newip.OpGt, Value: 10},
					{Subject: newip.SubjMeta, Op: newip.OpEq, Key: 1, Value: 0},
				},
				Actions: []newip.Action{
					{Type: newip.ActSetPriority, Priority: 6},
					{Type: newip.ActNextHop, NextHop: mustAddr(t, "f=300")},
					{Type: newip.ActRewriteMeta, Key: 1, Value: []byte{1}},
					{Type: newip.ActWash, Threshold: 128},
					{Type: newip.ActDrop},
				},
				Meta: []newip.Meta{
					{Key: 1, Type: newip.MetaUint, Value: []byte{0}},
					{Key: 2, Type: newip.MetaBytes, Value: []byte("abc")},
				},
			}},
			Payload: []byte("x"),
		},
		// Chunked and already washed; a well-known flexible destination.
		"dii_chunked": {
			Header: newip.Header{HopLimit: 1, Cast: newip.Broadcast, Src: mustAddr(t, "f:01"), Dst: newip.FlexWellKnown(0), Chunked: true, Washed: true},
			Chunks: []newip.Chunk{
				{Significance: newip.Essential, Seq: 0, Data: []byte("AB")},
				{Significance: 10, Seq: 2},
				{Significance: 200, Seq: 3, Data: []byte("xyz")},
			},
		},
	}
}

// TestGolden decodes each golden file and compares it with what it says,
// then encodes what it says and compares the bytes.
func TestGolden(t *testing.T) {
	for name, want := range goldens(t) {
		t.Run(name, func(t *testing.T) {
			raw := readHex(t, filepath.Join("testdata", "golden", name+".hex"))
			p, err := newip.Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := describe(&p); !reflect.DeepEqual(got, want) {
				t.Errorf("decoded\n%+v\nwant\n%+v", got, want)
			}
			enc, err := encode(want)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if !bytes.Equal(enc, raw) {
				t.Errorf("encoded\n% x\nwant\n% x", enc, raw)
			}
		})
	}
}

// TestGoldenAccessors checks the direct accessors on the golden packets.
func TestGoldenAccessors(t *testing.T) {
	raw := readHex(t, "testdata/golden/dii_flex_lbf_ping.hex")
	p, err := newip.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.SrcBytes(); !bytes.Equal(got, []byte{0xf2, 0x00, 0x01, 0x11, 0x70}) {
		t.Errorf("SrcBytes % x", got)
	}
	if got := p.DstBytes(); !bytes.Equal(got, []byte{0xdd, 0xdd}) {
		t.Errorf("DstBytes % x", got)
	}
	if p.HeaderLen() != 44 || p.Len() != 44 || len(p.Payload()) != 0 || len(p.ContractBytes()) != 26 {
		t.Errorf("lengths: header %d total %d payload %d contracts %d", p.HeaderLen(), p.Len(), len(p.Payload()), len(p.ContractBytes()))
	}
	if v, ok := p.Src().FlexValue(); !ok || v != 70000 {
		t.Errorf("source value %d %v", v, ok)
	}
	if _, ok := p.MaxDelay(); ok {
		t.Error("MaxDelay present")
	}
	if !p.HasHopLimit() || p.HopLimit() != 3 || p.SrcType() != newip.AddrFlex || p.DstType() != newip.AddrFlex {
		t.Errorf("header: %s", p.String())
	}
	if len(p.ShippingBytes()) != 10 {
		t.Errorf("ShippingBytes % x", p.ShippingBytes())
	}
	want := "f:f200011170 > f:dddd groupcast hop 3 lbf(10,100,25,40,4) ping(code 1,hops 250,ts 1) payload 0B"
	if s := p.String(); s != want {
		t.Errorf("String\n%s\nwant\n%s", s, want)
	}

	n, err := newip.Parse(readHex(t, "testdata/golden/nitk_v4.hex"))
	if err != nil {
		t.Fatal(err)
	}
	if !n.NITK() || n.HasHopLimit() || n.SetHopLimit(3) || n.Flags() != 0 {
		t.Errorf("NITK form: %s", n.String())
	}
	if left, ok := n.DecHopLimit(); left != 0 || !ok {
		t.Errorf("NITK DecHopLimit = %d, %v; want 0, true", left, ok)
	}
}

// TestPadding: in dii's form bytes after the total length (link padding)
// are not part of the packet.
func TestPadding(t *testing.T) {
	raw := readHex(t, "testdata/golden/dii_v6_mdf.hex")
	padded := append(append([]byte(nil), raw...), make([]byte, 19)...)
	p, err := newip.Parse(padded)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Bytes(), raw) || string(p.Payload()) != "ping" {
		t.Errorf("padded packet: % x", p.Bytes())
	}
}

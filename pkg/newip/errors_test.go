package newip_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/dii-net/dii/pkg/newip"
)

// mut returns a copy of b changed by f.
func mut(b []byte, f func(b []byte) []byte) []byte {
	return f(append([]byte(nil), b...))
}

// withBlock wraps a general block (type and length included) in a dii
// packet from 8bit:1 to 8bit:2: fixed header (8 bytes), shipping spec
// (02 02 00 01 02), the block as the only contract, no payload.
func withBlock(block []byte) []byte {
	co := 8 + 5
	po := co + len(block)
	b := []byte{8, byte(co), byte(po), 1, 64, 0, 0, byte(po), 2, 2, 0, 1, 2}
	return append(b, block...)
}

// block assembles a general block: header fields then body.
func block(flags, nc, na, nm byte, body ...byte) []byte {
	n := 8 + len(body)
	return append([]byte{0, 4, byte(n >> 8), byte(n), flags, nc, na, nm}, body...)
}

func TestParseErrors(t *testing.T) {
	v6 := readHex(t, "testdata/golden/dii_v6_mdf.hex")          // co 31, po 37, total 41
	flex := readHex(t, "testdata/golden/dii_flex_lbf_ping.hex") // src at 11 (f2 + 4), dst at 16 (dd dd)
	nitk := readHex(t, "testdata/golden/nitk_v4.hex")
	chunked := readHex(t, "testdata/golden/dii_chunked.hex") // chunks from 14, total 31
	meta := []byte{1, 1, 1, 0}                               // key 1, unsigned, 1 byte, 0
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, newip.ErrTruncated},
		{"two bytes", []byte{8, 0}, newip.ErrTruncated},
		{"fixed header cut", v6[:6], newip.ErrTruncated},
		{"shipping offset 5", mut(v6, func(b []byte) []byte { b[0] = 5; return b }), newip.ErrBadOffset},
		{"version 2", mut(v6, func(b []byte) []byte { b[3] = 2; return b }), newip.ErrBadVersion},
		{"reserved flag", mut(v6, func(b []byte) []byte { b[5] = 0x04; return b }), newip.ErrBadFlags},
		{"washed not chunked", mut(v6, func(b []byte) []byte { b[5] = newip.FlagWashed; return b }), newip.ErrBadFlags},
		{"total length past buffer", v6[:40], newip.ErrTruncated},
		{"total length before payload", mut(v6, func(b []byte) []byte { b[7] = 30; return b }), newip.ErrBadLength},
		{"nitk payload offset past end", mut(nitk, func(b []byte) []byte { b[2] = 99; return b }), newip.ErrBadOffset},
		{"contract offset at payload", mut(v6, func(b []byte) []byte { b[1] = 37; return b }), newip.ErrBadOffset},
		{"contract offset past payload", mut(v6, func(b []byte) []byte { b[1] = 38; return b }), newip.ErrBadOffset},
		{"contract offset after shipping end", mut(v6, func(b []byte) []byte { b[1] = 33; return b }), newip.ErrBadOffset},
		{"contract offset inside address", mut(v6, func(b []byte) []byte { b[1] = 20; return b }), newip.ErrAddrLength},
		{"payload offset before shipping", mut(v6, func(b []byte) []byte { b[1], b[2] = 0, 9; return b }), newip.ErrBadOffset},
		{"no contract, payload offset after shipping", mut(v6, func(b []byte) []byte { b[1] = 0; return b }), newip.ErrBadOffset},
		{"source type 9", mut(v6, func(b []byte) []byte { b[8] = 9; return b }), newip.ErrAddrType},
		{"destination type 7", mut(v6, func(b []byte) []byte { b[9] = 7; return b }), newip.ErrAddrType},
		{"cast 5", mut(v6, func(b []byte) []byte { b[10] = 5; return b }), newip.ErrBadCast},
		{"flex non-minimal 5-byte", mut(flex, func(b []byte) []byte { b[12], b[13] = 0, 0; return b }), newip.ErrNonMinimal},
		{"flex non-minimal 2-byte", mut(flex, func(b []byte) []byte { b[17] = 0xDC; return b }), newip.ErrNonMinimal},
		{"flex unassigned first byte", mut(flex, func(b []byte) []byte { b[11] = 0xF5; return b }), newip.ErrBadAddress},
		{"flex length lies", mut(flex, func(b []byte) []byte { b[16] = 0xFE; return b }), newip.ErrAddrLength},
		{"flex shorter than its section", mut(flex, func(b []byte) []byte { b[16] = 0x05; return b }), newip.ErrBadOffset},
		{"unknown contract type", mut(v6, func(b []byte) []byte { b[32] = 9; return b }), newip.ErrUnknownContract},
		{"contract type 0", mut(v6, func(b []byte) []byte { b[32] = 0; return b }), newip.ErrUnknownContract},
		{"contract cut by payload offset", mut(v6, func(b []byte) []byte { b[2] = 35; return b }), newip.ErrBadContract},
		{"contract region one byte", mut(v6, func(b []byte) []byte { b[2] = 32; return b }), newip.ErrBadContract},
		{"duplicate MDF", withTwoMDF(), newip.ErrBadContract},
		{"chunk runs past end", mut(chunked, func(b []byte) []byte { b[27] = 9; return b }), newip.ErrBadChunk},
		{"chunk header cut", mut(chunked, func(b []byte) []byte { b[7] = 26; return b[:26] }), newip.ErrBadChunk},

		{"block length below header", withBlock([]byte{0, 4, 0, 7, 0, 0, 0, 0}), newip.ErrBadContract},
		{"block length past region", withBlock([]byte{0, 4, 0, 9, 0, 0, 0, 0}), newip.ErrBadContract},
		{"block length field cut", withBlock([]byte{0, 4, 0}), newip.ErrBadContract},
		{"block reserved flag", withBlock(block(0x02, 0, 0, 0)), newip.ErrBadContract},
		{"block trailing bytes", withBlock(block(0, 0, 0, 0, 0xAA)), newip.ErrBadContract},
		{"block conditions past end", withBlock(block(0, 1, 0, 0, 1, 1, 0, 0)), newip.ErrBadContract},
		{"unknown subject", withBlock(block(0, 1, 0, 0, 9, 1, 0, 0, 0, 0, 0, 0)), newip.ErrUnknownContract},
		{"unknown operator", withBlock(block(0, 1, 0, 0, 1, 7, 0, 0, 0, 0, 0, 0)), newip.ErrUnknownContract},
		{"condition reserved byte", withBlock(block(0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0)), newip.ErrBadContract},
		{"key on a non-metadata subject", withBlock(block(0, 1, 0, 0, 1, 1, 3, 0, 0, 0, 0, 0)), newip.ErrBadContract},
		{"metadata condition key 0", withBlock(block(0, 1, 0, 1, append([]byte{4, 1, 0, 0, 0, 0, 0, 0}, meta...)...)), newip.ErrBadContract},
		{"metadata condition on missing key", withBlock(block(0, 1, 0, 1, append([]byte{4, 1, 2, 0, 0, 0, 0, 0}, meta...)...)), newip.ErrBadContract},
		{"metadata condition on bytes", withBlock(block(0, 1, 0, 1, 4, 1, 1, 0, 0, 0, 0, 0, 1, 2, 1, 0)), newip.ErrBadContract},
		{"unknown action", withBlock(block(0, 0, 1, 0, 9, 0)), newip.ErrUnknownContract},
		{"action header cut", withBlock(block(0, 0, 1, 0, 1)), newip.ErrBadContract},
		{"action runs past block", withBlock(block(0, 0, 1, 0, 1, 5, 0)), newip.ErrBadContract},
		{"priority above 7", withBlock(block(0, 0, 1, 0, 1, 1, 8)), newip.ErrBadContract},
		{"priority without value", withBlock(block(0, 0, 1, 0, 1, 0)), newip.ErrBadContract},
		{"drop with value", withBlock(block(0, 0, 1, 0, 2, 1, 0)), newip.ErrBadContract},
		{"wash without threshold", withBlock(block(0, 0, 1, 0, 5, 0)), newip.ErrBadContract},
		{"next hop too short", withBlock(block(0, 0, 1, 0, 3, 1, 3)), newip.ErrBadContract},
		{"next hop unknown type", withBlock(block(0, 0, 1, 0, 3, 2, 9, 1)), newip.ErrAddrType},
		{"next hop non-minimal", withBlock(block(0, 0, 1, 0, 3, 4, 3, 0xF1, 0, 1)), newip.ErrNonMinimal},
		{"next hop trailing byte", withBlock(block(0, 0, 1, 0, 3, 3, 2, 7, 7)), newip.ErrBadContract},
		{"next hop address cut", withBlock(block(0, 0, 1, 0, 3, 3, 0, 10, 0)), newip.ErrAddrLength},
		{"rewrite key 0", withBlock(block(0, 0, 1, 0, 4, 2, 0, 1)), newip.ErrBadContract},
		{"rewrite missing key", withBlock(block(0, 0, 1, 1, append([]byte{4, 2, 2, 1}, meta...)...)), newip.ErrBadContract},
		{"rewrite wrong length", withBlock(block(0, 0, 1, 1, append([]byte{4, 3, 1, 1, 1}, meta...)...)), newip.ErrBadContract},
		{"metadata header cut", withBlock(block(0, 0, 0, 1, 1, 1)), newip.ErrBadContract},
		{"metadata key 0", withBlock(block(0, 0, 0, 1, 0, 1, 1, 0)), newip.ErrBadContract},
		{"metadata key twice", withBlock(block(0, 0, 0, 2, 1, 1, 1, 0, 1, 2, 0)), newip.ErrBadContract},
		{"metadata value past block", withBlock(block(0, 0, 0, 1, 1, 2, 5, 0)), newip.ErrBadContract},
		{"metadata unsigned of 3 bytes", withBlock(block(0, 0, 0, 1, 1, 1, 3, 0, 0, 0)), newip.ErrBadContract},
		{"metadata unknown type", withBlock(block(0, 0, 0, 1, 1, 9, 0)), newip.ErrUnknownContract},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := newip.Parse(tc.in)
			if err != tc.want { // unwrapped sentinels: == is the contract
				t.Fatalf("Parse = %v, want %v", err, tc.want)
			}
			if p.Len() != 0 || p.Bytes() != nil {
				t.Errorf("a failed Parse left a packet of %d bytes", p.Len())
			}
		})
	}
	// The general-block harness itself is valid.
	if _, err := newip.Parse(withBlock(block(0, 0, 0, 0))); err != nil {
		t.Fatalf("empty block: %v", err)
	}
}

// withTwoMDF is dii_v6_mdf with a second Max-Delay Forwarding contract.
func withTwoMDF() []byte {
	var b newip.Builder
	b.Reset(nil)
	b.Start(newip.Header{HopLimit: 1, Src: newip.Addr8(1), Dst: newip.Addr8(2)})
	b.MaxDelay(newip.MaxDelay{MaxAllowedDelay: 1})
	pkt, _ := b.Finish()
	// Grow the contract region by a copy of the contract.
	mdf := append([]byte(nil), pkt[13:19]...)
	out := append(pkt[:19:19], mdf...)
	out[2] += 6
	out[7] += 6
	return out
}

func TestAddressErrors(t *testing.T) {
	flex := []struct {
		in   []byte
		want error
	}{
		{nil, newip.ErrAddrLength},
		{[]byte{0xF1, 0x14}, newip.ErrAddrLength},
		{[]byte{0xF4}, newip.ErrBadAddress},
		{[]byte{0xFD, 0, 0}, newip.ErrBadAddress},
		{[]byte{0xDD, 0xDC}, newip.ErrNonMinimal},
		{[]byte{0xF1, 0x13, 0xFF}, newip.ErrNonMinimal},
		{[]byte{0xF2, 0, 0, 0xFF, 0xFF}, newip.ErrNonMinimal},
		{[]byte{0xF3, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF}, newip.ErrNonMinimal},
		{[]byte{0xFE, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, newip.ErrNonMinimal},
	}
	for _, tc := range flex {
		if _, _, err := newip.DecodeFlex(tc.in); err != tc.want {
			t.Errorf("DecodeFlex(% x) = %v, want %v", tc.in, err, tc.want)
		}
	}
	if _, _, err := newip.DecodeAddress(4, []byte{1}); err != newip.ErrAddrType {
		t.Errorf("DecodeAddress type 4: %v", err)
	}
	if _, err := newip.FlexAddr(newip.MaxFlexValue + 1); err != newip.ErrBadAddress {
		t.Errorf("FlexAddr(max+1): %v", err)
	}
	for _, s := range []string{"", "8bit:256", "8bit:-1", "8bit:x", "f:", "f:zz", "f:f100", "f:0707", "f:f10007", "f:f4",
		"f=72057594037927936", "f=-1", "fe80::1%eth0", "10.0.0", "f:dd"} {
		a, err := newip.ParseAddress(s)
		if !errors.Is(err, newip.ErrBadAddress) && !errors.Is(err, newip.ErrAddrLength) && !errors.Is(err, newip.ErrNonMinimal) {
			t.Errorf("ParseAddress(%q) = %v, %v; want an address error", s, a, err)
		}
	}
	for _, s := range []string{"10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "f:f2/16", "f:f20a/x", "f:0102030405060708ff/8", "f:01/65", "8bit:1/9", "nonsense/8"} {
		if p, err := newip.ParsePrefix(s); err == nil {
			t.Errorf("ParsePrefix(%q) = %v, want an error", s, p)
		}
	}
	if _, err := newip.PrefixFrom(newip.Addr8(1), 9); err == nil {
		t.Error("PrefixFrom /9 of an 8-bit address")
	}
	if _, err := newip.PrefixFrom(newip.Address{}, 0); err == nil {
		t.Error("PrefixFrom of the zero Address")
	}
}

func TestBuilderErrors(t *testing.T) {
	a, b8 := newip.Addr8(1), newip.Addr8(2)
	ok := newip.Header{HopLimit: 9, Src: a, Dst: b8}
	partial, _ := newip.ParsePrefix("f:f2/8") // not a whole address
	tests := []struct {
		name  string
		build func(b *newip.Builder)
		want  error
	}{
		{"no start", func(b *newip.Builder) {}, newip.ErrBuilder},
		{"start twice", func(b *newip.Builder) { b.Start(ok); b.Start(ok) }, newip.ErrBuilder},
		{"zero source", func(b *newip.Builder) { b.Start(newip.Header{Dst: b8}) }, newip.ErrBadAddress},
		{"partial flexible", func(b *newip.Builder) { b.Start(newip.Header{Src: partial.Addr, Dst: b8}) }, newip.ErrAddrLength},
		{"cast 9", func(b *newip.Builder) { b.Start(newip.Header{Cast: 9, Src: a, Dst: b8}) }, newip.ErrBadCast},
		{"nitk washed", func(b *newip.Builder) { b.Start(newip.Header{NITK: true, Washed: true, Src: a, Dst: b8}) }, newip.ErrBuilder},
		{"nitk chunk", func(b *newip.Builder) {
			b.Start(newip.Header{NITK: true, Src: a, Dst: b8})
			b.Chunk(newip.Chunk{})
		}, newip.ErrBuilder},
		{"contract before start", func(b *newip.Builder) { b.LBF(newip.LBF{}) }, newip.ErrBuilder},
		{"contract after payload", func(b *newip.Builder) { b.Start(ok); b.Payload(nil); b.Ping(newip.Ping{}) }, newip.ErrBuilder},
		{"payload twice", func(b *newip.Builder) { b.Start(ok); b.Payload(nil); b.Payload(nil) }, newip.ErrBuilder},
		{"payload after chunk", func(b *newip.Builder) { b.Start(ok); b.Chunk(newip.Chunk{}); b.Payload(nil) }, newip.ErrBuilder},
		{"payload when chunked", func(b *newip.Builder) { b.Start(newip.Header{Chunked: true, Src: a, Dst: b8}); b.Payload(nil) }, newip.ErrBuilder},
		{"duplicate ping", func(b *newip.Builder) { b.Start(ok); b.Ping(newip.Ping{}); b.Ping(newip.Ping{}) }, newip.ErrBadContract},
		{"chunk too long", func(b *newip.Builder) { b.Start(ok); b.Chunk(newip.Chunk{Data: make([]byte, 70000)}) }, newip.ErrTooLong},
		{"packet too long", func(b *newip.Builder) { b.Start(ok); b.Payload(make([]byte, 70000)) }, newip.ErrTooLong},
		{"headers too long", func(b *newip.Builder) {
			b.Start(ok)
			b.General(&newip.General{Meta: []newip.Meta{{Key: 1, Type: newip.MetaBytes, Value: make([]byte, 250)}}})
			b.Payload(nil)
		}, newip.ErrTooLong},
		{"bad general block", func(b *newip.Builder) {
			b.Start(ok)
			b.General(&newip.General{Actions: []newip.Action{{Type: newip.ActSetPriority, Priority: 8}}})
		}, newip.ErrBadContract},
		{"unknown action", func(b *newip.Builder) {
			b.Start(ok)
			b.General(&newip.General{Actions: []newip.Action{{Type: 42}}})
		}, newip.ErrUnknownContract},
		{"metadata too long", func(b *newip.Builder) {
			b.Start(ok)
			b.General(&newip.General{Meta: []newip.Meta{{Key: 1, Type: newip.MetaBytes, Value: make([]byte, 256)}}})
		}, newip.ErrBadContract},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b newip.Builder
			prefix := []byte("keep")
			b.Reset(prefix)
			tc.build(&b)
			out, err := b.Finish()
			if err != tc.want {
				t.Fatalf("Finish error %v, want %v", err, tc.want)
			}
			if !bytes.Equal(out, prefix) {
				t.Errorf("Finish returned % x; want the untouched prefix", out)
			}
		})
	}
}

// TestBuilderAppends: a packet is appended after what the slice held.
func TestBuilderAppends(t *testing.T) {
	pkt, err := newip.AppendPacket([]byte("head"), newip.Header{HopLimit: 5, Src: newip.Addr8(1), Dst: newip.Addr8(2)}, []byte("data"))
	if err != nil {
		t.Fatal(err)
	}
	if string(pkt[:4]) != "head" {
		t.Fatalf("prefix lost: % x", pkt)
	}
	p, err := newip.Parse(pkt[4:])
	if err != nil || string(p.Payload()) != "data" || p.HopLimit() != 5 {
		t.Fatalf("Parse: %v %s", err, p.String())
	}
}

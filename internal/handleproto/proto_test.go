package handleproto

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

func TestEnvelope(t *testing.T) {
	// RFC 3652 §2.2.1: major 2, minor 1, MessageFlag with TC, session,
	// request id, sequence number, message length.
	var w wire
	w.u8(2).u8(1).u16(0x2000).u32(9).u32(0x01020304).u32(3).u32(1200)
	e, err := ParseEnvelope(w)
	if err != nil {
		t.Fatal(err)
	}
	want := Envelope{MajorVersion: 2, MinorVersion: 1, Flags: EnvTruncated, SessionID: 9, RequestID: 0x01020304, SequenceNumber: 3, MessageLength: 1200}
	eq(t, e, want)
	if !e.Truncated() {
		t.Fatal("TC not seen")
	}
	same(t, AppendEnvelope(nil, e), w)

	if _, err := ParseEnvelope(w[:19]); !errors.Is(err, ErrTruncated) {
		t.Fatalf("short envelope: %v", err)
	}
	w = w[:16]
	w.u32(MaxMessageLength + 1)
	if _, err := ParseEnvelope(w); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("huge length: %v", err)
	}
}

func TestUDPSplitAndReassemble(t *testing.T) {
	for _, n := range []int{1, MaxUDPData - 1, MaxUDPData, MaxUDPData + 1, 3*MaxUDPData + 17} {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(i * 7)
		}
		env := Envelope{MajorVersion: 2, MinorVersion: 1, RequestID: 42}
		count := UDPPacketCount(n)
		var pkts [][]byte
		for seq := range count {
			p := AppendUDPPacket(nil, env, msg, seq)
			if len(p) > MaxUDPPacket {
				t.Fatalf("n=%d: packet of %d bytes", n, len(p))
			}
			pkts = append(pkts, p)
		}
		// Deliver in reverse with a duplicate: order and repeats do not matter.
		pkts = append(pkts, pkts[0])
		var r *Reassembly
		done := false
		for i := len(pkts) - 1; i >= 0; i-- {
			pe, err := ParseEnvelope(pkts[i])
			if err != nil {
				t.Fatal(err)
			}
			if pe.Truncated() != (count > 1) {
				t.Fatalf("n=%d: TC=%v with %d packets", n, pe.Truncated(), count)
			}
			if r == nil {
				if r, err = NewReassembly(pe, MaxMessageLength); err != nil {
					t.Fatal(err)
				}
			}
			if done, err = r.Add(pe, pkts[i][EnvelopeSize:]); err != nil {
				t.Fatal(err)
			}
		}
		if !done || !bytes.Equal(r.Message(), msg) {
			t.Fatalf("n=%d: reassembly done=%v, equal=%v", n, done, bytes.Equal(r.Message(), msg))
		}
	}

	env := Envelope{RequestID: 1, MessageLength: 1000, Flags: EnvTruncated}
	if _, err := NewReassembly(env, 999); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized: %v", err)
	}
	r, _ := NewReassembly(env, 1000)
	bad := []struct {
		name string
		env  Envelope
		data []byte
		want error
	}{
		{"other request", Envelope{RequestID: 2, MessageLength: 1000}, make([]byte, MaxUDPData), ErrPacket},
		{"other length", Envelope{RequestID: 1, MessageLength: 999}, make([]byte, MaxUDPData), ErrPacket},
		{"sequence past the end", Envelope{RequestID: 1, MessageLength: 1000, SequenceNumber: 3}, make([]byte, 16), ErrPacket},
		{"short middle packet", Envelope{RequestID: 1, MessageLength: 1000}, make([]byte, 100), ErrLength},
		{"long last packet", Envelope{RequestID: 1, MessageLength: 1000, SequenceNumber: 2}, make([]byte, 17), ErrLength},
	}
	for _, b := range bad {
		if _, err := r.Add(b.env, b.data); !errors.Is(err, b.want) {
			t.Errorf("%s: %v, want %v", b.name, err, b.want)
		}
	}
}

func sampleValues() []Value {
	return []Value{
		{Index: 1, Timestamp: 5, TTLType: TTLRelative, TTL: 86400, Permissions: PermAdminRead | PermPublicRead, Type: "URL", Data: []byte("https://a.example/")},
		{Index: 2, Type: "HS_VLIST", Permissions: PermPublicRead, Data: AppendValueList(nil, []Reference{{"0.NA/1", 300}})},
		{Index: 0xffffffff, TTLType: TTLAbsolute, TTL: 0xfffffffe, Type: "", Data: []byte{}, References: []Reference{{"x/y", 1}, {"", 0}}},
	}
}

func TestRoundTrip(t *testing.T) {
	vals := sampleValues()
	for i := range vals {
		b := AppendValue(nil, &vals[i])
		if len(b) != ValueSize(&vals[i]) {
			t.Fatalf("ValueSize %d, encoded %d", ValueSize(&vals[i]), len(b))
		}
		got, err := ParseValue(b)
		if err != nil {
			t.Fatal(err)
		}
		if vals[i].References == nil {
			got.References = nil
		}
		eq(t, got, vals[i])
	}

	q := ResolutionRequest{Handle: "20.500/ü", Indexes: []uint32{1, 2, 3}, Types: []string{"URL.", "EMAIL"}}
	gq, err := ParseResolutionRequest(AppendResolutionRequest(nil, &q))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, gq, q)

	p, err := ParseResolutionResponse(AppendResolutionResponse(nil, "20.500/x", vals))
	if err != nil || len(p.Values) != 3 || p.Handle != "20.500/x" {
		t.Fatalf("%+v %v", p, err)
	}

	e := ErrorBody{Message: "no", Indexes: []uint32{7, 8}}
	ge, err := ParseErrorBody(AppendErrorBody(nil, &e))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, ge, e)

	site := testSite()
	gs, err := ParseSiteInfo(AppendSiteInfo(nil, &site))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, gs, site)

	a := AdminRecord{Permissions: AdminAddValue | AdminReadValue, Admin: Reference{"0.NA/20.500", 200}}
	ab := AppendAdminRecord(nil, &a)
	ga, err := ParseAdminRecord(ab)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, ga, a)
	// Records written by old Handle.Net servers carry two more bytes.
	if ga, err = ParseAdminRecord(append(ab, 0, 0)); err != nil || ga != a {
		t.Fatalf("legacy admin record: %+v %v", ga, err)
	}

	m := &Message{
		Header:     Header{OpCode: OCResolution, ResponseCode: RCSuccess, OpFlags: FlagAT, SiteInfoSerial: 3, RecursionCount: 2, ExpirationTime: 99},
		Digest:     &RequestDigest{Algorithm: DigestMD5Legacy, Digest: bytes.Repeat([]byte{1}, 16)},
		Body:       []byte("body"),
		Credential: &Credential{Version: 1, Options: 2, Signer: Reference{"a/b", 3}, Type: "HS_MAC", DigestAlgorithm: "SHA-256", SignedData: []byte{1}},
	}
	b := AppendMessage(nil, m)
	gm, err := ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	m.Header.OpFlags |= FlagRD
	m.Header.BodyLength = uint32(4 + 16 + 4)
	eq(t, gm, m)
}

func TestDigest(t *testing.T) {
	req := AppendMessage(nil, &Message{Header: Header{OpCode: OCResolution, OpFlags: FlagRD}, Body: AppendResolutionRequest(nil, &ResolutionRequest{Handle: "a/b"})})
	for _, alg := range []uint8{DigestMD5, DigestSHA1, DigestSHA256, DigestMD5Legacy} {
		d, err := DigestRequest(alg, req)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Matches(req) {
			t.Fatalf("alg %d does not match itself", alg)
		}
		// The credential is not covered: a signed copy has the same digest.
		signed := append(req[:len(req)-4:len(req)-4], AppendMessage(nil, &Message{Credential: &Credential{Type: "HS_SIGNED"}})[HeaderSize:]...)
		if !d.Matches(signed) {
			t.Fatalf("alg %d: digest covers the credential", alg)
		}
		other := bytes.Clone(req)
		other[len(other)-5] ^= 1
		if d.Matches(other) {
			t.Fatalf("alg %d: digest ignores the body", alg)
		}
	}
	if _, err := DigestRequest(9, req); !errors.Is(err, ErrDigest) {
		t.Fatalf("unknown algorithm: %v", err)
	}
}

func TestTypeMatches(t *testing.T) {
	cases := []struct {
		req, actual string
		want        bool
	}{
		{"URL", "URL", true},
		{"url", "URL", true},
		{"URL", "URL.mirror", false},
		{"URL.", "URL", true},
		{"URL.", "url.mirror", true},
		{"URL.", "URL.a.b", true},
		{"URL.", "URLX", false},
		{"URL.jp", "URL", false},
		{"URL", "", false},
		{".", "X", false},
		{"", "", false},
	}
	for _, c := range cases {
		if got := TypeMatches(c.req, c.actual); got != c.want {
			t.Errorf("TypeMatches(%q, %q) = %v", c.req, c.actual, got)
		}
	}
	v := Value{Index: 5, Type: "EMAIL"}
	if !Selected(&v, nil, nil) || !Selected(&v, []uint32{5}, []string{"URL"}) || !Selected(&v, []uint32{1}, []string{"EMAIL"}) || Selected(&v, []uint32{1}, []string{"URL"}) {
		t.Fatal("Selected is not the union of index and type")
	}
}

func TestAddress(t *testing.T) {
	for _, s := range []string{"192.0.2.1", "2001:db8::1", "::"} {
		ip := netip.MustParseAddr(s)
		sv := ServerInfo{Address: AddressFrom(ip)}
		want := ip
		if s == "::" {
			want = netip.MustParseAddr("0.0.0.0") // all zeros reads as IPv4
		}
		if got := sv.Addr(); got != want {
			t.Errorf("%s -> %s", s, got)
		}
	}
	if a := AddressFrom(netip.MustParseAddr("::ffff:192.0.2.1")); a != AddressFrom(netip.MustParseAddr("192.0.2.1")) {
		t.Error("mapped IPv4 not written as IPv4")
	}
}

// TestBadInput feeds the decoders input that lies, stops short or asks for
// too much; each must fail with the right error, never panic.
func TestBadInput(t *testing.T) {
	valid := AppendMessage(nil, &Message{Header: Header{OpCode: OCResolution}, Body: AppendResolutionRequest(nil, &ResolutionRequest{Handle: "a/b", Types: []string{"URL"}})})
	hdr := func(op uint32, bodyLen uint32) wire {
		var w wire
		return *w.header(op, 0, 0, 0, 0, 0, bodyLen)
	}
	msgCases := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"short header", valid[:23], ErrTruncated},
		{"body length lies", append(hdr(1, 100), make([]byte, 10)...), ErrLength},
		{"body length huge", append(hdr(1, 0xffffffff), make([]byte, 10)...), ErrLength},
		{"credential length lies", append(append(hdr(1, 0), 0, 0, 0, 9), 1, 2), ErrLength},
		{"credential length short", append(hdr(1, 0), 0, 0), ErrTruncated},
		{"credential bytes trailing", append(append(hdr(1, 0), 0, 0, 0, 0), 7), ErrLength},
		{"unknown opcode", append(hdr(77, 0), 0, 0, 0, 0), ErrUnknownOpCode},
		{"digest truncated", append(func() wire { var w wire; return *w.header(1, 1, uint32(FlagRD), 0, 0, 0, 5) }(), 3, 1, 2, 3, 4), ErrTruncated},
		{"digest algorithm unknown", append(func() wire { var w wire; return *w.header(1, 1, uint32(FlagRD), 0, 0, 0, 2) }(), 9, 0), ErrDigest},
	}
	for _, c := range msgCases {
		if _, err := ParseMessage(c.b); !errors.Is(err, c.want) {
			t.Errorf("ParseMessage %s: %v, want %v", c.name, err, c.want)
		}
	}
	if m, err := ParseMessage(append(hdr(77, 0), 0, 0, 0, 0)); m == nil || m.Header.OpCode != 77 {
		t.Errorf("unknown opcode: header not returned (%v)", err)
	}

	var v wire
	v.u32(1).u32(0).u8(0).u32(0).u8(2).str("URL").str("data").u32(0)
	value := []byte(v)
	bodyCases := []struct {
		name  string
		parse func([]byte) error
		b     []byte
		want  error
	}{
		{"value truncated", pv, value[:len(value)-1], ErrTruncated},
		{"value trailing", pv, append(bytes.Clone(value), 0), ErrTrailing},
		{"value type length lies", pv, func() []byte { b := bytes.Clone(value); b[17] = 99; return b }(), ErrTruncated},
		{"value type too long", pv, func() []byte { b := bytes.Clone(value); b[14] = 0x7f; return b }(), ErrTooLarge},
		{"value reference count lies", pv, func() []byte { b := bytes.Clone(value); b[len(b)-1] = 50; return b }(), ErrLength},
		{"value reference count huge", pv, func() []byte { b := bytes.Clone(value); b[len(b)-4] = 0xff; return b }(), ErrTooMany},
		{"too many values", prr, func() []byte { var w wire; w.str("a/b").u32(MaxValues + 1); return w }(), ErrTooMany},
		{"value count lies", prr, func() []byte { var w wire; w.str("a/b").u32(3).raw(value...); return w }(), ErrLength},
		{"index count lies", prq, func() []byte { var w wire; w.str("a/b").u32(1000).u32(1); return w }(), ErrLength},
		{"type list truncated", prq, func() []byte { var w wire; w.str("a/b").u32(0).u32(1).u32(10).raw('U'); return w }(), ErrTruncated},
		{"handle too long", prq, func() []byte { var w wire; w.u32(MaxHandleLength + 1); return w }(), ErrTooLarge},
		{"request trailing", prq, func() []byte { var w wire; w.str("a/b").u32(0).u32(0).u8(0); return w }(), ErrTrailing},
		{"site servers lie", psi, func() []byte {
			s := testSite()
			b := AppendSiteInfo(nil, &s)
			return b[:len(b)-6]
		}(), ErrLength},
		{"site interfaces huge", psi, func() []byte {
			var w wire
			w.u16(1).u8(2).u8(1).u16(0).u8(0).u8(0).str("").u32(0).u32(1).u32(1).raw(make([]byte, 16)...).u32(0).u32(0xffffffff)
			return w
		}(), ErrTooMany},
		{"vlist count lies", pvl, func() []byte { var w wire; w.u32(2).str("a").u32(1); return w }(), ErrLength},
		{"admin truncated", pad, []byte{0, 1, 0, 0, 0, 5, 'a'}, ErrTruncated},
		{"admin trailing", pad, append(AppendAdminRecord(nil, &AdminRecord{}), 1, 2, 3), ErrTrailing},
		{"error body trailing", peb, func() []byte { var w wire; w.str("x").u32(1); return w }(), ErrLength},
	}
	for _, c := range bodyCases {
		if err := c.parse(c.b); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func pv(b []byte) error  { _, err := ParseValue(b); return err }
func prr(b []byte) error { _, err := ParseResolutionResponse(b); return err }
func prq(b []byte) error { _, err := ParseResolutionRequest(b); return err }
func psi(b []byte) error { _, err := ParseSiteInfo(b); return err }
func pvl(b []byte) error { _, err := ParseValueList(b); return err }
func pad(b []byte) error { _, err := ParseAdminRecord(b); return err }
func peb(b []byte) error { _, err := ParseErrorBody(b); return err }

func TestCodes(t *testing.T) {
	// The numbers of RFC 3652 §2.2.2.1 and §2.2.2.2.
	ops := map[OpCode]uint32{OCResolution: 1, OCGetSiteInfo: 2, OCCreateHandle: 100, OCDeleteHandle: 101, OCAddValue: 102,
		OCRemoveValue: 103, OCModifyValue: 104, OCListHandle: 105, OCListNA: 106, OCChallengeResponse: 200,
		OCVerifyResponse: 201, OCSessionSetup: 400, OCSessionTerminate: 401, OCSessionExchangeKey: 402}
	for op, n := range ops {
		if uint32(op) != n || !op.Known() {
			t.Errorf("%s = %d, want %d", op, uint32(op), n)
		}
	}
	rcs := map[ResponseCode]uint32{RCSuccess: 1, RCError: 2, RCServerTooBusy: 3, RCProtocolError: 4, RCOperationNotSupported: 5,
		RCRecursionCountTooHigh: 6, RCHandleNotFound: 100, RCHandleAlreadyExists: 101, RCInvalidHandle: 102,
		RCValueNotFound: 200, RCValueAlreadyExists: 201, RCValueInvalid: 202, RCExpiredSiteInfo: 300,
		RCServerNotResp: 301, RCServiceReferral: 302, RCPrefixReferral: 303, RCInvalidAdmin: 400, RCAccessDenied: 401,
		RCAuthenNeeded: 402, RCAuthenFailed: 403, RCInvalidCredential: 404, RCAuthenTimeout: 405, RCUnableToAuthen: 406,
		RCSessionTimeout: 500, RCSessionFailed: 501, RCNoSessionKey: 502, RCSessionNoSupport: 503, RCSessionKeyInvalid: 504,
		RCTrying: 900, RCForwarded: 901, RCDuplicateRequest: 902}
	for rc, n := range rcs {
		if uint32(rc) != n || !rc.Known() {
			t.Errorf("%s = %d, want %d", rc, uint32(rc), n)
		}
	}
	if OpCode(77).Known() || OpCode(77).String() != "OPCODE_77" || ResponseCode(77).String() != "RC_77" {
		t.Error("unknown codes")
	}
	if !OCListNA.IsAdmin() || OCResolution.IsAdmin() || OCSessionSetup.IsAdmin() || !OCDumpHandles.IsAdmin() {
		t.Error("IsAdmin")
	}
	if !reflect.DeepEqual([]OpFlags{FlagAT, FlagPO, FlagRD}, []OpFlags{0x80000000, 0x01000000, 0x00800000}) {
		t.Error("flag bits")
	}
}

package handleproto

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzMessage decodes arbitrary bytes as a message and, by opcode and
// response code, its body; whatever decodes must encode back to bytes that
// decode to the same thing (and, for canonical encodings, to the same
// bytes).
func FuzzMessage(f *testing.F) {
	for _, g := range goldens() {
		f.Add(g.bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMessage(b)
		if err != nil {
			return
		}
		again, err := ParseMessage(AppendMessage(nil, m))
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		m.Header.BodyLength, again.Header.BodyLength = 0, 0
		if !reflect.DeepEqual(m, again) {
			t.Fatalf("message changed in a round trip:\n%+v\n%+v", m, again)
		}
		switch h := m.Header; {
		case h.OpCode == OCResolution && !h.IsResponse():
			if q, err := ParseResolutionRequest(m.Body); err == nil && !bytes.Equal(AppendResolutionRequest(nil, &q), m.Body) {
				t.Fatal("resolution request does not re-encode to its bytes")
			}
		case h.OpCode == OCResolution && h.ResponseCode == RCSuccess:
			if p, err := ParseResolutionResponse(m.Body); err == nil && !bytes.Equal(AppendResolutionResponse(nil, p.Handle, p.Values), m.Body) {
				t.Fatal("resolution response does not re-encode to its bytes")
			}
		case h.OpCode == OCGetSiteInfo && h.ResponseCode == RCSuccess:
			if s, err := ParseSiteInfo(m.Body); err == nil && !bytes.Equal(AppendSiteInfo(nil, &s), m.Body) {
				t.Fatal("site info does not re-encode to its bytes")
			}
		case h.IsResponse():
			if e, err := ParseErrorBody(m.Body); err == nil {
				e2, err := ParseErrorBody(AppendErrorBody(nil, &e))
				if err != nil || e2.Message != e.Message || len(e2.Indexes) != len(e.Indexes) {
					t.Fatalf("error body round trip: %+v -> %+v, %v", e, e2, err)
				}
			}
		}
	})
}

// FuzzRecords decodes arbitrary bytes as each stand-alone record: a handle
// value, site information, an HS_ADMIN record and an HS_VLIST.
func FuzzRecords(f *testing.F) {
	for _, v := range sampleValues() {
		f.Add(AppendValue(nil, &v))
	}
	s := testSite()
	f.Add(AppendSiteInfo(nil, &s))
	f.Add(AppendAdminRecord(nil, &AdminRecord{Permissions: AdminAll, Admin: Reference{"0.NA/10", 300}}))
	f.Add(AppendValueList(nil, []Reference{{"0.NA/10", 300}, {"10.1/x", 1}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, err := ParseValue(b); err == nil && !bytes.Equal(AppendValue(nil, &v), b) {
			t.Fatal("value does not re-encode to its bytes")
		}
		if s, err := ParseSiteInfo(b); err == nil && !bytes.Equal(AppendSiteInfo(nil, &s), b) {
			t.Fatal("site info does not re-encode to its bytes")
		}
		if a, err := ParseAdminRecord(b); err == nil {
			enc := AppendAdminRecord(nil, &a)
			if !bytes.Equal(enc, b) && !bytes.Equal(enc, b[:len(b)-2]) {
				t.Fatal("admin record does not re-encode to its bytes")
			}
		}
		if refs, err := ParseValueList(b); err == nil && !bytes.Equal(AppendValueList(nil, refs), b) {
			t.Fatal("value list does not re-encode to its bytes")
		}
	})
}

// FuzzReassembly feeds datagrams to a reassembly: nothing may panic, and a
// completed message has the announced length.
func FuzzReassembly(f *testing.F) {
	msg := bytes.Repeat([]byte("handle"), 200)
	env := Envelope{MajorVersion: 2, MinorVersion: 1, RequestID: 5}
	var all []byte
	for seq := range UDPPacketCount(len(msg)) {
		all = append(all, AppendUDPPacket(nil, env, msg, seq)...)
	}
	f.Add(all, uint16(MaxUDPPacket))
	f.Add(all[:100], uint16(60))
	f.Fuzz(func(t *testing.T, stream []byte, size uint16) {
		if size < EnvelopeSize {
			return
		}
		var r *Reassembly
		for len(stream) > 0 {
			n := min(int(size), len(stream))
			d := stream[:n]
			stream = stream[n:]
			e, err := ParseEnvelope(d)
			if err != nil {
				continue
			}
			if r == nil {
				if r, err = NewReassembly(e, 4096); err != nil {
					return
				}
			}
			done, err := r.Add(e, d[EnvelopeSize:])
			if err == nil && done {
				if len(r.Message()) != int(r.Envelope().MessageLength) {
					t.Fatal("completed message of the wrong length")
				}
				return
			}
		}
	})
}

package handleproto

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.bin from the hand-assembled bytes")

// wire assembles bytes field by field, so each golden message below reads
// as the RFC's layout tables do.
type wire []byte

func (w *wire) u8(v uint8) *wire { *w = append(*w, v); return w }
func (w *wire) u16(v uint16) *wire {
	*w = append(*w, byte(v>>8), byte(v))
	return w
}
func (w *wire) u32(v uint32) *wire {
	*w = append(*w, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	return w
}

// str is a UTF8-String (RFC 3652 §2.1.4): a 4-byte length, then the bytes.
func (w *wire) str(s string) *wire  { w.u32(uint32(len(s))); *w = append(*w, s...); return w }
func (w *wire) raw(b ...byte) *wire { *w = append(*w, b...); return w }

// header writes the 24-byte message header of RFC 3652 §2.2.2.
func (w *wire) header(op, rc, flags uint32, serial uint16, recursion uint8, expires, bodyLen uint32) *wire {
	w.u32(op)             // §2.2.2.1 OpCode
	w.u32(rc)             // §2.2.2.2 ResponseCode
	w.u32(flags)          // §2.2.2.3 OpFlag
	w.u16(serial)         // §2.2.2.4 SiteInfoSerialNumber
	w.u8(recursion)       // §2.2.2.5 RecursionCount
	w.u8(0)               // reserved
	w.u32(expires)        // §2.2.2.6 ExpirationTime
	return w.u32(bodyLen) // §2.2.2.7 BodyLength
}

type golden struct {
	name  string
	bytes func() []byte            // hand-assembled from the RFC layout
	check func(*testing.T, []byte) // decode the file, compare with the expected structure, encode, compare bytes
}

func goldens() []golden {
	return []golden{
		{"resolution_request", func() []byte {
			// RFC 3652 §3.2.1 query request for 10.1000/1, values of index 1
			// or of type URL, public values only; no credential.
			var body wire
			body.str("10.1000/1")  // Handle
			body.u32(1).u32(1)     // IndexList: count 1, index 1
			body.u32(1).str("URL") // TypeList: count 1, "URL"
			var w wire
			w.header(1, 0, 0x01000000 /* PO */, 0, 0, 1700000000, uint32(len(body)))
			w.raw(body...)
			w.u32(0) // §2.2.4 CredentialLength 0: no credential
			return w
		}, func(t *testing.T, b []byte) {
			m := mustParse(t, b)
			q, err := ParseResolutionRequest(m.Body)
			if err != nil {
				t.Fatal(err)
			}
			want := ResolutionRequest{Handle: "10.1000/1", Indexes: []uint32{1}, Types: []string{"URL"}}
			eq(t, q, want)
			eq(t, m.Header, Header{OpCode: OCResolution, OpFlags: FlagPO, ExpirationTime: 1700000000, BodyLength: uint32(len(m.Body))})
			same(t, AppendMessage(nil, &Message{Header: m.Header, Body: AppendResolutionRequest(nil, &want)}), b)
		}},
		{"resolution_response", func() []byte {
			// RFC 3652 §3.2.2 successful query response with a request
			// digest (RD set, §2.2.3) and two values (RFC 3651 §3.1).
			var body wire
			body.u8(3).raw(bytes.Repeat([]byte{0xab}, 32)...) // RequestDigest: SHA-256 code, 32 bytes
			body.str("10.1000/1")                             // Handle
			body.u32(2)                                       // ValueList count
			// value 1: URL, public read, admin read+write
			body.u32(1).u32(1699999999) // Index, Timestamp
			body.u8(0).u32(86400)       // TTLType relative, TTL
			body.u8(0x0e)               // Permission: admin read, admin write, public read
			body.str("URL").str("https://example.org/")
			body.u32(0) // References: none
			// value 100: HS_ADMIN with one reference
			body.u32(100).u32(1699999998)
			body.u8(1).u32(1800000000) // TTLType absolute
			body.u8(0x0c)              // admin read, admin write only
			body.str("HS_ADMIN")
			body.u32(17).u16(0x0fff).str("0.NA/10").u32(300) // Data: an HS_ADMIN record (RFC 3651 §3.2.1)
			body.u32(1).str("0.NA/10").u32(300)              // References: one
			var w wire
			w.header(1, 1, 0x80800000 /* AT RD */, 7, 0, 1700043200, uint32(len(body)))
			w.raw(body...)
			w.u32(0)
			return w
		}, func(t *testing.T, b []byte) {
			m := mustParse(t, b)
			p, err := ParseResolutionResponse(m.Body)
			if err != nil {
				t.Fatal(err)
			}
			admin := AppendAdminRecord(nil, &AdminRecord{Permissions: AdminAll, Admin: Reference{"0.NA/10", 300}})
			want := ResolutionResponse{Handle: "10.1000/1", Values: []Value{
				{Index: 1, Timestamp: 1699999999, TTL: 86400, Permissions: PermAdminRead | PermAdminWrite | PermPublicRead, Type: "URL", Data: []byte("https://example.org/")},
				{Index: 100, Timestamp: 1699999998, TTLType: TTLAbsolute, TTL: 1800000000, Permissions: PermAdminRead | PermAdminWrite, Type: "HS_ADMIN", Data: admin, References: []Reference{{"0.NA/10", 300}}},
			}}
			eq(t, p, want)
			eq(t, *m.Digest, RequestDigest{Algorithm: DigestSHA256, Digest: bytes.Repeat([]byte{0xab}, 32)})
			if m.Header.OpFlags != FlagAT|FlagRD || m.Header.SiteInfoSerial != 7 {
				t.Fatalf("header %+v", m.Header)
			}
			h := m.Header
			h.OpFlags = FlagAT // AppendMessage sets RD itself when there is a digest
			same(t, AppendMessage(nil, &Message{Header: h, Digest: m.Digest, Body: AppendResolutionResponse(nil, want.Handle, want.Values)}), b)
		}},
		{"error_response", func() []byte {
			// RFC 3652 §3.3 error response: HANDLE_NOT_FOUND with a message.
			var body wire
			body.str("handle not found")
			var w wire
			w.header(1, 100, 0x80000000, 7, 0, 1700043200, uint32(len(body)))
			w.raw(body...).u32(0)
			return w
		}, func(t *testing.T, b []byte) {
			m := mustParse(t, b)
			e, err := ParseErrorBody(m.Body)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, e, ErrorBody{Message: "handle not found"})
			same(t, AppendMessage(nil, &Message{Header: m.Header, Body: AppendErrorBody(nil, &e)}), b)
		}},
		{"siteinfo_request", func() []byte {
			// GET_SITEINFO as Handle.Net clients send it: the body is a
			// handle ("/"), which the server ignores.
			var body wire
			body.str("/")
			var w wire
			w.header(2, 0, 0, 0, 0, 1700000000, uint32(len(body)))
			w.raw(body...).u32(0)
			return w
		}, func(t *testing.T, b []byte) {
			m := mustParse(t, b)
			h, err := ParseGetSiteInfoRequest(m.Body)
			if err != nil || h != "/" {
				t.Fatalf("handle %q, %v", h, err)
			}
			same(t, AppendMessage(nil, &Message{Header: m.Header, Body: AppendGetSiteInfoRequest(nil, "/")}), b)
		}},
		{"siteinfo_response", func() []byte {
			// RFC 3651 §3.2.2 site information in a GET_SITEINFO response.
			var body wire
			body.u16(1)                                                // Version (data format)
			body.u8(2).u8(1)                                           // ProtocolVersion 2.1
			body.u16(7)                                                // SerialNumber
			body.u8(0x80)                                              // PrimaryMask: PS (primary site)
			body.u8(2)                                                 // HashOption: hash the whole handle
			body.str("")                                               // HashFilter
			body.u32(1).str("desc").str("dii ledger")                  // Attributes
			body.u32(1)                                                // NumOfServer
			body.u32(1)                                                // ServerID
			body.raw(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 127, 0, 0, 1) // Address: IPv4 in the last 4 bytes
			body.u32(3).raw(1, 2, 3)                                   // PublicKeyRecord
			body.u32(2)                                                // NumOfServiceInterface
			body.u8(2).u8(0).u32(2641)                                 // resolution over UDP, port 2641
			body.u8(2).u8(1).u32(2641)                                 // resolution over TCP, port 2641
			var w wire
			w.header(2, 1, 0x80000000, 7, 0, 1700043200, uint32(len(body)))
			w.raw(body...).u32(0)
			return w
		}, func(t *testing.T, b []byte) {
			m := mustParse(t, b)
			s, err := ParseSiteInfo(m.Body)
			if err != nil {
				t.Fatal(err)
			}
			want := testSite()
			eq(t, s, want)
			if got := s.Servers[0].Addr().String(); got != "127.0.0.1" {
				t.Fatalf("address %s", got)
			}
			same(t, AppendMessage(nil, &Message{Header: m.Header, Body: AppendSiteInfo(nil, &want)}), b)
		}},
		{"credential", func() []byte {
			// RFC 3652 §2.2.4 a signed request: the credential section after
			// a resolution request body.
			var body wire
			body.str("10.1000/1").u32(0).u32(0)
			var cred wire
			cred.u8(0).u8(0).u16(0)        // Version, Reserved, Options
			cred.str("0.NA/10").u32(300)   // Signer: handle and index
			cred.str("HS_SIGNED")          // Type
			cred.u32(4 + 7 + 4 + 5)        // SignedInfo length
			cred.str("SHA-256")            // DigestAlgorithm
			cred.u32(5).raw(9, 8, 7, 6, 5) // SignedData
			var w wire
			w.header(1, 0, 0x40000000 /* CT */, 0, 0, 1700000000, uint32(len(body)))
			w.raw(body...)
			w.u32(uint32(len(cred))).raw(cred...) // CredentialLength, credential
			return w
		}, func(t *testing.T, b []byte) {
			m := mustParse(t, b)
			want := Credential{Signer: Reference{"0.NA/10", 300}, Type: "HS_SIGNED", DigestAlgorithm: "SHA-256", SignedData: []byte{9, 8, 7, 6, 5}}
			eq(t, *m.Credential, want)
			same(t, AppendMessage(nil, m), b)
		}},
		{"vlist", func() []byte {
			// HS_VLIST data (RFC 3651 §3.2): a count, then handle:index pairs.
			var w wire
			w.u32(2).str("0.NA/10").u32(300).str("10.1000/admins").u32(200)
			return w
		}, func(t *testing.T, b []byte) {
			refs, err := ParseValueList(b)
			if err != nil {
				t.Fatal(err)
			}
			want := []Reference{{"0.NA/10", 300}, {"10.1000/admins", 200}}
			eq(t, refs, want)
			same(t, AppendValueList(nil, want), b)
		}},
	}
}

func testSite() SiteInfo {
	return SiteInfo{
		DataFormatVersion: 1, ProtocolMajor: 2, ProtocolMinor: 1, SerialNumber: 7,
		PrimaryMask: SitePrimary, HashOption: HashByAll,
		Attributes: []Attribute{{"desc", "dii ledger"}},
		Servers: []ServerInfo{{
			ServerID: 1, Address: [16]byte{12: 127, 15: 1}, PublicKey: []byte{1, 2, 3},
			Interfaces: []Interface{{ServiceResolution, TransportUDP, 2641}, {ServiceResolution, TransportTCP, 2641}},
		}},
	}
}

// TestGolden checks each hand-assembled message against its file in
// testdata, then decodes the file into the expected structure and encodes
// that back to the same bytes. -update rewrites the files.
func TestGolden(t *testing.T) {
	for _, g := range goldens() {
		t.Run(g.name, func(t *testing.T) {
			path := filepath.Join("testdata", g.name+".bin")
			built := g.bytes()
			if *update {
				if err := os.WriteFile(path, built, 0o600); err != nil {
					t.Fatal(err)
				}
				writeSeed(t, "FuzzMessage", g.name, built)
			}
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			same(t, built, file)
			g.check(t, file)
		})
	}
}

// writeSeed commits b to a fuzz target's seed corpus.
func writeSeed(t *testing.T, target, name string, b []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	seed := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSeeds writes the record and reassembly seed corpora with -update.
func TestSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite the seed corpora")
	}
	for i, v := range sampleValues() {
		writeSeed(t, "FuzzRecords", fmt.Sprintf("value%d", i), AppendValue(nil, &v))
	}
	s := testSite()
	writeSeed(t, "FuzzRecords", "siteinfo", AppendSiteInfo(nil, &s))
	writeSeed(t, "FuzzRecords", "admin", AppendAdminRecord(nil, &AdminRecord{Permissions: AdminAll, Admin: Reference{"0.NA/10", 300}}))
	writeSeed(t, "FuzzRecords", "vlist", AppendValueList(nil, []Reference{{"0.NA/10", 300}}))
	msg := bytes.Repeat([]byte("handle"), 200)
	var all []byte
	for seq := range UDPPacketCount(len(msg)) {
		all = append(all, AppendUDPPacket(nil, Envelope{MajorVersion: 2, MinorVersion: 1, RequestID: 5}, msg, seq)...)
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzReassembly")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	seed := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nuint16(%d)\n", all, MaxUDPPacket)
	if err := os.WriteFile(filepath.Join(dir, "three_packets"), []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustParse(t *testing.T, b []byte) *Message {
	t.Helper()
	m, err := ParseMessage(b)
	if err != nil {
		t.Fatalf("ParseMessage: %v", err)
	}
	return m
}

func eq(t *testing.T, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded\n %+v\nwant\n %+v", got, want)
	}
}

func same(t *testing.T, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("bytes differ\n got %x\nwant %x", got, want)
	}
}

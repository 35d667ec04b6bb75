package handleserver

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/dii-net/dii/internal/handleproto"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakeSource is a fixed registry.
type fakeSource map[string][]Value

func (f fakeSource) Lookup(h string) ([]Value, bool) { v, ok := f[h]; return v, ok }

const pub = handleproto.PermPublicRead | handleproto.PermAdminRead | handleproto.PermAdminWrite

func testSource() fakeSource {
	admin := handleproto.AppendAdminRecord(nil, &handleproto.AdminRecord{Permissions: handleproto.AdminAll, Admin: handleproto.Reference{Handle: "0.NA/10.1000", Index: 300}})
	big := make([]Value, 40)
	for i := range big {
		big[i] = Value{Index: uint32(i + 1), Type: "URL", Permissions: pub, Data: []byte("https://example.org/a/rather/long/path/to/make/the/answer/span/several/datagrams")}
	}
	return fakeSource{
		"10.1000/1": {
			{Index: 1, Type: "URL", Permissions: pub, TTL: 86400, Timestamp: 1700000000, Data: []byte("https://example.org/")},
			{Index: 2, Type: "URL.mirror", Permissions: pub, Data: []byte("https://mirror.example.org/")},
			{Index: 3, Type: "EMAIL", Permissions: pub, Data: []byte("ops@example.org")},
			{Index: 4, Type: "SECRET", Permissions: handleproto.PermAdminRead, Data: []byte("hidden")},
			{Index: 100, Type: "HS_ADMIN", Permissions: pub, Data: admin},
		},
		"10.1000/private": {{Index: 1, Type: "URL", Permissions: handleproto.PermAdminRead, Data: []byte("x")}},
		"10.1000/big":     big,
	}
}

type testServer struct {
	srv  *Server
	addr string // host:port, same port for UDP and TCP
	reg  *prometheus.Registry
}

// startServer runs a server on 127.0.0.1 port 0 (UDP and TCP on one port)
// until the test ends.
func startServer(t *testing.T, src Source, mod func(*Config)) *testServer {
	t.Helper()
	var ln net.Listener
	var pc net.PacketConn
	for range 20 {
		var err error
		ln, err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		pc, err = net.ListenPacket("udp", ln.Addr().String())
		if err == nil {
			break
		}
		ln.Close()
		ln = nil
	}
	if ln == nil {
		t.Fatal("no port free for both UDP and TCP")
	}
	reg := prometheus.NewRegistry()
	cfg := Config{Source: src, Registerer: reg, SiteSerial: 7}
	if mod != nil {
		mod(&cfg)
	}
	s := New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, pc, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return")
		}
	})
	return &testServer{srv: s, addr: ln.Addr().String(), reg: reg}
}

func dial(t *testing.T, addr string, tr Transport) *Client {
	t.Helper()
	c, err := Dial(addr, tr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func indexes(vs []Value) []uint32 {
	var out []uint32
	for _, v := range vs {
		out = append(out, v.Index)
	}
	return out
}

func TestResolve(t *testing.T) {
	ts := startServer(t, testSource(), nil)
	for _, tr := range []struct {
		name string
		t    Transport
	}{{"udp", Transport{}}, {"tcp", Transport{TCPOnly: true}}} {
		c := dial(t, ts.addr, tr.t)
		cases := []struct {
			name   string
			handle string
			o      ResolveOptions
			code   handleproto.ResponseCode
			want   []uint32
		}{
			{"all public values", "10.1000/1", ResolveOptions{}, handleproto.RCSuccess, []uint32{1, 2, 3, 100}},
			{"exact type", "10.1000/1", ResolveOptions{Types: []string{"url"}}, handleproto.RCSuccess, []uint32{1}},
			{"type family", "10.1000/1", ResolveOptions{Types: []string{"URL."}}, handleproto.RCSuccess, []uint32{1, 2}},
			{"index", "10.1000/1", ResolveOptions{Indexes: []uint32{3}}, handleproto.RCSuccess, []uint32{3}},
			{"index or type", "10.1000/1", ResolveOptions{Indexes: []uint32{100}, Types: []string{"EMAIL"}}, handleproto.RCSuccess, []uint32{3, 100}},
			{"with digest", "10.1000/1", ResolveOptions{Indexes: []uint32{1}, RequestDigest: true}, handleproto.RCSuccess, []uint32{1}},
			{"unknown handle", "10.1000/none", ResolveOptions{}, handleproto.RCHandleNotFound, nil},
			{"no matching value", "10.1000/1", ResolveOptions{Types: []string{"DESC"}}, handleproto.RCValueNotFound, nil},
			{"restricted only, public-only asked", "10.1000/1", ResolveOptions{Indexes: []uint32{4}}, handleproto.RCValueNotFound, nil},
			{"restricted only, all asked", "10.1000/private", ResolveOptions{IncludeRestricted: true}, handleproto.RCAccessDenied, nil},
			{"empty handle", "", ResolveOptions{}, handleproto.RCInvalidHandle, nil},
			{"multi-packet answer", "10.1000/big", ResolveOptions{}, handleproto.RCSuccess, indexes(testSource()["10.1000/big"])},
		}
		for _, tc := range cases {
			t.Run(tr.name+"/"+tc.name, func(t *testing.T) {
				resp, err := c.Resolve(context.Background(), tc.handle, tc.o)
				if tc.code == handleproto.RCSuccess {
					if err != nil {
						t.Fatal(err)
					}
				} else {
					var re *ResponseError
					if !errors.As(err, &re) || re.Code != tc.code || re.Message == "" {
						t.Fatalf("error %v, want a %s response with a message", err, tc.code)
					}
				}
				if resp.Code != tc.code {
					t.Fatalf("code %s, want %s", resp.Code, tc.code)
				}
				if got := indexes(resp.Values); !equalU32(got, tc.want) {
					t.Fatalf("indexes %v, want %v", got, tc.want)
				}
			})
		}
	}
	want := testSource()["10.1000/1"][0]
	vals, code, err := Resolve(context.Background(), ts.addr, "10.1000/1", ResolveOptions{Indexes: []uint32{1}})
	if err != nil || code != handleproto.RCSuccess || len(vals) != 1 || string(vals[0].Data) != string(want.Data) || vals[0].TTL != 86400 || vals[0].Timestamp != want.Timestamp {
		t.Fatalf("Resolve: %v %v %+v", code, err, vals)
	}
	if n := testutil.ToFloat64(ts.srv.m.requests.WithLabelValues("udp", "RESOLUTION", "HANDLE_NOT_FOUND")); n != 1 {
		t.Fatalf("udp HANDLE_NOT_FOUND counted %v times, want 1", n)
	}
}

func equalU32(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSiteInfo(t *testing.T) {
	ts := startServer(t, testSource(), func(c *Config) { c.PublicKey = []byte{1, 2, 3}; c.Description = "test site" })
	for _, tr := range []Transport{{}, {TCPOnly: true}} {
		site, err := GetSiteInfo(context.Background(), ts.addr, tr)
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(ts.addr)
		if site.SerialNumber != 7 || site.PrimaryMask != handleproto.SitePrimary || len(site.Servers) != 1 {
			t.Fatalf("site %+v", site)
		}
		sv := site.Servers[0]
		if sv.Addr().String() != "127.0.0.1" || string(sv.PublicKey) != "\x01\x02\x03" || len(sv.Interfaces) != 2 {
			t.Fatalf("server %+v", sv)
		}
		for _, in := range sv.Interfaces {
			if in.Type != handleproto.ServiceResolution || itoa(in.Port) != port {
				t.Fatalf("interface %+v, want resolution on port %s", in, port)
			}
		}
		if site.Attributes[0] != (handleproto.Attribute{Name: "desc", Value: "test site"}) {
			t.Fatalf("attributes %+v", site.Attributes)
		}
	}
}

func itoa(p uint32) string { return (&net.TCPAddr{Port: int(p)}).String()[1:] }

func TestAdminOpcodesRefused(t *testing.T) {
	ts := startServer(t, testSource(), nil)
	c := dial(t, ts.addr, Transport{})
	for _, op := range []handleproto.OpCode{handleproto.OCCreateHandle, handleproto.OCDeleteHandle, handleproto.OCAddValue,
		handleproto.OCRemoveValue, handleproto.OCModifyValue, handleproto.OCListHandle, handleproto.OCListNA, handleproto.OCHomeNA,
		handleproto.OCSessionSetup, handleproto.OCChallengeResponse} {
		resp, err := c.Exchange(context.Background(), &handleproto.Message{
			Header: handleproto.Header{OpCode: op},
			Body:   handleproto.AppendResolutionRequest(nil, &handleproto.ResolutionRequest{Handle: "10.1000/1"}),
		})
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		e, _ := handleproto.ParseErrorBody(resp.Body)
		if resp.Header.ResponseCode != handleproto.RCOperationNotSupported || e.Message == "" {
			t.Fatalf("%s: answered %s %q", op, resp.Header.ResponseCode, e.Message)
		}
		if op.IsAdmin() && e.Message != opsNotServed {
			t.Fatalf("%s: message %q does not point to the ledger", op, e.Message)
		}
	}
}

package handleserver

import (
	"context"
	"net"
	"testing"

	"github.com/dii-net/dii/internal/handleproto"
)

// BenchmarkRespond measures the server's per-request work without the
// network: decode a RESOLUTION request, look the handle up, filter, build
// the answer.
func BenchmarkRespond(b *testing.B) {
	s := New(Config{Source: testSource()})
	cases := []struct {
		name string
		msg  []byte
	}{
		{"resolve_all", resolutionMsg("10.1000/1", handleproto.FlagPO)},
		{"resolve_type", handleproto.AppendMessage(nil, &handleproto.Message{
			Header: handleproto.Header{OpCode: handleproto.OCResolution, OpFlags: handleproto.FlagPO},
			Body:   handleproto.AppendResolutionRequest(nil, &handleproto.ResolutionRequest{Handle: "10.1000/1", Types: []string{"URL"}}),
		})},
		{"not_found", resolutionMsg("10.1000/none", handleproto.FlagPO)},
		{"siteinfo", handleproto.AppendMessage(nil, &handleproto.Message{Header: handleproto.Header{OpCode: handleproto.OCGetSiteInfo}, Body: handleproto.AppendGetSiteInfoRequest(nil, "/")})},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			env := handleproto.Envelope{MajorVersion: 2, MinorVersion: 1, RequestID: 1, MessageLength: uint32(len(c.msg))}
			out := make([]byte, 0, 4096)
			b.ReportAllocs()
			b.SetBytes(int64(len(c.msg)))
			for b.Loop() {
				out, _ = s.respond(out[:0], env, c.msg, "udp")
			}
		})
	}
}

// BenchmarkDecodeRequest measures decoding alone: envelope, message, body.
func BenchmarkDecodeRequest(b *testing.B) {
	msg := resolutionMsg("10.1000/1", handleproto.FlagPO)
	d := append(envelope(1, msg), msg...)
	b.ReportAllocs()
	for b.Loop() {
		env, _ := handleproto.ParseEnvelope(d)
		m, _ := handleproto.ParseMessage(d[handleproto.EnvelopeSize : handleproto.EnvelopeSize+env.MessageLength])
		_, _ = handleproto.ParseResolutionRequest(m.Body)
	}
}

// BenchmarkResolveUDP is a whole exchange over loopback UDP: client
// encode, server answer, client decode.
func BenchmarkResolveUDP(b *testing.B) {
	ts := startBenchServer(b)
	c, err := Dial(ts, Transport{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Resolve(ctx, "10.1000/1", ResolveOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func startBenchServer(b *testing.B) string {
	b.Helper()
	pc, err := listenUDP()
	if err != nil {
		b.Fatal(err)
	}
	s := New(Config{Source: testSource()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Serve(ctx, pc, nil); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	return pc.LocalAddr().String()
}

func listenUDP() (net.PacketConn, error) { return net.ListenPacket("udp", "127.0.0.1:0") }

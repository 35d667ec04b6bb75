package handleserver

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dii-net/dii/internal/handleproto"
)

var update = flag.Bool("update", false, "rewrite the committed fuzz seed corpus")

// respondSeeds are datagrams the fuzz target starts from.
func respondSeeds() [][]byte {
	var out [][]byte
	for _, m := range [][]byte{
		resolutionMsg("10.1000/1", 0),
		resolutionMsg("10.1000/1", handleproto.FlagRD|handleproto.FlagPO),
		resolutionMsg("10.1000/big", 0),
		resolutionMsg("10.1000/none", 0),
		handleproto.AppendMessage(nil, &handleproto.Message{Header: handleproto.Header{OpCode: handleproto.OCGetSiteInfo}, Body: handleproto.AppendGetSiteInfoRequest(nil, "/")}),
		handleproto.AppendMessage(nil, &handleproto.Message{Header: handleproto.Header{OpCode: handleproto.OCCreateHandle}}),
	} {
		out = append(out, append(envelope(1, m), m...))
	}
	return out
}

// FuzzRespond runs arbitrary datagrams through the server's answer path:
// nothing may panic, and every answer must decode as a response a Handle
// client can read (known opcode and response code).
func FuzzRespond(f *testing.F) {
	for _, d := range respondSeeds() {
		f.Add(d)
	}
	s := New(Config{Source: testSource()})
	f.Fuzz(func(t *testing.T, d []byte) {
		env, err := handleproto.ParseEnvelope(d)
		if err != nil {
			return
		}
		ans, drop := s.respond(nil, env, d[handleproto.EnvelopeSize:], "udp")
		if drop {
			return
		}
		m, err := handleproto.ParseMessage(ans)
		if err != nil {
			t.Fatalf("answer does not decode: %v\n%x", err, ans)
		}
		if !m.Header.IsResponse() || !m.Header.ResponseCode.Known() {
			t.Fatalf("answer header %+v", m.Header)
		}
		if m.Header.ResponseCode != handleproto.RCSuccess {
			if _, err := handleproto.ParseErrorBody(m.Body); err != nil {
				t.Fatalf("error body: %v", err)
			}
		}
	})
}

// TestSeeds writes the FuzzRespond seed corpus with -update.
func TestSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite the seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzRespond")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	for i, d := range respondSeeds() {
		seed := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", d)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%d", i)), []byte(seed), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

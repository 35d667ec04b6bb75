package nameserver

import (
	"io"
	"log/slog"
	"testing"

	"github.com/miekg/dns"
)

// FuzzAnswer runs arbitrary bytes through the whole query-to-answer path:
// unpack, Answer, pack. Nothing may panic, and every answer must pack and
// fit the UDP limit it was built for.
func FuzzAnswer(f *testing.F) {
	for _, m := range []*dns.Msg{q("hello.dii.", dns.TypeA), q("nope.dii.", dns.TypeAAAA), q(".", dns.TypeNS), q("hello.dii.", dns.TypeTXT)} {
		b, _ := m.Pack()
		f.Add(b)
		m.SetEdns0(4096, true)
		b, _ = m.Pack()
		f.Add(b)
	}
	s := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s.SetSnapshot(testSnapshot(f))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var m dns.Msg
		if m.Unpack(raw) != nil {
			return
		}
		for _, tcp := range []bool{false, true} {
			r := s.Answer(&m, tcp)
			b, err := r.Pack()
			if err != nil {
				t.Fatalf("answer does not pack: %v\n%v", err, r)
			}
			if !tcp && len(b) > int(DefaultMaxUDPSize) && !r.Truncated {
				t.Fatalf("UDP answer of %d bytes without TC", len(b))
			}
		}
	})
}

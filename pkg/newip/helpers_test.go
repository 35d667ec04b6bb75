package newip_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/dii-net/dii/pkg/newip"
)

// desc is everything a packet says, in encoder terms: what describe reads
// from a Packet and what encode writes.
type desc struct {
	Header    newip.Header
	Contracts []any // newip.MaxDelay, newip.LBF, newip.Ping or newip.General, in order
	Payload   []byte
	Chunks    []newip.Chunk
}

// describe reads every field of p through its accessors.
func describe(p *newip.Packet) desc {
	d := desc{Header: newip.Header{
		NITK:     p.NITK(),
		HopLimit: p.HopLimit(),
		Cast:     p.Cast(),
		Src:      p.Src(),
		Dst:      p.Dst(),
		Chunked:  p.Chunked(),
		Washed:   p.Washed(),
	}}
	it := p.Contracts()
	for c, ok := it.Next(); ok; c, ok = it.Next() {
		switch c.Type() {
		case newip.ContractMaxDelay:
			d.Contracts = append(d.Contracts, c.MaxDelay())
		case newip.ContractLBF:
			d.Contracts = append(d.Contracts, c.LBF())
		case newip.ContractPing:
			d.Contracts = append(d.Contracts, c.Ping())
		case newip.ContractGeneral:
			d.Contracts = append(d.Contracts, c.Block().General())
		}
	}
	if p.Chunked() {
		ci := p.Chunks()
		for c, ok := ci.Next(); ok; c, ok = ci.Next() {
			if len(c.Data) == 0 {
				c.Data = nil
			} else {
				c.Data = bytes.Clone(c.Data)
			}
			d.Chunks = append(d.Chunks, c)
		}
	} else if len(p.Payload()) > 0 {
		d.Payload = bytes.Clone(p.Payload())
	}
	return d
}

// encode writes d with a Builder.
func encode(d desc) ([]byte, error) {
	var b newip.Builder
	b.Reset(nil)
	b.Start(d.Header)
	for _, c := range d.Contracts {
		switch c := c.(type) {
		case newip.MaxDelay:
			b.MaxDelay(c)
		case newip.LBF:
			b.LBF(c)
		case newip.Ping:
			b.Ping(c)
		case newip.General:
			b.General(&c)
		}
	}
	if d.Header.Chunked || len(d.Chunks) > 0 {
		for _, c := range d.Chunks {
			b.Chunk(c)
		}
	} else {
		b.Payload(d.Payload)
	}
	return b.Finish()
}

// readHex reads a hand-assembled golden file: hex bytes, '#' comments.
func readHex(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.Join(strings.Fields(line), "")
		b, err := hex.DecodeString(line)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, b...)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustAddr(t testing.TB, s string) newip.Address {
	t.Helper()
	a, err := newip.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

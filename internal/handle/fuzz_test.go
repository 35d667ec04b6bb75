package handle_test

import (
	"bytes"
	"testing"

	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/handleproto"
)

// FuzzDecode: Decode never panics, and what it accepts re-encodes to its
// input, so a stored record has one form. The committed seed corpus is in
// testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	rec := &handle.Record{Handle: "20.500.dii/hello", Created: 1, Updated: 2, Values: []handle.Value{
		{Index: 1, Type: "URL", Data: []byte("https://example.org/"), TTL: 86400, Timestamp: 2, Perms: 0x0e},
		{Index: 100, Type: "HS_ADMIN", Data: []byte("\x07\xf3\x00\x00\x00\x040.NA/\x00\x00\x00\x00"), TTLType: 1, Perms: 0x0f,
			Refs: []handleproto.Reference{{Handle: "20/x", Index: 7}}},
	}}
	f.Add(rec.Encode())
	f.Add((&handle.Record{Handle: "0.NA/20"}).Encode())
	f.Add([]byte{1, 0, 1, '/', 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := handle.Decode(b)
		if err != nil {
			if r != nil {
				t.Fatalf("Decode returned a record and %v", err)
			}
			return
		}
		if out := r.Encode(); !bytes.Equal(out, b) {
			t.Fatalf("not canonical:\n in %x\nout %x", b, out)
		}
		for i := 1; i < len(r.Values); i++ {
			if r.Values[i].Index <= r.Values[i-1].Index {
				t.Fatalf("indexes out of order: %+v", r.Values)
			}
		}
		_ = r.Wire()
		_, _ = r.Alias()
	})
}

// FuzzParse: Parse never panics; what it accepts is within the bounds,
// keeps its text, and splits at the first "/".
func FuzzParse(f *testing.F) {
	for _, s := range []string{"20.500.dii/hello", "0.NA/20", "0.DII/dii1qqzdmamjdfnl6txt60ejgr0tkx4dj6vnf80p8n", "a/b/c", "20./x", "/x", "x/\x00", "ü/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := handle.Parse(s)
		if err != nil {
			return
		}
		if len(s) > handle.MaxHandleLen || h.Prefix+"/"+h.Suffix != s || h.Text != s || h.Prefix == "" || h.Suffix == "" {
			t.Fatalf("Parse(%q) = %+v", s, h)
		}
		if err := handle.CheckPrefix(h.Prefix); err != nil {
			t.Fatalf("Parse(%q) accepted the prefix: %v", s, err)
		}
		if len(h.Key()) != len(s) || !handle.EqualFold(h.Key(), s) {
			t.Fatalf("key of %q is %q", s, h.Key())
		}
	})
}

// FuzzParsePubKey: ParsePubKey never panics; an ed25519 key it returns is
// 32 bytes and PubKeyData gives back the input.
func FuzzParsePubKey(f *testing.F) {
	f.Add(handle.PubKeyData(make([]byte, 32)))
	f.Add([]byte("\x00\x00\x00\x0bDSA_PUB_KEY\x00\x00\x00\x00\x00\x01q"))
	f.Add([]byte("\x00\x00\x00\xffx"))
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, pub, err := handle.ParsePubKey(b)
		if err != nil {
			return
		}
		if typ == "" {
			t.Fatalf("empty key type from %x", b)
		}
		if pub != nil && (len(pub) != 32 || !bytes.Equal(handle.PubKeyData(pub), b)) {
			t.Fatalf("ed25519 key %x from %x", pub, b)
		}
	})
}

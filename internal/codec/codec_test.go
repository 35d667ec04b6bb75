package codec_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/codec"
)

func TestWriterReaderRoundTrip(t *testing.T) {
	w := &codec.Writer{}
	w.U8(0xab)
	w.U16(0x0102)
	w.U32(0x03040506)
	w.U64(0x0708090a0b0c0d0e)
	w.Bool(true)
	w.Bool(false)
	w.Str8("hello")
	w.Bytes16([]byte{9, 8, 7})
	w.Raw([]byte{0xff})

	want := []byte{
		0xab,
		0x01, 0x02,
		0x03, 0x04, 0x05, 0x06,
		0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
		1, 0,
		5, 'h', 'e', 'l', 'l', 'o',
		0, 3, 9, 8, 7,
		0xff,
	}
	if !bytes.Equal(w.Buf, want) {
		t.Fatalf("writer output\n got %x\nwant %x", w.Buf, want)
	}

	r := &codec.Reader{B: w.Buf}
	if v := r.U8("u8"); v != 0xab {
		t.Errorf("U8 = %#x", v)
	}
	if v := r.U16("u16"); v != 0x0102 {
		t.Errorf("U16 = %#x", v)
	}
	if v := r.U32("u32"); v != 0x03040506 {
		t.Errorf("U32 = %#x", v)
	}
	if v := r.U64("u64"); v != 0x0708090a0b0c0d0e {
		t.Errorf("U64 = %#x", v)
	}
	if !r.Bool("t") || r.Bool("f") {
		t.Error("Bool round trip failed")
	}
	if s := r.Str8("s", 0, 255); s != "hello" {
		t.Errorf("Str8 = %q", s)
	}
	if b := r.Bytes16("b"); !bytes.Equal(b, []byte{9, 8, 7}) {
		t.Errorf("Bytes16 = %x", b)
	}
	if b := r.Bytes("raw", 1); !bytes.Equal(b, []byte{0xff}) {
		t.Errorf("Bytes = %x", b)
	}
	r.End()
	if r.Err != nil {
		t.Fatalf("unexpected error: %v", r.Err)
	}
}

func TestReaderFailureSticks(t *testing.T) {
	r := &codec.Reader{B: []byte{0x00, 0x01, 0x02, 0x03, 0x04, 0x05}}
	if v := r.U32("first"); v != 0x00010203 {
		t.Fatalf("U32 = %#x", v)
	}
	// Asking for 4 bytes with 2 left fails and records the offset.
	if v := r.U32("second"); v != 0 {
		t.Fatalf("truncated U32 = %#x, want 0", v)
	}
	if !errors.Is(r.Err, codec.ErrTruncated) {
		t.Fatalf("Err = %v, want ErrTruncated", r.Err)
	}
	first := r.Err
	if !strings.Contains(first.Error(), "second") || !strings.Contains(first.Error(), "offset 4") {
		t.Errorf("error %q lacks field name or offset", first)
	}
	// Every later read returns a zero value, consumes nothing and keeps
	// the first error, even reads that would have fitted.
	if v := r.U8("third"); v != 0 {
		t.Errorf("U8 after failure = %d, want 0", v)
	}
	if v := r.U16("fourth"); v != 0 {
		t.Errorf("U16 after failure = %d, want 0", v)
	}
	if b := r.Bytes("fifth", 1); b != nil {
		t.Errorf("Bytes after failure = %x, want nil", b)
	}
	if s := r.Str8("sixth", 0, 10); s != "" {
		t.Errorf("Str8 after failure = %q", s)
	}
	if b := r.Bytes16("seventh"); b != nil {
		t.Errorf("Bytes16 after failure = %x", b)
	}
	if r.Bool("eighth") {
		t.Error("Bool after failure = true")
	}
	r.Fail("explicit", codec.ErrField, "later")
	r.End()
	if r.Err != first {
		t.Errorf("Err changed to %v, want the first error %v", r.Err, first)
	}
	if r.Off != 4 {
		t.Errorf("Off = %d after failure, want 4", r.Off)
	}
}

func TestReaderBytesBounds(t *testing.T) {
	for _, n := range []int{-1, 4} {
		r := &codec.Reader{B: []byte{1, 2, 3}}
		if b := r.Bytes("x", n); b != nil || !errors.Is(r.Err, codec.ErrTruncated) {
			t.Errorf("Bytes(%d) = %x, %v; want nil, ErrTruncated", n, b, r.Err)
		}
	}
	// Bytes shares memory but caps the capacity, so appending to the
	// result never overwrites the input.
	in := []byte{1, 2, 3, 4}
	r := &codec.Reader{B: in}
	b := r.Bytes("x", 2)
	if cap(b) != 2 {
		t.Fatalf("cap = %d, want 2", cap(b))
	}
	_ = append(b, 0xee)
	if in[2] != 3 {
		t.Fatal("append to a Bytes result overwrote the input")
	}
	// Zero bytes at the very end is fine.
	r = &codec.Reader{B: []byte{7}}
	r.U8("a")
	if b := r.Bytes("empty", 0); b == nil || len(b) != 0 || r.Err != nil {
		t.Fatalf("Bytes(0) at end = %v, %v", b, r.Err)
	}
}

func TestReaderBool(t *testing.T) {
	tests := []struct {
		in      []byte
		want    bool
		wantErr error
	}{
		{[]byte{0}, false, nil},
		{[]byte{1}, true, nil},
		{[]byte{2}, false, codec.ErrField},
		{[]byte{0xff}, false, codec.ErrField},
		{nil, false, codec.ErrTruncated},
	}
	for _, tc := range tests {
		r := &codec.Reader{B: tc.in}
		got := r.Bool("flag")
		if got != tc.want {
			t.Errorf("Bool(%x) = %v, want %v", tc.in, got, tc.want)
		}
		if tc.wantErr == nil && r.Err != nil || tc.wantErr != nil && !errors.Is(r.Err, tc.wantErr) {
			t.Errorf("Bool(%x) error %v, want %v", tc.in, r.Err, tc.wantErr)
		}
	}
}

func TestReaderStr8Bounds(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		min     int
		max     int
		want    string
		wantErr error
		wantOff int
	}{
		{"empty allowed", []byte{0}, 0, 5, "", nil, 1},
		{"empty refused", []byte{0}, 1, 5, "", codec.ErrField, 1},
		{"at min", []byte{1, 'a'}, 1, 5, "a", nil, 2},
		{"at max", []byte{3, 'a', 'b', 'c'}, 1, 3, "abc", nil, 4},
		{"over max", []byte{4, 'a', 'b', 'c', 'd'}, 1, 3, "", codec.ErrField, 1},
		{"length byte missing", nil, 0, 3, "", codec.ErrTruncated, 0},
		{"data short", []byte{3, 'a', 'b'}, 0, 5, "", codec.ErrTruncated, 1},
		{"max 255", append([]byte{255}, bytes.Repeat([]byte{'x'}, 255)...), 1, 255, strings.Repeat("x", 255), nil, 256},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &codec.Reader{B: tc.in}
			got := r.Str8("s", tc.min, tc.max)
			if got != tc.want {
				t.Errorf("Str8 = %q, want %q", got, tc.want)
			}
			if tc.wantErr == nil && r.Err != nil || tc.wantErr != nil && !errors.Is(r.Err, tc.wantErr) {
				t.Errorf("error %v, want %v", r.Err, tc.wantErr)
			}
			if r.Off != tc.wantOff {
				t.Errorf("Off = %d, want %d", r.Off, tc.wantOff)
			}
		})
	}
}

func TestReaderBytes16(t *testing.T) {
	in := []byte{0, 2, 0xaa, 0xbb, 0xcc}
	r := &codec.Reader{B: in}
	b := r.Bytes16("b")
	if !bytes.Equal(b, []byte{0xaa, 0xbb}) || r.Err != nil {
		t.Fatalf("Bytes16 = %x, %v", b, r.Err)
	}
	// The result is a copy: changing the input does not change it.
	in[2] = 0
	if b[0] != 0xaa {
		t.Fatal("Bytes16 result shares the input's memory")
	}
	r.End()
	if !errors.Is(r.Err, codec.ErrTrailing) {
		t.Fatalf("End with 1 byte left: %v, want ErrTrailing", r.Err)
	}

	r = &codec.Reader{B: []byte{0, 0}}
	if b := r.Bytes16("empty"); b == nil || len(b) != 0 || r.Err != nil {
		t.Fatalf("empty Bytes16 = %#v, %v; want non-nil empty", b, r.Err)
	}

	for _, in := range [][]byte{{}, {0}, {0, 3, 1, 2}, {0xff, 0xff}} {
		r := &codec.Reader{B: in}
		if b := r.Bytes16("b"); b != nil || !errors.Is(r.Err, codec.ErrTruncated) {
			t.Errorf("Bytes16(%x) = %x, %v; want nil, ErrTruncated", in, b, r.Err)
		}
	}

	w := &codec.Writer{}
	big := bytes.Repeat([]byte{1}, 65535)
	w.Bytes16(big)
	r = &codec.Reader{B: w.Buf}
	if b := r.Bytes16("big"); !bytes.Equal(b, big) {
		t.Fatalf("65535-byte Bytes16 round trip failed: %d bytes, %v", len(b), r.Err)
	}
	r.End()
	if r.Err != nil {
		t.Fatal(r.Err)
	}
}

func TestReaderEnd(t *testing.T) {
	r := &codec.Reader{B: []byte{1, 2}}
	r.End()
	if !errors.Is(r.Err, codec.ErrTrailing) {
		t.Fatalf("End at offset 0 of 2: %v, want ErrTrailing", r.Err)
	}
	r = &codec.Reader{B: []byte{1, 2}}
	r.U16("x")
	r.End()
	if r.Err != nil {
		t.Fatalf("End after reading everything: %v", r.Err)
	}
	r = &codec.Reader{}
	r.End()
	if r.Err != nil {
		t.Fatalf("End on empty input: %v", r.Err)
	}
	// After an earlier failure End keeps that error.
	r = &codec.Reader{B: []byte{1, 2, 3}}
	r.U32("x")
	r.End()
	if !errors.Is(r.Err, codec.ErrTruncated) || errors.Is(r.Err, codec.ErrTrailing) {
		t.Fatalf("End after failure: %v, want the ErrTruncated only", r.Err)
	}
}

func TestFailDetail(t *testing.T) {
	r := &codec.Reader{B: []byte{1}}
	r.U8("x")
	r.Fail("field", codec.ErrField, "")
	if got, want := r.Err.Error(), "field at offset 1: invalid field"; got != want {
		t.Errorf("Err = %q, want %q", got, want)
	}
	r = &codec.Reader{}
	r.Fail("field", codec.ErrField, "why")
	if got, want := r.Err.Error(), "field at offset 0: invalid field: why"; got != want {
		t.Errorf("Err = %q, want %q", got, want)
	}
}

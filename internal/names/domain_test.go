package names

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

// punycode encodes u as an A-label without any IDNA2008 validation.
func punycode(u string) string {
	a, err := idna.Punycode.ToASCII(u)
	if err != nil {
		panic(err)
	}
	return a
}

// label returns a label of n copies of 'a'.
func label(n int) string { return strings.Repeat("a", n) }

// nameOfLen builds a name of exactly n octets (n >= 5) ending in ".dii".
func nameOfLen(n int) string {
	var parts []string
	rest := n - len(".dii")
	for rest > 0 {
		l := min(63, rest)
		if rest-l == 1 { // a trailing lone dot would make an empty label
			l--
		}
		parts = append(parts, label(l))
		rest -= l + 1
	}
	s := strings.Join(parts, ".") + ".dii"
	if len(s) != n {
		panic("nameOfLen: bad arithmetic")
	}
	return s
}

type nameCase struct {
	in   string
	want string // when err is nil
	err  error
}

func runNameCases(t *testing.T, fn func(string) (string, error), cases []nameCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			t.Helper()
			got, err := fn(c.in)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("(%q) error = %v, want %v", c.in, err, c.err)
				}
				if got != "" {
					t.Errorf("(%q) = %q with an error, want \"\"", c.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("(%q) unexpected error: %v", c.in, err)
			}
			if got != c.want {
				t.Fatalf("(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// commonNameCases hold for both ParseDomain and ParseOwner.
func commonNameCases() []nameCase {
	return []nameCase{
		{in: "dii", want: "dii"},
		{in: "dii.", want: "dii"},
		{in: "Example.DII.", want: "example.dii"},
		{in: "sub.example.dii", want: "sub.example.dii"},
		{in: "a-b.c0.dii", want: "a-b.c0.dii"},
		{in: "123.dii", want: "123.dii"},
		{in: "dii2", want: "dii2"},
		{in: "a1", want: "a1"},

		{in: "", err: ErrEmpty},
		{in: ".", err: ErrEmpty},
		{in: "..", err: ErrEmptyLabel},
		{in: "a..dii", err: ErrEmptyLabel},
		{in: ".dii", err: ErrEmptyLabel},
		{in: "dii..", err: ErrEmptyLabel},

		{in: label(63) + ".dii", want: label(63) + ".dii"},
		{in: label(64) + ".dii", err: ErrLabelTooLong},
		{in: label(64), err: ErrLabelTooLong},
		{in: nameOfLen(253), want: nameOfLen(253)},
		{in: nameOfLen(253) + ".", want: nameOfLen(253)},
		{in: nameOfLen(254), err: ErrNameTooLong},
		{in: nameOfLen(254) + ".", err: ErrNameTooLong},

		{in: "-a.dii", err: ErrHyphen},
		{in: "a-.dii", err: ErrHyphen},
		{in: "-", err: ErrHyphen},
		{in: "dii-", err: ErrHyphen},
		{in: "a b.dii", err: ErrBadChar},
		{in: "a/b.dii", err: ErrBadChar},
		{in: "a\\.b.dii", err: ErrBadChar},
		{in: "bücher.dii", err: ErrBadChar},
		{in: "a\x00.dii", err: ErrBadChar},
		{in: "a@b.dii", err: ErrBadChar},

		{in: "xn--bcher-kva.dii", want: "xn--bcher-kva.dii"},
		{in: "XN--BCHER-KVA.dii", want: "xn--bcher-kva.dii"},
		{in: "xn--fiqs8s", want: "xn--fiqs8s"},                                       // 中国
		{in: "xn--mgbh0fb.xn--mgberp4a5d4ar", want: "xn--mgbh0fb.xn--mgberp4a5d4ar"}, // مثال.السعودية
		{in: "xn--a.dii", err: ErrBadALabel},
		{in: "xn--.dii", err: ErrHyphen},
		{in: "xn--n3h.dii", err: ErrBadALabel},                // ☃: disallowed in IDNA2008
		{in: punycode("u\u0308") + ".dii", err: ErrBadALabel}, // not NFC
		{in: punycode("\u00dc") + ".dii", err: ErrBadALabel},  // upper case Ü
		{in: punycode("\u0308a") + ".dii", err: ErrBadALabel}, // leading combining mark
		{in: "xn--abc-.dii", err: ErrHyphen},
		{in: "xn--abc.dii", err: ErrBadALabel}, // decodes to something invalid
		{in: "xn--zz-.dii", err: ErrHyphen},
		{in: "ab--cd.dii", err: ErrBadALabel},         // reserved R-LDH label
		{in: "a--b.dii", want: "a--b.dii"},            // "--" elsewhere is fine
		{in: "1a.xn--mgbh0fb.dii", err: ErrBadALabel}, // bidi rule across labels

		{in: "123", err: ErrNumericTLD},
		{in: "example.123", err: ErrNumericTLD},
		{in: "example.123.", err: ErrNumericTLD},
	}
}

func TestParseDomain(t *testing.T) {
	cases := append(commonNameCases(),
		nameCase{in: "_tcp.example.dii", err: ErrBadChar},
		nameCase{in: "*.example.dii", err: ErrBadChar},
		nameCase{in: "a_b.dii", err: ErrBadChar},
	)
	runNameCases(t, ParseDomain, cases)
}

func TestParseOwner(t *testing.T) {
	cases := append(commonNameCases(),
		nameCase{in: "_tcp.example.dii", want: "_tcp.example.dii"},
		nameCase{in: "_443._tcp.www.example.dii.", want: "_443._tcp.www.example.dii"},
		nameCase{in: "_DMARC.Example.dii", want: "_dmarc.example.dii"},
		nameCase{in: "s1._domainkey.example.dii", want: "s1._domainkey.example.dii"},
		nameCase{in: "_acme-challenge.example.dii", want: "_acme-challenge.example.dii"},
		nameCase{in: "_" + label(62) + ".dii", want: "_" + label(62) + ".dii"},
		nameCase{in: "_" + label(63) + ".dii", err: ErrLabelTooLong},
		nameCase{in: "_.example.dii", err: ErrBadChar},
		nameCase{in: "__a.example.dii", err: ErrBadChar},
		nameCase{in: "a_b.example.dii", err: ErrBadChar},
		nameCase{in: "_tcp", err: ErrBadChar},
		nameCase{in: "example._dii", err: ErrBadChar},

		nameCase{in: "*.example.dii", want: "*.example.dii"},
		nameCase{in: "*.dii", want: "*.dii"},
		nameCase{in: "*._tcp.example.dii", want: "*._tcp.example.dii"},
		nameCase{in: "*", err: ErrWildcard},
		nameCase{in: "a.*.dii", err: ErrWildcard},
		nameCase{in: "*a.dii", err: ErrWildcard},
		nameCase{in: "**.dii", err: ErrWildcard},
		nameCase{in: "*.*.dii", err: ErrWildcard},
	)
	runNameCases(t, ParseOwner, cases)
}

func TestToASCII(t *testing.T) {
	runNameCases(t, ToASCII, []nameCase{
		{in: "bücher.dii", want: "xn--bcher-kva.dii"},
		{in: "BÜCHER.DII.", want: "xn--bcher-kva.dii"},
		{in: "straße.dii", want: "xn--strae-oqa.dii"}, // non-transitional: ß kept
		{in: "中国.dii", want: "xn--fiqs8s.dii"},
		{in: "例子.中国", want: "xn--fsqu00a.xn--fiqs8s"},
		{in: "مثال.dii", want: "xn--mgbh0fb.dii"},
		{in: "مثال.السعودية", want: "xn--mgbh0fb.xn--mgberp4a5d4ar"},
		{in: "bücher。dii", want: "xn--bcher-kva.dii"}, // ideographic full stop
		{in: "ｅｘａｍｐｌｅ.dii", want: "example.dii"},      // fullwidth letters
		{in: "example.dii", want: "example.dii"},
		{in: "Example.DII", want: "example.dii"},

		{in: "", err: ErrEmpty},
		{in: "ab--cd.dii", err: ErrBadALabel},
		{in: "-bücher.dii", err: ErrBadULabel},
		{in: "bü_cher.dii", err: ErrBadULabel},
		{in: "1a.مثال", err: ErrBadULabel}, // bidi rule
		{in: "☃\u200d.dii", err: ErrBadULabel},
		{in: "☃.dii", err: ErrBadULabel}, // symbol: NV8, valid in UTS #46 but not IDNA2008
		{in: "i❤.dii", err: ErrBadULabel},
		{in: "a\u20dd.dii", err: ErrBadULabel}, // combining mark for symbols
		{in: "bücher..dii", err: ErrEmptyLabel},
		{in: strings.Repeat("ü", 60) + ".dii", err: ErrLabelTooLong},
		{in: "bücher.123", err: ErrNumericTLD},
	})
}

func TestToUnicode(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"xn--bcher-kva.dii", "bücher.dii"},
		{"xn--bcher-kva.dii.", "bücher.dii."},
		{"xn--fiqs8s", "中国"},
		{"_tcp.xn--mgbh0fb.dii", "_tcp.مثال.dii"},
		{"example.dii", "example.dii"},
		{"Example.DII", "Example.DII"}, // nothing to convert: unchanged
		{"xn--a.dii", "xn--a.dii"},     // invalid: unchanged
		{"", ""},
	} {
		if got := ToUnicode(c.in); got != c.want {
			t.Errorf("ToUnicode(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestToASCIIToUnicodeRoundTrip(t *testing.T) {
	for _, u := range []string{"bücher.dii", "中国.dii", "مثال.dii", "пример.dii", "ελληνικά.dii"} {
		a, err := ToASCII(u)
		if err != nil {
			t.Fatalf("ToASCII(%q): %v", u, err)
		}
		if back := ToUnicode(a); back != u {
			t.Errorf("ToUnicode(ToASCII(%q)) = %q (via %q)", u, back, a)
		}
	}
}

func TestErrorMessagesLowerCase(t *testing.T) {
	for _, in := range []string{"", "-a.dii", "a b.dii", label(64), "xn--a", "123", "*.*", nameOfLen(254)} {
		_, err := ParseOwner(in)
		if err == nil {
			t.Fatalf("ParseOwner(%q): no error", in)
		}
		msg := err.Error()
		if msg == "" || msg[0] >= 'A' && msg[0] <= 'Z' {
			t.Errorf("ParseOwner(%q) error %q does not start in lower case", in, msg)
		}
	}
}

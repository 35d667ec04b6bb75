package zone

import (
	"strings"
)

// sep joins the labels of an index key. It sorts below every byte a stored
// label may hold ([a-z0-9-_*]), so the byte order of keys is the canonical
// DNS name order of RFC 4034 §6.1, and a name's key is immediately followed
// by the keys of its descendants.
const sep = ' '

// maxWire is the longest domain name in wire form (RFC 1035 §2.3.4).
const maxWire = 255

// plainByte reports whether c may appear in a stored label: the alphabet of
// names.ParseOwner in lower case.
func plainByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '*'
}

// keyOf returns the index key of a canonical name (no trailing dot needed):
// its labels rightmost first, joined by sep. The root's key is "".
func keyOf(name string) string {
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(name))
	end := len(name)
	for i := len(name) - 1; i >= -1; i-- {
		if i >= 0 && name[i] != '.' {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(sep)
		}
		b.WriteString(name[i+1 : end])
		end = i
	}
	return b.String()
}

// depthOf returns the number of labels of a key.
func depthOf(key string) int {
	if key == "" {
		return 0
	}
	return strings.Count(key, string(sep)) + 1
}

// under reports whether key is a strict descendant of anc.
func under(key, anc string) bool {
	if anc == "" {
		return key != ""
	}
	return len(key) > len(anc) && key[len(anc)] == sep && key[:len(anc)] == anc
}

// plainName checks that a stored name (no trailing dot) is made of stored
// labels: non-empty, at most 63 octets, all bytes plainByte, at most 253
// octets in all. Such a name needs no escapes and its key is unambiguous.
func plainName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	l := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '.':
			if l == 0 {
				return false
			}
			l = 0
		case plainByte(c):
			l++
			if l > 63 {
				return false
			}
		default:
			return false
		}
	}
	return l > 0
}

// qname is a parsed query name.
type qname struct {
	pres  string // canonical presentation form: lower case, fully qualified ("." for the root)
	key   string // key of the longest suffix made only of stored-label bytes
	n     int    // labels in key
	total int    // labels in the name
	wire  int    // octets in wire form
}

// full reports whether every label is in key, so the name can be a node.
func (q *qname) full() bool { return q.n == q.total }

// parseName parses a domain name in presentation form (as miekg/dns gives
// it: escapes \X and \DDD, trailing dot optional). It fails on empty
// labels, bad escapes, labels over 63 octets and names over 255 octets in
// wire form.
func parseName(s string) (qname, bool) {
	if s == "" || s == "." {
		return qname{pres: ".", wire: 1}, true
	}
	if q, ok := parseFast(s); ok {
		return q, true
	}
	return parseSlow(s)
}

// parseFast handles the common case: only stored-label bytes and dots.
func parseFast(s string) (qname, bool) {
	l, labels := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if l == 0 {
				return qname{}, false
			}
			l = 0
			labels++
		case plainByte(c):
			l++
			if l > 63 {
				return qname{}, false
			}
		default:
			return qname{}, false
		}
	}
	pres := s
	if l > 0 {
		labels++
		pres = s + "."
	}
	if len(pres)+1 > maxWire {
		return qname{}, false
	}
	return qname{pres: pres, key: keyOf(pres), n: labels, total: labels, wire: len(pres) + 1}, true
}

// parseSlow decodes escapes, folds case and re-encodes.
func parseSlow(s string) (qname, bool) {
	var wire [maxWire]byte
	w := 0     // bytes used in wire
	start := 0 // index of the current label's length octet
	open := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if !open {
				return qname{}, false
			}
			wire[start] = byte(w - start - 1)
			open = false
			continue
		}
		if c == '\\' {
			i++
			if i >= len(s) {
				return qname{}, false
			}
			c = s[i]
			if isDigit(c) {
				if i+2 >= len(s) || !isDigit(s[i+1]) || !isDigit(s[i+2]) {
					return qname{}, false
				}
				v := int(c-'0')*100 + int(s[i+1]-'0')*10 + int(s[i+2]-'0')
				if v > 255 {
					return qname{}, false
				}
				c = byte(v)
				i += 2
			}
		}
		if !open {
			if w >= maxWire-1 {
				return qname{}, false
			}
			start = w
			w++
			open = true
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if w >= maxWire-1 || w-start > 63 {
			return qname{}, false
		}
		wire[w] = c
		w++
	}
	if open {
		wire[start] = byte(w - start - 1)
	}
	// w octets of labels plus the root octet.
	q := qname{wire: w + 1}
	var offs [128]int
	for i := 0; i < w; i += int(wire[i]) + 1 {
		offs[q.total] = i
		q.total++
	}
	var pres strings.Builder
	pres.Grow(w + 8)
	for j := 0; j < q.total; j++ {
		o := offs[j]
		for _, c := range wire[o+1 : o+1+int(wire[o])] {
			writeEscaped(&pres, c)
		}
		pres.WriteByte('.')
	}
	q.pres = pres.String()
	if q.total == 0 {
		q.pres = "."
		return q, true
	}
	var key strings.Builder
	key.Grow(w)
	for j := q.total - 1; j >= 0; j-- {
		o := offs[j]
		label := wire[o+1 : o+1+int(wire[o])]
		if !plainLabel(label) {
			break
		}
		if key.Len() > 0 {
			key.WriteByte(sep)
		}
		key.Write(label)
		q.n++
	}
	q.key = key.String()
	return q, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func plainLabel(l []byte) bool {
	for _, c := range l {
		if !plainByte(c) {
			return false
		}
	}
	return len(l) > 0
}

// writeEscaped writes one label octet in presentation form, escaping as
// miekg/dns does.
func writeEscaped(b *strings.Builder, c byte) {
	switch {
	case c == '.' || c == ' ' || c == '\'' || c == '@' || c == ';' || c == '(' || c == ')' || c == '"' || c == '\\':
		b.WriteByte('\\')
		b.WriteByte(c)
	case c < 0x21 || c > 0x7e:
		b.WriteByte('\\')
		b.WriteByte('0' + c/100)
		b.WriteByte('0' + c/10%10)
		b.WriteByte('0' + c%10)
	default:
		b.WriteByte(c)
	}
}

// leadingLabels returns the first k labels of a canonical presentation name
// including the dot after the last of them.
func leadingLabels(pres string, k int) string {
	if k <= 0 {
		return ""
	}
	for i := 0; i < len(pres); i++ {
		switch pres[i] {
		case '\\':
			if i+1 < len(pres) && isDigit(pres[i+1]) {
				i += 3
			} else {
				i++
			}
		case '.':
			k--
			if k == 0 {
				return pres[:i+1]
			}
		}
	}
	return pres
}

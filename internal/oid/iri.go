package oid

import (
	"fmt"
	"strings"

	"github.com/dii-net/dii/internal/state"
)

// ParseIRI reads an OID-IRI ("/Joint-ISO-ITU-T/Example/677") into its
// labels, each put in NFC. A label is an integer label (an arc number,
// with Parse's rules for one arc) or a Unicode label (CheckLabel's rules).
// Long arcs (X.660 labels that skip levels) are not supported: each label
// names one arc below the previous one. Failures wrap ErrInvalidOID or
// ErrInvalidLabel.
func ParseIRI(s string) ([]string, error) {
	if !strings.HasPrefix(s, "/") {
		return nil, fmt.Errorf("%w: an OID-IRI starts with \"/\"", ErrInvalidOID)
	}
	if len(s) > MaxArcs*(1+4*MaxLabelDNSLen) {
		return nil, fmt.Errorf("%w: OID-IRI of %d bytes", ErrInvalidOID, len(s))
	}
	segs := strings.Split(s[1:], "/")
	if len(segs) > MaxArcs {
		return nil, fmt.Errorf("%w: %d labels, limit %d", ErrInvalidOID, len(segs), MaxArcs)
	}
	for i, seg := range segs {
		if seg == "" {
			return nil, fmt.Errorf("%w: label %d of the OID-IRI is empty", ErrInvalidOID, i+1)
		}
		if isDigits(seg) {
			if _, err := parseArc(seg); err != nil {
				return nil, fmt.Errorf("%w: label %d %w", ErrInvalidOID, i+1, err)
			}
			continue
		}
		seg = NormalizeLabel(seg)
		if err := CheckLabel(seg); err != nil {
			return nil, err
		}
		segs[i] = seg
	}
	return segs, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Resolve reads an OID in dotted form, or an OID-IRI (starting with "/")
// whose labels it looks up in r, one level at a time.
func Resolve(r state.Reader, s string) (OID, error) {
	if !strings.HasPrefix(s, "/") {
		return Parse(s)
	}
	segs, err := ParseIRI(s)
	if err != nil {
		return nil, err
	}
	var o OID
	for _, seg := range segs {
		if isDigits(seg) {
			n, _ := parseArc(seg)
			o = o.Child(n)
			continue
		}
		a, err := ChildByLabel(r, o, seg)
		if err != nil {
			return nil, err
		}
		o = a.OID
	}
	if err := o.Check(); err != nil {
		return nil, err
	}
	return o, nil
}

// Names gives the OID-IRI and the ASN.1 value notation of o, from the
// preferred (first) label and identifier of each registered arc on its
// path; an arc with none (or not registered) is shown by its number.
func Names(r state.Reader, o OID) (iri, asn1 string) {
	var ib, ab strings.Builder
	ab.WriteString("{")
	for i := range o {
		n := o[i]
		var a *Arc
		if got, err := Get(r, o[:i+1]); err == nil {
			a = got
		}
		ib.WriteByte('/')
		if i > 0 {
			ab.WriteByte(' ')
		}
		switch {
		case a != nil && len(a.Labels) > 0:
			ib.WriteString(a.Labels[0])
		default:
			fmt.Fprintf(&ib, "%d", n)
		}
		switch {
		case a != nil && len(a.Identifiers) > 0:
			fmt.Fprintf(&ab, "%s(%d)", a.Identifiers[0], n)
		default:
			fmt.Fprintf(&ab, "%d", n)
		}
	}
	ab.WriteString("}")
	return ib.String(), ab.String()
}

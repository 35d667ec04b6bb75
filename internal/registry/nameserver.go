package registry

import (
	"bytes"
	"fmt"
	"net/netip"
	"sort"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/codec"
	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// NameserverPrefix is the state key prefix of root name server entries.
const NameserverPrefix = "s/ns/"

// NameserverKey is the state key of an operator's name server entry.
func NameserverKey(a tx.Address) []byte { return append([]byte(NameserverPrefix), a[:]...) }

// Nameserver is one operator's published name server: the root zone's NS
// set, glue and DNSKEY set are the union of these entries, so the name
// servers of the ledger's root are themselves on the ledger.
type Nameserver struct {
	Operator tx.Address
	Name     string // host name, no trailing dot
	Addrs    []netip.Addr
	DNSKEY   []byte // DNSKEY RDATA, wire form; empty: the server does not sign
}

const nameserverVersion = 1

// Encode returns the entry's canonical encoding.
func (n *Nameserver) Encode() []byte {
	w := &codec.Writer{}
	w.U8(nameserverVersion)
	w.Raw(n.Operator[:])
	w.Str8(n.Name)
	w.U8(uint8(len(n.Addrs)))
	for _, a := range n.Addrs {
		b := a.AsSlice()
		w.U8(uint8(len(b)))
		w.Raw(b)
	}
	w.Bytes16(n.DNSKEY)
	return w.Buf
}

// DecodeNameserver parses an entry strictly.
func DecodeNameserver(b []byte) (*Nameserver, error) {
	r := &codec.Reader{B: b}
	if v := r.U8("version"); r.Err == nil && v != nameserverVersion {
		return nil, fmt.Errorf("%w: name server entry version %d", ErrBadRecord, v)
	}
	n := &Nameserver{}
	copy(n.Operator[:], r.Bytes("operator", tx.AddressLen))
	n.Name = r.Str8("name", 1, 253)
	c := int(r.U8("address count"))
	for i := 0; i < c && r.Err == nil; i++ {
		l := int(r.U8("address length"))
		raw := r.Bytes("address", l)
		if r.Err != nil {
			break
		}
		a, ok := netip.AddrFromSlice(raw)
		if !ok || (l != 4 && l != 16) {
			r.Fail("address", codec.ErrField, "not 4 or 16 bytes")
			break
		}
		n.Addrs = append(n.Addrs, a)
	}
	n.DNSKEY = r.Bytes16("dnskey")
	if len(n.DNSKEY) == 0 {
		n.DNSKEY = nil
	}
	r.End()
	if r.Err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRecord, r.Err)
	}
	return n, nil
}

// Nameservers lists every published entry, sorted by name and then by
// operator.
func Nameservers(r state.Reader) ([]*Nameserver, error) {
	var out []*Nameserver
	var err error
	p := []byte(NameserverPrefix)
	r.Iterate(p, state.PrefixEnd(p), func(_, v []byte) bool {
		n, derr := DecodeNameserver(v)
		if derr != nil {
			err = derr
			return false
		}
		out = append(out, n)
		return true
	})
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return bytes.Compare(out[i].Operator[:], out[j].Operator[:]) < 0
	})
	return out, err
}

// CheckDNSKEY validates DNSKEY RDATA for a root name server: a zone key
// (flags 256 or 257) of protocol 3 with an algorithm dii signs with
// (13, ECDSA P-256 with SHA-256, or 15, Ed25519) and a key of the right size.
func CheckDNSKEY(rdata []byte) (*dns.DNSKEY, error) {
	hdr := dns.RR_Header{Name: ".", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Rdlength: uint16(len(rdata))}
	if len(rdata) > 0xffff {
		return nil, fmt.Errorf("%w: dnskey too long", ErrRecordData)
	}
	rr, _, err := dns.UnpackRRWithHeader(hdr, rdata, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: dnskey: %v", ErrRecordData, err)
	}
	k, ok := rr.(*dns.DNSKEY)
	if !ok {
		return nil, fmt.Errorf("%w: dnskey: not a DNSKEY", ErrRecordData)
	}
	if k.Flags != 256 && k.Flags != 257 {
		return nil, fmt.Errorf("%w: dnskey flags %d, want 256 or 257", ErrRecordData, k.Flags)
	}
	if k.Protocol != 3 {
		return nil, fmt.Errorf("%w: dnskey protocol %d, want 3", ErrRecordData, k.Protocol)
	}
	want := map[uint8]int{dns.ECDSAP256SHA256: 64, dns.ED25519: 32}[k.Algorithm]
	if want == 0 {
		return nil, fmt.Errorf("%w: dnskey algorithm %d, want 13 or 15", ErrRecordData, k.Algorithm)
	}
	if pk := k.PublicKey; len(pk) == 0 {
		return nil, fmt.Errorf("%w: dnskey without a key", ErrRecordData)
	}
	full := make([]byte, len(rdata)+11)
	if n, err := dns.PackRR(k, full, 0, nil, false); err != nil || !bytes.Equal(full[n-len(rdata):n], rdata) {
		return nil, fmt.Errorf("%w: dnskey is not in canonical form", ErrRecordData)
	}
	if l := len(rdata) - 4; l != want {
		return nil, fmt.Errorf("%w: dnskey algorithm %d key is %d bytes, want %d", ErrRecordData, k.Algorithm, l, want)
	}
	return k, nil
}

func setNameserver(w *state.Overlay, p *Params, signer tx.Address, o *tx.Nameserver) error {
	if !p.IsOperator(signer) {
		return fmt.Errorf("%w: only a registry operator or a validator's operator may publish a root name server", ErrUnauthorized)
	}
	return PutNameserver(w, signer, o)
}

// PutNameserver publishes (or with an empty name withdraws) signer's root
// name server entry, checking the entry but not who signer is: Exec lets
// registry operators do it; the ledger also lets validators' operators.
func PutNameserver(w *state.Overlay, signer tx.Address, o *tx.Nameserver) error {
	if o.Name == "" {
		if len(o.Addrs) > 0 || len(o.DNSKEY) > 0 {
			return fmt.Errorf("%w: withdrawing a name server takes no addresses or key", ErrInvalid)
		}
		w.Delete(NameserverKey(signer))
		return nil
	}
	name, err := names.ParseDomain(o.Name)
	if err != nil {
		return err
	}
	if len(o.Addrs) == 0 {
		return fmt.Errorf("%w: a name server needs at least one address", ErrInvalid)
	}
	n := &Nameserver{Operator: signer, Name: name}
	seen := map[netip.Addr]bool{}
	for _, raw := range o.Addrs {
		a, _ := netip.AddrFromSlice(raw)
		if !a.IsValid() || a.IsUnspecified() || a.IsMulticast() || (len(raw) == 16 && a.Is4In6()) {
			return fmt.Errorf("%w: name server address %v", ErrInvalid, a)
		}
		if seen[a] {
			return fmt.Errorf("%w: address %v listed twice", ErrInvalid, a)
		}
		seen[a] = true
		n.Addrs = append(n.Addrs, a)
	}
	if len(o.DNSKEY) > 0 {
		if _, err := CheckDNSKEY(o.DNSKEY); err != nil {
			return err
		}
		n.DNSKEY = o.DNSKEY
	}
	w.Set(NameserverKey(signer), n.Encode())
	return nil
}

package registry

import (
	"errors"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

func dnskeyRData(t *testing.T, flags uint16, alg uint8) []byte {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET}, Flags: flags, Protocol: 3, Algorithm: alg}
	if _, err := k.Generate(256); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	n, err := dns.PackRR(k, buf, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	return buf[n-int(k.Hdr.Rdlength) : n]
}

func TestNameserverEntries(t *testing.T) {
	op, other := tx.Address{1}, tx.Address{2}
	p := &Params{Operators: []tx.Address{op}, DefaultPeriodDays: 365, MaxPeriodDays: 3650, GraceDays: 30}
	good := dnskeyRData(t, 257, dns.ECDSAP256SHA256)
	cases := []struct {
		name   string
		signer tx.Address
		op     *tx.Nameserver
		err    error
	}{
		{"operator publishes", op, &tx.Nameserver{Name: "ns1.dii-nic", Addrs: [][]byte{{127, 0, 0, 1}}, DNSKEY: good}, nil},
		{"not an operator", other, &tx.Nameserver{Name: "ns1.x", Addrs: [][]byte{{127, 0, 0, 1}}}, ErrUnauthorized},
		{"no address", op, &tx.Nameserver{Name: "ns1.dii-nic"}, ErrInvalid},
		{"unspecified address", op, &tx.Nameserver{Name: "ns1.dii-nic", Addrs: [][]byte{{0, 0, 0, 0}}}, ErrInvalid},
		{"duplicate address", op, &tx.Nameserver{Name: "ns1.dii-nic", Addrs: [][]byte{{127, 0, 0, 1}, {127, 0, 0, 1}}}, ErrInvalid},
		{"bad key", op, &tx.Nameserver{Name: "ns1.dii-nic", Addrs: [][]byte{{127, 0, 0, 1}}, DNSKEY: []byte{1, 2, 3}}, ErrRecordData},
		{"wrong flags", op, &tx.Nameserver{Name: "ns1.dii-nic", Addrs: [][]byte{{127, 0, 0, 1}}, DNSKEY: dnskeyRData(t, 1, dns.ECDSAP256SHA256)}, ErrRecordData},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := state.NewOverlay(state.Empty())
			err := Exec(w, p, c.signer, 100, c.op)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if err != nil {
				return
			}
			list, err := Nameservers(w)
			if err != nil || len(list) != 1 || list[0].Name != "ns1.dii-nic" || list[0].Operator != op {
				t.Fatalf("entries %+v %v", list, err)
			}
			raw := list[0].Encode()
			again, err := DecodeNameserver(raw)
			if err != nil || string(again.Encode()) != string(raw) {
				t.Fatalf("round trip: %v", err)
			}
			// Withdraw.
			if err := Exec(w, p, op, 100, &tx.Nameserver{}); err != nil {
				t.Fatal(err)
			}
			if list, _ := Nameservers(w); len(list) != 0 {
				t.Fatalf("after withdrawal: %+v", list)
			}
		})
	}
}

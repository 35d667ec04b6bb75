package node_test

import (
	"os"
	"testing"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/testnode"
)

// TestDNSSECKey: a node signs with the key in its home, the one genesis
// published; a home without a key (made before DNSSEC) gets a new one at
// start, which signs, and which its operator must then publish.
func TestDNSSECKey(t *testing.T) {
	n := testnode.Start(t)
	k, err := dnssec.LoadKey(node.DNSKeyFile(n.Home))
	if err != nil {
		t.Fatal(err)
	}
	r := askDO(t, n.Addrs().DNS, ".", dns.TypeDNSKEY)
	if len(r.Answer) != 2 || r.Answer[0].(*dns.DNSKEY).KeyTag() != k.KeyTag() || r.Answer[1].(*dns.RRSIG).KeyTag != k.KeyTag() {
		t.Fatalf("root DNSKEY: want the genesis key %d, signed by it\n%v", k.KeyTag(), r)
	}
	if err := r.Answer[1].(*dns.RRSIG).Verify(r.Answer[0].(*dns.DNSKEY), r.Answer[:1]); err != nil {
		t.Fatalf("root DNSKEY RRSIG: %v", err)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}

	// The key is lost (or the home predates DNSSEC): a new one is made.
	if err := os.Remove(node.DNSKeyFile(n.Home)); err != nil {
		t.Fatal(err)
	}
	n2 := testnode.StartHome(t, n.Home)
	k2, err := dnssec.LoadKey(node.DNSKeyFile(n.Home))
	if err != nil {
		t.Fatalf("no key made at start: %v", err)
	}
	if k2.KeyTag() == k.KeyTag() {
		t.Fatal("the same key again")
	}
	r = askDO(t, n2.Addrs().DNS, ".", dns.TypeSOA)
	var sig *dns.RRSIG
	for _, rr := range r.Answer {
		if s, ok := rr.(*dns.RRSIG); ok {
			sig = s
		}
	}
	if sig == nil || sig.KeyTag != k2.KeyTag() {
		t.Fatalf("want a signature by the new key %d:\n%v", k2.KeyTag(), r)
	}
	// The ledger still publishes the old key only.
	if keys := node.DNSSnapshot(n2.Node).DNSKEYs(); len(keys) != 1 || keys[0].KeyTag() != k.KeyTag() {
		t.Fatalf("published keys: %v", keys)
	}
}

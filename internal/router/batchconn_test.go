package router

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"time"
)

// TestBatchConnOffload sends runs of equal and unequal datagrams with
// and without segmentation offload, and checks that every datagram
// arrives whole and in order.
func TestBatchConnOffload(t *testing.T) {
	for _, offload := range []bool{false, true} {
		t.Run(fmt.Sprintf("offload=%v", offload), func(t *testing.T) {
			a, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			ac, err := NewBatchConn(a, 64, offload)
			if err != nil {
				t.Fatal(err)
			}
			bc, err := NewBatchConn(b, 64, offload)
			if err != nil {
				t.Fatal(err)
			}
			// Sizes: a run of 10 × 100, one shorter, a longer one, a run
			// of 5 × 1000, an empty datagram, then 40 of 7.
			var sizes []int
			for i := 0; i < 10; i++ {
				sizes = append(sizes, 100)
			}
			sizes = append(sizes, 60, 1500)
			for i := 0; i < 5; i++ {
				sizes = append(sizes, 1000)
			}
			sizes = append(sizes, 0)
			for i := 0; i < 40; i++ {
				sizes = append(sizes, 7)
			}
			var pkts [][]byte
			for i, n := range sizes {
				p := bytes.Repeat([]byte{byte(i)}, n)
				pkts = append(pkts, p)
			}
			to := b.LocalAddr().(*net.UDPAddr).AddrPort()
			if failed, err := ac.Write(pkts, to); failed != 0 || err != nil {
				t.Fatalf("write: %d failed, %v", failed, err)
			}
			var got [][]byte
			deadline := time.Now().Add(5 * time.Second)
			for len(got) < len(pkts) && time.Now().Before(deadline) {
				b.SetReadDeadline(deadline)
				n, err := bc.Read()
				if err != nil {
					t.Fatalf("read after %d: %v", len(got), err)
				}
				before := len(got)
				bc.Each(func(d []byte) { got = append(got, append([]byte(nil), d...)) })
				if len(got)-before != n {
					t.Fatalf("Read said %d, Each gave %d", n, len(got)-before)
				}
			}
			if len(got) != len(pkts) {
				t.Fatalf("got %d datagrams, want %d", len(got), len(pkts))
			}
			for i := range pkts {
				if !bytes.Equal(got[i], pkts[i]) {
					t.Fatalf("datagram %d: %d bytes, want %d", i, len(got[i]), len(pkts[i]))
				}
			}
		})
	}
}

package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/smt"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

func main() {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x01}, 32))
	rd, _ := names.ParseRData(1, "192.0.2.7")
	created := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC).Unix()
	r := &registry.Record{Name: "shop.dii", Owner: tx.AddressOf(key.Public().(ed25519.PublicKey)), Created: created, Expiry: created + 365*86400,
		RRsets: []registry.RRset{{Name: "shop.dii", Type: 1, TTL: 3600, Records: [][]byte{rd}}}}
	b := r.Encode()
	fmt.Println(created, created+365*86400, len(b))
	fmt.Print(hex.Dump(b))
	k := registry.Key("www.shop.dii")
	fmt.Printf("key %q\n", k)
	fmt.Printf("keyhash %x\nvaluehash %x\n", state.KeyHash(registry.Key("shop.dii")), state.ValueHash(b))
	// tiny tree of two keys for a proof example
	v := state.Empty().Next(1, []state.Change{{Key: registry.Key("shop.dii"), Value: b}, {Key: []byte("p/registry"), Value: []byte("{}")}})
	val, p := v.Prove(registry.Key("shop.dii"))
	pb, _ := p.MarshalBinary()
	fmt.Printf("root %x\nproof kind %v depth %d size %d\n%x\n", v.Root(), p.Kind(), p.Depth(), len(pb), pb)
	_ = val
	_, pa := v.Prove(registry.Key("absent.dii"))
	pab, _ := pa.MarshalBinary()
	fmt.Printf("absent kind %v depth %d size %d\n%x\n", pa.Kind(), pa.Depth(), len(pab), pab)
	var q smt.Proof
	fmt.Println(q.UnmarshalBinary(pb), p.VerifyInclusion(v.Root(), state.KeyHash(registry.Key("shop.dii")), state.ValueHash(b)))
	fmt.Printf("kh p/registry %x\nkh absent %x\n", state.KeyHash([]byte("p/registry")), state.KeyHash(registry.Key("absent.dii")))
}

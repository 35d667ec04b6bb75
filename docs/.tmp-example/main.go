package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/tx"
)

func main() {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x01}, 32))
	rd, err := names.ParseRData(1, "192.0.2.7")
	if err != nil {
		panic(err)
	}
	t := &tx.Tx{ChainID: "dii-example-1", Sequence: 0, Ops: []tx.Op{
		&tx.Register{Name: "shop.dii", PeriodDays: 365},
		&tx.SetRRset{Name: "shop.dii", Type: 1, TTL: 3600, Records: [][]byte{rd}},
	}}
	if err := t.Sign(key); err != nil {
		panic(err)
	}
	raw, err := t.Encode()
	if err != nil {
		panic(err)
	}
	back, err := tx.Decode(raw)
	if err != nil {
		panic(err)
	}
	if err := back.VerifySignature(); err != nil {
		panic(err)
	}
	sb, _ := t.SignBytes()
	fmt.Printf("len %d\nhash %X\nsigner %x\naddress %s\naddress hex %x\nsignbytes len %d\n", len(raw), tx.Hash(raw), []byte(t.Signer), t.SignerAddress(), func() []byte { a := t.SignerAddress(); return a[:] }(), len(sb))
	fmt.Print(hex.Dump(raw))
	fmt.Printf("plain %x\n", raw)
	fmt.Printf("sig %x\n", t.Signature)
	fmt.Printf("signbytes %x\n", sb)
}

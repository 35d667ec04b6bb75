package main

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"strconv"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/tx"
)

// usage: mk CHAIN SEQ SEEDBYTE OP NAME  -> raw tx bytes on stdout
func main() {
	chain := os.Args[1]
	seq, _ := strconv.ParseUint(os.Args[2], 10, 64)
	sb, _ := strconv.Atoi(os.Args[3])
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(sb)}, 32))
	var op tx.Op
	name := os.Args[5]
	switch os.Args[4] {
	case "reg":
		op = &tx.Register{Name: name}
	case "a":
		rd, _ := names.ParseRData(1, "192.0.2.7")
		op = &tx.SetRRset{Name: name, Type: 1, TTL: 3600, Records: [][]byte{rd}}
	case "del":
		op = &tx.Delete{Name: name}
	case "renew":
		op = &tx.Renew{Name: name}
	}
	t := &tx.Tx{ChainID: chain, Sequence: seq, Ops: []tx.Op{op}}
	if err := t.Sign(key); err != nil {
		panic(err)
	}
	raw, err := t.Encode()
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(raw)
}

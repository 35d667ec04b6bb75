package node_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/handleserver"
	"github.com/dii-net/dii/internal/testnode"
	"github.com/dii-net/dii/internal/tx"
)

// TestHandleService: a node serves the handles of its latest committed
// state over the Handle protocol, on UDP and TCP at one port, and a change
// committed on the ledger is what the next resolution answers.
func TestHandleService(t *testing.T) {
	n := testnode.Start(t)
	ctx := context.Background()
	addr := n.Addrs().Handle
	if addr == "" {
		t.Fatal("no handle address")
	}
	op := n.Operator(t)
	if _, err := op.ChangeHandle(ctx, "0.NA/20.500.dii", false, nil, &tx.HandleCreate{Handle: "0.NA/20.500.dii"}); err != nil {
		t.Fatal(err)
	}
	url := func(u string) tx.HandleValue {
		return tx.HandleValue{Index: 1, Type: "URL", Data: []byte(u), TTL: 3600, Perms: handle.DefaultPerms}
	}
	if _, err := op.ChangeHandle(ctx, "20.500.dii/x", false, nil, &tx.HandleCreate{Handle: "20.500.dii/x", Values: []tx.HandleValue{url("https://one.example/")}}); err != nil {
		t.Fatal(err)
	}
	for _, tr := range []handleserver.Transport{{}, {TCPOnly: true}} {
		vals, rc, err := handleserver.Resolve(ctx, addr, "20.500.DII/x", handleserver.ResolveOptions{Types: []string{"URL"}, Transport: tr})
		if err != nil || rc != handleproto.RCSuccess || len(vals) != 1 || string(vals[0].Data) != "https://one.example/" || vals[0].Timestamp == 0 {
			t.Fatalf("tcp-only %v: %v %v %v", tr.TCPOnly, vals, rc, err)
		}
		_, rc, err = handleserver.Resolve(ctx, addr, "20.500.dii/none", handleserver.ResolveOptions{Transport: tr})
		var re *handleserver.ResponseError
		if rc != handleproto.RCHandleNotFound || !errors.As(err, &re) {
			t.Fatalf("missing handle: %v %v", rc, err)
		}
	}
	if _, err := op.ChangeHandle(ctx, "20.500.dii/x", false, []uint32{1}, &tx.HandleModify{Handle: "20.500.dii/x", Values: []tx.HandleValue{url("https://two.example/")}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		vals, _, err := handleserver.Resolve(ctx, addr, "20.500.dii/x", handleserver.ResolveOptions{Indexes: []uint32{1}})
		if err == nil && len(vals) == 1 && string(vals[0].Data) == "https://two.example/" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the change is not served: %v %v", vals, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

package demo

import (
	"context"
	"fmt"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/tx"
)

// record is one demo RRset in presentation form.
type record struct{ owner, typ, data string }

// TLDs are the demo's top-level names: open ones take first-come
// registrations, closed ones only the operator's.
var TLDs = []struct {
	Name string
	Open bool
}{{"dii", true}, {"example", false}, {"lab", true}}

// Names are registered under the demo TLDs.
var Names = []string{"hello.dii", "nic.example", "xn--bcher-kva.dii", "ors.lab"}

var records = []record{
	{"hello.dii", "A", "192.0.2.10"},
	{"hello.dii", "AAAA", "2001:db8::10"},
	{"hello.dii", "TXT", `"hello from the dii ledger"`},
	{"hello.dii", "MX", "10 mail.hello.dii."},
	{"hello.dii", "CAA", `0 issue "ca.example"`},
	{"mail.hello.dii", "A", "192.0.2.25"},
	{"www.hello.dii", "CNAME", "hello.dii."},
	{"_sip._udp.hello.dii", "SRV", "10 60 5060 sip.hello.dii."},
	{"nic.example", "A", "192.0.2.53"},
	{"nic.example", "TXT", `"registry of the example TLD"`},
	{"xn--bcher-kva.dii", "A", "192.0.2.80"},
	{"ors.lab", "NS", "ns1.ors.lab."},
	{"ns1.ors.lab", "A", "192.0.2.54"},
}

// HandlePrefix is the demo's handle prefix, and Handles its handles with
// their values (type, UTF-8 data), indexes from 1.
const HandlePrefix = "20.500.dii"

// Handles are the demo handles.
var Handles = []struct {
	Handle string
	Values [][2]string
}{
	{"20.500.dii/hello", [][2]string{{"URL", "http://hello.dii/"}, {"EMAIL", "hello@hello.dii"}, {"DESC", "hello from the dii ledger"}}},
	{"20.500.dii/ors", [][2]string{{"URL", "http://ors.lab/"}}},
	{"20.500.dii/hi", [][2]string{{"HS_ALIAS", "20.500.dii/hello"}}},
}

// handleOps creates the demo prefix and handles, administered by the
// operator who loads them.
func handleOps() []tx.Op {
	ops := []tx.Op{&tx.HandleCreate{Handle: handle.NAOf(HandlePrefix)}}
	for _, h := range Handles {
		op := &tx.HandleCreate{Handle: h.Handle}
		for i, v := range h.Values {
			op.Values = append(op.Values, tx.HandleValue{Index: uint32(i + 1), Type: v[0], Data: []byte(v[1]),
				TTL: handle.DefaultTTL, Perms: handle.DefaultPerms})
		}
		ops = append(ops, op)
	}
	return ops
}

// Load registers the demo data with s, a registry operator, in one
// transaction: TLDs, names and records, a handle prefix and handles. It
// does nothing if the first demo TLD exists already.
func Load(ctx context.Context, s *client.Signer) (bool, error) {
	if _, err := s.C.Name(ctx, TLDs[0].Name); err == nil {
		return false, nil
	} else if !client.IsNotFound(err) {
		return false, err
	}
	var ops []tx.Op
	for _, t := range TLDs {
		ops = append(ops, &tx.Register{Name: t.Name, Open: t.Open})
	}
	for _, n := range Names {
		ops = append(ops, &tx.Register{Name: n})
	}
	type key struct{ owner, typ string }
	sets := map[key]*tx.SetRRset{}
	var order []key
	for _, r := range records {
		t, err := names.TypeByName(r.typ)
		if err != nil {
			return false, err
		}
		rd, err := names.ParseRData(t, r.data)
		if err != nil {
			return false, fmt.Errorf("demo record %s %s %s: %w", r.owner, r.typ, r.data, err)
		}
		k := key{r.owner, r.typ}
		if sets[k] == nil {
			sets[k] = &tx.SetRRset{Name: r.owner, Type: t, TTL: 3600}
			order = append(order, k)
		}
		sets[k].Records = append(sets[k].Records, rd)
	}
	for _, k := range order {
		ops = append(ops, sets[k])
	}
	ops = append(ops, handleOps()...)
	if _, err := s.Submit(ctx, client.WaitCommit, ops...); err != nil {
		return false, err
	}
	return true, nil
}

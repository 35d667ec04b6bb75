package handleserver

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/dii-net/dii/internal/handleproto"
)

func alias(target string) Value {
	return Value{Index: 1, Type: handleproto.TypeAlias, Permissions: pub, Data: []byte(target)}
}

func vlist(index uint32, refs ...handleproto.Reference) Value {
	return Value{Index: index, Type: handleproto.TypeVList, Permissions: pub, Data: handleproto.AppendValueList(nil, refs)}
}

func aliasSource() fakeSource {
	src := fakeSource{
		"a/start":  {alias("a/middle")},
		"a/middle": {alias("A/END")},
		"A/END": {
			{Index: 1, Type: "URL", Permissions: pub, Data: []byte("https://end.example/")},
			vlist(200, handleproto.Reference{Handle: "a/keys", Index: 300}, handleproto.Reference{Handle: "a/group", Index: 2}, handleproto.Reference{Handle: "a/none", Index: 1}),
		},
		"a/keys":  {{Index: 300, Type: "HS_PUBKEY", Permissions: pub, Data: []byte("key")}},
		"a/group": {vlist(2, handleproto.Reference{Handle: "a/keys", Index: 300})},
		"loop/1":  {alias("loop/2")},
		"loop/2":  {alias("LOOP/1")},
		// Only ASCII letters fold: these two are different handles.
		"u/é":     {alias("u/É")},
		"u/É":     {{Index: 1, Type: "URL", Permissions: pub, Data: []byte("https://e.example/")}},
		"vloop/x": {vlist(5, handleproto.Reference{Handle: "vloop/y", Index: 6})},
		"vloop/y": {vlist(6, handleproto.Reference{Handle: "vloop/x", Index: 5})},
	}
	// deep/0 -> deep/1 -> ... -> deep/30: a chain longer than any limit.
	for i := range 30 {
		src[fmt.Sprintf("deep/%d", i)] = []Value{alias(fmt.Sprintf("deep/%d", i+1))}
	}
	src["deep/30"] = []Value{{Index: 1, Type: "URL", Permissions: pub, Data: []byte("x")}}
	// bomb/0 is a list of 50 references to bomb/1's list of 50 references...
	for level := range 5 {
		var refs []handleproto.Reference
		for range 50 {
			refs = append(refs, handleproto.Reference{Handle: fmt.Sprintf("bomb/%d", level+1), Index: 1})
		}
		src[fmt.Sprintf("bomb/%d", level)] = []Value{vlist(1, refs...)}
	}
	src["bomb/5"] = []Value{{Index: 1, Type: "URL", Permissions: pub, Data: []byte("x")}}
	return src
}

func TestFollowAliases(t *testing.T) {
	ts := startServer(t, aliasSource(), nil)
	c := dial(t, ts.addr, Transport{})
	ctx := context.Background()

	f, err := c.FollowAliases(ctx, "a/start", ResolveOptions{}, FollowOptions{ExpandVList: true})
	if err != nil {
		t.Fatal(err)
	}
	if f.Handle != "A/END" || fmt.Sprint(f.Aliases) != "[a/start a/middle A/END]" || len(f.Values) != 2 {
		t.Fatalf("followed %+v", f)
	}
	if len(f.Members) != 2 || f.Members[0].Ref.Handle != "a/keys" || f.Members[1].Value.Type != "HS_PUBKEY" {
		t.Fatalf("members %+v", f.Members)
	}
	if len(f.Missing) != 1 || f.Missing[0].Handle != "a/none" {
		t.Fatalf("missing %+v", f.Missing)
	}

	// A type filter still finds the aliases on the way.
	f, err = c.FollowAliases(ctx, "a/start", ResolveOptions{Types: []string{"URL"}}, FollowOptions{})
	if err != nil || f.Handle != "A/END" || len(f.Values) != 1 || f.Values[0].Type != "URL" {
		t.Fatalf("with types: %+v %v", f, err)
	}

	bad := []struct {
		name   string
		handle string
		fo     FollowOptions
		want   error
	}{
		{"alias loop", "loop/1", FollowOptions{}, ErrAliasLoop},
		{"alias chain too deep", "deep/0", FollowOptions{}, ErrTooDeep},
		{"value list loop", "vloop/x", FollowOptions{ExpandVList: true}, ErrAliasLoop},
		{"value list bomb", "bomb/0", FollowOptions{ExpandVList: true}, ErrTooManyRefs},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			_, err := c.FollowAliases(ctx, b.handle, ResolveOptions{}, b.fo)
			if !errors.Is(err, b.want) {
				t.Fatalf("%v, want %v", err, b.want)
			}
			t.Log(err)
		})
	}
	if f, err := c.FollowAliases(ctx, "u/é", ResolveOptions{}, FollowOptions{}); err != nil || f.Handle != "u/É" {
		t.Fatalf("an alias to the handle's non-ASCII upper case: %+v %v", f, err)
	}
	// The chain resolves with a limit that allows it.
	if f, err := FollowAliases(ctx, ts.addr, "deep/0", ResolveOptions{}, FollowOptions{MaxDepth: 40}); err != nil || f.Handle != "deep/30" {
		t.Fatalf("deep chain with a higher limit: %v", err)
	}
}

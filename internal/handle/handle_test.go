package handle_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/tx"
)

func TestParse(t *testing.T) {
	addr := alice.Address.String()
	good := []struct{ in, prefix, suffix, key string }{
		{"20.500.dii/hello", "20.500.dii", "hello", "20.500.DII/HELLO"},
		{"10.1000/1", "10.1000", "1", "10.1000/1"},
		{"0.NA/20.500.dii", "0.NA", "20.500.dii", "0.NA/20.500.DII"},
		{"20/a/b c/ü", "20", "a/b c/ü", "20/A/B C/ü"},
		{"0.DII/" + addr, "0.DII", addr, "0.DII/" + strings.ToUpper(addr)},
		{"x_y-z/Ö", "x_y-z", "Ö", "X_Y-Z/Ö"},
	}
	for _, c := range good {
		h, err := handle.Parse(c.in)
		if err != nil || h.Prefix != c.prefix || h.Suffix != c.suffix || h.Key() != c.key {
			t.Errorf("Parse(%q) = %+v key %q, %v", c.in, h, h.Key(), err)
		}
	}
	bad := map[string]string{
		"":                                    "empty",
		"noslash":                             `no "/"`,
		"/suffix":                             "empty prefix",
		"20/":                                 "empty suffix",
		"20..5/x":                             "empty segment",
		"20./x":                               `ends with "."`,
		".20/x":                               "empty segment",
		"2 0/x":                               "not allowed",
		"20:1/x":                              "not allowed",
		"ü/x":                                 "not allowed",
		"20/a\x00b":                           "control character",
		"20/a\x7fb":                           "control character",
		"20/a\u0085b":                         "control character",
		"20/\xff":                             "UTF-8",
		"0.NA/20..1":                          "empty segment",
		"0.NA/a/b":                            "not allowed",
		"0.DII/dii1xyz":                       "account handle",
		strings.Repeat("1", 129) + "/x":       "prefix of 129 bytes",
		"20/" + strings.Repeat("x", 510):      "513 bytes",
		"0.DII/" + tx.Address{}.String()[:10]: "account handle",
	}
	for in, msg := range bad {
		if _, err := handle.Parse(in); !errors.Is(err, handle.ErrInvalidHandle) || !strings.Contains(err.Error(), msg) {
			t.Errorf("Parse(%q) = %v, want ErrInvalidHandle saying %q", in, err, msg)
		}
	}
}

// TestRules runs the registry's rules one operation after another: who
// may create prefixes and handles, HS_ADMIN permissions through accounts,
// public keys and groups, value permissions, and the value rules. Every
// refused operation leaves the state as it was (world.exec checks).
func TestRules(t *testing.T) {
	w := newWorld(t)
	u, b := handle.ErrUnauthorized, handle.ErrInvalidValue

	// Prefixes: top ones by operators; derived ones by the superior's
	// administrators, here after a delegation to alice.
	w.exec(alice, &tx.HandleCreate{Handle: "0.NA/20"}, u, "only a registry operator")
	w.exec(opr, &tx.HandleCreate{Handle: "0.NA/20"}, nil)
	w.exec(opr, &tx.HandleCreate{Handle: "0.NA/20"}, handle.ErrExists)
	w.exec(opr, &tx.HandleCreate{Handle: "0.na/20"}, handle.ErrExists)
	w.exec(opr, &tx.HandleCreate{Handle: "0.NA/20.500", Values: []tx.HandleValue{
		admin(100, acct(alice), 0, handleproto.AdminAll)}}, nil)
	w.exec(bob, &tx.HandleCreate{Handle: "0.NA/20.500.bob"}, u, "add-derived-prefix")
	w.exec(alice, &tx.HandleCreate{Handle: "0.NA/20.500.alice"}, nil)
	// The closest prefix on the ledger decides: 20 is there, 20.7 is not.
	w.exec(bob, &tx.HandleCreate{Handle: "0.NA/20.7.1"}, u, "0.NA/20 ")
	w.exec(opr, &tx.HandleCreate{Handle: "0.NA/20.7.1"}, nil)
	w.exec(opr, &tx.HandleCreate{Handle: "0.NA/0.TYPE"}, handle.ErrInvalidHandle, "reserved")
	w.exec(opr, &tx.HandleCreate{Handle: "0.TYPE/URL"}, handle.ErrInvalidHandle, "reserved")
	w.exec(opr, &tx.HandleCreate{Handle: acct(opr)}, handle.ErrInvalidHandle, "never stored")

	na := w.get("0.NA/20")
	if len(na.Values) != 1 || na.Values[0].Index != 100 || na.Values[0].Type != "HS_ADMIN" || na.Created != 1_800_000_002 || na.Values[0].Timestamp != na.Created {
		t.Fatalf("0.NA/20: %+v", na)
	}
	a, _ := handleproto.ParseAdminRecord(na.Values[0].Data)
	if a.Permissions != handleproto.AdminAll || a.Admin.Handle != acct(opr) || a.Admin.Index != 0 {
		t.Fatalf("default prefix admin %+v", a)
	}

	// Handles: the prefix's administrators with add-handle create them.
	w.exec(opr, &tx.HandleCreate{Handle: "20.500/x"}, u, "add-handle")
	w.exec(alice, &tx.HandleCreate{Handle: "21/x"}, handle.ErrNotFound, "prefix 21 is not on the ledger")
	w.exec(alice, &tx.HandleCreate{Handle: "20.500/hello", Values: []tx.HandleValue{
		str(1, "URL", "https://example.org/"), str(2, "EMAIL", "hello@example.org")}}, nil)
	hello := w.get("20.500/hello")
	if len(hello.Values) != 3 || hello.Values[2].Index != handle.DefaultAdminIndex || hello.Values[0].Timestamp != w.now {
		t.Fatalf("20.500/hello: %+v", hello)
	}
	// Values in any index order, one where the default HS_ADMIN would go:
	// the record is stored sorted, the admin at the next free index, and
	// reads back.
	w.exec(alice, &tx.HandleCreate{Handle: "20.500/unsorted", Values: []tx.HandleValue{
		str(300, "DESC", "a"), str(handle.DefaultAdminIndex, "DESC", "b")}}, nil)
	if got := w.get("20.500/unsorted").Values; len(got) != 3 || got[0].Index != handle.DefaultAdminIndex ||
		got[1].Index != handle.DefaultAdminIndex+1 || got[1].Type != "HS_ADMIN" || got[2].Index != 300 {
		t.Fatalf("20.500/unsorted: %+v", got)
	}
	a, _ = handleproto.ParseAdminRecord(hello.Values[2].Data)
	if a.Permissions != handle.DefaultHandleAdminPerms || a.Admin.Handle != acct(alice) {
		t.Fatalf("default handle admin %+v", a)
	}
	w.exec(alice, &tx.HandleCreate{Handle: "20.500/HELLO"}, handle.ErrExists, "as 20.500/hello")

	// bob is nobody to 20.500/hello.
	w.exec(bob, &tx.HandleAdd{Handle: "20.500/hello", Values: []tx.HandleValue{str(3, "DESC", "x")}}, u, "add-value")
	w.exec(bob, &tx.HandleModify{Handle: "20.500/hello", Values: []tx.HandleValue{str(1, "URL", "https://evil.example/")}}, u, "modify-value")
	w.exec(bob, &tx.HandleRemove{Handle: "20.500/hello", Indexes: []uint32{2}}, u, "remove-value")
	w.exec(bob, &tx.HandleDelete{Handle: "20.500/hello"}, u, "delete-handle")
	w.exec(bob, &tx.HandleAdd{Handle: "20.500/hello", Values: []tx.HandleValue{admin(101, acct(bob), 0, handleproto.AdminAll)}}, u, "add-admin")

	// A group: bob's public key in 20.500/keys, listed in an HS_VLIST that
	// an HS_ADMIN of 20.500/hello names with modify-value only.
	w.exec(alice, &tx.HandleCreate{Handle: "20.500/keys", Values: []tx.HandleValue{
		pubkey(300, bob), pubkey(301, carol), vlist(200, handleproto.Reference{Handle: "20.500/keys", Index: 300})}}, nil)
	w.exec(alice, &tx.HandleAdd{Handle: "20.500/hello", Values: []tx.HandleValue{
		admin(101, "20.500/keys", 200, handleproto.AdminModifyValue)}}, nil)
	w.exec(bob, &tx.HandleModify{Handle: "20.500/hello", Values: []tx.HandleValue{str(1, "URL", "https://bob.example/")}}, nil)
	if v, _ := w.get("20.500/hello").Value(1); string(v.Data) != "https://bob.example/" || v.Timestamp != w.now {
		t.Fatalf("modified value %+v at %d", v, w.now)
	}
	w.exec(bob, &tx.HandleAdd{Handle: "20.500/hello", Values: []tx.HandleValue{str(3, "DESC", "x")}}, u)
	w.exec(carol, &tx.HandleModify{Handle: "20.500/hello", Values: []tx.HandleValue{str(1, "URL", "https://carol.example/")}}, u)
	// Index 0 names any public key of the handle: carol's too.
	w.exec(alice, &tx.HandleAdd{Handle: "20.500/hello", Values: []tx.HandleValue{
		admin(102, "20.500/keys", 0, handleproto.AdminRemoveValue)}}, nil)
	w.exec(carol, &tx.HandleRemove{Handle: "20.500/hello", Indexes: []uint32{2}}, nil)
	w.exec(carol, &tx.HandleModify{Handle: "20.500/hello", Values: []tx.HandleValue{admin(102, acct(carol), 0, handleproto.AdminAll)}}, u, "modify-admin")

	// Groups that loop or nest too deep fail closed.
	w.exec(alice, &tx.HandleCreate{Handle: "20.500/loop", Values: []tx.HandleValue{
		vlist(1, handleproto.Reference{Handle: "20.500/loop", Index: 2}),
		vlist(2, handleproto.Reference{Handle: "20.500/loop", Index: 1}),
		admin(100, "20.500/loop", 1, handleproto.AdminAll),
		admin(101, acct(alice), 0, handleproto.AdminAll)}}, nil)
	w.exec(bob, &tx.HandleAdd{Handle: "20.500/loop", Values: []tx.HandleValue{str(5, "X", "y")}}, u)
	deep := []tx.HandleValue{pubkey(300, bob), admin(100, acct(alice), 0, handleproto.AdminAll)}
	for i := uint32(1); i <= 6; i++ {
		deep = append(deep, vlist(i, handleproto.Reference{Handle: "20.500/deep", Index: i + 1}))
	}
	deep[len(deep)-1] = vlist(6, handleproto.Reference{Handle: "20.500/deep", Index: 300})
	deep = append(deep, admin(101, "20.500/deep", 1, handleproto.AdminAddValue))
	w.exec(alice, &tx.HandleCreate{Handle: "20.500/deep", Values: deep}, nil)
	w.exec(bob, &tx.HandleAdd{Handle: "20.500/deep", Values: []tx.HandleValue{str(7, "X", "y")}}, u)
	w.exec(alice, &tx.HandleModify{Handle: "20.500/deep", Values: []tx.HandleValue{admin(101, "20.500/deep", 5, handleproto.AdminAddValue)}}, nil)
	w.exec(bob, &tx.HandleAdd{Handle: "20.500/deep", Values: []tx.HandleValue{str(7, "X", "y")}}, nil)

	// Value permissions: a value administrators may not write stays; a
	// publicly writable one anyone changes.
	ro := str(10, "NOTE", "fixed")
	ro.Perms = handleproto.PermAdminRead | handleproto.PermPublicRead
	pw := str(11, "NOTE", "anyone")
	pw.Perms = handle.DefaultPerms | handleproto.PermPublicWrite
	w.exec(alice, &tx.HandleAdd{Handle: "20.500/hello", Values: []tx.HandleValue{ro, pw}}, nil)
	w.exec(alice, &tx.HandleModify{Handle: "20.500/hello", Values: []tx.HandleValue{str(10, "NOTE", "changed")}}, u, "not writable by administrators")
	w.exec(alice, &tx.HandleRemove{Handle: "20.500/hello", Indexes: []uint32{10}}, u, "not writable by administrators")
	w.exec(carol, &tx.HandleModify{Handle: "20.500/hello", Values: []tx.HandleValue{str(11, "NOTE", "carol was here")}}, nil)
	w.exec(carol, &tx.HandleModify{Handle: "20.500/hello", Values: []tx.HandleValue{admin(11, acct(carol), 0, handleproto.AdminAll)}}, u, "modify-admin")

	// Value rules.
	for name, c := range map[string]struct {
		v   tx.HandleValue
		err error
		msg string
	}{
		"index 0":          {str(0, "URL", "x"), b, "0 is reserved"},
		"index 2^31":       {str(1<<31, "URL", "x"), b, "indexes are 1..2147483647"},
		"type control":     {str(20, "U\x01RL", "x"), b, "control character"},
		"HS_ lower case":   {str(20, "hs_alias", "20.500/x"), b, "upper case"},
		"unknown HS_ type": {str(20, "HS_FOO", "x"), b, "reserved HS_ namespace"},
		"HS_SECKEY":        {str(20, "HS_SECKEY", "secret"), b, "public ledger"},
		"HS_SITE":          {str(20, "HS_SITE", "x"), b, "only handle service"},
		"HS_SERV":          {str(20, "HS_SERV", "x"), b, "only handle service"},
		"bad HS_ADMIN":     {str(20, "HS_ADMIN", "xx"), b, "HS_ADMIN data"},
		"HS_ADMIN bits":    {admin(20, acct(alice), 0, 0x1fff), b, "above 0x0fff"},
		"HS_ADMIN target":  {admin(20, "nohandle", 0, 1), b, "administrator"},
		"bad HS_VLIST":     {str(20, "HS_VLIST", "\x00\x00\x00\x05"), b, "HS_VLIST data"},
		"bad HS_PUBKEY":    {str(20, "HS_PUBKEY", "\x00\x00\x00\x0fED25519_PUB_KEY\x00\x00\x00\x00\x00\x01x"), b, "32-byte key"},
		"short HS_PUBKEY":  {str(20, "HS_PUBKEY", "\x00\x00"), b, "too short"},
		"bad HS_ALIAS":     {str(20, "HS_ALIAS", "not a handle"), b, "HS_ALIAS data must be a handle"},
		"self alias":       {str(20, "HS_ALIAS", "20.500/HELLO"), b, "alias of itself"},
		"data too long":    {str(20, "BLOB", strings.Repeat("x", handle.MaxDataLen+1)), handle.ErrTooLarge, "limit 16384"},
		"bad reference":    {tx.HandleValue{Index: 20, Type: "X", Refs: []tx.HandleRef{{Handle: "x"}}}, b, "reference"},
		"index in use":     {str(1, "URL", "x"), handle.ErrValueExists, "index 1"},
	} {
		t.Run(name, func(t *testing.T) {
			w.t = t
			w.exec(alice, &tx.HandleAdd{Handle: "20.500/hello", Values: []tx.HandleValue{c.v}}, c.err, c.msg)
		})
	}
	w.t = t
	w.exec(alice, &tx.HandleAdd{Handle: "20.500/hello", Values: []tx.HandleValue{str(30, "X", "1"), str(30, "X", "2")}}, b, "given twice")
	w.exec(alice, &tx.HandleAdd{Handle: "20.500/hello"}, b, "no values")
	w.exec(alice, &tx.HandleModify{Handle: "20.500/hello", Values: []tx.HandleValue{str(99, "X", "1")}}, handle.ErrValueNotFound, "index 99")
	w.exec(alice, &tx.HandleRemove{Handle: "20.500/hello", Indexes: []uint32{99}}, handle.ErrValueNotFound)
	w.exec(alice, &tx.HandleRemove{Handle: "20.500/hello", Indexes: []uint32{1, 1}}, b, "given twice")
	w.exec(alice, &tx.HandleAdd{Handle: "20.500/nothere", Values: []tx.HandleValue{str(1, "X", "1")}}, handle.ErrNotFound)
	w.exec(alice, &tx.HandleRemove{Handle: "20.500/keys", Indexes: []uint32{100}}, b, "no HS_ADMIN value")
	w.exec(alice, &tx.HandleModify{Handle: "20.500/keys", Values: []tx.HandleValue{str(100, "URL", "x")}}, b, "no HS_ADMIN value")
	many := make([]tx.HandleValue, handle.MaxValues)
	for i := range many {
		many[i] = str(uint32(1000+i), "X", "v")
	}
	w.exec(alice, &tx.HandleAdd{Handle: "20.500/keys", Values: many}, handle.ErrTooLarge, "values, limit 128")
	big := make([]tx.HandleValue, 5)
	for i := range big {
		big[i] = str(uint32(1000+i), "X", strings.Repeat("v", handle.MaxDataLen))
	}
	w.exec(alice, &tx.HandleAdd{Handle: "20.500/keys", Values: big}, handle.ErrTooLarge, "limit 65536")

	// Deletion: a prefix only when empty, by its administrators or from
	// above (the superior's delete-derived-prefix, or an operator).
	w.exec(alice, &tx.HandleDelete{Handle: "20.500/hello"}, nil)
	if _, err := handle.Get(w.w, "20.500/hello"); !errors.Is(err, handle.ErrNotFound) {
		t.Fatalf("deleted handle: %v", err)
	}
	w.exec(opr, &tx.HandleDelete{Handle: "0.NA/20.500"}, handle.ErrHasChildren)
	w.exec(bob, &tx.HandleDelete{Handle: "0.NA/20.500.alice"}, u)
	w.exec(opr, &tx.HandleDelete{Handle: "0.NA/20.500.alice"}, u)
	w.exec(alice, &tx.HandleDelete{Handle: "0.NA/20.500.alice"}, nil)
	w.exec(opr, &tx.HandleDelete{Handle: "0.NA/20.7.1"}, nil)
	w.exec(opr, &tx.HandleDelete{Handle: "0.NA/20"}, handle.ErrHasChildren)
}

func TestExecOthers(t *testing.T) {
	w := newWorld(t)
	if err := handle.Exec(w.w, operators, opr, 1, &tx.Register{Name: "x"}); !errors.Is(err, handle.ErrInvalidValue) {
		t.Fatalf("a name op: %v", err)
	}
	if err := handle.Exec(w.w, operators, opr, 1, nil); err == nil {
		t.Fatal("nil op")
	}
	if handle.Handles(&tx.Register{}) || !handle.Handles(&tx.HandleDelete{}) || handle.Handles(nil) {
		t.Fatal("Handles")
	}
}

func TestResolveAndList(t *testing.T) {
	w := newWorld(t)
	w.exec(opr, &tx.HandleCreate{Handle: "0.NA/20"}, nil)
	alias := func(h, target string) {
		w.exec(opr, &tx.HandleCreate{Handle: h, Values: []tx.HandleValue{str(1, handle.TypeAlias, target)}}, nil)
	}
	w.exec(opr, &tx.HandleCreate{Handle: "20/end", Values: []tx.HandleValue{str(1, "URL", "https://end.example/")}}, nil)
	alias("20/a", "20/b")
	alias("20/b", "20/END")
	alias("20/loop1", "20/loop2")
	alias("20/loop2", "20/Loop1")
	alias("20/dangling", "20/none")
	for i := 0; i <= handle.MaxAliasDepth; i++ {
		next := "20/end"
		if i < handle.MaxAliasDepth {
			next = "20/d" + string(rune('0'+i+1))
		}
		alias("20/d"+string(rune('0'+i)), next)
	}
	rec, chain, err := handle.Resolve(w.w, "20/A")
	if err != nil || rec.Handle != "20/end" || strings.Join(chain, " ") != "20/A 20/b 20/END" {
		t.Fatalf("Resolve: %+v %v %v", rec, chain, err)
	}
	if _, _, err := handle.Resolve(w.w, "20/loop1"); !errors.Is(err, handle.ErrAliasLoop) {
		t.Fatalf("loop: %v", err)
	}
	if _, _, err := handle.Resolve(w.w, "20/dangling"); !errors.Is(err, handle.ErrNotFound) {
		t.Fatalf("dangling: %v", err)
	}
	if _, _, err := handle.Resolve(w.w, "20/d1"); err != nil {
		t.Fatalf("%d aliases: %v", handle.MaxAliasDepth, err)
	}
	if _, _, err := handle.Resolve(w.w, "20/d0"); !errors.Is(err, handle.ErrAliasDepth) {
		t.Fatalf("%d aliases: %v", handle.MaxAliasDepth+1, err)
	}

	var all []string
	after := ""
	for {
		page, next, err := handle.List(w.w, "20", after, 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			all = append(all, r.Handle)
		}
		if next == "" {
			break
		}
		after = next
	}
	want := "20/a 20/b 20/d0 20/d1 20/d2 20/d3 20/d4 20/d5 20/d6 20/d7 20/d8 20/dangling 20/end 20/loop1 20/loop2"
	if strings.Join(all, " ") != want {
		t.Fatalf("List:\n %s\nwant\n %s", strings.Join(all, " "), want)
	}
	nas, _, err := handle.List(w.w, handle.NAPrefix, "", 10)
	if err != nil || len(nas) != 1 || nas[0].Handle != "0.NA/20" {
		t.Fatalf("List 0.NA: %v %v", nas, err)
	}
	if _, _, err := handle.List(w.w, "20", "21/x", 10); !errors.Is(err, handle.ErrInvalidHandle) {
		t.Fatalf("cursor elsewhere: %v", err)
	}
}

// TestRecordLayout pins the stored record's bytes, as docs/handle.md
// describes them, and the state key.
func TestRecordLayout(t *testing.T) {
	rec := &handle.Record{Handle: "p/s", Created: 1, Updated: 2, Values: []handle.Value{
		{Index: 7, Type: "URL", Data: []byte("u"), TTLType: 1, TTL: 0x01020304, Timestamp: 5, Perms: 0x0e,
			Refs: []handleproto.Reference{{Handle: "p/t", Index: 9}}},
	}}
	want := []byte{1, 0, 3, 'p', '/', 's', // version, handle
		0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, // created, updated
		0, 1, // value count
		0, 0, 0, 7, 3, 'U', 'R', 'L', 0, 1, 'u', // index, type, data
		1, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 5, 0x0e, // ttl type, ttl, timestamp, permissions
		1, 0, 3, 'p', '/', 't', 0, 0, 0, 9} // references
	got := rec.Encode()
	if string(got) != string(want) {
		t.Fatalf("encoding\n%x\nwant\n%x", got, want)
	}
	back, err := handle.Decode(got)
	if err != nil || back.Handle != "p/s" || len(back.Values) != 1 || back.Values[0].Refs[0].Index != 9 {
		t.Fatalf("decode: %+v %v", back, err)
	}
	h, _ := handle.Parse("20.500.dii/Hello")
	if k := string(handle.Key(h)); k != "h/20.500.DII/HELLO" {
		t.Fatalf("key %q", k)
	}
	for name, b := range map[string][]byte{
		"version 2":        append([]byte{2}, want[1:]...),
		"trailing byte":    append(append([]byte(nil), want...), 0),
		"truncated":        want[:len(want)-1],
		"bad handle":       append([]byte{1, 0, 3, 'p', 's', 's'}, want[6:]...),
		"permissions 0x1e": func() []byte { b := append([]byte(nil), want...); b[48] = 0x1e; return b }(),
		"ttl type 2":       func() []byte { b := append([]byte(nil), want...); b[35] = 2; return b }(),
		"index 0":          func() []byte { b := append([]byte(nil), want...); b[27] = 0; return b }(),
	} {
		if _, err := handle.Decode(b); !errors.Is(err, handle.ErrBadRecord) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

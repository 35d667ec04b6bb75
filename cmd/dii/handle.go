package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/handleserver"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/tx"
)

func handleCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "handle",
		Short: "Create, change and resolve handles (the Digital Object Architecture's identifiers)",
		Long: `The ledger holds a Handle System registry: prefixes (naming authorities,
each the handle 0.NA/<prefix>) and handles "prefix/suffix" with their
values. Registry operators create top prefixes; whoever a prefix's HS_ADMIN
values name creates handles and derived prefixes under it. A handle's own
HS_ADMIN values say who may change it: an account (0.DII/<dii1 address>),
an HS_PUBKEY holding the signer's key, or an HS_VLIST group of those.

Changes are signed with --key and sent to the node's Handle API (PUT and
DELETE on /api/handles/...), which answers once they are committed. "show"
reads that API; "resolve" speaks the native Handle protocol (RFC 3652) to
a Handle server, as any Handle client does. See docs/handle.md.`,
		Example: `  dii handle prefix create 20.500.example
  dii handle create 20.500.example/report-1 --url https://example.org/report-1 --email ops@example.org
  dii handle show 20.500.example/report-1
  dii handle resolve 20.500.example/report-1 --type URL
  dii handle modify 20.500.example/report-1 --url https://example.org/v2/report-1
  dii handle list 20.500.example`,
	}
	cmd.AddCommand(handlePrefixCmd(g), handleCreateCmd(g), handleAddCmd(g), handleModifyCmd(g), handleRemoveCmd(g),
		handleDeleteCmd(g), handleShowCmd(g), handleResolveCmd(g), handleListCmd(g), handleVerifyCmd(g))
	cmd.PersistentFlags().String("sign-only", "", "changes: write the signed transaction to this file instead of sending it (send it later with curl)")
	return cmd
}

// valueFlags are handle values given on the command line.
type valueFlags struct {
	urls, emails, aliases   []string
	values, b64s, hexes     []string
	admins, pubkeys, vlists []string
	ttl                     uint32
	private                 bool
}

func (f *valueFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.urls, "url", nil, "a URL value (repeatable)")
	fl.StringArrayVar(&f.emails, "email", nil, "an EMAIL value (repeatable)")
	fl.StringArrayVar(&f.aliases, "alias", nil, "an HS_ALIAS value: the handle this one is an alias of")
	fl.StringArrayVar(&f.values, "value", nil, "INDEX:TYPE:TEXT, a value of any type with UTF-8 data (repeatable)")
	fl.StringArrayVar(&f.b64s, "base64", nil, "INDEX:TYPE:BASE64, a value with binary data")
	fl.StringArrayVar(&f.hexes, "hex", nil, "INDEX:TYPE:HEX, a value with binary data")
	fl.StringArrayVar(&f.admins, "admin", nil, "INDEX:ADMIN[:ADMININDEX[:PERMISSIONS]], an HS_ADMIN value; ADMIN is a handle or a dii1 account, PERMISSIONS 12 binary digits (default 011111110011)")
	fl.StringArrayVar(&f.pubkeys, "pubkey", nil, "INDEX[:KEYNAME], an HS_PUBKEY value with the ed25519 key of a keyring key (default the --key)")
	fl.StringArrayVar(&f.vlists, "vlist", nil, "INDEX:HANDLE:INDEX[,HANDLE:INDEX...], an HS_VLIST value (an administrator group)")
	fl.Uint32Var(&f.ttl, "ttl", handle.DefaultTTL, "TTL of the values, seconds")
	fl.BoolVar(&f.private, "private", false, "turn the values' public read permission off (the ledger is public: this only hides them from resolution)")
}

func (f *valueFlags) empty() bool {
	return len(f.urls)+len(f.emails)+len(f.aliases)+len(f.values)+len(f.b64s)+len(f.hexes)+len(f.admins)+len(f.pubkeys)+len(f.vlists) == 0
}

// splitIndex splits "INDEX:REST".
func splitIndex(flag, s string) (uint32, string, error) {
	i, rest, ok := strings.Cut(s, ":")
	n, err := strconv.ParseUint(i, 10, 32)
	if !ok && flag != "pubkey" || err != nil || n == 0 {
		return 0, "", fmt.Errorf("--%s %q: want INDEX:..., INDEX a number from 1", flag, s)
	}
	return uint32(n), rest, nil
}

// build turns the flags into values. Values from --url, --email and
// --alias have no index yet (0); the caller places them.
func (f *valueFlags) build(g *globals) ([]tx.HandleValue, error) {
	perms := handle.DefaultPerms
	if f.private {
		perms &^= handleproto.PermPublicRead
	}
	var out []tx.HandleValue
	mk := func(i uint32, typ string, data []byte) {
		out = append(out, tx.HandleValue{Index: i, Type: typ, Data: data, TTL: f.ttl, Perms: perms})
	}
	for _, u := range f.urls {
		mk(0, handle.TypeURL, []byte(u))
	}
	for _, e := range f.emails {
		mk(0, handle.TypeEmail, []byte(e))
	}
	for _, a := range f.aliases {
		mk(0, handle.TypeAlias, []byte(a))
	}
	for _, set := range []struct {
		flag string
		list []string
		dec  func(string) ([]byte, error)
	}{
		{"value", f.values, func(s string) ([]byte, error) { return []byte(s), nil }},
		{"base64", f.b64s, base64.StdEncoding.DecodeString},
		{"hex", f.hexes, hex.DecodeString},
	} {
		for _, s := range set.list {
			i, rest, err := splitIndex(set.flag, s)
			if err != nil {
				return nil, err
			}
			typ, data, ok := strings.Cut(rest, ":")
			if !ok || typ == "" {
				return nil, fmt.Errorf("--%s %q: want INDEX:TYPE:DATA", set.flag, s)
			}
			b, err := set.dec(data)
			if err != nil {
				return nil, fmt.Errorf("--%s %q: %v", set.flag, s, err)
			}
			mk(i, typ, b)
		}
	}
	for _, s := range f.admins {
		i, rest, err := splitIndex("admin", s)
		if err != nil {
			return nil, err
		}
		v, err := adminArg(i, rest)
		if err != nil {
			return nil, fmt.Errorf("--admin %q: %w", s, err)
		}
		v.TTL, v.Perms = f.ttl, perms
		out = append(out, v)
	}
	for _, s := range f.pubkeys {
		i, name, err := splitIndex("pubkey", s)
		if err != nil {
			return nil, err
		}
		if name == "" {
			name = g.key
		}
		k, err := g.keyring().Get(name)
		if err != nil {
			return nil, fmt.Errorf("--pubkey %q: %w", s, err)
		}
		mk(i, handle.TypePubKey, handle.PubKeyData(k.Private.Public().(ed25519.PublicKey)))
	}
	for _, s := range f.vlists {
		i, rest, err := splitIndex("vlist", s)
		if err != nil {
			return nil, err
		}
		var refs []handleproto.Reference
		for _, m := range strings.Split(rest, ",") {
			k := strings.LastIndexByte(m, ':')
			n, err := strconv.ParseUint(m[k+1:], 10, 32)
			if k < 0 || err != nil {
				return nil, fmt.Errorf("--vlist %q: each member is HANDLE:INDEX", s)
			}
			refs = append(refs, handleproto.Reference{Handle: m[:k], Index: uint32(n)})
		}
		mk(i, handle.TypeVList, handleproto.AppendValueList(nil, refs))
	}
	return out, nil
}

// adminArg reads ADMIN[:ADMININDEX[:PERMISSIONS]].
func adminArg(index uint32, s string) (tx.HandleValue, error) {
	parts := strings.Split(s, ":")
	admin := parts[0]
	if a, err := tx.ParseAddress(admin); err == nil {
		admin = handle.AccountHandle(a)
	}
	var ai uint64
	perms := uint64(handle.DefaultHandleAdminPerms)
	var err error
	if len(parts) > 1 {
		if ai, err = strconv.ParseUint(parts[1], 10, 32); err != nil {
			return tx.HandleValue{}, fmt.Errorf("admin index %q is not a number", parts[1])
		}
	}
	if len(parts) > 2 {
		if perms, err = strconv.ParseUint(parts[2], 2, 12); err != nil || len(parts[2]) != 12 {
			return tx.HandleValue{}, fmt.Errorf("permissions %q: want 12 binary digits, as 011111110011", parts[2])
		}
	}
	if len(parts) > 3 {
		return tx.HandleValue{}, fmt.Errorf("want INDEX:ADMIN[:ADMININDEX[:PERMISSIONS]]")
	}
	return handle.AdminValue(index, admin, uint32(ai), uint16(perms)), nil
}

// place gives the values without an index (0) the first free indexes
// from 1, not used by taken or by the other values.
func place(vs []tx.HandleValue, taken map[uint32]bool) {
	used := map[uint32]bool{}
	for k := range taken {
		used[k] = true
	}
	for _, v := range vs {
		used[v.Index] = true
	}
	next := uint32(1)
	for i := range vs {
		if vs[i].Index != 0 {
			continue
		}
		for used[next] {
			next++
		}
		vs[i].Index = next
		used[next] = true
	}
}

// current reads a handle's values (all of them) from the node.
func current(ctx context.Context, g *globals, h string) (*api.HandleResponse, error) {
	return g.client().Handle(ctx, h, client.HandleQuery{All: true})
}

// sendHandle signs ops and sends them to the handle API, or with
// --sign-only writes the signed transaction to a file.
func sendHandle(cmd *cobra.Command, g *globals, what, h string, del bool, indexes []uint32, ops ...tx.Op) error {
	ctx, cancel := g.ctx(cmd)
	defer cancel()
	s, err := g.signer(ctx)
	if err != nil {
		return err
	}
	if file, _ := cmd.Flags().GetString("sign-only"); file != "" {
		raw, err := s.Build(ctx, ops...)
		if err != nil {
			return err
		}
		if err := os.WriteFile(file, raw, 0o600); err != nil {
			return err
		}
		method, q := "PUT", ""
		if del {
			method = "DELETE"
		}
		if len(indexes) > 0 {
			var parts []string
			for _, i := range indexes {
				parts = append(parts, "index="+strconv.FormatUint(uint64(i), 10))
			}
			q = "?" + strings.Join(parts, "&")
		}
		fmt.Fprintf(cmd.OutOrStdout(), "signed transaction (%d bytes) written to %s; send it with:\n  curl -X %s -H 'Content-Type: application/octet-stream' --data-binary @%s '%s%s%s'\n",
			len(raw), file, method, file, g.client().Base(), client.HandlePath("/api/handles/", h), q)
		return nil
	}
	res, err := s.ChangeHandle(ctx, h, del, indexes, ops...)
	if err != nil {
		return err
	}
	return g.emit(cmd.OutOrStdout(), res, func(w io.Writer) {
		fmt.Fprintf(w, "%s %s: committed in block %d (tx %s)\n", what, h, res.Height, res.Hash)
	})
}

func indexesOf(vs []tx.HandleValue) []uint32 {
	out := make([]uint32, len(vs))
	for i, v := range vs {
		out[i] = v.Index
	}
	return out
}

func handlePrefixCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prefix",
		Short: "Create prefixes (naming authorities)",
	}
	var holder string
	var perms string
	create := &cobra.Command{
		Use:   "create PREFIX",
		Short: "Create a prefix, for yourself or delegated to another account",
		Long: `create makes the naming authority handle 0.NA/PREFIX. A prefix with no
prefix above it on the ledger (a top prefix, such as 20 or 20.500.example
when 20 is not there) may only be created by a registry operator; below an
existing prefix, by an administrator of that prefix with the
add-derived-prefix permission. The new prefix's HS_ADMIN value names its
holder, the account that then creates handles and prefixes under it:
--holder delegates it to another account.`,
		Example: `  dii handle prefix create 20.500.example
  dii handle prefix create 20.500.example.lab --holder dii1...`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h := handle.NAOf(args[0])
			op := &tx.HandleCreate{Handle: h}
			if holder != "" || cmd.Flags().Changed("permissions") {
				admin := holder
				if admin == "" {
					ctx, cancel := g.ctx(cmd)
					defer cancel()
					s, err := g.signer(ctx)
					if err != nil {
						return err
					}
					admin = s.Address().String()
				}
				v, err := adminArg(handle.DefaultAdminIndex, admin+":0:"+perms)
				if err != nil {
					return err
				}
				op.Values = append(op.Values, v)
			}
			return sendHandle(cmd, g, "created prefix", h, false, nil, op)
		},
	}
	create.Flags().StringVar(&holder, "holder", "", "the account that holds the new prefix (default: the signing key's)")
	create.Flags().StringVar(&perms, "permissions", fmt.Sprintf("%012b", handle.DefaultNAAdminPerms), "the holder's permissions, 12 binary digits")
	cmd.AddCommand(create)
	return cmd
}

func handleCreateCmd(g *globals) *cobra.Command {
	var f valueFlags
	cmd := &cobra.Command{
		Use:   "create HANDLE",
		Short: "Create a handle with values",
		Long: `create makes the handle HANDLE ("prefix/suffix") under a prefix you
administer. Values without an index (--url, --email, --alias) take the
first free indexes from 1. Without --admin the ledger adds an HS_ADMIN
value at index 100 that gives the signing account the usual permissions
(011111110011: everything but derived prefixes and listing).`,
		Example: `  dii handle create 20.500.example/report-1 --url https://example.org/report-1 --email ops@example.org
  dii handle create 20.500.example/old-name --alias 20.500.example/report-1
  dii handle create 20.500.example/shared --url https://example.org/ \
      --admin 100:dii1...:0:011111110011 --admin 101:20.500.example/keys:200`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			vs, err := f.build(g)
			if err != nil {
				return err
			}
			place(vs, nil)
			return sendHandle(cmd, g, "created", args[0], false, nil, &tx.HandleCreate{Handle: args[0], Values: vs})
		},
	}
	f.add(cmd)
	return cmd
}

func handleAddCmd(g *globals) *cobra.Command {
	var f valueFlags
	cmd := &cobra.Command{
		Use:   "add HANDLE",
		Short: "Add values to a handle",
		Long: `add adds values at indexes not in use. Values without an index (--url,
--email, --alias) take the first free indexes from 1.`,
		Example: `  dii handle add 20.500.example/report-1 --url https://mirror.example.org/report-1
  dii handle add 20.500.example/report-1 --value 10:DESC:"Quarterly report" --pubkey 300`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.empty() {
				return fmt.Errorf("nothing to add: give --url, --email, --alias, --value, --base64, --hex, --admin, --pubkey or --vlist")
			}
			vs, err := f.build(g)
			if err != nil {
				return err
			}
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			cur, err := current(ctx, g, args[0])
			if err != nil {
				return err
			}
			taken := map[uint32]bool{}
			for _, v := range cur.Values {
				taken[v.Index] = true
			}
			place(vs, taken)
			return sendHandle(cmd, g, "added to", args[0], false, indexesOf(vs), &tx.HandleAdd{Handle: args[0], Values: vs})
		},
	}
	f.add(cmd)
	return cmd
}

func handleModifyCmd(g *globals) *cobra.Command {
	var f valueFlags
	cmd := &cobra.Command{
		Use:   "modify HANDLE",
		Short: "Replace values of a handle",
		Long: `modify replaces the values at the indexes given. --url, --email and
--alias replace the handle's first value of that type (the lowest index);
the other value flags name their index.`,
		Example: `  dii handle modify 20.500.example/report-1 --url https://example.org/v2/report-1
  dii handle modify 20.500.example/report-1 --value 10:DESC:"Annual report" --ttl 3600`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.empty() {
				return fmt.Errorf("nothing to modify: give --url, --email, --alias, --value, --base64, --hex, --admin, --pubkey or --vlist")
			}
			vs, err := f.build(g)
			if err != nil {
				return err
			}
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			cur, err := current(ctx, g, args[0])
			if err != nil {
				return err
			}
			done := map[uint32]bool{}
			for i := range vs {
				if vs[i].Index != 0 {
					continue
				}
				for _, c := range cur.Values {
					if strings.EqualFold(c.Type, vs[i].Type) && !done[c.Index] {
						vs[i].Index = c.Index
						break
					}
				}
				if vs[i].Index == 0 {
					return fmt.Errorf("%s has no %s value to modify; use dii handle add", args[0], vs[i].Type)
				}
				done[vs[i].Index] = true
			}
			return sendHandle(cmd, g, "modified", args[0], false, indexesOf(vs), &tx.HandleModify{Handle: args[0], Values: vs})
		},
	}
	f.add(cmd)
	return cmd
}

func parseIndexes(args []string) ([]uint32, error) {
	var out []uint32
	for _, a := range args {
		n, err := strconv.ParseUint(a, 10, 32)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("index %q: want a number from 1", a)
		}
		out = append(out, uint32(n))
	}
	return out, nil
}

func handleRemoveCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "remove HANDLE INDEX...",
		Short: "Remove values of a handle",
		Long: `remove deletes the values at the indexes given. A handle keeps at least
one HS_ADMIN value; to remove everything, delete the handle.`,
		Example: `  dii handle remove 20.500.example/report-1 2 10`,
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			idx, err := parseIndexes(args[1:])
			if err != nil {
				return err
			}
			return sendHandle(cmd, g, "removed values of", args[0], true, idx, &tx.HandleRemove{Handle: args[0], Indexes: idx})
		},
	}
}

func handleDeleteCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "delete HANDLE",
		Short: "Delete a handle, or an empty prefix (0.NA/<prefix>)",
		Example: `  dii handle delete 20.500.example/report-1
  dii handle delete 0.NA/20.500.example.lab`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return sendHandle(cmd, g, "deleted", args[0], true, nil, &tx.HandleDelete{Handle: args[0]})
		},
	}
}

// selection are the --index and --type flags of show and resolve.
type selection struct {
	indexes []string
	types   []string
}

func (s *selection) add(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&s.indexes, "index", nil, "only the value at this index (repeatable)")
	cmd.Flags().StringArrayVar(&s.types, "type", nil, `only values of this type (repeatable); "URL." also matches URL.mirror`)
}

func handleShowCmd(g *globals) *cobra.Command {
	var sel selection
	var all, follow, prove bool
	var height int64
	cmd := &cobra.Command{
		Use:   "show HANDLE",
		Short: "Show a handle's values, from the node's Handle API",
		Long: `show reads GET /api/handles/HANDLE, the Handle.Net proxy's REST API, and
prints the values; --json prints the API's answer as it came. --index and
--type select values (a value is shown when either matches).`,
		Example: `  dii handle show 20.500.example/report-1
  dii handle show 20.500.example/report-1 --type URL --json
  dii handle show 0.NA/20.500.example
  dii handle show 20.500.example/report-1 --prove            # fetch a Merkle proof and check it
  dii handle show 20.500.example/report-1 --prove --json > proof.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			idx, err := parseIndexes(sel.indexes)
			if err != nil {
				return err
			}
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			if prove {
				b, err := g.client().HandleProof(ctx, args[0], height)
				if err != nil {
					return err
				}
				if g.jsonOut {
					return g.emit(cmd.OutOrStdout(), b, nil)
				}
				v, err := verifyHandleBundle(b, "", g.home)
				if err != nil {
					return fmt.Errorf("the node's proof does NOT verify: %w", err)
				}
				printHandleVerified(cmd.OutOrStdout(), v)
				return nil
			}
			q := client.HandleQuery{Indexes: idx, Types: sel.types, All: all, FollowAliases: follow}
			if g.jsonOut {
				raw, err := g.client().HandleRaw(ctx, args[0], q)
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			r, err := g.client().Handle(ctx, args[0], q)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if r.ResponseCode == handleproto.RCValueNotFound {
				fmt.Fprintf(out, "%s: no value matches\n", args[0])
				return nil
			}
			fmt.Fprintln(out, r.Handle)
			printValues(out, r.Values)
			return nil
		},
	}
	sel.add(cmd)
	cmd.Flags().BoolVar(&all, "all", false, "show values whose public read permission is off too")
	cmd.Flags().BoolVar(&follow, "follow", false, "follow HS_ALIAS values to the handle they name")
	cmd.Flags().BoolVar(&prove, "prove", false, "fetch a Merkle proof of the handle's record (or absence) and check it against the home's genesis; with --json print the proof bundle")
	cmd.Flags().Int64Var(&height, "height", 0, "with --prove: the state height (default: the latest)")
	return cmd
}

// handleVerified is a verified handle proof, for printing.
type handleVerified struct {
	Verified bool              `json:"verified"`
	Handle   string            `json:"handle"`
	Present  bool              `json:"present"`
	Height   int64             `json:"height"`
	Header   int64             `json:"header_height"`
	AppHash  string            `json:"app_hash"`
	Trust    string            `json:"trust"`
	Values   []api.HandleValue `json:"values,omitempty"`
}

func verifyHandleBundle(b *handle.Bundle, trustPath, home string) (handleVerified, error) {
	chainID, vals, tp, err := trust(trustPath, home)
	if err != nil {
		return handleVerified{}, err
	}
	r, err := handle.Verify(b, chainID, vals)
	if err != nil {
		return handleVerified{}, err
	}
	v := handleVerified{Verified: true, Handle: b.Handle, Present: r.Present, Height: b.Height, Header: r.Header.Height,
		AppHash: fmt.Sprintf("%X", r.AppHash), Trust: tp}
	if r.Record != nil {
		wire := r.Record.Wire()
		for i := range wire {
			v.Values = append(v.Values, api.HandleValueView(&wire[i]))
		}
	}
	return v, nil
}

func printHandleVerified(w io.Writer, v handleVerified) {
	what := "presence"
	if v.Present {
		fmt.Fprintln(w, v.Handle)
		printValues(w, v.Values)
	} else {
		what = "absence"
		fmt.Fprintf(w, "%s is not on the ledger at height %d\n", v.Handle, v.Height)
	}
	fmt.Fprintf(w, "proof of %s verified: app hash %s in header %d, signed by more than 2/3 of the validators in %s\n",
		what, v.AppHash, v.Header, v.Trust)
}

func handleVerifyCmd(g *globals) *cobra.Command {
	var trustPath string
	cmd := &cobra.Command{
		Use:   "verify PROOF.json",
		Short: "Check a handle's proof bundle offline",
		Long: `verify checks a bundle from "dii handle show HANDLE --prove --json"
without asking any node, as "dii verify" does for names: the validators'
signatures on the header, that they are the trusted set, the state key
derived from the handle, and the Merkle path from the handle's record (or
its absence) to the header's app hash. Use - to read standard input.`,
		Example: `  dii handle show 20.500.example/report-1 --prove --json > proof.json
  dii handle verify proof.json --trust genesis.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := readArg(cmd, args[0])
			if err != nil {
				return err
			}
			var b handle.Bundle
			if err := json.Unmarshal(raw, &b); err != nil {
				return fmt.Errorf("%s: not a handle proof bundle: %w", args[0], err)
			}
			v, err := verifyHandleBundle(&b, trustPath, g.home)
			if err != nil {
				return fmt.Errorf("proof does NOT verify: %w", err)
			}
			return g.emit(cmd.OutOrStdout(), v, func(w io.Writer) { printHandleVerified(w, v) })
		},
	}
	cmd.Flags().StringVar(&trustPath, "trust", "", "trusted validator set: genesis.json or a \"dii validators\" file (default: <home>/config/genesis.json)")
	return cmd
}

// printValues prints values as a table.
func printValues(w io.Writer, vs []api.HandleValue) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  INDEX\tTYPE\tTTL\tTIMESTAMP\tDATA")
	for _, v := range vs {
		ts := v.Timestamp
		if ts == "" {
			ts = "-"
		}
		data := dataText(v.Data)
		if v.Permissions != "" {
			data += "  (permissions " + v.Permissions + ")"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%v\t%s\t%s\n", v.Index, v.Type, v.TTL, ts, data)
	}
	_ = tw.Flush()
}

func dataText(d api.HandleData) string {
	switch v := d.Value.(type) {
	case string:
		if d.Format == "base64" {
			return "base64:" + v
		}
		return v
	case map[string]any:
		switch d.Format {
		case "admin":
			return fmt.Sprintf("admin %v index %v permissions %v", v["handle"], v["index"], v["permissions"])
		case "key":
			return fmt.Sprintf("%v key %v", v["crv"], v["x"])
		}
	case []any:
		var refs []string
		for _, r := range v {
			if m, ok := r.(map[string]any); ok {
				refs = append(refs, fmt.Sprintf("%v:%v", m["handle"], m["index"]))
			}
		}
		return "vlist " + strings.Join(refs, ", ")
	case api.HandleAdmin:
		return fmt.Sprintf("admin %s index %d permissions %s", v.Handle, v.Index, v.Permissions)
	case api.HandleKey:
		return fmt.Sprintf("%s key %s", v.Crv, v.X)
	case []api.HandleReference:
		var refs []string
		for _, r := range v {
			refs = append(refs, fmt.Sprintf("%s:%d", r.Handle, r.Index))
		}
		return "vlist " + strings.Join(refs, ", ")
	}
	return fmt.Sprint(d.Value)
}

func defaultHandleServer() string {
	if s := os.Getenv("DII_HANDLE"); s != "" {
		return s
	}
	return node.DefaultHandleAddr
}

func handleResolveCmd(g *globals) *cobra.Command {
	var sel selection
	var server string
	var tcp, noFollow, vlist bool
	cmd := &cobra.Command{
		Use:   "resolve HANDLE",
		Short: "Resolve a handle over the native Handle protocol (RFC 3652)",
		Long: `resolve asks a Handle server (--server, default the node's on
127.0.0.1:2641, env DII_HANDLE) with a RESOLUTION request over UDP,
falling back to TCP (--tcp: TCP only), as Handle.Net clients do. It follows
HS_ALIAS values to the handle they name (--no-follow: not) with a limit on
depth and loops; --vlist also resolves the references of HS_VLIST values.
No dii API is involved: any Handle server can be asked.`,
		Example: `  dii handle resolve 20.500.example/report-1
  dii handle resolve 20.500.example/report-1 --type URL --tcp
  dii handle resolve 20.500.example/keys --vlist --server 192.0.2.1:2641`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			idx, err := parseIndexes(sel.indexes)
			if err != nil {
				return err
			}
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			tr := handleserver.Transport{TCPOnly: tcp}
			c, err := handleserver.Dial(server, tr)
			if err != nil {
				return err
			}
			defer func() { _ = c.Close() }()
			o := handleserver.ResolveOptions{Indexes: idx, Types: sel.types}
			var fol *handleserver.Followed
			if noFollow {
				r, err := c.Resolve(ctx, args[0], o)
				if err != nil {
					return err
				}
				fol = &handleserver.Followed{Handle: r.Handle, Aliases: []string{args[0]}, Values: r.Values}
			} else if fol, err = c.FollowAliases(ctx, args[0], o, handleserver.FollowOptions{ExpandVList: vlist}); err != nil {
				return err
			}
			view := resolvedView{Handle: fol.Handle, Aliases: fol.Aliases, Values: []api.HandleValue{}}
			for i := range fol.Values {
				view.Values = append(view.Values, api.HandleValueView(&fol.Values[i]))
			}
			for i := range fol.Members {
				m := &fol.Members[i]
				view.Members = append(view.Members, resolvedMember{Ref: api.HandleReference(m.Ref), Value: api.HandleValueView(&m.Value)})
			}
			return g.emit(cmd.OutOrStdout(), view, func(w io.Writer) {
				if len(fol.Aliases) > 1 {
					fmt.Fprintf(w, "%s (alias path: %s)\n", fol.Handle, strings.Join(fol.Aliases, " -> "))
				} else {
					fmt.Fprintln(w, fol.Handle)
				}
				printValues(w, view.Values)
				if len(view.Members) > 0 {
					fmt.Fprintln(w, "HS_VLIST members:")
					for _, m := range view.Members {
						fmt.Fprintf(w, "  %s:%d  %s  %s\n", m.Ref.Handle, m.Ref.Index, m.Value.Type, dataText(m.Value.Data))
					}
				}
			})
		},
	}
	sel.add(cmd)
	cmd.Flags().StringVar(&server, "server", defaultHandleServer(), "Handle server, host:port (env DII_HANDLE)")
	cmd.Flags().BoolVar(&tcp, "tcp", false, "use TCP only")
	cmd.Flags().BoolVar(&noFollow, "no-follow", false, "do not follow HS_ALIAS values")
	cmd.Flags().BoolVar(&vlist, "vlist", false, "resolve the references of HS_VLIST values too")
	return cmd
}

// resolvedView is resolve's --json output.
type resolvedView struct {
	Handle  string            `json:"handle"`
	Aliases []string          `json:"aliases,omitempty"`
	Values  []api.HandleValue `json:"values"`
	Members []resolvedMember  `json:"members,omitempty"`
}

type resolvedMember struct {
	Ref   api.HandleReference `json:"ref"`
	Value api.HandleValue     `json:"value"`
}

func handleListCmd(g *globals) *cobra.Command {
	var after string
	var limit int
	var all bool
	cmd := &cobra.Command{
		Use:   "list PREFIX",
		Short: "List the handles of a prefix (0.NA: the prefixes)",
		Example: `  dii handle list 20.500.example
  dii handle list 20.500.example --limit 1000 --after 20.500.example/report-1
  dii handle list 0.NA --all`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			var handles []string
			next := after
			for {
				l, err := g.client().HandleList(ctx, args[0], next, limit)
				if err != nil {
					return err
				}
				handles = append(handles, l.Handles...)
				next = l.Next
				if !all || next == "" {
					break
				}
			}
			type page struct {
				Prefix  string   `json:"prefix"`
				Handles []string `json:"handles"`
				Next    string   `json:"next,omitempty"`
			}
			return g.emit(cmd.OutOrStdout(), page{Prefix: args[0], Handles: handles, Next: next}, func(w io.Writer) {
				for _, h := range handles {
					fmt.Fprintln(w, h)
				}
				if next != "" {
					fmt.Fprintf(w, "(more: --after %s, or --all)\n", next)
				}
			})
		},
	}
	cmd.Flags().StringVar(&after, "after", "", "start after this handle")
	cmd.Flags().IntVar(&limit, "limit", 100, "handles per page (1..1000)")
	cmd.Flags().BoolVar(&all, "all", false, "fetch every page")
	return cmd
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/tx"
)

func oidCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "oid",
		Short: "Allocate, change and read arcs of the X.660 OID tree, and X.677 UAV identities",
		Long: `The international OID tree lives on the ledger. The top arcs 0 (ITU-T),
1 (ISO) and 2 (Joint-ISO-ITU-T) are created at genesis; the registration
authority of an arc allocates its children and may delegate them to other
accounts. An arc has secondary identifiers (ASN.1 identifiers such as
"example") and Unicode labels for OID-IRIs (such as "Example"); arcs are
retired, never deleted, and a number is never allocated twice.

OIDs are given in dotted form (2.999.677) or, where an arc is read or
changed, as an OID-IRI (/Joint-ISO-ITU-T/Example/UAV). Changes are signed
with --key and wait until committed. See docs/oid.md.`,
	}
	cmd.AddCommand(oidRegisterCmd(g), oidDelegateCmd(g), oidSetCmd(g), oidRetireCmd(g),
		oidShowCmd(g), oidListCmd(g), oidVerifyCmd(g), oidResolveCmd(g), uavCmd(g))
	return cmd
}

// oidArg turns an OID-IRI into its dotted OID by asking the node; a
// dotted OID is passed on as given, for the ledger to judge.
func oidArg(ctx context.Context, c *client.Client, s string) (string, error) {
	if !strings.HasPrefix(s, "/") {
		return s, nil
	}
	a, err := c.OID(ctx, s, false, client.OIDPage{})
	if err != nil {
		return "", err
	}
	return a.OID, nil
}

// oidFlags are the names and information of an arc on the command line.
type oidFlags struct {
	ids, labels                []string
	noIDs, noLabels            bool
	name, description, contact string
}

func (f *oidFlags) add(cmd *cobra.Command, clear bool) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.ids, "id", nil, "a secondary identifier (ASN.1 identifier, e.g. example); repeat for more; the first is preferred")
	fl.StringArrayVar(&f.labels, "label", nil, "a Unicode label for OID-IRIs (e.g. Example); repeat for more; the first is preferred")
	fl.StringVar(&f.name, "name", "", "registration information: a name")
	fl.StringVar(&f.description, "description", "", "registration information: a description")
	fl.StringVar(&f.contact, "contact", "", "registration information: a contact")
	if clear {
		fl.BoolVar(&f.noIDs, "no-ids", false, "remove every secondary identifier")
		fl.BoolVar(&f.noLabels, "no-labels", false, "remove every Unicode label")
	}
}

func (f *oidFlags) changed(cmd *cobra.Command) bool {
	for _, n := range []string{"id", "label", "name", "description", "contact", "no-ids", "no-labels"} {
		if fl := cmd.Flags().Lookup(n); fl != nil && fl.Changed {
			return true
		}
	}
	return false
}

// apply puts the flags that were given over cur (nil: an empty arc).
func (f *oidFlags) apply(cmd *cobra.Command, o string, cur *api.OIDArc) *tx.OIDSet {
	op := &tx.OIDSet{OID: o}
	if cur != nil {
		op.Identifiers, op.Labels = cur.Identifiers, cur.Labels
		op.Name, op.Description, op.Contact = cur.Name, cur.Description, cur.Contact
	}
	ch := func(n string) bool { return cmd.Flags().Changed(n) }
	if ch("id") || f.noIDs {
		op.Identifiers = f.ids
	}
	if ch("label") || f.noLabels {
		op.Labels = nil
		for _, l := range f.labels {
			op.Labels = append(op.Labels, oid.NormalizeLabel(l))
		}
	}
	if ch("name") {
		op.Name = f.name
	}
	if ch("description") {
		op.Description = f.description
	}
	if ch("contact") {
		op.Contact = f.contact
	}
	return op
}

func oidRegisterCmd(g *globals) *cobra.Command {
	var authority string
	var f oidFlags
	cmd := &cobra.Command{
		Use:   "register OID",
		Short: "Allocate a child arc below an arc you are the authority of",
		Long: `register allocates the arc OID below its superior arc, which the signing key
must be the registration authority of. With --authority the new arc is held
by another account from the start. Labels and information given here are
set in the same transaction.`,
		Example: `  dii oid register 2.999.5 --label Lab --id lab --name "Our lab"
  dii oid register 2.999.5.1 --authority dii1... --name "Delegated to a partner"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			op := &tx.OIDAllocate{OID: args[0]}
			if authority != "" {
				a, err := addressArg(authority)
				if err != nil {
					return err
				}
				op.Authority = a
			}
			ops := []tx.Op{op}
			if f.changed(cmd) {
				ops = append(ops, f.apply(cmd, args[0], nil))
			}
			return submit(cmd, g, "allocated "+args[0], ops...)
		},
	}
	cmd.Flags().StringVar(&authority, "authority", "", "the new arc's registration authority (default: the signing key's account)")
	f.add(cmd, false)
	return cmd
}

func oidDelegateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "delegate OID ADDRESS",
		Short: "Make another account the registration authority of an arc",
		Long: `delegate hands an arc to another account, which becomes its authority: it
allocates the arc's children from then on. The arc's authority, or the
authority of its superior arc, may delegate it.`,
		Example: `  dii oid delegate 2.999.5 dii1...`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := addressArg(args[1])
			if err != nil {
				return err
			}
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			o, err := oidArg(ctx, g.client(), args[0])
			if err != nil {
				return err
			}
			return submit(cmd, g, "delegated "+o+" to "+to.String(), &tx.OIDDelegate{OID: o, To: to})
		},
	}
}

func oidSetCmd(g *globals) *cobra.Command {
	var f oidFlags
	cmd := &cobra.Command{
		Use:   "set OID",
		Short: "Change an arc's identifiers, Unicode labels or registration information",
		Long: `set changes what its flags name and keeps the rest: --label (repeated)
replaces the whole list of Unicode labels, --id the secondary identifiers,
--name, --description and --contact one field each ("" clears it);
--no-labels and --no-ids remove all. Labels are put in Unicode
Normalization Form C. The arc's authority, or that of its superior arc,
may change it.`,
		Example: `  dii oid set 2.999.5 --label Lab --label Labor --name "Our lab"
  dii oid set /Joint-ISO-ITU-T/Example/Lab --contact ops@example.org`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !f.changed(cmd) {
				return fmt.Errorf("nothing to set: give --label, --id, --name, --description or --contact")
			}
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			cur, err := g.client().OID(ctx, args[0], false, client.OIDPage{})
			if err != nil {
				return err
			}
			return submit(cmd, g, "set "+cur.OID, f.apply(cmd, cur.OID, cur))
		},
	}
	f.add(cmd, true)
	return cmd
}

func oidRetireCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "retire OID",
		Short: "Retire an arc: it stays resolvable, marked retired, and is never reused",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			o, err := oidArg(ctx, g.client(), args[0])
			if err != nil {
				return err
			}
			return submit(cmd, g, "retired "+o, &tx.OIDRetire{OID: o})
		},
	}
}

func oidShowCmd(g *globals) *cobra.Command {
	var prove, children bool
	var height int64
	var page client.OIDPage
	cmd := &cobra.Command{
		Use:   "show OID",
		Short: "Show an arc: names, authority, status, information and children",
		Long: `show prints an arc given by dotted OID or OID-IRI. With --children it lists
a page of its children. With --prove it fetches a Merkle proof of the arc's
state (or of its absence) and the signed header it belongs to and checks
it; with --json it prints that bundle, which "dii oid verify" checks
offline.`,
		Example: `  dii oid show 2
  dii oid show /Joint-ISO-ITU-T/Example --children
  dii oid show 2.999.677 --prove --json > arc.json && dii oid verify arc.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			c := g.client()
			if prove {
				o, err := oidArg(ctx, c, args[0])
				if err != nil {
					return err
				}
				b, err := c.OIDProof(ctx, o, height)
				if err != nil {
					return err
				}
				return showOIDProof(cmd, g, b)
			}
			a, err := c.OID(ctx, args[0], children, page)
			if err != nil {
				return err
			}
			return g.emit(cmd.OutOrStdout(), a, func(w io.Writer) { printArc(w, a) })
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "fetch and check a Merkle proof with the signed header")
	cmd.Flags().Int64Var(&height, "height", 0, "state height to prove (default: latest)")
	cmd.Flags().BoolVar(&children, "children", false, "list a page of the arc's children")
	cmd.Flags().StringVar(&page.After, "after", "", "with --children: start after this arc number")
	cmd.Flags().IntVar(&page.Limit, "limit", 100, "with --children: children per page (1..1000)")
	return cmd
}

func oidResolveCmd(g *globals) *cobra.Command {
	var c oid.ORSClient
	var service string
	cmd := &cobra.Command{
		Use:   "resolve OID",
		Short: "Resolve an OID or OID-IRI with ORS (X.672) over DNS, as any ORS client does",
		Long: `resolve is an ORS client (ITU-T X.672) that needs nothing but DNS: it
turns the OID into its FQDN (the arcs reversed under the ORS domain, for
an OID-IRI its labels in their DNS form), asks the DNS server for NAPTR
records with the DO bit, follows the DNAME chain of labels and secondary
identifiers as a resolver does, and prints the services the records give:
COID (canonical OID), RINF (registration information), CINF (child
information), MINF, UINF and LINF. An alias answers with COID only; the
canonical name is then asked for the rest. The server may be a dii node or
any resolver that reaches the ORS domain. See docs/oid.md.`,
		Example: `  dii oid resolve 2.999.5
  dii oid resolve /Joint-ISO-ITU-T/Example/Lab --service RINF
  dii oid resolve 2.16.156.101818.102.1 --server 127.0.0.1:5353 --ors-domain oid-res.org --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			q := args[0]
			if strings.HasPrefix(q, "/") {
				q = oid.NormalizeLabel(q)
			}
			res, err := c.Resolve(ctx, q)
			if err != nil {
				return err
			}
			if service != "" {
				var keep []oid.ORSRecord
				for _, r := range res.Records {
					if strings.EqualFold(r.Service, service) || strings.EqualFold(r.Field, service) {
						keep = append(keep, r)
					}
				}
				if len(keep) == 0 {
					return fmt.Errorf("%s (%s) has no %s record", res.Query, res.Name, strings.ToUpper(service))
				}
				res.Records = keep
			}
			return g.emit(cmd.OutOrStdout(), res, func(w io.Writer) { printORS(w, res) })
		},
	}
	defServer := "127.0.0.1:5353"
	if v := os.Getenv("DII_DNS"); v != "" {
		defServer = v
	}
	f := cmd.Flags()
	f.StringVar(&c.Server, "server", defServer, "DNS server, host:port (env DII_DNS)")
	f.StringVar(&c.Domain, "ors-domain", oid.DefaultORSDomain, "the ORS domain")
	f.StringVar(&service, "service", "", "print only this service: COID, CINF, RINF, MINF, UINF or LINF")
	f.BoolVar(&c.TCP, "tcp", false, "ask over TCP")
	return cmd
}

func printORS(w io.Writer, r *oid.ORSResult) {
	if r.OID != "" {
		fmt.Fprintf(w, "%s  (urn:oid:%s)\n", r.OID, r.OID)
	} else {
		fmt.Fprintf(w, "%s  (no canonical OID given)\n", r.Query)
	}
	fmt.Fprintf(w, "  query     %s\n", r.Query)
	fmt.Fprintf(w, "  fqdn      %s\n", r.FQDN)
	for i, l := range r.Chain {
		head := "  chain     "
		if i > 0 {
			head = "            "
		}
		fmt.Fprintf(w, "%s%s %s %s\n", head, l.Owner, l.Type, l.Target)
	}
	fmt.Fprintf(w, "  name      %s\n", r.Name)
	for i, rec := range r.Records {
		head := "  services  "
		if i > 0 {
			head = "            "
		}
		data := rec.Result
		if data == "" {
			data = fmt.Sprintf("(regexp %q: %s)", rec.Regexp, rec.Error)
		}
		label := rec.Service
		if rec.Field != rec.Service {
			label += " (" + rec.Field + ")"
		}
		fmt.Fprintf(w, "%s%-5s %s\n", head, label, data)
	}
	switch {
	case r.Verified:
		fmt.Fprintf(w, "  dnssec    signed by %s (key tag %d); the signature checks with its DNSKEY\n", r.SignedBy, r.KeyTag)
	case r.Signed:
		fmt.Fprintf(w, "  dnssec    signed by %s (key tag %d); NOT verified with its DNSKEY\n", r.SignedBy, r.KeyTag)
	default:
		fmt.Fprintln(w, "  dnssec    not signed")
	}
	fmt.Fprintf(w, "  server    %s\n", r.Server)
}

func rfc3339(t time.Time) string { return t.Format(time.RFC3339) }

func printArc(w io.Writer, a *api.OIDArc) {
	fmt.Fprintf(w, "%s  %s  %s\n", a.OID, a.IRI, a.ASN1)
	fmt.Fprintf(w, "  status       %s\n", a.Status)
	fmt.Fprintf(w, "  authority    %s\n", a.Authority)
	if len(a.Identifiers) > 0 {
		fmt.Fprintf(w, "  identifiers  %s\n", strings.Join(a.Identifiers, ", "))
	}
	if len(a.Labels) > 0 {
		fmt.Fprintf(w, "  labels       %s\n", strings.Join(a.Labels, ", "))
	}
	for _, f := range [][2]string{{"name", a.Name}, {"description", a.Description}, {"contact", a.Contact}} {
		if f[1] != "" {
			fmt.Fprintf(w, "  %-12s %s\n", f[0], strings.ReplaceAll(f[1], "\n", "\n               "))
		}
	}
	fmt.Fprintf(w, "  created      %s\n", rfc3339(a.Created))
	fmt.Fprintf(w, "  updated      %s\n", rfc3339(a.Updated))
	if a.Retired != nil {
		fmt.Fprintf(w, "  retired      %s\n", rfc3339(*a.Retired))
	}
	if a.Children != nil {
		more := ""
		if a.ChildrenMore {
			more = " or more"
		}
		fmt.Fprintf(w, "  children     %d%s\n", *a.Children, more)
	}
	if a.Height > 0 {
		fmt.Fprintf(w, "  height       %d\n", a.Height)
	}
	if len(a.ChildArcs) > 0 {
		fmt.Fprintln(w)
		printArcList(w, a.ChildArcs, a.Next)
	}
}

func printArcList(w io.Writer, arcs []api.OIDArc, next string) {
	for _, c := range arcs {
		label := "-"
		if len(c.Labels) > 0 {
			label = c.Labels[0]
		}
		fmt.Fprintf(w, "%-24s %-20s %-7s %s  %s\n", c.OID, label, c.Status, c.Authority, c.Name)
	}
	if next != "" {
		fmt.Fprintf(w, "more: --after %s\n", next)
	}
}

func oidListCmd(g *globals) *cobra.Command {
	var page client.OIDPage
	var all bool
	cmd := &cobra.Command{
		Use:   "list [OID]",
		Short: "List the children of an arc (the top arcs without OID), a page at a time",
		Example: `  dii oid list
  dii oid list 2.999 --limit 50
  dii oid list /Joint-ISO-ITU-T/Example --all`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			c := g.client()
			var out []api.OIDArc
			var next string
			for {
				var arcs []api.OIDArc
				if len(args) == 0 {
					l, err := c.TopArcs(ctx, page)
					if err != nil {
						return err
					}
					arcs, next = l.Arcs, l.Next
				} else {
					a, err := c.OID(ctx, args[0], true, page)
					if err != nil {
						return err
					}
					arcs, next = a.ChildArcs, a.Next
				}
				out = append(out, arcs...)
				if !all || next == "" {
					break
				}
				page.After = next
			}
			if out == nil {
				out = []api.OIDArc{}
			}
			v := api.OIDList{Arcs: out, Next: next}
			return g.emit(cmd.OutOrStdout(), v, func(w io.Writer) {
				if len(out) == 0 {
					fmt.Fprintln(w, "(no arcs)")
				}
				printArcList(w, out, next)
			})
		},
	}
	cmd.Flags().StringVar(&page.After, "after", "", "start after this arc number (the cursor a previous page printed)")
	cmd.Flags().IntVar(&page.Limit, "limit", 100, "arcs per page (1..1000)")
	cmd.Flags().BoolVar(&all, "all", false, "follow pages to the end")
	return cmd
}

// oidVerifyView is what a verified OID bundle shows.
type oidVerifyView struct {
	Verified bool             `json:"verified"`
	Kind     string           `json:"kind"`
	OID      string           `json:"oid"`
	Present  bool             `json:"present"`
	Height   int64            `json:"state_height"`
	Header   int64            `json:"header_height"`
	AppHash  string           `json:"app_hash"`
	Trust    string           `json:"trust"`
	Arc      *api.OIDArc      `json:"arc,omitempty"`
	Identity *api.UAVIdentity `json:"identity,omitempty"`
}

func verifyOIDBundle(b *oid.Bundle, trustPath, home string) (*oidVerifyView, error) {
	chainID, vals, tp, err := trust(trustPath, home)
	if err != nil {
		return nil, err
	}
	res, err := oid.Verify(b, chainID, vals)
	if err != nil {
		return nil, err
	}
	v := &oidVerifyView{Verified: true, Kind: b.Kind, OID: b.OID, Present: res.Present, Height: b.Height,
		Header: res.Header.Height, AppHash: fmt.Sprintf("%X", res.AppHash), Trust: tp}
	if res.Arc != nil {
		// Only the arc itself is proven: its names are shown by number.
		a := api.ArcView(res.Arc, "", "")
		a.Height = b.Height
		v.Arc = &a
	}
	if res.Identity != nil {
		id := api.IdentityView(nil, res.Identity)
		id.Height = b.Height
		v.Identity = &id
	}
	return v, nil
}

func printOIDVerified(w io.Writer, v *oidVerifyView) {
	what := "arc"
	if v.Kind == oid.BundleUAV {
		what = "UAV identity"
	}
	switch {
	case v.Arc != nil:
		fmt.Fprintf(w, "arc %s\n", v.OID)
		a := *v.Arc
		a.OID, a.IRI, a.ASN1 = "", "", ""
		var b strings.Builder
		printArc(&b, &a)
		_, rest, _ := strings.Cut(b.String(), "\n")
		fmt.Fprint(w, rest)
	case v.Identity != nil:
		printIdentity(w, v.Identity)
	default:
		fmt.Fprintf(w, "%s %s does not exist at height %d\n", what, v.OID, v.Height)
	}
	proof := "presence"
	if !v.Present {
		proof = "absence"
	}
	fmt.Fprintf(w, "proof of %s verified: app hash %s in header %d, signed by more than 2/3 of the validators in %s\n",
		proof, v.AppHash, v.Header, v.Trust)
}

func showOIDProof(cmd *cobra.Command, g *globals, b *oid.Bundle) error {
	if g.jsonOut {
		return g.emit(cmd.OutOrStdout(), b, nil)
	}
	v, err := verifyOIDBundle(b, "", g.home)
	if err != nil {
		return fmt.Errorf("the node's proof does NOT verify: %w", err)
	}
	printOIDVerified(cmd.OutOrStdout(), v)
	return nil
}

func oidVerifyCmd(g *globals) *cobra.Command {
	var trustPath string
	cmd := &cobra.Command{
		Use:   "verify PROOF.json",
		Short: "Check an arc's or UAV identity's proof bundle offline",
		Long: `verify checks a bundle from "dii oid show OID --prove --json" or
"dii oid uav show OID --prove --json" without asking any node, as
"dii verify" does for names: the validators' signatures on the header,
that they are the trusted set, the state key derived from the OID, and the
Merkle path from the arc's (or identity's) state, or its absence, to the
header's app hash. Use - to read standard input.`,
		Example: `  dii oid show 2.999.677 --prove --json > arc.json
  dii oid verify arc.json --trust genesis.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := readArg(cmd, args[0])
			if err != nil {
				return err
			}
			var b oid.Bundle
			if err := json.Unmarshal(raw, &b); err != nil {
				return fmt.Errorf("%s: not an OID proof bundle: %w", args[0], err)
			}
			v, err := verifyOIDBundle(&b, trustPath, g.home)
			if err != nil {
				return fmt.Errorf("proof does NOT verify: %w", err)
			}
			return g.emit(cmd.OutOrStdout(), v, func(w io.Writer) { printOIDVerified(w, v) })
		},
	}
	cmd.Flags().StringVar(&trustPath, "trust", "", "trusted validator set: genesis.json or a \"dii validators\" file (default: <home>/config/genesis.json)")
	return cmd
}

func uavCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "uav",
		Short: "The X.677 procedure for UAV identities: apply, verify, announce, change, revoke",
		Long: `X.677 identifies unmanned aerial vehicles by OIDs below a UAV arc U named in
genesis (2.999.677 on test networks). A manufacturer applies for a
full-life-cycle identity U.1.N for a UAV it makes; the holder of an
announced full-life-cycle identity applies for operating identities U.2.N
bound to it. The authority of the identity space (U.1 or U.2) verifies
applications and changes; the holder or the authority announces a verified
identity (puts it into service) and may revoke it. A revoked identity stays
on the ledger and resolves as revoked.`,
	}
	cmd.AddCommand(uavApplyCmd(g), uavVerifyCmd(g), uavAnnounceCmd(g), uavChangeCmd(g), uavRevokeCmd(g),
		uavShowCmd(g), uavListCmd(g))
	return cmd
}

type uavFlags struct{ holderName, model, serial, contact string }

func (f *uavFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.holderName, "holder-name", "", "the manufacturer's or operator's name")
	fl.StringVar(&f.model, "model", "", "the UAV's model")
	fl.StringVar(&f.serial, "serial", "", "the UAV's serial number")
	fl.StringVar(&f.contact, "contact", "", "a contact")
}

// info puts the flags that were given over cur.
func (f *uavFlags) info(cmd *cobra.Command, cur api.UAVInfo) tx.UAVInfo {
	i := tx.UAVInfo{HolderName: cur.HolderName, Model: cur.Model, Serial: cur.Serial, Contact: cur.Contact}
	for n, p := range map[string]*[2]*string{
		"holder-name": {&i.HolderName, &f.holderName}, "model": {&i.Model, &f.model},
		"serial": {&i.Serial, &f.serial}, "contact": {&i.Contact, &f.contact},
	} {
		if cmd.Flags().Changed(n) {
			*p[0] = *p[1]
		}
	}
	return i
}

func uavApplyCmd(g *globals) *cobra.Command {
	var flc string
	var f uavFlags
	cmd := &cobra.Command{
		Use:   "apply OID",
		Short: "Apply for a full-life-cycle identity (or, with --flc, an operating identity)",
		Example: `  dii oid uav apply 2.999.677.1.1001 --holder-name "Acme Drones" --model X1 --serial SN-1001
  dii oid uav apply 2.999.677.2.7 --flc 2.999.677.1.1001 --holder-name "Sky Survey Ltd"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			op := &tx.UAVApply{OID: args[0], FLC: flc, Info: f.info(cmd, api.UAVInfo{})}
			return submit(cmd, g, "applied for "+args[0], op)
		},
	}
	cmd.Flags().StringVar(&flc, "flc", "", "for an operating identity: the full-life-cycle identity it belongs to")
	f.add(cmd)
	return cmd
}

func uavVerifyCmd(g *globals) *cobra.Command {
	var reject bool
	var note string
	cmd := &cobra.Command{
		Use:   "verify OID",
		Short: "As the authority: accept (or --reject) an application or a pending change",
		Example: `  dii oid uav verify 2.999.677.1.1001 --note "documents checked"
  dii oid uav verify 2.999.677.1.1002 --reject --note "unknown manufacturer"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			what := "verified " + args[0]
			if reject {
				what = "rejected " + args[0]
			}
			return submit(cmd, g, what, &tx.UAVVerify{OID: args[0], Accept: !reject, Note: note})
		},
	}
	cmd.Flags().BoolVar(&reject, "reject", false, "reject instead of accepting")
	cmd.Flags().StringVar(&note, "note", "", "a note on the decision")
	return cmd
}

func uavAnnounceCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "announce OID",
		Short: "Put a verified identity into service (the holder or the authority)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return submit(cmd, g, "announced "+args[0], &tx.UAVAnnounce{OID: args[0]})
		},
	}
}

func uavChangeCmd(g *globals) *cobra.Command {
	var holder string
	var f uavFlags
	cmd := &cobra.Command{
		Use:   "change OID",
		Short: "As the holder: ask to change an identity's information or holder",
		Long: `change asks for the fields its flags name to change (the others keep their
values); --holder passes the identity to another account, for example when
a UAV is sold. A change of an announced identity waits for the authority's
verification ("dii oid uav verify"); one of an identity not yet announced
replaces the application, which is then verified again.`,
		Example: `  dii oid uav change 2.999.677.1.1001 --holder dii1... --holder-name "Sky Survey Ltd"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			cur, err := g.client().UAV(ctx, args[0])
			if err != nil {
				return err
			}
			op := &tx.UAVChange{OID: cur.OID, Info: f.info(cmd, cur.Info)}
			if holder != "" {
				if op.Holder, err = addressArg(holder); err != nil {
					return err
				}
			}
			return submit(cmd, g, "asked to change "+cur.OID, op)
		},
	}
	cmd.Flags().StringVar(&holder, "holder", "", "the new holder's address")
	f.add(cmd)
	return cmd
}

func uavRevokeCmd(g *globals) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "revoke OID",
		Short: "Revoke an identity for good (the holder or the authority)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return submit(cmd, g, "revoked "+args[0], &tx.UAVRevoke{OID: args[0], Reason: reason})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why")
	return cmd
}

func uavShowCmd(g *globals) *cobra.Command {
	var prove bool
	var height int64
	cmd := &cobra.Command{
		Use:   "show OID",
		Short: "Show a UAV identity and where it is in its life cycle",
		Example: `  dii oid uav show 2.999.677.1.1001
  dii oid uav show 2.999.677.1.1001 --prove --json > uav.json && dii oid verify uav.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			c := g.client()
			if prove {
				b, err := c.UAVProof(ctx, args[0], height)
				if err != nil {
					return err
				}
				return showOIDProof(cmd, g, b)
			}
			id, err := c.UAV(ctx, args[0])
			if err != nil {
				return err
			}
			return g.emit(cmd.OutOrStdout(), id, func(w io.Writer) { printIdentity(w, id) })
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "fetch and check a Merkle proof with the signed header")
	cmd.Flags().Int64Var(&height, "height", 0, "state height to prove (default: latest)")
	return cmd
}

func printIdentity(w io.Writer, id *api.UAVIdentity) {
	active := ""
	if id.Active {
		active = " (active)"
	}
	fmt.Fprintf(w, "%s  %s identity  %s%s\n", id.OID, id.Kind, id.Status, active)
	fmt.Fprintf(w, "  holder       %s\n", id.Holder)
	if id.Authority != "" {
		fmt.Fprintf(w, "  authority    %s\n", id.Authority)
	}
	if id.FLC != "" {
		st := ""
		if id.FLCStatus != "" {
			st = " (" + id.FLCStatus + ")"
		}
		fmt.Fprintf(w, "  flc          %s%s\n", id.FLC, st)
	}
	printUAVInfo(w, "  ", id.Info)
	fmt.Fprintf(w, "  applied      %s\n", rfc3339(id.Applied))
	for _, t := range []struct {
		n string
		t *time.Time
	}{{"verified", id.Verified}, {"announced", id.Announced}, {"revoked", id.Revoked}} {
		if t.t != nil {
			fmt.Fprintf(w, "  %-12s %s\n", t.n, rfc3339(*t.t))
		}
	}
	if id.Note != "" {
		fmt.Fprintf(w, "  note         %s\n", id.Note)
	}
	if p := id.Pending; p != nil {
		fmt.Fprintf(w, "  pending change, waiting for the authority:\n")
		if p.Holder != "" {
			fmt.Fprintf(w, "    holder       %s\n", p.Holder)
		}
		printUAVInfo(w, "    ", p.Info)
	}
	if id.Height > 0 {
		fmt.Fprintf(w, "  height       %d\n", id.Height)
	}
}

func printUAVInfo(w io.Writer, indent string, i api.UAVInfo) {
	for _, f := range [][2]string{{"holder name", i.HolderName}, {"model", i.Model}, {"serial", i.Serial}, {"contact", i.Contact}} {
		if f[1] != "" {
			fmt.Fprintf(w, "%s%-12s %s\n", indent, f[0], f[1])
		}
	}
}

func uavListCmd(g *globals) *cobra.Command {
	var kind string
	var page client.OIDPage
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List UAV identities of one kind, a page at a time",
		Example: `  dii oid uav list
  dii oid uav list --kind operating --all`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			c := g.client()
			out := api.UAVList{Identities: []api.UAVIdentity{}}
			for {
				l, err := c.UAVs(ctx, kind, page)
				if err != nil {
					return err
				}
				out.Kind, out.Height, out.Next = l.Kind, l.Height, l.Next
				out.Identities = append(out.Identities, l.Identities...)
				if !all || l.Next == "" {
					break
				}
				page.After = l.Next
			}
			return g.emit(cmd.OutOrStdout(), out, func(w io.Writer) {
				if len(out.Identities) == 0 {
					fmt.Fprintf(w, "(no %s identities)\n", out.Kind)
				}
				for _, id := range out.Identities {
					fmt.Fprintf(w, "%-28s %-10s %s  %s %s\n", id.OID, id.Status, id.Holder, id.Info.HolderName, id.Info.Serial)
				}
				if out.Next != "" {
					fmt.Fprintf(w, "more: --after %s\n", out.Next)
				}
			})
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "flc", "flc (full-life-cycle) or operating")
	cmd.Flags().StringVar(&page.After, "after", "", "start after this identity number (the cursor a previous page printed)")
	cmd.Flags().IntVar(&page.Limit, "limit", 100, "identities per page (1..1000)")
	cmd.Flags().BoolVar(&all, "all", false, "follow pages to the end")
	return cmd
}

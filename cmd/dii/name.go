package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/tx"
)

func nameCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "name",
		Short: "Register, change and read names in the ledger's root zone and zones",
		Long: `Names live on the ledger. A one-label name is a TLD, created by a registry
operator; under an open TLD anyone may register a second-level name, first
come, first served; below that, the owner of the closest registered name
decides. Unicode names are converted to A-labels (IDNA2008).

Changes are signed with --key from the keyring and wait until committed.`,
	}
	cmd.AddCommand(nameRegisterCmd(g), nameSetCmd(g), nameShowCmd(g), nameListCmd(g),
		nameTransferCmd(g), nameRenewCmd(g), nameDeleteCmd(g), nameDelegateCmd(g))
	return cmd
}

func domainArg(s string) (string, error) {
	n, err := names.ToASCII(s)
	if err != nil {
		return "", fmt.Errorf("name %q: %w", s, err)
	}
	return n, nil
}

func addressArg(s string) (tx.Address, error) { return tx.ParseAddress(s) }

// periodDays parses "365d", "2y" or a plain number of days.
func periodDays(s string) (uint16, error) {
	if s == "" {
		return 0, nil
	}
	mult, num := 1, s
	switch {
	case strings.HasSuffix(s, "y"):
		mult, num = 365, strings.TrimSuffix(s, "y")
	case strings.HasSuffix(s, "d"):
		num = strings.TrimSuffix(s, "d")
	}
	var n int
	if _, err := fmt.Sscanf(num, "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != num || n*mult > 65535 {
		return 0, fmt.Errorf("period %q: want days (e.g. 90d) or years (e.g. 2y)", s)
	}
	return uint16(n * mult), nil
}

// submit signs ops with --key and waits for the commit.
func submit(cmd *cobra.Command, g *globals, what string, ops ...tx.Op) error {
	ctx, cancel := g.ctx(cmd)
	defer cancel()
	s, err := g.signer(ctx)
	if err != nil {
		return err
	}
	res, err := s.Submit(ctx, client.WaitCommit, ops...)
	if err != nil {
		return err
	}
	return g.emit(cmd.OutOrStdout(), res, func(w io.Writer) {
		fmt.Fprintf(w, "%s: committed in block %d (tx %s)\n", what, res.Height, res.Hash)
	})
}

func nameRegisterCmd(g *globals) *cobra.Command {
	var owner, period string
	var open bool
	cmd := &cobra.Command{
		Use:   "register NAME",
		Short: "Register a name (a TLD if it has one label)",
		Example: `  dii name register mine.dii
  dii name register lab --open           # a TLD; registry operators only
  dii name register bücher.dii --period 2y`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := domainArg(args[0])
			if err != nil {
				return err
			}
			op := &tx.Register{Name: name, Open: open}
			if op.PeriodDays, err = periodDays(period); err != nil {
				return err
			}
			if owner != "" {
				if op.Owner, err = addressArg(owner); err != nil {
					return err
				}
			}
			return submit(cmd, g, "registered "+name, op)
		},
	}
	cmd.Flags().StringVar(&owner, "owner", "", "owner address (default: the signing key's account)")
	cmd.Flags().StringVar(&period, "period", "", "registration period, e.g. 365d or 2y (default: the registry's, 1y)")
	cmd.Flags().BoolVar(&open, "open", false, "for a TLD: let anyone register second-level names")
	return cmd
}

func nameSetCmd(g *globals) *cobra.Command {
	var ttl uint32
	var del bool
	cmd := &cobra.Command{
		Use:   "set OWNER TYPE [RDATA ...]",
		Short: "Replace the RRset of TYPE at OWNER (or delete it with --delete)",
		Long: `set replaces a whole RRset: give every record of the set, each as one
argument in DNS presentation form. OWNER is the registered name itself or a
name below it in the same zone. Types: ` + typeList() + `.`,
		Example: `  dii name set mine.dii A 192.0.2.7 192.0.2.8
  dii name set mine.dii MX "10 mail.mine.dii."
  dii name set www.mine.dii CNAME mine.dii.
  dii name set mine.dii TXT '"v=spf1 -all"'
  dii name set mine.dii A --delete`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			owner, err := names.ToASCII(args[0])
			if err != nil {
				if owner, err = names.ParseOwner(strings.ToLower(args[0])); err != nil {
					return fmt.Errorf("owner %q: %w", args[0], err)
				}
			}
			t, err := names.TypeByName(args[1])
			if err != nil {
				return err
			}
			op := &tx.SetRRset{Name: owner, Type: t, TTL: ttl}
			if del != (len(args) == 2) {
				return fmt.Errorf("give records, or --delete with none")
			}
			for _, text := range args[2:] {
				rd, err := names.ParseRData(t, text)
				if err != nil {
					return fmt.Errorf("%s record %q: %w", args[1], text, err)
				}
				op.Records = append(op.Records, rd)
			}
			what := fmt.Sprintf("set %s %s", owner, names.TypeName(t))
			if del {
				what = fmt.Sprintf("deleted %s %s", owner, names.TypeName(t))
			}
			return submit(cmd, g, what, op)
		},
	}
	cmd.Flags().Uint32Var(&ttl, "ttl", 3600, "TTL of the RRset, in seconds")
	cmd.Flags().BoolVar(&del, "delete", false, "delete the RRset")
	return cmd
}

func typeList() string {
	var s []string
	for _, t := range names.AllowedTypes() {
		s = append(s, names.TypeName(t))
	}
	return strings.Join(s, ", ")
}

func nameShowCmd(g *globals) *cobra.Command {
	var prove bool
	var height int64
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a registered name and its records (with --prove, a verifiable proof)",
		Long: `show prints a name's owner, expiry and RRsets. With --prove it fetches a
Merkle proof of the name's state (or of its absence) and the signed header
it belongs to, checks it, and with --json prints the bundle that
"dii verify" checks offline.`,
		Example: `  dii name show hello.dii
  dii name show hello.dii --prove --json > proof.json && dii verify proof.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := domainArg(args[0])
			if err != nil {
				return err
			}
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			c := g.client()
			if prove {
				return showProof(ctx, cmd, g, c, name, height)
			}
			n, err := c.Name(ctx, name)
			if err != nil {
				return err
			}
			return g.emit(cmd.OutOrStdout(), n, func(w io.Writer) { printName(w, n) })
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "fetch and check a Merkle proof with the signed header")
	cmd.Flags().Int64Var(&height, "height", 0, "state height to prove (default: latest)")
	return cmd
}

func printName(w io.Writer, n *api.Name) {
	title := n.Name
	if n.Unicode != "" {
		title += " (" + n.Unicode + ")"
	}
	fmt.Fprintf(w, "%s\n", title)
	fmt.Fprintf(w, "  owner    %s\n", n.Owner)
	fmt.Fprintf(w, "  created  %s\n", n.Created.Format(time.RFC3339))
	fmt.Fprintf(w, "  expires  %s\n", n.Expiry.Format(time.RFC3339))
	if n.Open {
		fmt.Fprintf(w, "  open     yes: anyone may register below it\n")
	}
	for _, d := range n.Delegates {
		fmt.Fprintf(w, "  delegate %s\n", d)
	}
	fmt.Fprintf(w, "  height   %d\n", n.Height)
	if len(n.RRsets) == 0 {
		fmt.Fprintf(w, "  (no records)\n")
	}
	for _, rs := range n.RRsets {
		for _, r := range rs.Records {
			fmt.Fprintf(w, "  %s.\t%d\tIN\t%s\t%s\n", rs.Name, rs.TTL, rs.Type, r)
		}
	}
}

func nameListCmd(g *globals) *cobra.Command {
	var o client.ListOptions
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List registered names, by zone and label prefix, a page at a time",
		Example: `  dii name list                    # TLDs and everything below, in zone order
  dii name list --zone dii --prefix he
  dii name list --zone dii --after hello.dii --limit 50`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			c := g.client()
			var out []api.Name
			var next string
			for {
				l, err := c.List(ctx, o)
				if err != nil {
					return err
				}
				out = append(out, l.Names...)
				next = l.Next
				if !all || next == "" {
					break
				}
				o.After = next
			}
			v := api.NameList{Names: out, Next: next}
			return g.emit(cmd.OutOrStdout(), v, func(w io.Writer) {
				for _, n := range out {
					fmt.Fprintf(w, "%-40s %s  expires %s  %d rrsets\n", n.Name, n.Owner, n.Expiry.Format("2006-01-02"), len(n.RRsets))
				}
				if next != "" {
					fmt.Fprintf(w, "more: --after %s\n", next)
				}
			})
		},
	}
	cmd.Flags().StringVar(&o.Zone, "zone", "", "only names below this zone")
	cmd.Flags().StringVar(&o.Prefix, "prefix", "", "only names whose first label below the zone starts with this")
	cmd.Flags().StringVar(&o.After, "after", "", "start after this name (the cursor a previous page printed)")
	cmd.Flags().IntVar(&o.Limit, "limit", 100, "names per page (1..1000)")
	cmd.Flags().BoolVar(&all, "all", false, "follow pages to the end")
	return cmd
}

func nameTransferCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "transfer NAME ADDRESS",
		Short: "Give a name to another account (its delegations are cleared)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := domainArg(args[0])
			if err != nil {
				return err
			}
			to, err := addressArg(args[1])
			if err != nil {
				return err
			}
			return submit(cmd, g, "transferred "+name+" to "+to.String(), &tx.Transfer{Name: name, To: to})
		},
	}
}

func nameRenewCmd(g *globals) *cobra.Command {
	var period string
	cmd := &cobra.Command{
		Use:   "renew NAME",
		Short: "Extend a name's expiry",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := domainArg(args[0])
			if err != nil {
				return err
			}
			d, err := periodDays(period)
			if err != nil {
				return err
			}
			return submit(cmd, g, "renewed "+name, &tx.Renew{Name: name, PeriodDays: d})
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "how much to add, e.g. 365d or 2y (default: the registry's, 1y)")
	return cmd
}

func nameDeleteCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a name and all its records",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := domainArg(args[0])
			if err != nil {
				return err
			}
			return submit(cmd, g, "deleted "+name, &tx.Delete{Name: name})
		},
	}
}

func nameDelegateCmd(g *globals) *cobra.Command {
	var remove bool
	cmd := &cobra.Command{
		Use:   "delegate NAME ADDRESS",
		Short: "Let another account change a name's records (or stop it with --remove)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := domainArg(args[0])
			if err != nil {
				return err
			}
			a, err := addressArg(args[1])
			if err != nil {
				return err
			}
			what := "delegated " + name + " to " + a.String()
			if remove {
				what = "removed delegate " + a.String() + " from " + name
			}
			return submit(cmd, g, what, &tx.Delegate{Name: name, Account: a, Allow: !remove})
		},
	}
	cmd.Flags().BoolVar(&remove, "remove", false, "remove the delegation")
	return cmd
}

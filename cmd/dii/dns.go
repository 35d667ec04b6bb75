package main

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/tx"
)

func dnsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dns",
		Short: "Query DNS servers (dii's own or any other)",
	}
	var server string
	var tcp, dnssec, norec bool
	var bufsize uint16
	q := &cobra.Command{
		Use:   "query NAME [TYPE]",
		Short: "Ask a DNS server, as dig does",
		Long: `query sends one DNS query and prints the answer in the style of dig.
Unicode names are converted to A-labels. TYPE defaults to A.`,
		Example: `  dii dns query hello.dii
  dii dns query hello.dii MX --server 127.0.0.1:5353
  dii dns query . NS --tcp`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if name != "." {
				n, err := names.ToASCII(strings.TrimSuffix(name, "."))
				if err != nil {
					n = strings.ToLower(strings.TrimSuffix(name, "."))
				}
				name = n
			}
			qtype := dns.TypeA
			if len(args) == 2 {
				t, ok := dns.StringToType[strings.ToUpper(args[1])]
				if !ok {
					return fmt.Errorf("unknown type %q", args[1])
				}
				qtype = t
			}
			m := new(dns.Msg)
			m.SetQuestion(dns.Fqdn(name), qtype)
			m.RecursionDesired = !norec
			m.SetEdns0(bufsize, dnssec)
			c := &dns.Client{Timeout: g.timeout}
			if tcp {
				c.Net = "tcp"
			}
			r, rtt, err := c.Exchange(m, server)
			if err != nil {
				return fmt.Errorf("query %s: %w", server, err)
			}
			if r.Truncated && !tcp {
				c.Net = "tcp"
				if r, rtt, err = c.Exchange(m, server); err != nil {
					return fmt.Errorf("query %s over tcp after truncation: %w", server, err)
				}
			}
			if g.jsonOut {
				return g.emit(cmd.OutOrStdout(), newMsgJSON(r), nil)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintln(out, r.String())
			transport := c.Net
			if transport == "" {
				transport = "udp"
			}
			fmt.Fprintf(out, ";; Query time: %d msec\n;; SERVER: %s (%s)\n;; MSG SIZE  rcvd: %d\n", rtt.Milliseconds(), server, transport, r.Len())
			return nil
		},
	}
	defServer := "127.0.0.1:5353"
	if v := os.Getenv("DII_DNS"); v != "" {
		defServer = v
	}
	q.Flags().StringVar(&server, "server", defServer, "DNS server, host:port (env DII_DNS)")
	q.Flags().BoolVar(&tcp, "tcp", false, "use TCP")
	q.Flags().BoolVar(&dnssec, "dnssec", false, "set the DO bit")
	q.Flags().BoolVar(&norec, "norecurse", false, "clear the RD bit")
	q.Flags().Uint16Var(&bufsize, "bufsize", 1232, "EDNS UDP buffer size")
	cmd.AddCommand(q)
	cmd.AddCommand(trustAnchorCmd(g))
	cmd.AddCommand(publishCmd(g))
	return cmd
}

type rrJSON struct {
	Name string `json:"name"`
	TTL  uint32 `json:"ttl"`
	Type string `json:"type"`
	Data string `json:"data"`
}

type msgJSON struct {
	Rcode     string   `json:"rcode"`
	AA        bool     `json:"aa"`
	TC        bool     `json:"tc"`
	Answer    []rrJSON `json:"answer"`
	Authority []rrJSON `json:"authority"`
	Extra     []rrJSON `json:"additional"`
}

func rrsJSON(rrs []dns.RR) []rrJSON {
	out := []rrJSON{}
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeOPT {
			continue
		}
		h := rr.Header()
		data := strings.TrimPrefix(rr.String(), h.String())
		out = append(out, rrJSON{Name: h.Name, TTL: h.Ttl, Type: dns.TypeToString[h.Rrtype], Data: data})
	}
	return out
}

func newMsgJSON(r *dns.Msg) msgJSON {
	return msgJSON{Rcode: dns.RcodeToString[r.Rcode], AA: r.Authoritative, TC: r.Truncated,
		Answer: rrsJSON(r.Answer), Authority: rrsJSON(r.Ns), Extra: rrsJSON(r.Extra)}
}

func zoneCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "zone",
		Short: "Export the zones a node serves over DNS",
	}
	var outFile string
	exp := &cobra.Command{
		Use:   "export ZONE",
		Short: "Write a zone as an RFC 1035 master file (\".\" for the root zone)",
		Long: `export fetches a zone the node serves, as a master file that named-checkzone
and ldns-read-zone accept, with the SOA and NS the ledger derives.`,
		Example: `  dii zone export . > root.zone
  dii zone export dii -o dii.zone && named-checkzone dii dii.zone`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			w := cmd.OutOrStdout()
			if outFile != "" {
				f, err := os.Create(outFile)
				if err != nil {
					return err
				}
				if err := g.client().WriteZone(ctx, args[0], f); err != nil {
					_ = f.Close()
					_ = os.Remove(outFile)
					return err
				}
				return f.Close()
			}
			return g.client().WriteZone(ctx, args[0], w)
		},
	}
	exp.Flags().StringVarP(&outFile, "output", "o", "", "write to this file instead of standard output")
	cmd.AddCommand(exp)
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the zones the node serves",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			l, err := g.client().Zones(ctx)
			if err != nil {
				return err
			}
			return g.emit(cmd.OutOrStdout(), l, func(w io.Writer) {
				for _, z := range l.Zones {
					fmt.Fprintln(w, z)
				}
			})
		},
	})
	return cmd
}

func publishCmd(g *globals) *cobra.Command {
	var name, keyFile string
	var addrs []string
	var withdraw bool
	cmd := &cobra.Command{
		Use:   "publish",
		Short: "Publish this node's root name server (name, addresses, DNSSEC key) on the ledger",
		Long: `publish signs, with --key (a registry operator, or the operator of a
validator in the set), the entry that puts this node's name server in the
root zone's NS set, its addresses in the glue, and its DNSSEC key in the
DNSKEY set. Each operator account has one entry;
publishing again replaces it, --withdraw removes it. Genesis publishes the
first node's entry with the address 127.0.0.1: a node that serves DNS on
other addresses publishes them here.`,
		Example: `  dii dns publish --name ns1.dii-nic --addr 192.0.2.53 --addr 2001:db8::53
  dii dns publish --withdraw`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			op := &tx.Nameserver{}
			if withdraw {
				if name != "" || len(addrs) > 0 {
					return fmt.Errorf("--withdraw takes no --name or --addr")
				}
				return submit(cmd, g, "withdrew this account's root name server", op)
			}
			if name == "" || len(addrs) == 0 {
				return fmt.Errorf("give --name and at least one --addr (or --withdraw)")
			}
			n, err := names.ToASCII(strings.TrimSuffix(name, "."))
			if err != nil {
				return fmt.Errorf("--name %q: %w", name, err)
			}
			op.Name = n
			for _, a := range addrs {
				ip, err := netip.ParseAddr(a)
				if err != nil {
					return fmt.Errorf("--addr %q: %w", a, err)
				}
				op.Addrs = append(op.Addrs, ip.AsSlice())
			}
			if keyFile == "" {
				keyFile = node.DNSKeyFile(g.home)
			}
			key, err := dnssec.LoadKey(keyFile)
			if err != nil {
				return fmt.Errorf("dnssec key: %w", err)
			}
			op.DNSKEY = key.RData()
			return submit(cmd, g, fmt.Sprintf("published %s (key tag %d)", n, key.KeyTag()), op)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the name server's host name, e.g. ns1.dii-nic")
	cmd.Flags().StringSliceVar(&addrs, "addr", nil, "an address of the name server (repeat for more)")
	cmd.Flags().StringVar(&keyFile, "key-file", "", "DNSSEC key file (default: <home>/config/dns_key.private)")
	cmd.Flags().BoolVar(&withdraw, "withdraw", false, "remove this account's entry")
	return cmd
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/ledger"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/zone"
)

// trustAnchorJSON is the --json form of an anchor.
type trustAnchorJSON struct {
	Zone    string   `json:"zone"`
	Source  string   `json:"source"`
	DNSKEY  []string `json:"dnskey"`
	DS      []string `json:"ds"`
	Unbound []string `json:"unbound"`
}

func trustAnchorCmd(g *globals) *cobra.Command {
	var genesis, keyFile string
	var unbound bool
	cmd := &cobra.Command{
		Use:   "trust-anchor",
		Short: "Print the root zone's DNSSEC trust anchor for a validating resolver",
		Long: `trust-anchor prints what a validating resolver needs to trust the answers
of dii's name servers for the root zone ".": the DNSKEY RRset of every key
the ledger publishes (each root name server entry carries its node's key),
and the DS record (SHA-256) of each, in presentation form.

Every node signs with its own key, so a resolver that trusts any one of the
keys accepts that node's answers; configure all of them.

Where the keys come from:
  (default)         the node at --node: the DNSKEY RRset of its root zone
                    export, that is the keys on the ledger now
  --genesis FILE    the keys published in a genesis file, offline
                    (e.g. ~/.dii/config/genesis.json)
  --key-file FILE   one node's own key file (e.g. ~/.dii/config/dns_key.private)

--unbound prints "trust-anchor:" lines to paste into the server: clause of
unbound.conf.`,
		Example: `  dii dns trust-anchor
  dii dns trust-anchor --unbound >> /etc/unbound/unbound.conf.d/dii.conf
  dii dns trust-anchor --genesis ~/.dii/config/genesis.json
  dii dns trust-anchor --key-file ~/.dii/config/dns_key.private --unbound`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var keys []*dns.DNSKEY
			var source string
			switch {
			case genesis != "":
				source = "genesis " + genesis
				raw, err := os.ReadFile(genesis)
				if err != nil {
					return err
				}
				if keys, err = genesisKeys(raw); err != nil {
					return fmt.Errorf("%s: %w", genesis, err)
				}
			case keyFile != "":
				source = "key " + keyFile
				k, err := dnssec.LoadKey(keyFile)
				if err != nil {
					return err
				}
				keys = []*dns.DNSKEY{k.DNSKEY(".", zone.DefaultKeyTTL)}
			default:
				source = "node " + g.node
				ctx, cancel := g.ctx(cmd)
				defer cancel()
				text, err := g.client().ExportZone(ctx, ".")
				if err != nil {
					return err
				}
				if keys, err = dnssec.ZoneKeys(text, "."); err != nil {
					return fmt.Errorf("root zone from %s: %w", g.node, err)
				}
			}
			if len(keys) == 0 {
				return fmt.Errorf("no DNSKEY published (%s): the root zone is not signed", source)
			}
			ttl := keys[0].Hdr.Ttl
			if ttl == 0 {
				ttl = zone.DefaultKeyTTL
			}
			a := dnssec.NewAnchor(".", keys, ttl)
			out := cmd.OutOrStdout()
			if g.jsonOut {
				j := trustAnchorJSON{Zone: a.Zone, Source: source, DNSKEY: []string{}, DS: []string{}}
				for _, k := range a.DNSKEY {
					j.DNSKEY = append(j.DNSKEY, k.String())
				}
				for _, d := range a.DS {
					j.DS = append(j.DS, d.String())
				}
				j.Unbound = strings.Split(strings.TrimSpace(a.Unbound()), "\n")
				return g.emit(out, j, nil)
			}
			if unbound {
				fmt.Fprintf(out, "# dii root trust anchor (%s)\n", source)
				_, err := io.WriteString(out, a.Unbound())
				return err
			}
			fmt.Fprintf(out, "; dii root trust anchor (%s)\n", source)
			_, err := io.WriteString(out, a.String())
			return err
		},
	}
	cmd.Flags().StringVar(&genesis, "genesis", "", "read the keys from this genesis file instead of asking the node")
	cmd.Flags().StringVar(&keyFile, "key-file", "", "read one node's key file instead of asking the node (default name: "+filepath.Join("<home>", "config", "dns_key.private")+")")
	cmd.Flags().BoolVar(&unbound, "unbound", false, "print unbound.conf trust-anchor: lines")
	cmd.MarkFlagsMutuallyExclusive("genesis", "key-file")
	return cmd
}

// genesisKeys returns the DNSKEYs of the root name server entries of a
// genesis file's app_state.
func genesisKeys(raw []byte) ([]*dns.DNSKEY, error) {
	var doc struct {
		AppState json.RawMessage `json:"app_state"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	var gs ledger.GenesisState
	if len(doc.AppState) > 0 {
		if err := json.Unmarshal(doc.AppState, &gs); err != nil {
			return nil, fmt.Errorf("app_state: %w", err)
		}
	}
	var keys []*dns.DNSKEY
	for _, ns := range gs.Nameservers {
		if len(ns.DNSKEY) == 0 {
			continue
		}
		k, err := registry.CheckDNSKEY(ns.DNSKEY)
		if err != nil {
			return nil, fmt.Errorf("name server %s: %w", ns.Name, err)
		}
		k.Hdr.Ttl = zone.DefaultKeyTTL
		keys = append(keys, k)
	}
	return keys, nil
}

package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/keyring"
)

type keyView struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	PubKey  string `json:"public_key"`
}

func viewKey(k *keyring.Key) keyView {
	return keyView{Name: k.Name, Address: k.Address().String(), PubKey: base64.StdEncoding.EncodeToString(k.Public())}
}

func keyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Manage account keys (ed25519) in the home folder's keyring",
		Long: `Account keys sign transactions. They live in <home>/keys, one file per
key, readable only by you. An account's address is derived from its public
key: the first 20 bytes of its SHA-256, written in bech32 as dii1...`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "add NAME",
		Short: "Create a new key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := g.keyring().Add(args[0])
			if err != nil {
				return err
			}
			v := viewKey(k)
			return g.emit(cmd.OutOrStdout(), v, func(w io.Writer) {
				fmt.Fprintf(w, "created key %q\naddress %s\n", v.Name, v.Address)
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ks, err := g.keyring().List()
			if err != nil {
				return err
			}
			vs := make([]keyView, 0, len(ks))
			for _, k := range ks {
				vs = append(vs, viewKey(k))
			}
			return g.emit(cmd.OutOrStdout(), vs, func(w io.Writer) {
				if len(vs) == 0 {
					fmt.Fprintf(w, "no keys in %s\n", g.keyring().Dir())
				}
				for _, v := range vs {
					fmt.Fprintf(w, "%-16s %s\n", v.Name, v.Address)
				}
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "show NAME",
		Short: "Show a key's address and public key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := g.keyring().Get(args[0])
			if err != nil {
				return err
			}
			v := viewKey(k)
			return g.emit(cmd.OutOrStdout(), v, func(w io.Writer) {
				fmt.Fprintf(w, "name       %s\naddress    %s\npublic key %s\n", v.Name, v.Address, v.PubKey)
			})
		},
	})
	var format string
	exp := &cobra.Command{
		Use:   "export-pub NAME",
		Short: "Print a key's public key (base64 by default, or --format hex)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := g.keyring().Get(args[0])
			if err != nil {
				return err
			}
			switch format {
			case "base64":
				fmt.Fprintln(cmd.OutOrStdout(), base64.StdEncoding.EncodeToString(k.Public()))
			case "hex":
				fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(k.Public()))
			default:
				return fmt.Errorf("--format %q: want base64 or hex", format)
			}
			return nil
		},
	}
	exp.Flags().StringVar(&format, "format", "base64", "base64 or hex")
	cmd.AddCommand(exp)
	return cmd
}

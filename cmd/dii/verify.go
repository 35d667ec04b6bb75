package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/lightclient"
	"github.com/dii-net/dii/internal/node"
)

// trust loads the trusted validator set: --trust, else the home's genesis.
func trust(path, home string) (string, *types.ValidatorSet, string, error) {
	if path == "" {
		path = node.GenesisFile(home)
		if _, err := os.Stat(path); err != nil {
			return "", nil, "", fmt.Errorf("no trusted validator set: give --trust FILE (a genesis.json, or the output of \"dii validators\") or a --home with config/genesis.json")
		}
	}
	chainID, vals, err := lightclient.LoadTrust(path)
	return chainID, vals, path, err
}

type verifyView struct {
	Verified bool      `json:"verified"`
	Name     string    `json:"name"`
	Present  bool      `json:"present"`
	Height   int64     `json:"state_height"`
	Header   int64     `json:"header_height"`
	AppHash  string    `json:"app_hash"`
	Trust    string    `json:"trust"`
	Record   *api.Name `json:"record,omitempty"`
}

func verified(b *lightclient.Bundle, r *lightclient.Result, trustPath string) verifyView {
	v := verifyView{Verified: true, Name: b.Name, Present: r.Present, Height: b.Height, Header: r.Header.Height,
		AppHash: fmt.Sprintf("%X", r.AppHash), Trust: trustPath}
	if r.Record != nil {
		n := api.View(r.Record, b.Height)
		v.Record = &n
	}
	return v
}

func printVerified(w io.Writer, v verifyView) {
	if v.Present {
		printName(w, v.Record)
	} else {
		fmt.Fprintf(w, "%s is not registered at height %d\n", v.Name, v.Height)
	}
	what := "presence"
	if !v.Present {
		what = "absence"
	}
	fmt.Fprintf(w, "proof of %s verified: app hash %s in header %d, signed by more than 2/3 of the validators in %s\n",
		what, v.AppHash, v.Header, v.Trust)
}

func verifyCmd(g *globals) *cobra.Command {
	var trustPath string
	cmd := &cobra.Command{
		Use:   "verify PROOF.json",
		Short: "Check a proof bundle offline against a trusted validator set",
		Long: `verify checks a proof from "dii name show NAME --prove --json" without asking
any node: the validators' signatures on the header, that they are the
trusted set, and the Merkle path from the name's state (or its absence) to
the header's app hash. The trusted set comes from --trust (a genesis.json,
or a file saved from "dii validators"), by default the home's genesis.json.
Use - to read the proof from standard input. It exits non-zero unless the
proof verifies.`,
		Example: `  dii name show hello.dii --prove --json > proof.json
  dii verify proof.json
  dii verify --trust genesis.json proof.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := readArg(cmd, args[0])
			if err != nil {
				return err
			}
			var b lightclient.Bundle
			if err := json.Unmarshal(raw, &b); err != nil {
				return fmt.Errorf("%s: not a proof bundle: %w", args[0], err)
			}
			chainID, vals, tp, err := trust(trustPath, g.home)
			if err != nil {
				return err
			}
			res, err := lightclient.Verify(&b, chainID, vals)
			if err != nil {
				return fmt.Errorf("proof does NOT verify: %w", err)
			}
			v := verified(&b, res, tp)
			return g.emit(cmd.OutOrStdout(), v, func(w io.Writer) { printVerified(w, v) })
		},
	}
	cmd.Flags().StringVar(&trustPath, "trust", "", "trusted validator set: genesis.json or a \"dii validators\" file (default: <home>/config/genesis.json)")
	return cmd
}

func showProof(ctx context.Context, cmd *cobra.Command, g *globals, c *client.Client, name string, height int64) error {
	b, err := c.Proof(ctx, name, height)
	if err != nil {
		return err
	}
	if g.jsonOut {
		return g.emit(cmd.OutOrStdout(), b, nil)
	}
	chainID, vals, tp, err := trust("", g.home)
	if err != nil {
		return err
	}
	res, err := lightclient.Verify(b, chainID, vals)
	if err != nil {
		return fmt.Errorf("the node's proof does NOT verify: %w", err)
	}
	printVerified(cmd.OutOrStdout(), verified(b, res, tp))
	return nil
}

// readArg reads the file a command was given, or standard input for "-".
func readArg(cmd *cobra.Command, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(cmd.InOrStdin())
	}
	return os.ReadFile(path)
}

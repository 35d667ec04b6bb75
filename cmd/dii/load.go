package main

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/load"
	"github.com/dii-net/dii/internal/testnet"
)

func loadCmd(g *globals) *cobra.Command {
	var (
		c        load.Config
		nodes    string
		tnDir    string
		progress time.Duration
	)
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Send signed name updates from many accounts at a target rate and measure them",
		Long: `load creates --accounts fresh accounts, has each register --ops-per-tx
names under the open TLD --tld (one transaction each, not measured), then
for --duration sends transactions of --ops-per-tx name updates (A records)
at --rate transactions per second, spread over the accounts and the nodes.
Each transaction waits for its commit; its latency runs from sending it to
the node reporting the commit. An account has one transaction in flight at
a time: when all are busy, a transaction due is skipped and counted (give
more accounts). --rate 0 sends as fast as the accounts' commits allow.

A progress line goes to standard error (redrawn in place on a terminal,
one line per --progress otherwise); at the end a table gives submitted,
committed, rejected and failed transactions, committed transactions and
updates per second, and the p50, p95 and p99 submit-to-commit latency.

The TLD must be registered and open. "dii testnet init" creates "load" in
genesis; elsewhere, if it is missing and --key (in --home) is a registry
operator's key, load registers it.`,
		Example: `  dii load --testnet /tmp/tn --rate 200 --duration 30s
  dii load --nodes 127.0.0.1:36602,127.0.0.1:36612 --accounts 400 --ops-per-tx 10 --rate 300
  dii load --node http://127.0.0.1:8080 --rate 0 --duration 10s --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case tnDir != "" && nodes != "":
				return fmt.Errorf("give --nodes or --testnet, not both")
			case tnDir != "":
				n, err := testnet.Open(tnDir)
				if err != nil {
					return err
				}
				for _, nd := range n.Nodes() {
					if nd.Running() {
						c.Nodes = append(c.Nodes, nd.API)
					}
				}
				if len(c.Nodes) == 0 {
					return fmt.Errorf("no node of %s is running; start it with dii testnet up --dir %s", tnDir, tnDir)
				}
			case nodes != "":
				c.Nodes = splitList(nodes)
			default:
				c.Nodes = []string{g.node}
			}
			if k, err := g.keyring().Get(g.key); err == nil {
				c.Operator = ed25519.PrivateKey(k.Private)
			}
			stderr := cmd.ErrOrStderr()
			c.Progress, c.ProgressEvery = stderr, progress
			if f, ok := stderr.(*os.File); ok {
				if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
					c.ProgressTTY = true
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			res, err := load.Run(ctx, c)
			if err != nil {
				return err
			}
			return g.emit(cmd.OutOrStdout(), res, func(w io.Writer) { res.Table(w) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&nodes, "nodes", "", "HTTP APIs to send to, comma-separated (default: --node)")
	f.StringVar(&tnDir, "testnet", "", "send to every running node of the network in this folder")
	f.Float64Var(&c.Rate, "rate", 100, "target transactions per second (0: as fast as commits allow)")
	f.DurationVar(&c.Duration, "duration", 30*time.Second, "how long to send")
	f.IntVar(&c.Accounts, "accounts", 100, "accounts sending in parallel, one transaction in flight each")
	f.IntVar(&c.OpsPerTx, "ops-per-tx", 10, fmt.Sprintf("name updates per transaction (1..%d)", load.MaxOpsPerTx))
	f.StringVar(&c.TLD, "tld", load.DefaultTLD, "open TLD the accounts' names go under")
	f.DurationVar(&progress, "progress", time.Second, "how often to print the progress line")
	return cmd
}

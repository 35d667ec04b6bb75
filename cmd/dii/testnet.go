package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/testnet"
)

func defaultTestnetDir() string {
	if d := os.Getenv("DII_TESTNET"); d != "" {
		return d
	}
	return "testnet"
}

func testnetCmd(g *globals) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "testnet",
		Short: "Lay out, run and watch a local network of several validators",
		Long: `testnet runs a network of dii nodes on this machine, each a separate
"dii up" process with its own home, ports, pid file and log under --dir.

  init     lay out N validators and M full nodes sharing one genesis
  up       start the nodes (all, or those named) and wait until they answer
  status   height, app hash, peers and validator power of every node
  logs     print or follow a node's log
  down     stop the nodes (SIGTERM, then SIGKILL after --stop-timeout)
  kill     kill -9 a node, as a crash would
  add      add a full node to the network, optionally as a validator

Every validator's operator key (<dir>/nodeN/keys/operator.json) is a
registry operator and a validator admin; genesis registers the open TLD
"load" so "dii load" can write names from fresh accounts.`,
		Example: `  dii testnet init --validators 4 --full 1 --dir /tmp/tn
  dii testnet up --dir /tmp/tn
  dii testnet status --dir /tmp/tn
  dii load --testnet /tmp/tn --rate 500 --duration 30s
  dii testnet logs node2 --dir /tmp/tn -f
  dii testnet down --dir /tmp/tn`,
	}
	cmd.PersistentFlags().StringVar(&dir, "dir", defaultTestnetDir(), "the network's folder (env DII_TESTNET)")
	open := func() (*testnet.Network, error) {
		n, err := testnet.Open(dir)
		if err != nil {
			return nil, err
		}
		n.LogLevel = g.logLevel
		return n, nil
	}
	cmd.AddCommand(testnetInitCmd(g, &dir), testnetUpCmd(g, open), testnetDownCmd(open), testnetStatusCmd(g, open),
		testnetLogsCmd(open), testnetKillCmd(open), testnetAddCmd(g, open))
	return cmd
}

func testnetInitCmd(g *globals, dir *string) *cobra.Command {
	var o testnet.Options
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Lay out a network: N validator homes and M full nodes sharing one genesis",
		Long: `init creates --dir with one home per node (node0, node1, ...), one genesis
naming the first --validators nodes as validators, and testnet.json, the
manifest with every node's ports. Node i listens on 127.0.0.1 (--host) at
--base-port + 10*i: P2P +0, CometBFT RPC +1, HTTP API +2, DNS +3 (UDP and
TCP); +4 is its P2P port while cut off in a fault test; +5 the Handle
protocol (UDP and TCP). init fails if a
port is taken. Each node's config.toml lists the others as persistent
peers and uses short consensus timeouts.

--hosts lays the same network out for several machines: node i listens on
the i-th address (round robin). Copy each node's home to its host and run
it there with the flags "dii testnet up" would use (see docs/deploy.md).`,
		Example: `  dii testnet init --validators 4 --dir /tmp/tn
  dii testnet init --validators 1 --full 1 --base-port 40000 --timeout-commit 500ms`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := testnet.Init(*dir, o)
			if err != nil {
				return err
			}
			m := n.Manifest()
			return g.emit(cmd.OutOrStdout(), m, func(w io.Writer) {
				fmt.Fprintf(w, "created %s: chain %s, %d nodes\n", *dir, m.ChainID, len(m.Nodes))
				printNodes(w, m.Nodes)
				fmt.Fprintf(w, "start it with: dii testnet up --dir %s\n", *dir)
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Validators, "validators", 4, "number of validators")
	f.IntVar(&o.Full, "full", 0, "number of non-validating full nodes")
	f.IntVar(&o.BasePort, "base-port", testnet.DefaultBasePort, "first port of node0; node i uses base-port+10*i ..+5")
	f.StringVar(&o.Host, "host", testnet.DefaultHost, "loopback address every node listens on")
	f.StringSliceVar(&o.Hosts, "hosts", nil, "spread the nodes over these addresses (node i on the i-th, round robin): a layout to copy to real hosts")
	f.StringVar(&o.ChainID, "chain-id", "", "chain id (default dii-local-<random>)")
	f.DurationVar(&o.TimeoutCommit, "timeout-commit", testnet.DefaultTimeoutCommit, "consensus.timeout_commit of every node")
	f.DurationVar(&o.TimeoutPropose, "timeout-propose", testnet.DefaultTimeoutPropose, "consensus.timeout_propose of every node")
	f.DurationVar(&o.EmptyBlocks, "empty-blocks", testnet.DefaultEmptyBlocks, "longest pause between blocks without transactions")
	f.Int64Var(&o.Power, "power", testnet.DefaultPower, "voting power of each validator")
	return cmd
}

func printNodes(w io.Writer, nodes []testnet.NodeSpec) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tROLE\tP2P\tRPC\tAPI\tDNS\tOPERATOR")
	for _, s := range nodes {
		role := "full"
		if s.Validator {
			role = "validator"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, role, s.P2P, s.RPC, s.API, s.DNS, s.Operator)
	}
	_ = tw.Flush()
}

// openSelect opens the network and picks the nodes named in args (all
// when none is).
func openSelect(open func() (*testnet.Network, error), args []string) (*testnet.Network, []*testnet.Node, error) {
	n, err := open()
	if err != nil {
		return nil, nil, err
	}
	nodes, err := n.Select(args)
	return n, nodes, err
}

func testnetUpCmd(g *globals, open func() (*testnet.Network, error)) *cobra.Command {
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "up [NODE...]",
		Short: "Start the network's nodes (all, or those named) and wait until they answer",
		Long: `up starts each node that is not running as "dii up --home <dir>/<node>
..." in its own session, so the nodes keep running after up returns. Each
writes <dir>/<node>/dii.pid and appends to <dir>/<node>/dii.log. up waits
until every started node's API answers, then prints the status.`,
		Example: `  dii testnet up --dir /tmp/tn
  dii testnet up node2 --dir /tmp/tn      # restart one node after a kill`,
		RunE: func(cmd *cobra.Command, args []string) error {
			n, nodes, err := openSelect(open, args)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), wait)
			defer cancel()
			if err := n.Start(ctx, nodes); err != nil {
				return err
			}
			return printStatus(cmd.Context(), g, cmd.OutOrStdout(), n)
		},
	}
	cmd.Flags().DurationVar(&wait, "wait", time.Minute, "how long to wait for the nodes to answer")
	return cmd
}

func testnetDownCmd(open func() (*testnet.Network, error)) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "down [NODE...]",
		Short: "Stop the network's nodes (all, or those named): SIGTERM, then SIGKILL",
		Example: `  dii testnet down --dir /tmp/tn
  dii testnet down node3 --dir /tmp/tn`,
		RunE: func(cmd *cobra.Command, args []string) error {
			n, nodes, err := openSelect(open, args)
			if err != nil {
				return err
			}
			if err := n.Stop(nodes, timeout); err != nil {
				return err
			}
			for _, nd := range nodes {
				fmt.Fprintf(cmd.OutOrStdout(), "%s stopped\n", nd.Name)
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "stop-timeout", 15*time.Second, "how long to wait after SIGTERM before SIGKILL")
	return cmd
}

func testnetKillCmd(open func() (*testnet.Network, error)) *cobra.Command {
	return &cobra.Command{
		Use:     "kill NODE...",
		Short:   "Kill nodes with SIGKILL (kill -9), as a crash would; restart them with up",
		Example: `  dii testnet kill node1 --dir /tmp/tn && dii testnet up node1 --dir /tmp/tn`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, nodes, err := openSelect(open, args)
			if err != nil {
				return err
			}
			for _, nd := range nodes {
				if err := nd.Kill(); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s killed\n", nd.Name)
			}
			return nil
		},
	}
}

func testnetStatusCmd(g *globals, open func() (*testnet.Network, error)) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show each node's height, app hash, peers and whether it is a validator",
		Long: `status asks every running node's API and CometBFT RPC. APP HASH is the app
hash in the node's latest block header (the state after the block before
it); nodes at the same height show the same one. --json prints the full
hashes and the state root after the latest block.`,
		Example: `  dii testnet status --dir /tmp/tn
  dii testnet status --dir /tmp/tn --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := open()
			if err != nil {
				return err
			}
			return printStatus(cmd.Context(), g, cmd.OutOrStdout(), n)
		},
	}
}

func printStatus(ctx context.Context, g *globals, w io.Writer, n *testnet.Network) error {
	st := n.Status(ctx)
	return g.emit(w, st, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NODE\tSTATE\tPID\tHEIGHT\tAPP HASH\tPEERS\tVALIDATOR\tAPI")
		for _, s := range st {
			state, val, hash := "stopped", "-", "-"
			if s.Running {
				state = "running"
				if s.CatchingUp {
					state = "syncing"
				}
				val = "no"
				if s.Validator {
					val = fmt.Sprintf("yes (%d)", s.VotingPower)
				}
				if len(s.AppHash) >= 16 {
					hash = s.AppHash[:16]
				}
			}
			if s.Error != "" {
				state = "error"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%d\t%s\t%s\n", s.Name, state, s.PID, s.Height, hash, s.Peers, val, s.API)
		}
		_ = tw.Flush()
		for _, s := range st {
			if s.Error != "" {
				fmt.Fprintf(w, "%s: %s\n", s.Name, s.Error)
			}
		}
	})
}

func testnetLogsCmd(open func() (*testnet.Network, error)) *cobra.Command {
	var lines int
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs NODE",
		Short: "Print the last lines of a node's log, or follow it with -f",
		Example: `  dii testnet logs node0 --dir /tmp/tn -n 100
  dii testnet logs 2 --dir /tmp/tn -f`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := open()
			if err != nil {
				return err
			}
			nd, err := n.Node(args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			s, err := nd.Logs(lines)
			if err != nil {
				return err
			}
			fmt.Fprint(out, s)
			if !follow {
				return nil
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return followFile(ctx, nd.LogPath(), out)
		},
	}
	cmd.Flags().IntVarP(&lines, "lines", "n", 50, "how many lines from the end (0: all)")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing what the node logs until Ctrl-C")
	return cmd
}

// followFile prints what is appended to path until ctx ends.
func followFile(ctx context.Context, path string, out io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		return err
	}
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			fmt.Fprint(out, line)
		}
		if err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func testnetAddCmd(g *globals, open func() (*testnet.Network, error)) *cobra.Command {
	var start bool
	var power uint64
	var admin string
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a full node to the network, and optionally make it a validator",
		Long: `add creates the next node's home with the network's genesis and every
other node as a persistent peer. With --start it starts the node, which
syncs the chain from the others (block sync). With --power it then makes
the node a validator by a validator transaction signed by --admin's
operator key, and publishes the node's root name server signed by the new
node's operator; it signs blocks two heights after the change.`,
		Example: `  dii testnet add --dir /tmp/tn --start
  dii testnet add --dir /tmp/tn --start --power 10`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := open()
			if err != nil {
				return err
			}
			spec, err := n.AddNode()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "added %s\n", spec.Name)
			printNodes(out, []testnet.NodeSpec{*spec})
			if !start && power == 0 {
				return nil
			}
			nd, err := n.Node(spec.Name)
			if err != nil {
				return err
			}
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			if err := n.Start(ctx, []*testnet.Node{nd}); err != nil {
				return err
			}
			if power > 0 {
				ad, err := n.Node(admin)
				if err != nil {
					return err
				}
				if err := n.SetPower(ctx, ad, nd, power); err != nil {
					return err
				}
				fmt.Fprintf(out, "%s is a validator with power %d\n", nd.Name, power)
			}
			return printStatus(ctx, g, out, n)
		},
	}
	cmd.Flags().BoolVar(&start, "start", false, "start the new node")
	cmd.Flags().Uint64Var(&power, "power", 0, "make the new node a validator with this power (starts it)")
	cmd.Flags().StringVar(&admin, "admin", "node0", "the node whose operator key signs the validator change")
	return cmd
}

// splitList splits a comma-separated flag value.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

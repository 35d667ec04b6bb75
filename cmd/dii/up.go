package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/demo"
	"github.com/dii-net/dii/internal/node"
)

func initCmd(g *globals) *cobra.Command {
	var chainID, moniker, genesis, peers string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a home folder without starting the node: a new chain, or one to join",
		Long: `init creates the home folder (--home) with a CometBFT configuration, the
node's P2P and validator keys, and an operator account key. It does
nothing if the folder already holds a genesis. "dii up" runs it for you.

Without --genesis it starts a new chain: a single-validator genesis in
which the operator key is a registry operator and the validator admin.

With --genesis it prepares a node to join an existing chain: the home gets
its own keys and that chain's genesis, and --peers become its persistent
peers. Start it with "dii up"; it syncs the chain from its peers. init
prints the node id (for other nodes' peers) and the consensus key, which a
validator admin gives to "dii validators add" to make the node a validator.`,
		Example: `  dii init --chain-id dii-lab-1
  dii init --home /var/lib/dii/node --genesis genesis.json \
      --peers 5c1b...e2@10.0.0.11:26656,9a0f...41@10.0.0.12:26656`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := node.InitOptions{ChainID: chainID, Moniker: moniker, Peers: splitList(peers)}
			if genesis != "" {
				gen, err := types.GenesisDocFromFile(genesis)
				if err != nil {
					return fmt.Errorf("--genesis: %w", err)
				}
				o.Genesis = gen
			}
			h, err := node.Init(g.home, o)
			if err != nil {
				return err
			}
			return g.emit(cmd.OutOrStdout(), h, func(w io.Writer) { printHome(w, h) })
		},
	}
	cmd.Flags().StringVar(&chainID, "chain-id", "", "chain id of the new chain (default dii-local-<random>)")
	cmd.Flags().StringVar(&moniker, "moniker", "", "name of this node (default dii-node)")
	cmd.Flags().StringVar(&genesis, "genesis", "", "genesis.json of an existing chain to join")
	cmd.Flags().StringVar(&peers, "peers", "", "persistent peers, comma-separated node-id@host:port")
	return cmd
}

func printHome(w io.Writer, h *node.Home) {
	if h.Created {
		fmt.Fprintf(w, "created %s for chain %s\n", h.Dir, h.ChainID)
	} else {
		fmt.Fprintf(w, "using %s (chain %s)\n", h.Dir, h.ChainID)
	}
	if !h.Operator.IsZero() {
		fmt.Fprintf(w, "operator account %s (key %q)\n", h.Operator, node.OperatorKey)
	}
	if h.Created && h.NodeID != "" {
		fmt.Fprintf(w, "node id %s, consensus key %s\n", h.NodeID, base64.StdEncoding.EncodeToString(h.ConsensusKey))
	}
}

func upCmd(g *globals) *cobra.Command {
	var (
		apiAddr, rpcAddr, p2pAddr string
		dnsAddr, dnsName          string
		upstream, prefer          string
		dotAddr, tlsCert, tlsKey  string
		rrlRate, rrlSlip          int
		orsDomain                 string
		handleAddr                string
		loadDemo                  bool
		chainID, moniker          string
		timeoutCommit             time.Duration
		noPeers                   bool
	)
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run a node: an embedded single-validator network by default",
		Long: `up runs a dii node in the foreground: CometBFT consensus in-process with
the ledger application, embedded storage under --home, and the node's
services. On first use it creates the home folder (see "dii init").

It stops cleanly on Ctrl-C (SIGINT) or SIGTERM; a restart resumes from disk
with every committed record intact. All listeners default to loopback.

Memory: the ledger state and the DNS view are held in memory (about 600 MiB
at a million names). The garbage collector's target is 25% over the live
heap, not Go's 100%, so that the process stays near its data, but at
least 64 MiB over it, so that a small node does not collect all the time;
after a burst of allocation, such as a bulk load, a node that goes quiet
for three seconds collects and returns the free memory to the system. Set
GOGC in the environment to choose another target (GOGC=100 trades memory
for less collector work) and leave the collector alone. See
docs/deploy.md, "Sizing".`,
		Example: `  dii up                      # start, or resume, the node in ~/.dii
  dii up --demo               # and load example TLDs and records
  dii up --home /tmp/n1 --api 127.0.0.1:0 --rpc 127.0.0.1:0 --p2p 127.0.0.1:0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			h, err := node.Init(g.home, node.InitOptions{ChainID: chainID, Moniker: moniker})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			printHome(out, h)
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if gogc := node.SetGCPercent(ctx, log); gogc != "" {
				log.Info("garbage collector target from the environment", "GOGC", gogc)
			}
			n, err := node.Start(ctx, node.Config{Home: g.home, API: apiAddr, RPC: rpcAddr, P2P: p2pAddr,
				CometMetrics: true, TimeoutCommit: timeoutCommit, Logger: log, DNS: dnsAddr, DNSName: dnsName,
				Upstream: upstream, Prefer: prefer, DoT: dotAddr, TLSCert: tlsCert, TLSKey: tlsKey,
				RRLRate: rrlRate, RRLSlip: rrlSlip, ORSDomain: &orsDomain, Handle: handleAddr, NoPeers: noPeers})
			if err != nil {
				return err
			}
			a := n.Addrs()
			fmt.Fprintf(out, "dii node %s running, chain %s\n", n.NodeID(), n.ChainID())
			fmt.Fprintf(out, "  HTTP API      http://%s/v1/status   (metrics: /metrics)\n", a.API)
			fmt.Fprintf(out, "  CometBFT RPC  http://%s/status\n", a.RPC)
			fmt.Fprintf(out, "  P2P           tcp://%s\n", a.P2P)
			if a.DNS != "" {
				fmt.Fprintf(out, "  DNS           %s udp+tcp  (try: dii dns query hello.dii --server %s)\n", a.DNS, a.DNS)
				fmt.Fprintf(out, "  DoH           http://%s/dns-query\n", a.API)
			}
			if a.DoT != "" {
				fmt.Fprintf(out, "  DoT           %s\n", a.DoT)
			}
			if a.Handle != "" {
				fmt.Fprintf(out, "  Handle        %s udp+tcp  (try: dii handle resolve 20.500.dii/hello --server %s)\n", a.Handle, a.Handle)
				fmt.Fprintf(out, "  Handle API    http://%s/api/handles/{handle}\n", a.API)
			}
			if loadDemo {
				if err := runDemo(ctx, g, a.API, out); err != nil {
					log.Error("demo data not loaded", "err", err)
				}
			}
			fmt.Fprintln(out, "ready; Ctrl-C stops the node")
			<-ctx.Done()
			fmt.Fprintln(out, "stopping")
			return n.Stop()
		},
	}
	f := cmd.Flags()
	f.StringVar(&apiAddr, "api", "127.0.0.1:8080", "HTTP API listen address")
	f.StringVar(&rpcAddr, "rpc", "127.0.0.1:26657", "CometBFT RPC listen address")
	f.StringVar(&p2pAddr, "p2p", "127.0.0.1:26656", "CometBFT P2P listen address")
	f.StringVar(&dnsAddr, "dns", "127.0.0.1:5353", "DNS listen address, UDP and TCP (empty: no DNS)")
	f.StringVar(&dnsName, "dns-name", node.DefaultDNSName, "name of this node's name server in the root zone's NS set")
	f.StringVar(&upstream, "upstream", "", "resolver (host:port) for names outside the ledger namespace; empty: refuse them")
	f.StringVar(&prefer, "prefer", "ledger", "who answers for a TLD both the ledger and the upstream have: ledger or upstream")
	f.IntVar(&rrlRate, "rrl-rate", 0, "response-rate limit: identical UDP responses per client network per second (0: off)")
	f.IntVar(&rrlSlip, "rrl-slip", 2, "with --rrl-rate, send every Nth limited response truncated instead of dropping it")
	f.StringVar(&orsDomain, "ors-domain", "oid-res.org", "ORS (X.672) domain whose zone serves the OID tree (empty: none)")
	f.StringVar(&dotAddr, "dot", "127.0.0.1:8853", "DNS-over-TLS listen address (empty: none)")
	f.StringVar(&handleAddr, "handle", node.DefaultHandleAddr, "Handle protocol (RFC 3652) listen address, UDP and TCP (empty: none)")
	f.StringVar(&tlsCert, "tls-cert", "", "DoT certificate file (default: a self-signed one for loopback in <home>/config)")
	f.StringVar(&tlsKey, "tls-key", "", "DoT key file")
	f.BoolVar(&loadDemo, "demo", false, "load example TLDs and records (once)")
	f.StringVar(&chainID, "chain-id", "", "chain id when creating a new home (default dii-local-<random>)")
	f.StringVar(&moniker, "moniker", "", "name of this node when creating a new home (default dii-node)")
	f.DurationVar(&timeoutCommit, "timeout-commit", 0, "override consensus.timeout_commit from config.toml")
	f.BoolVar(&noPeers, "no-peers", false, "dial no peers (persistent peers, seeds and peer exchange off): start cut off from the network")
	return cmd
}

func runDemo(ctx context.Context, g *globals, apiAddr string, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	k, err := g.keyring().Get(g.key)
	if err != nil {
		return err
	}
	s, err := client.NewSigner(ctx, client.New(apiAddr), k.Private, "")
	if err != nil {
		return err
	}
	loaded, err := demo.Load(ctx, s)
	if err != nil {
		return err
	}
	if loaded {
		fmt.Fprintf(out, "demo data loaded: TLDs dii, example, lab; try: dii name show hello.dii --node %s\n", apiAddr)
		fmt.Fprintf(out, "demo handles under %s; try: dii handle show %s --node %s\n", demo.HandlePrefix, demo.Handles[0].Handle, apiAddr)
	} else {
		fmt.Fprintln(out, "demo data already present")
	}
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/client"
	"github.com/dii-net/dii/internal/keyring"
	"github.com/dii-net/dii/internal/node"
)

// globals are the flags every command shares.
type globals struct {
	home     string
	node     string
	jsonOut  bool
	key      string
	logLevel string
	timeout  time.Duration
}

func defaultHome() string {
	if h := os.Getenv("DII_HOME"); h != "" {
		return h
	}
	if d, err := os.UserHomeDir(); err == nil {
		return filepath.Join(d, ".dii")
	}
	return ".dii"
}

func defaultNode() string {
	if n := os.Getenv("DII_NODE"); n != "" {
		return n
	}
	return client.DefaultNode
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "dii",
		Short: "dii: a decentralized internet infrastructure on a CometBFT ledger",
		Long: `dii runs a CometBFT ledger that holds a root zone and zones of names, an
OID tree and a Handle System registry, and the tools to read and change
them.

Start a single-node network with its data in ~/.dii:

  dii up --demo

Then, from another terminal:

  dii name show hello.dii
  dii name register mine.dii
  dii name set mine.dii A 192.0.2.7
  dii name show mine.dii --prove --json > proof.json
  dii verify proof.json
  dii handle resolve 20.500.dii/hello

Every change is a signed ledger transaction; every answer can be checked
against the validators' signatures with "dii verify".`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.home, "home", defaultHome(), "home folder: keys, config and data (env DII_HOME)")
	pf.StringVar(&g.node, "node", defaultNode(), "HTTP API of the node to talk to (env DII_NODE)")
	pf.BoolVar(&g.jsonOut, "json", false, "print JSON instead of text")
	pf.StringVar(&g.key, "key", node.OperatorKey, "name of the key in the keyring that signs transactions")
	pf.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	pf.DurationVar(&g.timeout, "timeout", 60*time.Second, "how long a command waits for the node")
	root.AddCommand(upCmd(g), initCmd(g), keyCmd(g), nameCmd(g), verifyCmd(g), statusCmd(g), blockCmd(g), validatorsCmd(g), dnsCmd(g), zoneCmd(g), oidCmd(g), handleCmd(g), testnetCmd(g), loadCmd(g))
	root.AddCommand(routerCmd(g))
	root.AddCommand(pingCmd(g))
	root.AddCommand(traceCmd(g))
	root.AddCommand(newipCmd(g))
	return root
}

func (g *globals) logger() (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", g.logLevel, err)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})), nil
}

func (g *globals) client() *client.Client { return client.New(g.node) }

func (g *globals) keyring() *keyring.Keyring { return keyring.Open(node.KeysDir(g.home)) }

func (g *globals) ctx(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	return context.WithTimeout(cmd.Context(), g.timeout)
}

func (g *globals) signer(ctx context.Context) (*client.Signer, error) {
	k, err := g.keyring().Get(g.key)
	if err != nil {
		return nil, err
	}
	return client.NewSigner(ctx, g.client(), k.Private, "")
}

// emit prints v as JSON with --json, or calls text otherwise.
func (g *globals) emit(w io.Writer, v any, text func(io.Writer)) error {
	if g.jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(w)
	return nil
}

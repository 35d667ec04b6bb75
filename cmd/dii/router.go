package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/router"
)

func routerCmd(g *globals) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "router --config FILE",
		Short: "Run a user-space New IP router",
		Long: `Run a New IP router described by a TOML file: its own addresses, its links
(UDP tunnels to neighbouring routers and hosts, or raw Ethernet with
EtherType 0x88B6 when run as root), each with a rate, delay and queue, and
its forwarding table. It honours the Max-Delay, Latency-Based Forwarding
and Ping contracts, washes chunked payloads under congestion, counts every
drop with its reason and serves Prometheus metrics.

Print a commented sample configuration:

  dii router sample-config > r1.toml

Run three routers in a line from the examples, then ping across them:

  dii router --config examples/newip/r1.toml &
  dii router --config examples/newip/r2.toml &
  dii router --config examples/newip/r3.toml &
  dii ping --via 127.0.0.1:7100 --src 10.1.0.1 10.0.0.3
  dii trace --via 127.0.0.1:7100 --src 10.1.0.1 10.0.0.3

See docs/newip-router.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return fmt.Errorf("--config: a router configuration file is needed (see dii router sample-config)")
			}
			log, err := g.logger()
			if err != nil {
				return err
			}
			cfg, err := router.LoadConfig(path)
			if err != nil {
				return err
			}
			r, err := router.New(cfg, router.WithLogger(log))
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return r.Run(ctx)
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "", "router configuration (TOML)")
	cmd.AddCommand(&cobra.Command{
		Use:   "sample-config",
		Short: "Print a commented router configuration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(cmd.OutOrStdout(), router.SampleConfig)
			return nil
		},
	})
	return cmd
}

package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"
)

func statusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the node's chain, height and state root",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			s, err := g.client().Status(ctx)
			if err != nil {
				return err
			}
			return g.emit(cmd.OutOrStdout(), s, func(w io.Writer) {
				fmt.Fprintf(w, "chain       %s\nnode        %s (%s)\nheight      %d at %s\nblock hash  %s\nstate       height %d, %d keys, root %s\nvalidator   %s (power %d)\ncatching up %v\n",
					s.ChainID, s.NodeID, s.Moniker, s.LatestHeight, s.LatestBlockTime.Format("2006-01-02T15:04:05Z07:00"),
					s.LatestBlockHash, s.StateHeight, s.StateKeys, s.StateRoot, s.ValidatorAddr, s.VotingPower, s.CatchingUp)
			})
		},
	}
}

func blockCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "block [HEIGHT]",
		Short: "Show a block's header and transactions (default: the latest)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var h int64
			if len(args) == 1 {
				var err error
				if h, err = strconv.ParseInt(args[0], 10, 64); err != nil || h < 1 {
					return fmt.Errorf("height %q: want a positive integer", args[0])
				}
			}
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			b, err := g.client().Block(ctx, h)
			if err != nil {
				return err
			}
			return g.emit(cmd.OutOrStdout(), b, func(w io.Writer) {
				fmt.Fprintf(w, "block %d  %s\ntime      %s\nproposer  %s\napp hash  %s (state after block %d)\ntxs       %d\n",
					b.Height, b.Hash, b.Time.Format("2006-01-02T15:04:05.000Z07:00"), b.Proposer, b.AppHash, b.Height-1, len(b.Txs))
				for _, t := range b.Txs {
					fmt.Fprintf(w, "  %s\n", t)
				}
			})
		},
	}
}

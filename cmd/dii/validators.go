package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/keyring"
	"github.com/dii-net/dii/internal/lightclient"
	"github.com/dii-net/dii/internal/node"
	"github.com/dii-net/dii/internal/tx"
)

func validatorsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validators",
		Short: "Print the validator set as a trust file, or change it (add, remove, list)",
		Long: `Without a subcommand, validators prints the node's validator set with the
chain id, in the form "dii verify --trust" reads. Save it once from a node
you trust; later proofs then need no node at all.

add and remove change the set by a signed validator transaction; only the
validator admins named in genesis (by default the registry operators) may
send one. A change decided at height H counts from height H+2.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			raw, err := g.client().Validators(ctx)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(raw)
			return err
		},
	}
	cmd.AddCommand(validatorSetCmd(g, "add"), validatorSetCmd(g, "remove"), validatorsListCmd(g))
	return cmd
}

func validatorSetCmd(g *globals, verb string) *cobra.Command {
	var pubKey, fromHome, operator string
	var power uint64
	cmd := &cobra.Command{
		Use: verb,
		Example: fmt.Sprintf(`  dii validators %s --from-home /tmp/tn/node4 --home /tmp/tn/node0 --node 127.0.0.1:36602
  dii validators %s --pubkey 3q2+7w...base64...= --key operator`, verb, verb),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			op := &tx.Validator{}
			if verb == "add" {
				op.Power = power
				if power == 0 {
					return fmt.Errorf("--power must be at least 1 (use remove to remove a validator)")
				}
			}
			switch {
			case fromHome != "" && pubKey != "":
				return fmt.Errorf("give --pubkey or --from-home, not both")
			case fromHome != "":
				pk, err := node.ConsensusKey(fromHome)
				if err != nil {
					return err
				}
				op.PubKey = pk
				if verb == "add" && operator == "" {
					if k, err := keyring.Open(node.KeysDir(fromHome)).Get(node.OperatorKey); err == nil {
						op.Operator = k.Address()
					}
				}
			case pubKey != "":
				pk, err := parseConsensusKey(pubKey)
				if err != nil {
					return err
				}
				op.PubKey = pk
			default:
				return fmt.Errorf("give the validator's consensus key with --pubkey, or its home with --from-home")
			}
			if operator != "" {
				a, err := tx.ParseAddress(operator)
				if err != nil {
					return err
				}
				op.Operator = a
			}
			msg := fmt.Sprintf("validator %s: power %d from 2 blocks after the commit", op.Target(), op.Power)
			if verb == "remove" {
				msg = fmt.Sprintf("validator %s removed from 2 blocks after the commit", op.Target())
			}
			return submit(cmd, g, msg, op)
		},
	}
	f := cmd.Flags()
	f.StringVar(&pubKey, "pubkey", "", "the validator's ed25519 consensus key: base64 (as in genesis.json) or hex")
	f.StringVar(&fromHome, "from-home", "", "read the consensus key (and the operator) from this node home")
	if verb == "add" {
		cmd.Short = "Add a validator, or change its power (signed by --key, a validator admin)"
		cmd.Long = `add makes a node a validator, or changes the power of one that is: the
node's consensus key (its config/priv_validator_key.json) with --power. The
operator (--operator, or the operator key of --from-home) is the account
that runs it: it may then publish the node's root name server with "dii dns
publish". Start the node first so it syncs; it signs blocks from two
heights after the commit.`
		f.Uint64Var(&power, "power", 10, "voting power")
		f.StringVar(&operator, "operator", "", "the account (dii1...) that runs the validator")
	} else {
		cmd.Short = "Remove a validator (signed by --key, a validator admin)"
		cmd.Long = `remove takes a validator out of the set: its signatures stop counting two
heights after the commit, and its operator's root name server entry is
withdrawn unless the operator runs another validator. The last validator
cannot be removed.`
	}
	return cmd
}

func parseConsensusKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, fmt.Errorf("--pubkey %q: want a 32-byte ed25519 key in base64 or hex", s)
}

func validatorsListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the validators CometBFT runs now: address, consensus key, power",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := g.ctx(cmd)
			defer cancel()
			raw, err := g.client().Validators(ctx)
			if err != nil {
				return err
			}
			var tf lightclient.TrustFile
			if err := cmtjson.Unmarshal(raw, &tf); err != nil {
				return err
			}
			type row struct {
				Address string `json:"address"`
				PubKey  []byte `json:"pub_key"`
				Power   int64  `json:"power"`
			}
			rows := []row{}
			for _, v := range tf.Validators {
				rows = append(rows, row{Address: v.Address.String(), PubKey: v.PubKey.Bytes(), Power: v.VotingPower})
			}
			if g.jsonOut {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"height": tf.Height, "validators": rows})
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "height %d, %d validators\n", tf.Height, len(rows))
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ADDRESS\tPUBKEY (base64)\tPOWER")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%d\n", r.Address, base64.StdEncoding.EncodeToString(r.PubKey), r.Power)
			}
			return tw.Flush()
		},
	}
}

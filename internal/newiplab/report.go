package newiplab

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Round names.
const (
	RoundContracts  = "contracts"
	RoundBestEffort = "best effort"
)

// Report is the results of both rounds.
type Report struct {
	Rounds map[string][]Result // by round name
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

func pct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

// Write prints the per-flow table of every round and, for each flow
// with a contract, what the contract bought.
func (r Report) Write(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "round\tflow\tcontract\tsent\tdelivered\tin budget\tbudget\tp50\tp90\tp99\tmax\twashed")
	for _, round := range []string{RoundContracts, RoundBestEffort} {
		for _, x := range r.Rounds[round] {
			name := x.Flow
			if x.Cross {
				name += " (cross)"
			}
			budget := ms(x.Budget)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", round, name, x.Contract, x.Sent,
				pct(x.DeliveryRatio()), pct(x.InTimeRatio()), budget, ms(x.P50), ms(x.P90), ms(x.P99), ms(x.Max), x.Washed)
		}
	}
	_ = tw.Flush()
	with, without := r.Rounds[RoundContracts], r.Rounds[RoundBestEffort]
	if len(with) == 0 || len(without) != len(with) {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "What each contract bought (contract round against best effort):")
	some := false
	for i, c := range with {
		if c.Cross || c.Contract == ContractNone {
			continue
		}
		b := without[i]
		some = true
		fmt.Fprintf(w, "  %s (%s, budget %s): in budget %s → %s, delivered %s → %s, p99 %s → %s",
			c.Flow, c.Contract, ms(c.Budget), pct(b.InTimeRatio()), pct(c.InTimeRatio()),
			pct(b.DeliveryRatio()), pct(c.DeliveryRatio()), ms(b.P99), ms(c.P99))
		if c.Washed > 0 {
			fmt.Fprintf(w, ", %d delivered washed", c.Washed)
		}
		fmt.Fprintln(w)
	}
	if !some {
		fmt.Fprintln(w, "  (no flow has a contract)")
	}
}

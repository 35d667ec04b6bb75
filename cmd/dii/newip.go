package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/dii-net/dii/internal/gateway"
	"github.com/dii-net/dii/internal/newiphost"
	"github.com/dii-net/dii/internal/newiplab"
	"github.com/dii-net/dii/internal/router"
	"github.com/dii-net/dii/pkg/newip"
)

// hostFlags attach a command to a New IP router as a host.
type hostFlags struct {
	via, src, listen string
}

func (f *hostFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.via, "via", os.Getenv("DII_NEWIP_VIA"), "the router link to send through, IP:PORT (env DII_NEWIP_VIA)")
	fl.StringVar(&f.src, "src", os.Getenv("DII_NEWIP_SRC"), "this host's New IP address, routed back to that link (env DII_NEWIP_SRC)")
	fl.StringVar(&f.listen, "listen", "", "local UDP address (default: an ephemeral port on the via address's loopback family)")
}

func (f *hostFlags) open() (*newiphost.Host, error) {
	if f.via == "" || f.src == "" {
		return nil, errors.New("--via and --src are needed: the router link to use and this host's New IP address")
	}
	via, err := netip.ParseAddrPort(f.via)
	if err != nil {
		return nil, fmt.Errorf("--via %q: want IP:PORT of a router link", f.via)
	}
	src, err := newip.ParseAddress(f.src)
	if err != nil {
		return nil, fmt.Errorf("--src: %w", err)
	}
	listen := f.listen
	if listen == "" {
		listen = "0.0.0.0:0"
		if via.Addr().Is6() && !via.Addr().Is4In6() {
			listen = "[::]:0"
		}
	}
	local, err := netip.ParseAddrPort(listen)
	if err != nil {
		return nil, fmt.Errorf("--listen %q: want IP:PORT", listen)
	}
	h, err := newiphost.Listen(local, src, via)
	if err != nil {
		return nil, err
	}
	h.Start()
	return h, nil
}

// contractFlag parses --lbf and --mdf budgets.
func contractFlags(lbf, mdf time.Duration) (newiphost.Contract, error) {
	var c newiphost.Contract
	toMS := func(name string, d time.Duration) (uint16, error) {
		if d < time.Millisecond || d > 65535*time.Millisecond {
			return 0, fmt.Errorf("--%s %v: want 1ms to 65s", name, d)
		}
		return uint16(d / time.Millisecond), nil
	}
	if lbf > 0 {
		v, err := toMS("lbf", lbf)
		if err != nil {
			return c, err
		}
		c.LBF = &newip.LBF{MaxDelay: v}
	}
	if mdf > 0 {
		v, err := toMS("mdf", mdf)
		if err != nil {
			return c, err
		}
		c.MaxDelay = &newip.MaxDelay{MaxAllowedDelay: v}
	}
	return c, nil
}

func fmtMS(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond)) }

func codeText(c uint16) string {
	switch c {
	case newip.PingTimeExceeded:
		return "Hop limit exceeded"
	case newip.PingUnreachable:
		return "Destination unreachable"
	}
	return fmt.Sprintf("Ping code %d", c)
}

func pingCmd(g *globals) *cobra.Command {
	var hf hostFlags
	var count int
	var interval, wait, lbf, mdf time.Duration
	var size int
	var hop uint8
	cmd := &cobra.Command{
		Use:   "ping [flags] DESTINATION",
		Short: "Send New IP Ping contract requests and print the round-trip times",
		Long: `Send Ping contract echo requests to a New IP address, as ping(8) does, and
print each reply with its size, the routers the request crossed (hops),
the reply's remaining hop limit and the round-trip time, then a summary.

This host attaches to a router link that has no fixed remote (the router
learns the host's UDP address from the first request); --src must be an
address the router routes back to that link.

Addresses: 10.1.0.1, 2001:db8::1, 8bit:7, f:f20a000001 or f=167772161.

  dii ping --via 127.0.0.1:7100 --src 10.1.0.1 -c 3 10.0.0.3
  dii ping --via 127.0.0.1:7100 --src 10.1.0.1 f=70000
  dii ping --via 127.0.0.1:7100 --src 10.1.0.1 --lbf 20ms 10.0.0.3

Exits with status 1 when no reply came back.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dst, err := newip.ParseAddress(args[0])
			if err != nil {
				return err
			}
			c, err := contractFlags(lbf, mdf)
			if err != nil {
				return err
			}
			if size < 8 || size > 1400 {
				return fmt.Errorf("-s %d: want 8 to 1400 bytes", size)
			}
			h, err := hf.open()
			if err != nil {
				return err
			}
			defer func() { _ = h.Close() }()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			if !g.jsonOut {
				fmt.Fprintf(out, "PING %s from %s: %d data bytes\n", dst, h.Addr(), size)
			}
			type jsonReply struct {
				Seq      uint16  `json:"seq"`
				From     string  `json:"from"`
				Code     uint16  `json:"code"`
				Hops     int     `json:"hops"`
				HopLimit uint8   `json:"hop_limit"`
				RTTms    float64 `json:"rtt_ms"`
				Bytes    int     `json:"bytes"`
			}
			var replies []jsonReply
			st, err := h.Ping(ctx, dst, newiphost.PingOptions{Count: count, Interval: interval, Timeout: wait, Size: size,
				HopLimit: hop, Contract: c}, func(r newiphost.Reply) {
				hops := newiphost.ProbeHops - int(r.Hops)
				replies = append(replies, jsonReply{r.Seq, r.From.String(), r.Code, hops, r.HopLimit,
					float64(r.RTT()) / float64(time.Millisecond), r.Size})
				if g.jsonOut {
					return
				}
				if r.Code != newip.PingReply {
					fmt.Fprintf(out, "From %s seq=%d %s\n", r.From, r.Seq, codeText(r.Code))
					return
				}
				fmt.Fprintf(out, "%d bytes from %s: seq=%d hops=%d hop_limit=%d time=%s ms\n",
					r.Size, r.From, r.Seq, hops, r.HopLimit, fmtMS(r.RTT()))
			})
			if err != nil {
				return err
			}
			if g.jsonOut {
				_ = g.emit(out, map[string]any{
					"destination": dst.String(), "sent": st.Sent, "received": st.Received, "errors": st.Errors,
					"loss": st.Loss(), "min_ms": float64(st.Min) / 1e6, "avg_ms": float64(st.Avg) / 1e6,
					"max_ms": float64(st.Max) / 1e6, "mdev_ms": float64(st.Mdev) / 1e6, "replies": replies,
				}, nil)
			} else {
				fmt.Fprintf(out, "\n--- %s ping statistics ---\n", dst)
				errs := ""
				if st.Errors > 0 {
					errs = fmt.Sprintf(", +%d errors", st.Errors)
				}
				fmt.Fprintf(out, "%d packets transmitted, %d received%s, %.0f%% packet loss, time %dms\n",
					st.Sent, st.Received, errs, 100*st.Loss(), st.Elapsed.Milliseconds())
				if st.Received > 0 {
					fmt.Fprintf(out, "rtt min/avg/max/mdev = %s/%s/%s/%s ms\n", fmtMS(st.Min), fmtMS(st.Avg), fmtMS(st.Max), fmtMS(st.Mdev))
				}
			}
			if st.Received == 0 {
				return fmt.Errorf("no reply from %s", dst)
			}
			return nil
		},
	}
	hf.add(cmd)
	fl := cmd.Flags()
	fl.IntVarP(&count, "count", "c", 0, "stop after this many requests (0: until interrupted)")
	fl.DurationVarP(&interval, "interval", "i", time.Second, "time between requests")
	fl.DurationVarP(&wait, "wait", "W", time.Second, "how long to wait for the last reply")
	fl.IntVarP(&size, "size", "s", 56, "payload bytes")
	fl.Uint8VarP(&hop, "hop-limit", "t", newip.DefaultHopLimit, "hop limit of the requests")
	fl.DurationVar(&lbf, "lbf", 0, "add a Latency-Based Forwarding contract with this end-to-end budget")
	fl.DurationVar(&mdf, "mdf", 0, "add a Max-Delay Forwarding contract with this budget")
	return cmd
}

func traceCmd(g *globals) *cobra.Command {
	var hf hostFlags
	var maxHops, queries, size int
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "trace [flags] DESTINATION",
		Short: "Print the routers on the way to a New IP address, with per-hop delay",
		Long: `Send Ping contract requests with hop limits 1, 2, 3… to a New IP address,
as traceroute(8) does. The router where a request's hop limit runs out
answers from its own address; each line shows that router and the
round-trip time of each probe ("*" when none came back). The trace stops
at the destination or at a router with no route onward (!N).

  dii trace --via 127.0.0.1:7100 --src 10.1.0.1 10.0.0.3`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dst, err := newip.ParseAddress(args[0])
			if err != nil {
				return err
			}
			h, err := hf.open()
			if err != nil {
				return err
			}
			defer func() { _ = h.Close() }()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			if !g.jsonOut {
				fmt.Fprintf(out, "trace to %s, %d hops max, %d byte payloads\n", dst, maxHops, size)
			}
			type jsonHop struct {
				TTL     int       `json:"ttl"`
				From    string    `json:"from,omitempty"`
				RTTms   []float64 `json:"rtt_ms"`
				Lost    int       `json:"lost"`
				Reached bool      `json:"reached"`
			}
			var hops []jsonHop
			err = h.Trace(ctx, dst, newiphost.TraceOptions{MaxHops: maxHops, Queries: queries, Timeout: wait, Size: size},
				func(hop newiphost.TraceHop) {
					jh := jsonHop{TTL: hop.TTL, Lost: hop.Lost, Reached: hop.Reached, RTTms: []float64{}}
					if hop.From.IsValid() {
						jh.From = hop.From.String()
					}
					for _, d := range hop.RTTs {
						jh.RTTms = append(jh.RTTms, float64(d)/float64(time.Millisecond))
					}
					hops = append(hops, jh)
					if g.jsonOut {
						return
					}
					var b strings.Builder
					fmt.Fprintf(&b, "%2d  ", hop.TTL)
					if hop.From.IsValid() {
						fmt.Fprintf(&b, "%s ", hop.From)
					}
					for _, d := range hop.RTTs {
						fmt.Fprintf(&b, " %s ms", fmtMS(d))
					}
					b.WriteString(strings.Repeat(" *", hop.Lost))
					if hop.Code == newip.PingUnreachable && len(hop.RTTs) > 0 {
						b.WriteString(" !N")
					}
					fmt.Fprintln(out, b.String())
				})
			if g.jsonOut {
				_ = g.emit(out, map[string]any{"destination": dst.String(), "hops": hops}, nil)
			}
			return err
		},
	}
	hf.add(cmd)
	fl := cmd.Flags()
	fl.IntVarP(&maxHops, "max-hops", "m", 30, "largest hop limit to try")
	fl.IntVarP(&queries, "queries", "q", 3, "probes per hop")
	fl.DurationVarP(&wait, "wait", "w", time.Second, "how long to wait for each probe's answer")
	fl.IntVarP(&size, "size", "s", 32, "payload bytes")
	return cmd
}

func newipCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "newip",
		Short: "New IP tools: a lab of routers on loopback, and an IPv6 gateway",
		Long: `Tools for the New IP network layer. The router itself is "dii router";
ping and trace are "dii ping" and "dii trace". See docs/newip-router.md.`,
	}
	cmd.AddCommand(labCmd(g), gatewayCmd(g))
	return cmd
}

func labCmd(g *globals) *cobra.Command {
	var round string
	var duration time.Duration
	cmd := &cobra.Command{
		Use:   "lab [flags] TOPOLOGY.toml",
		Short: "Run a described New IP network on loopback and report what each contract bought",
		Long: `Start the routers and hosts a small TOML file describes, all on loopback in
this process; compute their forwarding tables; run every flow once with
its contract (LBF, MDF, chunked payloads that routers may wash) and once
as best effort, with the cross traffic the file describes; then print,
per flow and round, the delivery ratio, the share delivered within the
flow's budget and the latency percentiles.

  dii newip lab examples/lab.toml
  dii newip lab --round contracts --duration 10s examples/lab.toml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := newiplab.Load(args[0])
			if err != nil {
				return err
			}
			if duration > 0 {
				t.Duration = router.Duration(duration)
			}
			var rounds []string
			switch round {
			case "both":
				rounds = []string{newiplab.RoundContracts, newiplab.RoundBestEffort}
			case "contracts":
				rounds = []string{newiplab.RoundContracts}
			case "best-effort":
				rounds = []string{newiplab.RoundBestEffort}
			default:
				return fmt.Errorf("--round %q: want both, contracts or best-effort", round)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			lab, err := newiplab.Start(t)
			if err != nil {
				return err
			}
			defer lab.Close()
			out := cmd.OutOrStdout()
			rep := newiplab.Report{Rounds: map[string][]newiplab.Result{}}
			for _, r := range rounds {
				if !g.jsonOut {
					fmt.Fprintf(cmd.ErrOrStderr(), "round %q: %v of traffic…\n", r, time.Duration(t.Warmup+t.Duration))
				}
				res, err := lab.Run(ctx, r == newiplab.RoundContracts)
				if err != nil {
					return err
				}
				rep.Rounds[r] = res
			}
			return g.emit(out, rep.Rounds, func(w io.Writer) { rep.Write(w) })
		},
	}
	cmd.Flags().StringVar(&round, "round", "both", "rounds to run: both, contracts or best-effort")
	cmd.Flags().DurationVar(&duration, "duration", 0, "traffic time per round (default: the file's)")
	return cmd
}

func gatewayCmd(g *globals) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "gateway --config FILE",
		Short: "Run a gateway between IPv6 and New IP",
		Long: `Run a gateway that joins IPv6 hosts to a New IP network through one router
link. With a TUN device (mode tun: needs /dev/net/tun and root) IPv6
packets for mapped addresses are translated one by one: an IPv6 ping
becomes the Ping contract, UDP and TCP segments ride in the payload.
Without one (mode udp) the gateway carries UDP datagrams between IPv6
sockets and New IP addresses and ports. Mode auto picks tun when it can.

Print a commented sample configuration:

  dii newip gateway sample-config > gw.toml
  dii newip gateway --config gw.toml

See docs/newip-router.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return fmt.Errorf("--config: a gateway configuration file is needed (see dii newip gateway sample-config)")
			}
			log, err := g.logger()
			if err != nil {
				return err
			}
			cfg, err := gateway.LoadConfig(path)
			if err != nil {
				return err
			}
			gw, err := gateway.New(cfg, gateway.WithLogger(log))
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return gw.Run(ctx)
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "", "gateway configuration (TOML)")
	cmd.AddCommand(&cobra.Command{
		Use:   "sample-config",
		Short: "Print a commented gateway configuration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(cmd.OutOrStdout(), gateway.SampleConfig)
			return nil
		},
	})
	return cmd
}

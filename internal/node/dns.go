package node

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dii-net/dii/internal/ledger"
	"github.com/dii-net/dii/internal/nameserver"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/zone"
)

// DefaultDNSName names a single node's name server in the root zone.
const DefaultDNSName = "ns1.dii-nic."

// startDNS starts the name server and keeps its zone snapshot in step with
// every commit.
func startDNS(c Config, app *ledger.App, reg prometheus.Registerer) (*nameserver.Server, error) {
	switch nameserver.Prefer(c.Prefer) {
	case "", nameserver.PreferLedger, nameserver.PreferUpstream:
	default:
		return nil, fmt.Errorf("prefer %q: want ledger or upstream", c.Prefer)
	}
	ns := nameserver.New(nameserver.Config{Addr: c.DNS, Logger: c.Logger, Registerer: reg,
		Upstream: c.Upstream, Prefer: nameserver.Prefer(c.Prefer), RRLRate: c.RRLRate, RRLSlip: c.RRLSlip})
	if err := ns.Start(); err != nil {
		return nil, err
	}
	name := c.DNSName
	if name == "" {
		name = DefaultDNSName
	}
	zcfg := zone.Config{Nameservers: []zone.Nameserver{{Name: name}}}
	host, _, err := net.SplitHostPort(ns.Addr())
	if err != nil {
		return nil, err
	}
	if ip, err := netip.ParseAddr(host); err == nil && !ip.IsUnspecified() {
		if ip.Is4() {
			zcfg.Nameservers[0].IPv4 = []netip.Addr{ip}
		} else {
			zcfg.Nameservers[0].IPv6 = []netip.Addr{ip}
		}
	}
	snap, err := zone.Build(app.Store().Latest(), zcfg)
	if err != nil {
		_ = ns.Stop()
		return nil, fmt.Errorf("build zone snapshot: %w", err)
	}
	ns.SetSnapshot(snap)
	app.OnCommit(func(prev, next *state.Version, changes []state.Change) {
		cur := ns.Snapshot()
		var err error
		var nz *zone.Snapshot
		if cur.Height() == prev.Height() {
			nz, err = cur.Apply(prev, next, changes)
		}
		if nz == nil || err != nil {
			// Out of step (genesis, or a failed apply): rebuild from state.
			if err != nil {
				c.Logger.Error("zone snapshot update failed; rebuilding", "height", next.Height(), "err", err)
			}
			if nz, err = zone.Build(next, zcfg); err != nil {
				c.Logger.Error("zone snapshot rebuild failed; serving the previous one", "height", next.Height(), "err", err)
				return
			}
		}
		ns.SetSnapshot(nz)
	})
	return ns, nil
}

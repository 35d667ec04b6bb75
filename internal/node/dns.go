package node

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dii-net/dii/internal/dnssec"
	"github.com/dii-net/dii/internal/ledger"
	"github.com/dii-net/dii/internal/nameserver"
	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/zone"
)

// DefaultDNSName names a single node's name server in the root zone.
const DefaultDNSName = "ns1.dii-nic."

// startDNS starts the name server and keeps its zone snapshot in step with
// every commit. The server signs with the node's DNSSEC key (DNSKeyFile,
// made on first use: a home from before DNSSEC gets one here, for its
// operator to publish).
func startDNS(c Config, app *ledger.App, reg prometheus.Registerer) (*nameserver.Server, error) {
	switch nameserver.Prefer(c.Prefer) {
	case "", nameserver.PreferLedger, nameserver.PreferUpstream:
	default:
		return nil, fmt.Errorf("prefer %q: want ledger or upstream", c.Prefer)
	}
	key, err := loadOrGenDNSKey(c.Home)
	if err != nil {
		return nil, fmt.Errorf("dnssec key: %w", err)
	}
	ns := nameserver.New(nameserver.Config{Addr: c.DNS, Logger: c.Logger, Registerer: reg,
		Upstream: c.Upstream, Prefer: nameserver.Prefer(c.Prefer), RRLRate: c.RRLRate, RRLSlip: c.RRLSlip,
		Signer: dnssec.NewSigner(key, 0)})
	if err := ns.Start(); err != nil {
		return nil, err
	}
	name := c.DNSName
	if name == "" {
		name = DefaultDNSName
	}
	// This node as the name server is the fallback for a chain without
	// name server entries; the ledger's entries (genesis publishes one)
	// replace it, with their addresses and keys.
	zcfg := zone.Config{Nameservers: []zone.Nameserver{{Name: name}}, ORS: orsConfig(c)}
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
	base := app.Store().Latest() // the state the served snapshot shows
	snap, err := zone.Build(base, zcfg)
	if err != nil {
		_ = ns.Stop()
		return nil, fmt.Errorf("build zone snapshot: %w", err)
	}
	ns.SetSnapshot(snap)
	if z := snap.ORSZone(); z != "" {
		c.Logger.Info("ors: serving the OID tree", "zone", z, "info_url", zcfg.ORS.InfoURL)
	}
	kc := &keyCheck{key: key, log: c.Logger}
	kc.check(snap)
	app.OnCommit(func(prev, next *state.Version, changes []state.Change) {
		cur := ns.Snapshot()
		var err error
		var nz *zone.Snapshot
		// Genesis replaces the state the first snapshot was built from (at
		// the same height): its name server entries and keys are not in
		// the first block's changes, so only a snapshot of exactly prev
		// may be updated by Apply.
		if base == prev && cur.Height() == prev.Height() {
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
		base = next
		kc.check(nz)
	})
	return ns, nil
}

// keyCheck logs when the node's key goes on or off the ledger's DNSKEY
// set: a key that is not published signs answers no resolver can check.
type keyCheck struct {
	key   *dnssec.Key
	log   *slog.Logger
	state int // 0 unknown, 1 published, 2 not published, 3 no key published
}

func (k *keyCheck) check(z *zone.Snapshot) {
	st := 2
	if !z.Signed() {
		st = 3
	}
	rd := k.key.RData()
	for _, pub := range z.DNSKEYs() {
		if r := dnssec.RDataOf(pub); bytes.Equal(r, rd) {
			st = 1
		}
	}
	if st == k.state {
		return
	}
	k.state = st
	switch st {
	case 1:
		k.log.Info("dnssec: signing with the published key", "key_tag", k.key.KeyTag())
	case 2:
		k.log.Warn("dnssec: this node's key is not on the ledger; validating resolvers will reject its signed answers until its operator publishes it",
			"key_tag", k.key.KeyTag(), "dnskey", k.key.DNSKEY(".", 3600).String())
	case 3:
		k.log.Info("dnssec: the ledger publishes no DNSKEY; answers are not signed", "key_tag", k.key.KeyTag())
	}
}

// orsConfig is this node's ORS (X.672) zone: zone.DefaultORS, the apex
// oid-res.org., with RINF, CINF and LINF records pointing at this node's
// HTTP API when its address is known before the API listens (a host and a
// port other than 0; an unspecified host such as 0.0.0.0 names no
// reachable address, so it gives none).
func orsConfig(c Config) *oid.ORSConfig {
	cfg := zone.DefaultORS()
	if c.ORSDomain != nil {
		cfg.Domain = *c.ORSDomain
	}
	cfg.InfoURL = apiURL(c.API)
	return cfg
}

// apiURL is the base URL of an HTTP API listening on addr, or "" when addr
// does not say where to reach it.
func apiURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || port == "" || port == "0" {
		return ""
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		return ""
	}
	return "http://" + net.JoinHostPort(host, port)
}

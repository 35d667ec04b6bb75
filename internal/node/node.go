package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cfg "github.com/cometbft/cometbft/config"
	nm "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	rpcclient "github.com/cometbft/cometbft/rpc/client/local"
	rpcserver "github.com/cometbft/cometbft/rpc/jsonrpc/server"
	"github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/ledger"
	"github.com/dii-net/dii/internal/nameserver"
	"github.com/dii-net/dii/internal/state"
)

// Config says where a node keeps its data and listens.
type Config struct {
	Home string
	// Listen addresses, host:port. Port 0 picks a free port.
	API string
	RPC string
	P2P string
	// KeepVersions is how many recent heights stay queryable with proofs
	// (fewer after blocks of many changes: state.MaxKeptChanges).
	KeepVersions int
	// CometMetrics registers CometBFT's metrics in Prometheus's default
	// registry, served on the API's /metrics. Only one node per process
	// may do so.
	CometMetrics bool
	// TimeoutCommit overrides config.toml's consensus.timeout_commit when
	// non-zero.
	TimeoutCommit time.Duration
	// NoPeers starts the node cut off: no persistent peers, no seeds and
	// no peer exchange, so it dials no one (fault tests).
	NoPeers bool
	// DNS is the name server's UDP and TCP listen address; empty: no DNS.
	DNS string
	// DNSName is the name of this node's name server in the root zone's
	// NS set (default DefaultDNSName); its address is the DNS listen
	// address.
	DNSName string
	// Upstream resolver for names outside the ledger namespace (empty:
	// refuse them), and who answers for a TLD both namespaces have.
	Upstream string
	Prefer   string
	// ORSDomain is the apex of the ORS (X.672) zone that serves the OID
	// tree: nil means oid-res.org, "" no ORS zone.
	ORSDomain *string
	// RRLRate and RRLSlip configure response-rate limiting (0: off).
	RRLRate, RRLSlip int
	// DoT is the DNS-over-TLS listen address (empty: none), with the
	// certificate and key files; without them a self-signed certificate
	// for loopback is made in the home.
	DoT             string
	TLSCert, TLSKey string
	// Handle is the Handle protocol's UDP and TCP listen address (see
	// DefaultHandleAddr); empty: no Handle service.
	Handle string
	Logger *slog.Logger
}

// Node is a running dii node.
type Node struct {
	conf  Config
	cmt   *nm.Node
	app   *ledger.App
	store *state.Store
	log   *slog.Logger

	apiSrv *http.Server
	rpcLn  net.Listener
	apiLn  net.Listener
	p2p    string

	txIndexDB dbm.DB
	dns       *nameserver.Server
	dotAddr   string
	handle    *handleService

	stopOnce sync.Once
	stopErr  error
}

// Start opens the home folder and runs the node until Stop.
func Start(ctx context.Context, c Config) (*Node, error) {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.KeepVersions == 0 {
		c.KeepVersions = 100
	}
	conf, err := loadConfig(c.Home)
	if err != nil {
		return nil, err
	}
	if c.TimeoutCommit != 0 {
		conf.Consensus.TimeoutCommit = c.TimeoutCommit
	}
	p2pAddr, err := freeIfZero(c.P2P)
	if err != nil {
		return nil, fmt.Errorf("p2p address: %w", err)
	}
	conf.P2P.ListenAddress = "tcp://" + p2pAddr
	if c.NoPeers {
		conf.P2P.PersistentPeers, conf.P2P.Seeds, conf.P2P.PexReactor = "", "", false
	}
	conf.RPC.ListenAddress = "" // served below, on a listener we own
	conf.Instrumentation.Prometheus = c.CometMetrics
	conf.Instrumentation.PrometheusListenAddr = ""

	gen, err := types.GenesisDocFromFile(conf.GenesisFile())
	if err != nil {
		return nil, err
	}
	db, err := dbm.NewDB("appstate", dbm.BackendType(conf.DBBackend), conf.DBDir())
	if err != nil {
		return nil, fmt.Errorf("open app state: %w", err)
	}
	c.Logger.Info("loading ledger state", "dir", conf.DBDir())
	loadStart := time.Now()
	store, err := state.Open(db, c.KeepVersions)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	c.Logger.Info("ledger state loaded", "height", store.Latest().Height(), "keys", store.Latest().Len(),
		"took", time.Since(loadStart).Round(time.Millisecond))
	reg := prometheus.NewRegistry()
	app, err := ledger.New(store, c.Logger, ledger.NewMetrics(reg))
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	app.SetChainID(gen.ChainID)
	var ns *nameserver.Server
	if c.DNS != "" {
		if ns, err = startDNS(c, app, reg); err != nil {
			_ = store.Close()
			return nil, err
		}
	}

	var hs *handleService
	if c.Handle != "" {
		if hs, err = startHandle(c, store, reg); err != nil {
			if ns != nil {
				_ = ns.Stop()
			}
			_ = store.Close()
			return nil, err
		}
	}
	// stopServices stops what started so far when the node cannot start.
	stopServices := func() {
		if hs != nil {
			_ = hs.stop()
		}
	}

	nodeKey, err := p2p.LoadNodeKey(conf.NodeKeyFile())
	if err != nil {
		stopServices()
		_ = store.Close()
		return nil, err
	}
	pv := privval.LoadFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile())
	// CometBFT does not close the transaction index database when it
	// stops; keep hold of it so Stop can, and a restart in the same
	// process finds it unlocked. Its indexer may still be writing when
	// Stop closes it: guardDB turns those writes into errors.
	var txIndexDB dbm.DB
	dbProvider := func(dc *cfg.DBContext) (dbm.DB, error) {
		db, err := cfg.DefaultDBProvider(dc)
		if err == nil && dc.ID == "tx_index" {
			g := guardDB(db)
			txIndexDB, db = g, g
		}
		return db, err
	}
	cmt, err := nm.NewNode(ctx, conf, pv, nodeKey,
		proxy.NewConnSyncLocalClientCreator(app),
		nm.DefaultGenesisDocProviderFunc(conf),
		dbProvider,
		nm.DefaultMetricsProvider(conf.Instrumentation),
		newCmtLogger(c.Logger))
	if err != nil {
		stopServices()
		_ = store.Close()
		return nil, fmt.Errorf("cometbft: %w", err)
	}
	n := &Node{conf: c, cmt: cmt, app: app, store: store, log: c.Logger, p2p: p2pAddr, txIndexDB: txIndexDB, dns: ns, handle: hs}
	if err := cmt.Start(); err != nil {
		stopServices()
		_ = store.Close()
		return nil, fmt.Errorf("start cometbft: %w", err)
	}
	if err := n.serveRPC(c.RPC); err != nil {
		_ = n.Stop()
		return nil, err
	}
	gatherers := prometheus.Gatherers{reg}
	if c.CometMetrics {
		gatherers = append(gatherers, prometheus.DefaultGatherer)
	}
	backend := api.Backend{App: app, Client: rpcclient.New(cmt), Genesis: gen}
	if ns != nil {
		backend.Zones = ns.Snapshot
		backend.DoH = ns.DoH()
		if c.DoT != "" {
			cert, err := loadDoTCert(c.Home, c.TLSCert, c.TLSKey)
			if err != nil {
				_ = n.Stop()
				return nil, fmt.Errorf("dot certificate: %w", err)
			}
			if n.dotAddr, err = ns.StartDoT(c.DoT, cert); err != nil {
				_ = n.Stop()
				return nil, err
			}
		}
	}
	handler := api.New(backend, gatherers, c.Logger)
	if n.apiLn, err = net.Listen("tcp", c.API); err != nil {
		_ = n.Stop()
		return nil, fmt.Errorf("api listener: %w", err)
	}
	n.apiSrv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := n.apiSrv.Serve(n.apiLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("api server", "err", err)
		}
	}()
	return n, nil
}

// serveRPC serves CometBFT's JSON-RPC routes on a listener of our own, so
// that port 0 works and the bound address is known.
func (n *Node) serveRPC(addr string) error {
	env, err := n.cmt.ConfigureRPC()
	if err != nil {
		return err
	}
	routes := env.GetRoutes()
	mux := http.NewServeMux()
	logger := newCmtLogger(n.log).With("module", "rpc-server")
	wm := rpcserver.NewWebsocketManager(routes)
	wm.SetLogger(logger)
	mux.HandleFunc("/websocket", wm.WebsocketHandler)
	mux.HandleFunc("/v1/websocket", wm.WebsocketHandler)
	rpcserver.RegisterRPCFuncs(mux, routes, logger)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("rpc listener: %w", err)
	}
	n.rpcLn = ln
	sc := rpcserver.DefaultConfig()
	sc.MaxBodyBytes = n.cmt.Config().RPC.MaxBodyBytes
	sc.WriteTimeout = n.cmt.Config().RPC.TimeoutBroadcastTxCommit + time.Second
	go func() {
		if err := rpcserver.Serve(ln, mux, logger, sc); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			n.log.Debug("rpc server stopped", "err", err)
		}
	}()
	return nil
}

// Addrs are the addresses the node listens on.
type Addrs struct{ API, RPC, P2P, DNS, DoT, Handle string }

// Addrs returns the bound listen addresses.
func (n *Node) Addrs() Addrs {
	a := Addrs{P2P: n.p2p}
	if n.apiLn != nil {
		a.API = n.apiLn.Addr().String()
	}
	if n.rpcLn != nil {
		a.RPC = n.rpcLn.Addr().String()
	}
	if n.dns != nil {
		a.DNS = n.dns.Addr()
		a.DoT = n.dotAddr
	}
	if n.handle != nil {
		a.Handle = n.handle.addr
	}
	return a
}

// App is the node's ledger application.
func (n *Node) App() *ledger.App { return n.app }

// NodeID is the node's P2P identity.
func (n *Node) NodeID() string { return string(n.cmt.NodeInfo().ID()) }

// ChainID is the chain the node runs.
func (n *Node) ChainID() string { return n.cmt.GenesisDoc().ChainID }

// Stop shuts the node down: listeners first, then consensus, then storage.
// Calling it again does nothing.
func (n *Node) Stop() error {
	n.stopOnce.Do(func() { n.stopErr = n.stop() })
	return n.stopErr
}

func (n *Node) stop() error {
	var errs []error
	if n.apiSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, n.apiSrv.Shutdown(ctx))
		cancel()
	}
	if n.rpcLn != nil {
		_ = n.rpcLn.Close()
	}
	if n.dns != nil {
		errs = append(errs, n.dns.Stop())
	}
	if n.handle != nil {
		errs = append(errs, n.handle.stop())
	}
	if n.cmt.IsRunning() {
		if err := n.cmt.Stop(); err != nil {
			errs = append(errs, err)
		}
		n.cmt.Wait()
	}
	if n.txIndexDB != nil {
		errs = append(errs, n.txIndexDB.Close())
	}
	errs = append(errs, n.store.Close())
	return errors.Join(errs...)
}

// freeIfZero replaces port 0 with a port free right now. CometBFT binds
// its P2P listener itself and must know the port to advertise it.
func freeIfZero(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if port != "0" {
		return addr, nil
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return net.JoinHostPort(host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)), nil
}

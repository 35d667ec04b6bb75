package router

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/dii-net/dii/pkg/newip"
)

// Config describes one router. It is read from TOML; see SampleConfig
// and docs/newip-router.md.
type Config struct {
	// Name labels the router in logs and metrics.
	Name string `toml:"name"`
	// Addresses are the router's own New IP addresses: it answers pings
	// sent to them, and the first is the source of the replies it sends.
	Addresses []string `toml:"addresses"`
	// Metrics is the address of the Prometheus /metrics listener; empty
	// for none.
	Metrics string `toml:"metrics"`
	// HopLimit is the hop limit of the packets the router sends itself.
	HopLimit int `toml:"hop_limit"`
	// Links are the router's links to neighbouring routers and hosts.
	Links []LinkConfig `toml:"link"`
	// Routes are the forwarding table.
	Routes []RouteConfig `toml:"route"`
}

// Link kinds.
const (
	KindUDP   = "udp"   // a UDP tunnel
	KindEther = "ether" // raw Ethernet, EtherType 0x88B6 (needs root)
)

// LinkConfig describes one link.
type LinkConfig struct {
	// Name identifies the link in routes and metrics.
	Name string `toml:"name"`
	// Kind is "udp" (the default) or "ether".
	Kind string `toml:"kind"`
	// Listen is a UDP link's local address, as 127.0.0.1:7001.
	Listen string `toml:"listen"`
	// Remote is a UDP link's peer address. Empty: the link learns its
	// peer from the packets it receives (a host link).
	Remote string `toml:"remote"`
	// Interface is an ether link's network interface.
	Interface string `toml:"interface"`
	// PeerMAC is an ether link's peer hardware address; empty sends to
	// the broadcast address.
	PeerMAC string `toml:"peer_mac"`
	// Rate is the link's sending rate; 0 sends at once.
	Rate Rate `toml:"rate"`
	// Delay is the link's one-way propagation delay.
	Delay Duration `toml:"delay"`
	// Queue is the capacity of the link's sending queue.
	Queue Size `toml:"queue"`
	// Wash is the queue depth above which packets with a chunked
	// payload lose their low-significance chunks; 0 turns wash off.
	Wash Size `toml:"wash"`
	// NoOffload turns UDP segmentation offload off for a UDP link: no
	// UDP_SEGMENT on send, no UDP_GRO on receive.
	NoOffload bool `toml:"no_offload"`

	// Conn, when set, is an open UDP socket the link uses instead of
	// opening Listen (the lab and tests hand sockets over this way).
	Conn *net.UDPConn `toml:"-"`
}

// RouteConfig is one forwarding table entry.
type RouteConfig struct {
	// Prefix is a New IP prefix: "10.0.2.0/24", "2001:db8::/32",
	// "8bit:16/4", "f:f20a/16".
	Prefix string `toml:"prefix"`
	// Link is the link packets to the prefix leave on.
	Link string `toml:"link"`
	// Delay is the least delay from this router to the destination:
	// what Latency-Based Forwarding writes as fib_todelay. Zero: the
	// link's propagation delay.
	Delay Duration `toml:"delay"`
	// Hops is the number of queues from this router to the
	// destination, this one included (fib_tohops). Zero means 1.
	Hops int `toml:"hops"`
}

// Defaults.
const (
	DefaultQueue    = 256 << 10
	DefaultHopLimit = newip.DefaultHopLimit
)

// ParseConfig reads a TOML router configuration and checks it.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var sm *toml.StrictMissingError
		if errors.As(err, &sm) {
			return nil, fmt.Errorf("router config: %s", strings.TrimSpace(sm.String()))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return nil, fmt.Errorf("router config: line %d column %d: %w", row, col, err)
		}
		return nil, fmt.Errorf("router config: %w", err)
	}
	if err := c.Check(); err != nil {
		return nil, err
	}
	return &c, nil
}

// LoadConfig reads and checks the configuration file at path.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Check fills defaults and validates the configuration, naming the
// field at fault.
func (c *Config) Check() error {
	if c.HopLimit == 0 {
		c.HopLimit = DefaultHopLimit
	}
	if c.HopLimit < 1 || c.HopLimit > 255 {
		return fmt.Errorf("hop_limit %d: want 1 to 255", c.HopLimit)
	}
	for i, a := range c.Addresses {
		if _, err := newip.ParseAddress(a); err != nil {
			return fmt.Errorf("addresses[%d]: %w", i, err)
		}
	}
	if c.Metrics != "" {
		if _, err := netip.ParseAddrPort(c.Metrics); err != nil {
			return fmt.Errorf("metrics %q: want IP:PORT", c.Metrics)
		}
	}
	names := map[string]bool{}
	for i := range c.Links {
		l := &c.Links[i]
		at := fmt.Sprintf("link[%d]", i)
		if l.Name == "" {
			return fmt.Errorf("%s.name: missing", at)
		}
		at = fmt.Sprintf("link[%d] (%s)", i, l.Name)
		if names[l.Name] {
			return fmt.Errorf("%s.name: used twice", at)
		}
		names[l.Name] = true
		if l.Kind == "" {
			l.Kind = KindUDP
		}
		switch l.Kind {
		case KindUDP:
			if l.Conn == nil {
				if _, err := netip.ParseAddrPort(l.Listen); err != nil {
					return fmt.Errorf("%s.listen %q: want IP:PORT", at, l.Listen)
				}
			}
			if l.Remote != "" {
				if _, err := netip.ParseAddrPort(l.Remote); err != nil {
					return fmt.Errorf("%s.remote %q: want IP:PORT, or nothing to learn the peer", at, l.Remote)
				}
			}
			if l.Interface != "" || l.PeerMAC != "" {
				return fmt.Errorf("%s: interface and peer_mac are for ether links", at)
			}
		case KindEther:
			if l.Interface == "" {
				return fmt.Errorf("%s.interface: missing", at)
			}
			if l.PeerMAC != "" {
				if hw, err := net.ParseMAC(l.PeerMAC); err != nil || len(hw) != 6 {
					return fmt.Errorf("%s.peer_mac %q: want a 6-byte MAC address", at, l.PeerMAC)
				}
			}
			if l.Listen != "" || l.Remote != "" {
				return fmt.Errorf("%s: listen and remote are for udp links", at)
			}
		default:
			return fmt.Errorf("%s.kind %q: want udp or ether", at, l.Kind)
		}
		if l.Queue == 0 {
			l.Queue = DefaultQueue
		}
		if l.Queue < frameSize {
			return fmt.Errorf("%s.queue %d: want at least %d bytes", at, l.Queue, frameSize)
		}
		if l.Wash > l.Queue {
			return fmt.Errorf("%s.wash %d: more than the queue (%d)", at, l.Wash, l.Queue)
		}
	}
	for i := range c.Routes {
		r := &c.Routes[i]
		at := fmt.Sprintf("route[%d]", i)
		if _, err := newip.ParsePrefix(r.Prefix); err != nil {
			return fmt.Errorf("%s.prefix: %w", at, err)
		}
		if !names[r.Link] {
			return fmt.Errorf("%s.link %q: no such link", at, r.Link)
		}
		if r.Hops == 0 {
			r.Hops = 1
		}
		if r.Hops < 1 || r.Hops > 255 {
			return fmt.Errorf("%s.hops %d: want 1 to 255", at, r.Hops)
		}
	}
	return nil
}

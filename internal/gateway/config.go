package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/dii-net/dii/pkg/newip"
)

// Modes of the IPv6 side.
const (
	ModeAuto = "auto" // tun when /dev/net/tun exists and the process is root, else udp
	ModeTUN  = "tun"
	ModeUDP  = "udp"
)

// Config describes a gateway.
type Config struct {
	// Name labels the gateway in logs and metrics.
	Name string `toml:"name"`
	// Router is the UDP address of the router link the gateway attaches
	// to (a link with no remote, which learns the gateway's address).
	Router string `toml:"router"`
	// Listen is the gateway's own UDP address towards the router.
	Listen string `toml:"listen"`
	// HopLimit is the hop limit of the New IP packets the gateway builds
	// in udp mode (tun mode carries the IPv6 hop limit over).
	HopLimit int `toml:"hop_limit"`
	// Mode is auto (the default), tun or udp.
	Mode string `toml:"mode"`
	// TUN is the TUN device's name (default dii6).
	TUN string `toml:"tun"`
	// Metrics is where Prometheus scrapes /metrics; "" for none.
	Metrics string `toml:"metrics"`
	// Map pairs IPv6 and New IP addresses.
	Map []MapConfig `toml:"map"`
	// Imports carry IPv6 UDP datagrams to New IP (udp mode).
	Imports []ImportConfig `toml:"import"`
	// Exports carry New IP datagrams to IPv6 UDP endpoints (udp mode).
	Exports []ExportConfig `toml:"export"`
}

// MapConfig pairs one IPv6 address with one New IP address.
type MapConfig struct {
	IPv6  string `toml:"ipv6"`
	NewIP string `toml:"newip"`
}

// ImportConfig is an IPv6 UDP socket whose datagrams go to a New IP
// address and port, from a New IP source address of the gateway's.
type ImportConfig struct {
	Listen string `toml:"listen"` // IPv6 UDP address clients send to, as [::1]:9001
	To     string `toml:"to"`     // New IP destination
	Port   uint16 `toml:"port"`   // destination port
	From   string `toml:"from"`   // New IP source: an address routed to this gateway
}

// ExportConfig delivers New IP datagrams for an address and port to an
// IPv6 UDP endpoint.
type ExportConfig struct {
	Address string `toml:"address"` // New IP address routed to this gateway
	Port    uint16 `toml:"port"`
	Target  string `toml:"target"` // IPv6 UDP endpoint, as [::1]:9002
}

// ParseConfig reads a TOML gateway configuration and checks it.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var sm *toml.StrictMissingError
		if errors.As(err, &sm) {
			return nil, fmt.Errorf("gateway config: %s", strings.TrimSpace(sm.String()))
		}
		return nil, fmt.Errorf("gateway config: %w", err)
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

// Check fills defaults and validates, naming the field at fault.
func (c *Config) Check() error {
	if _, err := netip.ParseAddrPort(c.Router); err != nil {
		return fmt.Errorf("router %q: want IP:PORT of the router's link", c.Router)
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
		if ap, _ := netip.ParseAddrPort(c.Router); ap.Addr().Is6() && !ap.Addr().Is4In6() {
			c.Listen = "[::1]:0"
		}
	}
	if _, err := netip.ParseAddrPort(c.Listen); err != nil {
		return fmt.Errorf("listen %q: want IP:PORT", c.Listen)
	}
	if c.HopLimit == 0 {
		c.HopLimit = newip.DefaultHopLimit
	}
	if c.HopLimit < 1 || c.HopLimit > 255 {
		return fmt.Errorf("hop_limit %d: want 1 to 255", c.HopLimit)
	}
	switch c.Mode {
	case "":
		c.Mode = ModeAuto
	case ModeAuto, ModeTUN, ModeUDP:
	default:
		return fmt.Errorf("mode %q: want auto, tun or udp", c.Mode)
	}
	if c.TUN == "" {
		c.TUN = "dii6"
	}
	if c.Metrics != "" {
		if _, err := netip.ParseAddrPort(c.Metrics); err != nil {
			return fmt.Errorf("metrics %q: want IP:PORT", c.Metrics)
		}
	}
	seen6, seenN := map[netip.Addr]int{}, map[newip.Address]int{}
	for i, m := range c.Map {
		a6, err := netip.ParseAddr(m.IPv6)
		if err != nil || !a6.Is6() || a6.Is4In6() || a6.Zone() != "" {
			return fmt.Errorf("map[%d].ipv6 %q: want an IPv6 address", i, m.IPv6)
		}
		an, err := newip.ParseAddress(m.NewIP)
		if err != nil {
			return fmt.Errorf("map[%d].newip: %w", i, err)
		}
		if j, dup := seen6[a6]; dup {
			return fmt.Errorf("map[%d].ipv6 %s: already mapped by map[%d]", i, a6, j)
		}
		if j, dup := seenN[an]; dup {
			return fmt.Errorf("map[%d].newip %s: already mapped by map[%d]", i, an, j)
		}
		seen6[a6], seenN[an] = i, i
	}
	for i, im := range c.Imports {
		at := fmt.Sprintf("import[%d]", i)
		if _, err := netip.ParseAddrPort(im.Listen); err != nil {
			return fmt.Errorf("%s.listen %q: want [IPv6]:PORT", at, im.Listen)
		}
		if _, err := newip.ParseAddress(im.To); err != nil {
			return fmt.Errorf("%s.to: %w", at, err)
		}
		if _, err := newip.ParseAddress(im.From); err != nil {
			return fmt.Errorf("%s.from: %w", at, err)
		}
		if im.Port == 0 {
			return fmt.Errorf("%s.port: missing", at)
		}
	}
	for i, ex := range c.Exports {
		at := fmt.Sprintf("export[%d]", i)
		if _, err := newip.ParseAddress(ex.Address); err != nil {
			return fmt.Errorf("%s.address: %w", at, err)
		}
		if ex.Port == 0 {
			return fmt.Errorf("%s.port: missing", at)
		}
		if _, err := netip.ParseAddrPort(ex.Target); err != nil {
			return fmt.Errorf("%s.target %q: want [IPv6]:PORT", at, ex.Target)
		}
	}
	if c.Mode == ModeTUN && len(c.Map) == 0 {
		return fmt.Errorf("map: tun mode needs at least one address pair")
	}
	return nil
}

package handleproto

import (
	"encoding/binary"
	"net/netip"

	"github.com/dii-net/dii/internal/codec"
)

// SiteInfo is a service site's description: the data of an HS_SITE value
// and the body of a GET_SITEINFO response (RFC 3651 §3.2.2).
type SiteInfo struct {
	DataFormatVersion uint16 // SiteDataFormatVersion
	ProtocolMajor     uint8
	ProtocolMinor     uint8
	SerialNumber      uint16
	PrimaryMask       uint8 // SitePrimary | SiteMultiPrimary
	HashOption        uint8 // HashByPrefix, HashBySuffix or HashByAll
	HashFilter        string
	Attributes        []Attribute
	Servers           []ServerInfo
}

// Attribute is a name and value describing a site, such as "desc".
type Attribute struct {
	Name  string
	Value string
}

// ServerInfo is one server of a site.
type ServerInfo struct {
	ServerID uint32
	// Address is the server's IPv6 address, or an IPv4 address in the last
	// four bytes after twelve zero bytes (as Handle.Net writes them); see
	// AddressFrom and ServerInfo.Addr.
	Address    [16]byte
	PublicKey  []byte // HS_PUBKEY encoding of the server's key; may be empty
	Interfaces []Interface
}

// Interface is a way to reach a server: what it serves, over which
// transport, on which port.
type Interface struct {
	Type     uint8 // ServiceResolution, ServiceAdmin, ...
	Protocol uint8 // TransportUDP, TransportTCP, TransportHTTP, TransportHTTPS
	Port     uint32
}

// AddressFrom returns the 16-byte site-info form of ip.
func AddressFrom(ip netip.Addr) [16]byte {
	var a [16]byte
	if ip.Is4() || ip.Is4In6() {
		v4 := ip.Unmap().As4()
		copy(a[12:], v4[:])
		return a
	}
	return ip.As16()
}

// Addr returns the server's address; twelve leading zero bytes mean IPv4.
func (s *ServerInfo) Addr() netip.Addr {
	var zero [12]byte
	if [12]byte(s.Address[:12]) == zero {
		return netip.AddrFrom4([4]byte(s.Address[12:]))
	}
	return netip.AddrFrom16(s.Address)
}

// AppendSiteInfo appends the wire form of s.
func AppendSiteInfo(dst []byte, s *SiteInfo) []byte {
	dst = binary.BigEndian.AppendUint16(dst, s.DataFormatVersion)
	dst = append(dst, s.ProtocolMajor, s.ProtocolMinor)
	dst = binary.BigEndian.AppendUint16(dst, s.SerialNumber)
	dst = append(dst, s.PrimaryMask, s.HashOption)
	dst = appendString(dst, s.HashFilter)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s.Attributes)))
	for _, a := range s.Attributes {
		dst = appendString(dst, a.Name)
		dst = appendString(dst, a.Value)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s.Servers)))
	for i := range s.Servers {
		sv := &s.Servers[i]
		dst = binary.BigEndian.AppendUint32(dst, sv.ServerID)
		dst = append(dst, sv.Address[:]...)
		dst = appendBytes(dst, sv.PublicKey)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(sv.Interfaces)))
		for _, in := range sv.Interfaces {
			dst = append(dst, in.Type, in.Protocol)
			dst = binary.BigEndian.AppendUint32(dst, in.Port)
		}
	}
	return dst
}

// ParseSiteInfo decodes a site information record that fills b exactly.
func ParseSiteInfo(b []byte) (SiteInfo, error) {
	r := codec.Reader{B: b}
	var s SiteInfo
	s.DataFormatVersion = r.U16("site data format version")
	s.ProtocolMajor = r.U8("site protocol major version")
	s.ProtocolMinor = r.U8("site protocol minor version")
	s.SerialNumber = r.U16("site serial number")
	s.PrimaryMask = r.U8("site primary mask")
	s.HashOption = r.U8("site hash option")
	s.HashFilter = stringField(&r, "site hash filter", maxTypeLength)
	if n := countField(&r, "site attributes", 8, MaxListLength); n > 0 {
		s.Attributes = make([]Attribute, n)
		for i := range s.Attributes {
			s.Attributes[i].Name = stringField(&r, "site attribute name", MaxMessageLength)
			s.Attributes[i].Value = stringField(&r, "site attribute value", MaxMessageLength)
		}
	}
	if n := countField(&r, "site servers", 28, MaxListLength); n > 0 {
		s.Servers = make([]ServerInfo, n)
		for i := range s.Servers {
			sv := &s.Servers[i]
			sv.ServerID = r.U32("server id")
			if a := r.Bytes("server address", 16); a != nil {
				sv.Address = [16]byte(a)
			}
			sv.PublicKey = bytesField(&r, "server public key", MaxMessageLength)
			if m := countField(&r, "server interfaces", 6, MaxListLength); m > 0 {
				sv.Interfaces = make([]Interface, m)
				for j := range sv.Interfaces {
					sv.Interfaces[j] = Interface{
						Type:     r.U8("interface type"),
						Protocol: r.U8("interface protocol"),
						Port:     r.U32("interface port"),
					}
				}
			}
		}
	}
	r.End()
	return s, r.Err
}

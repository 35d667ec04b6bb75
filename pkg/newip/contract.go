package newip

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// ContractType is the 16-bit type that starts every contract.
type ContractType uint16

// Contract types. 1 to 3 are NITK's, with fixed lengths; 4 is dii's
// general contract block, with its own length.
const (
	ContractMaxDelay ContractType = 1 // Max-Delay Forwarding, 6 bytes
	ContractLBF      ContractType = 2 // Latency-Based Forwarding, 12 bytes
	ContractPing     ContractType = 3 // Ping, 14 bytes
	ContractGeneral  ContractType = 4 // general block: condition and action sets
)

// Lengths of the fixed contracts, type field included.
const (
	MaxDelayLen = 6
	LBFLen      = 12
	PingLen     = 14
	// GeneralHeaderLen is the general block's command header.
	GeneralHeaderLen = 8
	// ConditionLen is the length of one condition.
	ConditionLen = 8
)

// String names the contract type.
func (t ContractType) String() string {
	switch t {
	case ContractMaxDelay:
		return "mdf"
	case ContractLBF:
		return "lbf"
	case ContractPing:
		return "ping"
	case ContractGeneral:
		return "general"
	}
	return "contract(" + strconv.Itoa(int(t)) + ")"
}

// MaxDelay is the Max-Delay Forwarding contract (type 1): the packet is
// worth delivering only within MaxAllowedDelay; DelayExp is the delay it
// has experienced so far.
type MaxDelay struct {
	MaxAllowedDelay uint16 // the budget, in milliseconds
	DelayExp        uint16 // the delay experienced so far, in units of 100 µs
}

// LBF is the Latency-Based Forwarding contract (type 2). MinDelay and
// MaxDelay bound the end-to-end latency the sender wants (NITK's units:
// milliseconds); ExperiencedDelay is the sum of the queueing delays so
// far (NITK: units of 100 µs), which every hop adds to; FibToDelay and
// FibToHops are the remaining path's delay and hop count as the routing
// table knows them. A hop drops the packet early when the budget cannot
// be met.
type LBF struct {
	MinDelay         uint16
	MaxDelay         uint16
	ExperiencedDelay uint16
	FibToDelay       uint16
	FibToHops        uint16
}

// Ping is the Ping contract (type 3): a request or reply, the hops left
// (NITK sends 255 and each router takes one off) and the sender's
// timestamp in microseconds.
type Ping struct {
	Code      uint16
	Hops      uint16
	Timestamp uint64
}

// Ping codes. 0 and 1 are NITK's; 2 and 3 are dii's, for replies a
// router sends back instead of forwarding.
const (
	PingRequest      = 0
	PingReply        = 1
	PingTimeExceeded = 2 // the hop limit ran out at the replying router
	PingUnreachable  = 3 // the replying router has no route to the destination
)

// contractAt returns the type and length of the contract at the start of
// b, having checked it completely.
func contractAt(b []byte) (ContractType, int, error) {
	if len(b) < 2 {
		return 0, 0, ErrBadContract
	}
	t := ContractType(binary.BigEndian.Uint16(b))
	var n int
	switch t {
	case ContractMaxDelay:
		n = MaxDelayLen
	case ContractLBF:
		n = LBFLen
	case ContractPing:
		n = PingLen
	case ContractGeneral:
		if len(b) < 4 {
			return 0, 0, ErrBadContract
		}
		n = int(binary.BigEndian.Uint16(b[2:4]))
		if n < GeneralHeaderLen || n > len(b) {
			return 0, 0, ErrBadContract
		}
		if err := checkGeneral(b[:n]); err != nil {
			return 0, 0, err
		}
		return t, n, nil
	default:
		return 0, 0, ErrUnknownContract
	}
	if len(b) < n {
		return 0, 0, ErrBadContract
	}
	return t, n, nil
}

// DecodeContracts checks a whole contract spec (the bytes between the
// contract and payload offsets) and returns how many contracts it holds.
func DecodeContracts(b []byte) (int, error) {
	var seen [ContractPing + 1]bool
	n := 0
	for pos := 0; pos < len(b); n++ {
		t, l, err := contractAt(b[pos:])
		if err != nil {
			return 0, err
		}
		if t <= ContractPing {
			if seen[t] {
				return 0, ErrBadContract
			}
			seen[t] = true
		}
		pos += l
	}
	return n, nil
}

// Contract is a view of one contract in a packet.
type Contract struct {
	b []byte
}

// Type returns the contract type.
func (c Contract) Type() ContractType { return ContractType(binary.BigEndian.Uint16(c.b)) }

// Bytes returns the contract's bytes (a sub-slice of the packet).
func (c Contract) Bytes() []byte { return c.b }

// MaxDelay returns the fields of a Max-Delay Forwarding contract.
func (c Contract) MaxDelay() MaxDelay {
	if len(c.b) < MaxDelayLen {
		return MaxDelay{}
	}
	return MaxDelay{MaxAllowedDelay: u16(c.b[2:]), DelayExp: u16(c.b[4:])}
}

// LBF returns the fields of a Latency-Based Forwarding contract.
func (c Contract) LBF() LBF {
	if len(c.b) < LBFLen {
		return LBF{}
	}
	return LBF{MinDelay: u16(c.b[2:]), MaxDelay: u16(c.b[4:]), ExperiencedDelay: u16(c.b[6:]),
		FibToDelay: u16(c.b[8:]), FibToHops: u16(c.b[10:])}
}

// Ping returns the fields of a Ping contract.
func (c Contract) Ping() Ping {
	if len(c.b) < PingLen {
		return Ping{}
	}
	return Ping{Code: u16(c.b[2:]), Hops: u16(c.b[4:]), Timestamp: binary.BigEndian.Uint64(c.b[6:])}
}

// Block returns a general contract block's view.
func (c Contract) Block() Block { return Block(c) }

// String formats the contract for logs.
func (c Contract) String() string {
	switch c.Type() {
	case ContractMaxDelay:
		m := c.MaxDelay()
		return fmt.Sprintf("mdf(%d,%d)", m.MaxAllowedDelay, m.DelayExp)
	case ContractLBF:
		l := c.LBF()
		return fmt.Sprintf("lbf(%d,%d,%d,%d,%d)", l.MinDelay, l.MaxDelay, l.ExperiencedDelay, l.FibToDelay, l.FibToHops)
	case ContractPing:
		g := c.Ping()
		return fmt.Sprintf("ping(code %d,hops %d,ts %d)", g.Code, g.Hops, g.Timestamp)
	case ContractGeneral:
		g := c.Block()
		return fmt.Sprintf("general(%d cond,%d act,%d meta)", g.NumConditions(), g.NumActions(), g.NumMeta())
	}
	return c.Type().String()
}

func u16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }

// ContractIter walks a packet's contracts in order.
type ContractIter struct {
	b   []byte
	pos int
}

// Contracts returns an iterator over the packet's contracts.
func (p *Packet) Contracts() ContractIter {
	if p.co == 0 {
		return ContractIter{}
	}
	return ContractIter{b: p.b[:p.po], pos: int(p.co)}
}

// Next returns the next contract; ok is false after the last.
func (it *ContractIter) Next() (c Contract, ok bool) {
	if it.pos >= len(it.b) {
		return Contract{}, false
	}
	_, n, err := contractAt(it.b[it.pos:])
	if err != nil { // not for a parsed packet
		it.pos = len(it.b)
		return Contract{}, false
	}
	c = Contract{b: it.b[it.pos : it.pos+n : it.pos+n]}
	it.pos += n
	return c, true
}

// NextBlock returns the next general contract block, skipping the fixed
// contracts; ok is false after the last.
func (it *ContractIter) NextBlock() (Block, bool) {
	for {
		c, ok := it.Next()
		if !ok {
			return Block{}, false
		}
		if c.Type() == ContractGeneral {
			return c.Block(), true
		}
	}
}

// MaxDelay returns the packet's Max-Delay Forwarding contract.
func (p *Packet) MaxDelay() (MaxDelay, bool) {
	if p.mdf == 0 {
		return MaxDelay{}, false
	}
	return Contract{b: p.b[p.mdf : int(p.mdf)+MaxDelayLen]}.MaxDelay(), true
}

// SetMaxDelay rewrites the Max-Delay Forwarding contract in place. It
// reports false when the packet has none.
func (p *Packet) SetMaxDelay(m MaxDelay) bool {
	if p.mdf == 0 {
		return false
	}
	b := p.b[p.mdf:]
	binary.BigEndian.PutUint16(b[2:], m.MaxAllowedDelay)
	binary.BigEndian.PutUint16(b[4:], m.DelayExp)
	return true
}

// LBF returns the packet's Latency-Based Forwarding contract.
func (p *Packet) LBF() (LBF, bool) {
	if p.lbf == 0 {
		return LBF{}, false
	}
	return Contract{b: p.b[p.lbf : int(p.lbf)+LBFLen]}.LBF(), true
}

// SetLBF rewrites the Latency-Based Forwarding contract in place. It
// reports false when the packet has none.
func (p *Packet) SetLBF(l LBF) bool {
	if p.lbf == 0 {
		return false
	}
	b := p.b[p.lbf:]
	binary.BigEndian.PutUint16(b[2:], l.MinDelay)
	binary.BigEndian.PutUint16(b[4:], l.MaxDelay)
	binary.BigEndian.PutUint16(b[6:], l.ExperiencedDelay)
	binary.BigEndian.PutUint16(b[8:], l.FibToDelay)
	binary.BigEndian.PutUint16(b[10:], l.FibToHops)
	return true
}

// AddExperiencedDelay adds d to the LBF contract's experienced delay,
// saturating at 65535, and returns the new value. ok is false when the
// packet has no LBF contract.
func (p *Packet) AddExperiencedDelay(d uint16) (v uint16, ok bool) {
	if p.lbf == 0 {
		return 0, false
	}
	f := p.b[int(p.lbf)+6:]
	s := uint32(binary.BigEndian.Uint16(f)) + uint32(d)
	if s > 0xFFFF {
		s = 0xFFFF
	}
	binary.BigEndian.PutUint16(f, uint16(s))
	return uint16(s), true
}

// Ping returns the packet's Ping contract.
func (p *Packet) Ping() (Ping, bool) {
	if p.ping == 0 {
		return Ping{}, false
	}
	return Contract{b: p.b[p.ping : int(p.ping)+PingLen]}.Ping(), true
}

// SetPing rewrites the Ping contract in place. It reports false when the
// packet has none.
func (p *Packet) SetPing(g Ping) bool {
	if p.ping == 0 {
		return false
	}
	b := p.b[p.ping:]
	binary.BigEndian.PutUint16(b[2:], g.Code)
	binary.BigEndian.PutUint16(b[4:], g.Hops)
	binary.BigEndian.PutUint64(b[6:], g.Timestamp)
	return true
}

// DecPingHops takes one off the Ping contract's hops (not below 0), as
// NITK's routers do, and returns the new value. ok is false when the
// packet has no Ping contract.
func (p *Packet) DecPingHops() (hops uint16, ok bool) {
	if p.ping == 0 {
		return 0, false
	}
	f := p.b[int(p.ping)+4:]
	h := binary.BigEndian.Uint16(f)
	if h > 0 {
		h--
	}
	binary.BigEndian.PutUint16(f, h)
	return h, true
}

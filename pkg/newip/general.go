package newip

import "encoding/binary"

// The general contract block (type 4) is dii's: a command header, a
// condition set, an action set and typed metadata. docs/newip.md has the
// byte layout and the evaluation rules.

// BlockFinal is the command header flag that stops evaluation: when this
// block's conditions hold, later general blocks are not evaluated.
const BlockFinal = 0x01

// Subject is what a condition tests.
type Subject uint8

// Condition subjects.
const (
	SubjHopLimit         Subject = 1 // the packet's hop limit (false in NITK's form)
	SubjExperiencedDelay Subject = 2 // the LBF contract's experienced delay (false without one)
	SubjQueueDepth       Subject = 3 // the router's queue depth for the packet's next hop, in packets
	SubjMeta             Subject = 4 // the value of this block's unsigned metadata item Key
	SubjLength           Subject = 5 // the packet's total length in bytes
)

// Op compares a subject's value with a condition's operand.
type Op uint8

// Comparison operators.
const (
	OpEq Op = 1 // ==
	OpNe Op = 2 // !=
	OpLt Op = 3 // <
	OpLe Op = 4 // <=
	OpGt Op = 5 // >
	OpGe Op = 6 // >=
)

// Condition is one test: Subject Op Value. Key names the metadata item
// when Subject is SubjMeta and is 0 otherwise.
type Condition struct {
	Subject Subject
	Op      Op
	Key     uint8
	Value   uint32
}

// Holds applies the condition's operator to x and its operand.
func (c Condition) Holds(x uint64) bool {
	v := uint64(c.Value)
	switch c.Op {
	case OpEq:
		return x == v
	case OpNe:
		return x != v
	case OpLt:
		return x < v
	case OpLe:
		return x <= v
	case OpGt:
		return x > v
	case OpGe:
		return x >= v
	}
	return false
}

// ActionType is what an action does.
type ActionType uint8

// Action types.
const (
	ActSetPriority ActionType = 1 // queue the packet at Priority (0 lowest, 7 highest)
	ActDrop        ActionType = 2 // drop the packet
	ActNextHop     ActionType = 3 // forward towards NextHop instead of the destination
	ActRewriteMeta ActionType = 4 // set this block's metadata item Key to Value
	ActWash        ActionType = 5 // wash the payload: drop chunks below Threshold
)

// MaxPriority is the highest priority ActSetPriority may give.
const MaxPriority = 7

// Action is one action. Only the fields of its Type are used: Priority
// (ActSetPriority), NextHop (ActNextHop), Key and Value (ActRewriteMeta),
// Threshold (ActWash). A decoded Value aliases the packet.
type Action struct {
	Type      ActionType
	Priority  uint8
	NextHop   Address
	Key       uint8
	Value     []byte
	Threshold uint8
}

// MetaType is the type of a metadata value.
type MetaType uint8

// Metadata value types.
const (
	MetaUint  MetaType = 1 // unsigned big-endian integer of 1, 2, 4 or 8 bytes
	MetaBytes MetaType = 2 // opaque bytes, 0 to 255
)

// Meta is one typed metadata item of a general block. Keys are 1 to 255
// and unique within a block. A decoded Value aliases the packet.
type Meta struct {
	Key   uint8
	Type  MetaType
	Value []byte
}

// Uint returns an unsigned metadata item's value.
func (m Meta) Uint() (uint64, bool) {
	if m.Type != MetaUint {
		return 0, false
	}
	return getUint(m.Value), true
}

// MetaUintValue returns an unsigned metadata item with key k holding v in
// n bytes (1, 2, 4 or 8); the value is cut to n bytes.
func MetaUintValue(k uint8, v uint64, n int) Meta {
	b := make([]byte, n)
	putUint(b, v)
	return Meta{Key: k, Type: MetaUint, Value: b}
}

// General is a general contract block to encode, or a decoded copy of
// one (Block.General).
type General struct {
	Final      bool
	Conditions []Condition
	Actions    []Action
	Meta       []Meta
}

// Block is a view of a general contract block inside a packet.
type Block struct {
	b []byte
}

// Bytes returns the block's bytes (a sub-slice of the packet).
func (g Block) Bytes() []byte { return g.b }

// Final reports the BlockFinal flag.
func (g Block) Final() bool { return len(g.b) > 4 && g.b[4]&BlockFinal != 0 }

// NumConditions returns the number of conditions.
func (g Block) NumConditions() int {
	if len(g.b) < GeneralHeaderLen {
		return 0
	}
	return int(g.b[5])
}

// NumActions returns the number of actions.
func (g Block) NumActions() int {
	if len(g.b) < GeneralHeaderLen {
		return 0
	}
	return int(g.b[6])
}

// NumMeta returns the number of metadata items.
func (g Block) NumMeta() int {
	if len(g.b) < GeneralHeaderLen {
		return 0
	}
	return int(g.b[7])
}

// Condition returns condition i (0 ≤ i < NumConditions).
func (g Block) Condition(i int) Condition {
	if i < 0 || i >= g.NumConditions() {
		return Condition{}
	}
	c := g.b[GeneralHeaderLen+i*ConditionLen:]
	return Condition{Subject: Subject(c[0]), Op: Op(c[1]), Key: c[2], Value: binary.BigEndian.Uint32(c[4:8])}
}

// actionsStart is where the action set starts.
func (g Block) actionsStart() int { return GeneralHeaderLen + g.NumConditions()*ConditionLen }

// ActionIter walks a block's actions.
type ActionIter struct {
	b    []byte
	pos  int
	left int
}

// Actions returns an iterator over the block's actions, in order.
func (g Block) Actions() ActionIter {
	return ActionIter{b: g.b, pos: g.actionsStart(), left: g.NumActions()}
}

// Next returns the next action; ok is false after the last.
func (it *ActionIter) Next() (a Action, ok bool) {
	if it.left <= 0 || it.pos+2 > len(it.b) {
		return Action{}, false
	}
	t, n := ActionType(it.b[it.pos]), int(it.b[it.pos+1])
	if it.pos+2+n > len(it.b) {
		return Action{}, false
	}
	v := it.b[it.pos+2 : it.pos+2+n : it.pos+2+n]
	it.pos += 2 + n
	it.left--
	a.Type = t
	switch t {
	case ActSetPriority:
		if n > 0 {
			a.Priority = v[0]
		}
	case ActNextHop:
		if n > 0 {
			a.NextHop, _, _ = DecodeAddress(AddrType(v[0]), v[1:])
		}
	case ActRewriteMeta:
		if n > 0 {
			a.Key, a.Value = v[0], v[1:]
		}
	case ActWash:
		if n > 0 {
			a.Threshold = v[0]
		}
	}
	return a, true
}

// metaStart is where the metadata starts.
func (g Block) metaStart() int {
	pos := g.actionsStart()
	for i := 0; i < g.NumActions() && pos+2 <= len(g.b); i++ {
		pos += 2 + int(g.b[pos+1])
	}
	return pos
}

// MetaIter walks a block's metadata items.
type MetaIter struct {
	b    []byte
	pos  int
	left int
}

// MetaItems returns an iterator over the block's metadata items.
func (g Block) MetaItems() MetaIter {
	return MetaIter{b: g.b, pos: g.metaStart(), left: g.NumMeta()}
}

// Next returns the next metadata item; ok is false after the last.
func (it *MetaIter) Next() (m Meta, ok bool) {
	if it.left <= 0 || it.pos+3 > len(it.b) {
		return Meta{}, false
	}
	n := int(it.b[it.pos+2])
	if it.pos+3+n > len(it.b) {
		return Meta{}, false
	}
	m = Meta{Key: it.b[it.pos], Type: MetaType(it.b[it.pos+1]), Value: it.b[it.pos+3 : it.pos+3+n : it.pos+3+n]}
	it.pos += 3 + n
	it.left--
	return m, true
}

// Meta returns the metadata item with key k.
func (g Block) Meta(k uint8) (Meta, bool) {
	it := g.MetaItems()
	for m, ok := it.Next(); ok; m, ok = it.Next() {
		if m.Key == k {
			return m, true
		}
	}
	return Meta{}, false
}

// SetMeta rewrites metadata item k's value in place. The new value must
// have the item's length (a rewrite never moves bytes); it reports false
// when there is no such item or the length differs.
func (g Block) SetMeta(k uint8, v []byte) bool {
	m, ok := g.Meta(k)
	if !ok || len(m.Value) != len(v) {
		return false
	}
	copy(m.Value, v)
	return true
}

// SetMetaUint rewrites unsigned metadata item k to v in place. It reports
// false when there is no such unsigned item or v does not fit its length.
func (g Block) SetMetaUint(k uint8, v uint64) bool {
	m, ok := g.Meta(k)
	if !ok || m.Type != MetaUint {
		return false
	}
	if n := len(m.Value); n < 8 && v>>(8*n) != 0 {
		return false
	}
	putUint(m.Value, v)
	return true
}

// clone copies b; empty gives nil.
func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// General returns a copy of the block's contents (empty values as nil).
// It allocates; use the view's methods on the forwarding path.
func (g Block) General() General {
	var out General
	out.Final = g.Final()
	for i := 0; i < g.NumConditions(); i++ {
		out.Conditions = append(out.Conditions, g.Condition(i))
	}
	ai := g.Actions()
	for a, ok := ai.Next(); ok; a, ok = ai.Next() {
		a.Value = clone(a.Value)
		out.Actions = append(out.Actions, a)
	}
	mi := g.MetaItems()
	for m, ok := mi.Next(); ok; m, ok = mi.Next() {
		m.Value = clone(m.Value)
		out.Meta = append(out.Meta, m)
	}
	return out
}

// Vars are the values a condition may test that the packet does not
// carry: the router supplies them.
type Vars struct {
	// QueueDepth is the depth, in packets, of the queue the packet would
	// join.
	QueueDepth uint32
}

// Match evaluates block g (from this packet) against the packet and v:
// true when every condition holds (a block without conditions always
// matches). A condition on something the packet lacks (no hop limit in
// NITK's form, no LBF contract) does not hold.
func (p *Packet) Match(g Block, v Vars) bool {
	for i := 0; i < g.NumConditions(); i++ {
		c := g.Condition(i)
		var x uint64
		switch c.Subject {
		case SubjHopLimit:
			if !p.HasHopLimit() {
				return false
			}
			x = uint64(p.HopLimit())
		case SubjExperiencedDelay:
			l, ok := p.LBF()
			if !ok {
				return false
			}
			x = uint64(l.ExperiencedDelay)
		case SubjQueueDepth:
			x = uint64(v.QueueDepth)
		case SubjMeta:
			m, ok := g.Meta(c.Key)
			if !ok {
				return false
			}
			if x, ok = m.Uint(); !ok {
				return false
			}
		case SubjLength:
			x = uint64(len(p.b))
		default:
			return false
		}
		if !c.Holds(x) {
			return false
		}
	}
	return true
}

// checkGeneral checks a whole general block b (its length field already
// equals len(b)).
func checkGeneral(b []byte) error {
	if len(b) < GeneralHeaderLen || b[4]&^BlockFinal != 0 {
		return ErrBadContract
	}
	nc, na, nm := int(b[5]), int(b[6]), int(b[7])
	pos := GeneralHeaderLen
	if pos+nc*ConditionLen > len(b) {
		return ErrBadContract
	}
	for i := 0; i < nc; i++ {
		c := b[pos:]
		switch Subject(c[0]) {
		case SubjMeta:
			if c[2] == 0 {
				return ErrBadContract
			}
		case SubjHopLimit, SubjExperiencedDelay, SubjQueueDepth, SubjLength:
			if c[2] != 0 {
				return ErrBadContract
			}
		default:
			return ErrUnknownContract
		}
		if Op(c[1]) < OpEq || Op(c[1]) > OpGe {
			return ErrUnknownContract
		}
		if c[3] != 0 {
			return ErrBadContract
		}
		pos += ConditionLen
	}
	actStart := pos
	for i := 0; i < na; i++ {
		if pos+2 > len(b) {
			return ErrBadContract
		}
		t, n := ActionType(b[pos]), int(b[pos+1])
		if pos+2+n > len(b) {
			return ErrBadContract
		}
		v := b[pos+2 : pos+2+n]
		switch t {
		case ActSetPriority:
			if n != 1 || v[0] > MaxPriority {
				return ErrBadContract
			}
		case ActDrop:
			if n != 0 {
				return ErrBadContract
			}
		case ActNextHop:
			if n < 2 {
				return ErrBadContract
			}
			_, an, err := DecodeAddress(AddrType(v[0]), v[1:])
			if err != nil {
				return err
			}
			if an != n-1 {
				return ErrBadContract
			}
		case ActRewriteMeta:
			if n < 1 || v[0] == 0 {
				return ErrBadContract
			}
		case ActWash:
			if n != 1 {
				return ErrBadContract
			}
		default:
			return ErrUnknownContract
		}
		pos += 2 + n
	}
	metaStart := pos
	var keys [4]uint64 // a bit per metadata key
	for i := 0; i < nm; i++ {
		if pos+3 > len(b) {
			return ErrBadContract
		}
		k, t, n := b[pos], MetaType(b[pos+1]), int(b[pos+2])
		if k == 0 || keys[k/64]&(1<<(k%64)) != 0 || pos+3+n > len(b) {
			return ErrBadContract
		}
		keys[k/64] |= 1 << (k % 64)
		switch t {
		case MetaUint:
			if n != 1 && n != 2 && n != 4 && n != 8 {
				return ErrBadContract
			}
		case MetaBytes:
		default:
			return ErrUnknownContract
		}
		pos += 3 + n
	}
	if pos != len(b) {
		return ErrBadContract
	}
	// Conditions and rewrites name metadata of this block, of the right
	// type and length.
	meta := b[metaStart:]
	for i := 0; i < nc; i++ {
		c := b[GeneralHeaderLen+i*ConditionLen:]
		if Subject(c[0]) != SubjMeta {
			continue
		}
		if t, _, ok := findMeta(meta, nm, c[2]); !ok || t != MetaUint {
			return ErrBadContract
		}
	}
	for i, pos := 0, actStart; i < na; i++ {
		t, n := ActionType(b[pos]), int(b[pos+1])
		if t == ActRewriteMeta {
			_, vlen, ok := findMeta(meta, nm, b[pos+2])
			if !ok || vlen != n-1 {
				return ErrBadContract
			}
		}
		pos += 2 + n
	}
	return nil
}

// findMeta finds key k among the nm checked items in b.
func findMeta(b []byte, nm int, k uint8) (MetaType, int, bool) {
	pos := 0
	for i := 0; i < nm; i++ {
		n := int(b[pos+2])
		if b[pos] == k {
			return MetaType(b[pos+1]), n, true
		}
		pos += 3 + n
	}
	return 0, 0, false
}

// DecodeBlock checks b as one whole general contract block, type and
// length field included, and returns its view.
func DecodeBlock(b []byte) (Block, error) {
	t, n, err := contractAt(b)
	if err != nil {
		return Block{}, err
	}
	if t != ContractGeneral || n != len(b) {
		return Block{}, ErrBadContract
	}
	return Block{b: b}, nil
}

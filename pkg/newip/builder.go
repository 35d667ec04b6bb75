package newip

import "encoding/binary"

// Header is what Builder.Start writes: the fixed header and the shipping
// spec.
type Header struct {
	// NITK selects NITK's three-byte offset header: no hop limit, flags
	// or total length, so no chunked payload either.
	NITK     bool
	HopLimit uint8
	Cast     Cast
	Src, Dst Address
	// Chunked marks the payload chunked even before (or without) any
	// Chunk call; Chunk sets it anyway.
	Chunked bool
	// Washed sets the washed flag (a chunked payload only); encoders of
	// fresh packets leave it false.
	Washed bool
}

// Builder appends one packet to a byte slice: Start, then any contracts,
// then a payload (Payload once, or Chunk for each chunk), then Finish.
// It allocates nothing when the slice has the capacity. The first error
// sticks and Finish returns it. A zero Builder is ready after Reset.
//
//	var b newip.Builder
//	b.Reset(buf[:0])
//	b.Start(newip.Header{HopLimit: 64, Src: src, Dst: dst})
//	b.LBF(newip.LBF{MaxDelay: 50, FibToHops: 3})
//	b.Payload(data)
//	pkt, err := b.Finish()
type Builder struct {
	buf     []byte
	start   int
	stage   uint8
	nitk    bool
	washed  bool
	chunked bool
	seen    uint8 // fixed contract types written, a bit per type
	err     error
}

const (
	stageNone uint8 = iota
	stageContracts
	stagePayload
	stageChunks
	stageDone
)

// Reset starts a new packet appended to dst.
func (b *Builder) Reset(dst []byte) {
	*b = Builder{buf: dst, start: len(dst)}
}

func (b *Builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// off returns the current offset from the packet's start.
func (b *Builder) off() int { return len(b.buf) - b.start }

// Start writes the header and the shipping spec.
func (b *Builder) Start(h Header) {
	if b.stage != stageNone || b.off() != 0 {
		b.fail(ErrBuilder)
		return
	}
	if h.Cast > Groupcast {
		b.fail(ErrBadCast)
		return
	}
	if err := checkAddr(h.Src); err != nil {
		b.fail(err)
		return
	}
	if err := checkAddr(h.Dst); err != nil {
		b.fail(err)
		return
	}
	b.nitk, b.washed, b.chunked = h.NITK, h.Washed, h.Chunked || h.Washed
	if h.NITK {
		if b.chunked {
			b.fail(ErrBuilder)
			return
		}
		b.buf = append(b.buf, NITKHeaderLen, 0, 0)
	} else {
		b.buf = append(b.buf, HeaderLen, 0, 0, Version, h.HopLimit, 0, 0, 0)
	}
	b.buf = append(b.buf, byte(h.Src.t), byte(h.Dst.t), byte(h.Cast))
	b.buf = h.Src.AppendTo(b.buf)
	b.buf = h.Dst.AppendTo(b.buf)
	b.stage = stageContracts
}

// checkAddr checks that a is an address a decoder would accept.
func checkAddr(a Address) error {
	if !a.IsValid() {
		return ErrBadAddress
	}
	if MaxBits(a.t) == 0 {
		return ErrAddrType
	}
	if a.t == AddrFlex {
		_, n, err := DecodeFlex(a.a[:a.n])
		if err != nil {
			return err
		}
		if n != int(a.n) {
			return ErrAddrLength
		}
	} else if int(a.n)*8 != MaxBits(a.t) {
		return ErrAddrLength
	}
	return nil
}

// contract opens a contract of type t.
func (b *Builder) contract(t ContractType) bool {
	if b.err != nil {
		return false
	}
	if b.stage != stageContracts {
		b.fail(ErrBuilder)
		return false
	}
	if t <= ContractPing {
		if b.seen&(1<<t) != 0 {
			b.fail(ErrBadContract)
			return false
		}
		b.seen |= 1 << t
	}
	if b.buf[b.start+1] == 0 {
		if b.off() > MaxHeaderLen {
			b.fail(ErrTooLong)
			return false
		}
		b.buf[b.start+1] = byte(b.off())
	}
	return true
}

// MaxDelay appends a Max-Delay Forwarding contract.
func (b *Builder) MaxDelay(m MaxDelay) {
	if !b.contract(ContractMaxDelay) {
		return
	}
	b.buf = binary.BigEndian.AppendUint16(b.buf, uint16(ContractMaxDelay))
	b.buf = binary.BigEndian.AppendUint16(b.buf, m.MaxAllowedDelay)
	b.buf = binary.BigEndian.AppendUint16(b.buf, m.DelayExp)
}

// LBF appends a Latency-Based Forwarding contract.
func (b *Builder) LBF(l LBF) {
	if !b.contract(ContractLBF) {
		return
	}
	b.buf = binary.BigEndian.AppendUint16(b.buf, uint16(ContractLBF))
	b.buf = binary.BigEndian.AppendUint16(b.buf, l.MinDelay)
	b.buf = binary.BigEndian.AppendUint16(b.buf, l.MaxDelay)
	b.buf = binary.BigEndian.AppendUint16(b.buf, l.ExperiencedDelay)
	b.buf = binary.BigEndian.AppendUint16(b.buf, l.FibToDelay)
	b.buf = binary.BigEndian.AppendUint16(b.buf, l.FibToHops)
}

// Ping appends a Ping contract.
func (b *Builder) Ping(g Ping) {
	if !b.contract(ContractPing) {
		return
	}
	b.buf = binary.BigEndian.AppendUint16(b.buf, uint16(ContractPing))
	b.buf = binary.BigEndian.AppendUint16(b.buf, g.Code)
	b.buf = binary.BigEndian.AppendUint16(b.buf, g.Hops)
	b.buf = binary.BigEndian.AppendUint64(b.buf, g.Timestamp)
}

// General appends a general contract block. The block is checked as a
// decoder would check it.
func (b *Builder) General(g *General) {
	if !b.contract(ContractGeneral) {
		return
	}
	if len(g.Conditions) > 255 || len(g.Actions) > 255 || len(g.Meta) > 255 {
		b.fail(ErrBadContract)
		return
	}
	at := len(b.buf)
	flags := byte(0)
	if g.Final {
		flags = BlockFinal
	}
	b.buf = binary.BigEndian.AppendUint16(b.buf, uint16(ContractGeneral))
	b.buf = append(b.buf, 0, 0, flags, byte(len(g.Conditions)), byte(len(g.Actions)), byte(len(g.Meta)))
	for _, c := range g.Conditions {
		b.buf = append(b.buf, byte(c.Subject), byte(c.Op), c.Key, 0)
		b.buf = binary.BigEndian.AppendUint32(b.buf, c.Value)
	}
	for _, a := range g.Actions {
		b.buf = append(b.buf, byte(a.Type), 0)
		lenAt := len(b.buf) - 1
		switch a.Type {
		case ActSetPriority:
			b.buf = append(b.buf, a.Priority)
		case ActNextHop:
			b.buf = append(b.buf, byte(a.NextHop.t))
			b.buf = a.NextHop.AppendTo(b.buf)
		case ActRewriteMeta:
			b.buf = append(b.buf, a.Key)
			b.buf = append(b.buf, a.Value...)
		case ActWash:
			b.buf = append(b.buf, a.Threshold)
		}
		n := len(b.buf) - lenAt - 1
		if n > 255 {
			b.buf = b.buf[:at]
			b.fail(ErrBadContract)
			return
		}
		b.buf[lenAt] = byte(n)
	}
	for _, m := range g.Meta {
		if len(m.Value) > 255 {
			b.buf = b.buf[:at]
			b.fail(ErrBadContract)
			return
		}
		b.buf = append(b.buf, m.Key, byte(m.Type), byte(len(m.Value)))
		b.buf = append(b.buf, m.Value...)
	}
	n := len(b.buf) - at
	if n > 0xFFFF {
		b.buf = b.buf[:at]
		b.fail(ErrTooLong)
		return
	}
	binary.BigEndian.PutUint16(b.buf[at+2:], uint16(n))
	if err := checkGeneral(b.buf[at:]); err != nil {
		b.buf = b.buf[:at]
		b.fail(err)
	}
}

// endHeaders fixes the payload offset.
func (b *Builder) endHeaders() bool {
	if b.off() > MaxHeaderLen {
		b.fail(ErrTooLong)
		return false
	}
	b.buf[b.start+2] = byte(b.off())
	return true
}

// Payload appends a plain payload. Call it at most once, instead of
// Chunk.
func (b *Builder) Payload(data []byte) {
	if b.err != nil {
		return
	}
	if b.stage != stageContracts || b.chunked {
		b.fail(ErrBuilder)
		return
	}
	if !b.endHeaders() {
		return
	}
	b.buf = append(b.buf, data...)
	b.stage = stagePayload
}

// Chunk appends one payload chunk and marks the payload chunked. Not in
// NITK's form.
func (b *Builder) Chunk(c Chunk) {
	if b.err != nil {
		return
	}
	if b.nitk || (b.stage != stageContracts && b.stage != stageChunks) {
		b.fail(ErrBuilder)
		return
	}
	if len(c.Data) > 0xFFFF {
		b.fail(ErrTooLong)
		return
	}
	if b.stage == stageContracts {
		if !b.endHeaders() {
			return
		}
		b.stage = stageChunks
		b.chunked = true
	}
	b.buf = append(b.buf, c.Significance, c.Seq)
	b.buf = binary.BigEndian.AppendUint16(b.buf, uint16(len(c.Data)))
	b.buf = append(b.buf, c.Data...)
}

// Finish completes the packet and returns the slice given to Reset with
// the packet appended, or the first error. A packet with no payload call
// gets an empty plain payload.
func (b *Builder) Finish() ([]byte, error) {
	if b.err == nil && b.stage == stageContracts {
		if b.chunked {
			if b.endHeaders() {
				b.stage = stageChunks
			}
		} else {
			b.Payload(nil)
		}
	}
	if b.err == nil && b.stage == stageNone {
		b.fail(ErrBuilder)
	}
	if b.err == nil && b.stage == stageDone {
		b.fail(ErrBuilder)
	}
	if b.err != nil {
		return b.buf[:b.start], b.err
	}
	if !b.nitk {
		n := b.off()
		if n > MaxPacketLen {
			b.fail(ErrTooLong)
			return b.buf[:b.start], b.err
		}
		binary.BigEndian.PutUint16(b.buf[b.start+6:], uint16(n))
		if b.chunked {
			b.buf[b.start+5] |= FlagChunked
		}
		if b.washed {
			b.buf[b.start+5] |= FlagWashed
		}
	}
	b.stage = stageDone
	return b.buf, nil
}

// AppendPacket appends a packet with header h, no contracts and a plain
// payload to dst.
func AppendPacket(dst []byte, h Header, payload []byte) ([]byte, error) {
	var b Builder
	b.Reset(dst)
	b.Start(h)
	b.Payload(payload)
	return b.Finish()
}

package newip

import "encoding/binary"

// ChunkHeaderLen is the length of a chunk's header: significance,
// sequence number and a 16-bit data length.
const ChunkHeaderLen = 4

// Essential is the significance of a chunk no wash removes.
const Essential = 0xFF

// Chunk is one piece of a chunked payload. Significance ranks it (0 the
// least; Essential chunks are never washed); Seq is the sender's number
// for it, so a receiver can tell which chunks a wash removed. A decoded
// Data aliases the packet.
type Chunk struct {
	Significance uint8
	Seq          uint8
	Data         []byte
}

// DecodeChunks checks a chunked payload spec and returns its number of
// chunks. The chunks must fill b exactly.
func DecodeChunks(b []byte) (int, error) {
	n := 0
	for pos := 0; pos < len(b); n++ {
		if pos+ChunkHeaderLen > len(b) {
			return 0, ErrBadChunk
		}
		l := int(binary.BigEndian.Uint16(b[pos+2:]))
		pos += ChunkHeaderLen + l
		if pos > len(b) {
			return 0, ErrBadChunk
		}
		if n == 0xFFFF {
			return 0, ErrBadChunk
		}
	}
	return n, nil
}

// ChunkIter walks a packet's payload chunks.
type ChunkIter struct {
	b   []byte
	pos int
}

// Chunks returns an iterator over the payload's chunks; it yields
// nothing when the payload is not chunked.
func (p *Packet) Chunks() ChunkIter {
	if !p.Chunked() {
		return ChunkIter{}
	}
	return ChunkIter{b: p.Payload()}
}

// Next returns the next chunk; ok is false after the last.
func (it *ChunkIter) Next() (c Chunk, ok bool) {
	if it.pos+ChunkHeaderLen > len(it.b) {
		return Chunk{}, false
	}
	h := it.b[it.pos:]
	end := it.pos + ChunkHeaderLen + int(binary.BigEndian.Uint16(h[2:]))
	if end > len(it.b) {
		return Chunk{}, false
	}
	c = Chunk{Significance: h[0], Seq: h[1], Data: it.b[it.pos+ChunkHeaderLen : end : end]}
	it.pos = end
	return c, true
}

// Wash removes, in place, every chunk whose significance is below
// threshold, moves the rest up, sets the washed flag and fixes the total
// length. It returns the number of bytes removed (chunk headers
// included); 0 when nothing was removed or the payload is not chunked.
// Bytes returns the shortened packet afterwards.
func (p *Packet) Wash(threshold uint8) int {
	if !p.Chunked() {
		return 0
	}
	return p.compact(func(sig uint8, _ int) bool { return sig >= threshold })
}

// WashBytes removes at least n bytes (chunk headers included) if it can,
// taking the least significant chunks first and, among equals, the later
// ones first; it never removes Essential chunks. It returns the bytes
// removed, which may be less than n when not enough can go.
func (p *Packet) WashBytes(n int) int {
	if !p.Chunked() || n <= 0 {
		return 0
	}
	var bySig [256]int // bytes held at each significance
	it := p.Chunks()
	for c, ok := it.Next(); ok; c, ok = it.Next() {
		bySig[c.Significance] += ChunkHeaderLen + len(c.Data)
	}
	// Find the level t where the cut falls: all chunks below t go, and
	// some at t, the last ones first.
	below, found, t := 0, false, uint8(0)
	for s := range uint8(Essential) {
		if below+bySig[s] >= n {
			found, t = true, s
			break
		}
		below += bySig[s]
	}
	if !found { // remove everything washable
		return p.compact(func(sig uint8, _ int) bool { return sig == Essential })
	}
	// The cut index is the last chunk at level t such that the bytes at
	// level t from it to the end still cover what is needed: level-t
	// chunks from there on go.
	need, level, before, cutIdx, idx := n-below, bySig[t], 0, -1, 0
	it = p.Chunks()
	for c, ok := it.Next(); ok; c, ok = it.Next() {
		if c.Significance == t {
			if level-before >= need {
				cutIdx = idx
			}
			before += ChunkHeaderLen + len(c.Data)
		}
		idx++
	}
	return p.compact(func(sig uint8, i int) bool {
		return sig > t || (sig == t && i < cutIdx)
	})
}

// compact keeps the chunks for which keep(significance, index) is true.
func (p *Packet) compact(keep func(sig uint8, idx int) bool) int {
	pl := p.b[p.po:]
	w, r, idx, kept := 0, 0, 0, 0
	for r+ChunkHeaderLen <= len(pl) {
		end := r + ChunkHeaderLen + int(binary.BigEndian.Uint16(pl[r+2:]))
		if end > len(pl) {
			break
		}
		if keep(pl[r], idx) {
			if w != r {
				copy(pl[w:], pl[r:end])
			}
			w += end - r
			kept++
		}
		r = end
		idx++
	}
	removed := len(pl) - w
	if removed == 0 {
		return 0
	}
	newEnd := int(p.po) + w
	p.b[5] |= FlagWashed
	binary.BigEndian.PutUint16(p.b[6:8], uint16(newEnd))
	p.b = p.b[:newEnd]
	p.nchunks = uint16(kept)
	return removed
}

package router

import (
	"github.com/dii-net/dii/pkg/newip"
)

// route is a forwarding table entry.
type route struct {
	prefix newip.Prefix
	link   *link
	delay  int64  // least delay from here to the destination, ns
	hops   uint16 // queues from here to the destination, this one included
}

// fib is the forwarding table: longest-prefix match over the address
// type and the address's wire bytes, so prefixes of one type never match
// addresses of another, and a flexible prefix can fix the length class.
//
// It is a multibit trie with a stride of one byte: level 0 indexes the
// address type, level i the (i-1)-th wire byte. A prefix that ends
// inside a byte is expanded over the values it covers, keeping the
// longest at each slot. A lookup walks at most 17 levels and allocates
// nothing.
type fib struct {
	root *fibNode
	all  *route // "any address" (a prefix of zero bits of no type), or nil
	n    int
}

type fibNode struct {
	child [256]*fibNode
	entry [256]*route
	bits  [256]uint8 // the prefix length (of the wire bytes, type excluded) of entry
}

func newFIB() *fib { return &fib{root: &fibNode{}} }

// insert adds r. A prefix already present is replaced.
func (t *fib) insert(r *route) {
	t.n++
	p := r.prefix
	nd := t.root
	key := byte(p.Addr.Type())
	if p.Bits == 0 {
		// The whole type: level 0, exact byte.
		if nd.entry[key] == nil || nd.bits[key] == 0 {
			nd.entry[key], nd.bits[key] = r, 0
		}
		return
	}
	if nd.child[key] == nil {
		nd.child[key] = &fibNode{}
	}
	nd = nd.child[key]
	last := (p.Bits - 1) / 8
	for i := 0; i < last; i++ {
		b := p.Addr.Byte(i)
		if nd.child[b] == nil {
			nd.child[b] = &fibNode{}
		}
		nd = nd.child[b]
	}
	rem := p.Bits - 8*last // 1..8 bits of the last byte
	base := int(p.Addr.Byte(last)) & (0xFF << (8 - rem))
	span := 1 << (8 - rem)
	for v := base; v < base+span; v++ {
		if nd.entry[v] == nil || int(nd.bits[v]) <= p.Bits {
			nd.entry[v], nd.bits[v] = r, uint8(p.Bits)
		}
	}
}

// lookup returns the route with the longest prefix containing a, or nil.
func (t *fib) lookup(a newip.Address) *route {
	best := t.all
	nd := t.root
	k := byte(a.Type())
	if e := nd.entry[k]; e != nil {
		best = e
	}
	nd = nd.child[k]
	n := a.Len()
	for i := 0; nd != nil && i < n; i++ {
		b := a.Byte(i)
		if e := nd.entry[b]; e != nil {
			best = e
		}
		nd = nd.child[b]
	}
	return best
}

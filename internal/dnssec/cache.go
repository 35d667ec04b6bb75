package dnssec

import (
	"hash/maphash"
	"sync"

	"github.com/miekg/dns"
)

// cacheShards spreads the cache over independent locks, so that the name
// server's many UDP sockets do not queue on one mutex.
const cacheShards = 16

// sigCache maps signed data (RRSIG RDATA without the signature, then the
// canonical RRset: everything a signature depends on but the key) to the
// RRSIG made over it. Each shard is a least-recently-used list bounded in
// entries; signatures from a past hour are never asked for again and age
// out.
type sigCache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	mu    sync.Mutex
	max   int
	m     map[string]*cacheEntry
	head  cacheEntry // sentinel: head.next is the most recently used
	count int
}

type cacheEntry struct {
	key        string
	sig        *dns.RRSIG
	prev, next *cacheEntry
}

func newSigCache(size int) *sigCache {
	c := &sigCache{seed: maphash.MakeSeed()}
	per := max(1, (size+cacheShards-1)/cacheShards)
	for i := range c.shards {
		sh := &c.shards[i]
		sh.max = per
		sh.m = make(map[string]*cacheEntry)
		sh.head.next, sh.head.prev = &sh.head, &sh.head
	}
	return c
}

func (c *sigCache) shard(key []byte) *cacheShard {
	return &c.shards[maphash.Bytes(c.seed, key)%cacheShards]
}

func (c *sigCache) get(key []byte) *dns.RRSIG {
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[string(key)]
	if e == nil {
		return nil
	}
	sh.unlink(e)
	sh.pushFront(e)
	return e.sig
}

func (c *sigCache) put(key string, sig *dns.RRSIG) {
	sh := &c.shards[maphash.String(c.seed, key)%cacheShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e := sh.m[key]; e != nil {
		e.sig = sig
		sh.unlink(e)
		sh.pushFront(e)
		return
	}
	e := &cacheEntry{key: key, sig: sig}
	sh.m[key] = e
	sh.pushFront(e)
	sh.count++
	for sh.count > sh.max {
		old := sh.head.prev
		sh.unlink(old)
		delete(sh.m, old.key)
		sh.count--
	}
}

// len is the number of cached signatures.
func (c *sigCache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += sh.count
		sh.mu.Unlock()
	}
	return n
}

func (sh *cacheShard) unlink(e *cacheEntry) {
	e.prev.next = e.next
	e.next.prev = e.prev
}

func (sh *cacheShard) pushFront(e *cacheEntry) {
	e.prev = &sh.head
	e.next = sh.head.next
	sh.head.next.prev = e
	sh.head.next = e
}

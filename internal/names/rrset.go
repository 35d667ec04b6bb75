package names

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// Limits the ledger enforces. See the package documentation for the
// reasoning.
const (
	// MaxRDataLen is the longest record data, in octets. 4096 holds a TLSA
	// record carrying a whole certificate (matching type 0; typical X.509
	// certificates are 1-2 KB) or a TXT record with a 4096-bit DKIM key,
	// while a record still fits easily in a DNS message and a single
	// transaction cannot inflate state much.
	MaxRDataLen = 4096
	// MaxRecordsPerRRset is the most records in one RRset. Real RRsets
	// (NS, MX, A/AAAA pools, TXT verification tokens) rarely exceed a
	// dozen; 32 leaves room while keeping the per-set duplicate check and
	// responses small.
	MaxRecordsPerRRset = 32
	// MaxRRsetsPerName is the most RRsets a registered name may hold,
	// counting every owner name at or below it that it controls. With 12
	// types an owner holds at most 12 RRsets, so this bounds the number of
	// owners (e.g. 128 hosts with A and AAAA) and the work of listing a
	// zone; MaxNameBytes is usually the binding limit.
	MaxRRsetsPerName = 256
	// MaxNameBytes bounds the encoded records of one registered name: the
	// sum of RRsetSize over its RRsets. 16 KiB keeps a whole zone well under
	// the 64 KiB DNS message limit (a zone transfer fits in one message) and
	// bounds ledger state per name.
	MaxNameBytes = 16384
	// MinTTL is the smallest TTL, in seconds. Zero is legal (RFC 1035 §3.2.1:
	// do not cache).
	MinTTL = 0
	// MaxTTL is the largest TTL, one week in seconds. RFC 2181 §8 allows up
	// to 2^31-1, but resolvers cap TTLs (commonly at one week, e.g. BIND's
	// max-cache-ttl default), so more would only delay changes made on the
	// ledger from reaching users.
	MaxTTL = 604800
)

// CheckTTL checks that ttl is in MinTTL..MaxTTL.
func CheckTTL(ttl uint32) error {
	if ttl > MaxTTL {
		return fmt.Errorf("%w: %d, limit %d", ErrTTL, ttl, MaxTTL)
	}
	return nil
}

// RRsetSize is the number of octets an RRset counts against MaxNameBytes:
// the uncompressed wire size of its records, each being the owner name in
// wire form, 10 octets of type, class, TTL and RDLENGTH, and the record
// data.
func RRsetSize(owner string, rdatas [][]byte) int {
	owner = strings.TrimSuffix(owner, ".")
	ownerWire := 1
	if owner != "" {
		ownerWire = len(owner) + 2
	}
	n := 0
	for _, rd := range rdatas {
		n += ownerWire + 10 + len(rd)
	}
	return n
}

// CheckRRset validates one RRset as a transaction sets it:
//
//   - owner is in canonical form and passes ParseOwner;
//   - t is an accepted type and ttl is in MinTTL..MaxTTL;
//   - 1..MaxRecordsPerRRset records, each passing CheckRData, no two
//     byte-equal (duplicates are an error, not merged);
//   - CNAME and DNAME sets hold exactly one record (RFC 2181 §10.1,
//     RFC 6672 §2.4); a null MX (exchange ".") is the only MX (RFC 7505 §3);
//   - a wildcard owner holds no NS, DS or DNAME (RFC 4592 §4.2, §4.4, §4.6);
//   - RRsetSize is at most MaxNameBytes.
//
// Deleting an RRset (no records) is a ledger operation, not an RRset, and is
// not checked here.
func CheckRRset(owner string, t uint16, ttl uint32, rdatas [][]byte) error {
	name, err := ParseOwner(owner)
	if err != nil {
		return fmt.Errorf("owner %q: %w", owner, err)
	}
	if name != owner {
		return fmt.Errorf("owner %q: %w (want %q)", owner, ErrNotCanonical, name)
	}
	if !Allowed(t) {
		return typeError(t)
	}
	tn := TypeName(t)
	if err := CheckTTL(ttl); err != nil {
		return fmt.Errorf("%s %s: %w", owner, tn, err)
	}
	switch n := len(rdatas); {
	case n == 0:
		return fmt.Errorf("%s %s: %w: no records", owner, tn, ErrRRsetSize)
	case n > MaxRecordsPerRRset:
		return fmt.Errorf("%s %s: %w: %d records, limit %d", owner, tn, ErrRRsetSize, n, MaxRecordsPerRRset)
	case n > 1 && (t == dns.TypeCNAME || t == dns.TypeDNAME):
		return fmt.Errorf("%s %s: %w: %d records, a %s RRset holds exactly one", owner, tn, ErrRRsetSize, n, tn)
	}
	for i, rd := range rdatas {
		if err := CheckRData(t, rd); err != nil {
			return fmt.Errorf("%s %s: record %d: %w", owner, tn, i, err)
		}
		for j := 0; j < i; j++ {
			if bytes.Equal(rdatas[j], rd) { //nolint:gosec // j < i < len(rdatas)
				return fmt.Errorf("%s %s: %w: records %d and %d are identical", owner, tn, ErrDuplicate, j, i)
			}
		}
	}
	if t == dns.TypeMX && len(rdatas) > 1 {
		for i, rd := range rdatas {
			// A null MX is preference 0 and the root: 00 00 00.
			if len(rd) == 3 {
				return fmt.Errorf("%s %s: record %d: %w: a null mx must be the only mx record (rfc 7505 §3)", owner, tn, i, ErrBadRData)
			}
		}
	}
	if strings.HasPrefix(owner, "*.") {
		switch t {
		case dns.TypeNS, dns.TypeDS, dns.TypeDNAME:
			return fmt.Errorf("%s %s: %w: no %s at a wildcard owner (rfc 4592 §4.2, §4.4, §4.6)", owner, tn, ErrCoexistence, tn)
		}
	}
	if size := RRsetSize(owner, rdatas); size > MaxNameBytes {
		return fmt.Errorf("%s %s: %w: %d octets, limit %d per name", owner, tn, ErrRRsetSize, size, MaxNameBytes)
	}
	return nil
}

// CheckCoexistence checks the set of RRset types present at one owner name:
//
//   - every type is accepted, and appears once;
//   - CNAME is alone (RFC 1034 §3.6.2, RFC 2181 §10.1);
//   - DS is only at a delegation point, so it needs NS at the same name
//     (RFC 4034 §5, RFC 4035 §2.4);
//   - DNAME and NS share a name only at a zone apex (RFC 6672 §2.3).
//
// types may also hold dns.TypeSOA, standing for the SOA the ledger derives
// at a zone apex: it marks the owner as an apex, so CNAME is refused there
// and DNAME may sit beside NS. Rules that span names (nothing below a DNAME,
// only glue below a delegation) are not checked here.
func CheckCoexistence(types []uint16) error {
	var cname, ns, ds, dname, apex bool
	for i, t := range types {
		for j := 0; j < i; j++ {
			if types[j] == t {
				return fmt.Errorf("type %s: %w: listed twice", TypeName(t), ErrDuplicate)
			}
		}
		switch t {
		case dns.TypeSOA:
			apex = true
			continue
		case dns.TypeCNAME:
			cname = true
		case dns.TypeNS:
			ns = true
		case dns.TypeDS:
			ds = true
		case dns.TypeDNAME:
			dname = true
		}
		if !Allowed(t) {
			return typeError(t)
		}
	}
	if cname && len(types) > 1 {
		for _, t := range types {
			if t != dns.TypeCNAME {
				return fmt.Errorf("%w: CNAME and %s at one name (rfc 2181 §10.1)", ErrCoexistence, TypeName(t))
			}
		}
	}
	if ds && !ns {
		return fmt.Errorf("%w: DS without NS at the same name (rfc 4034 §5, rfc 4035 §2.4)", ErrCoexistence)
	}
	if dname && ns && !apex {
		return fmt.Errorf("%w: DNAME and NS at one name below a zone apex (rfc 6672 §2.3)", ErrCoexistence)
	}
	return nil
}

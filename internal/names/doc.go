// Package names holds the syntax rules of dii's name registry: which names
// may be registered, which owner names and record types a zone may hold, the
// canonical wire form of record data, and the limits the ledger enforces.
// The ledger application checks every transaction with it, and the CLI uses
// it to convert what people type into ledger form.
//
// Everything here is deterministic and pure: no clock, no randomness, no
// I/O, results never depend on map iteration order, and no input, however
// malformed, makes a function panic. Errors wrap the sentinel values in
// errors.go with context; test them with errors.Is.
//
// # Registered names
//
// ParseDomain accepts the ledger form of a registered name ("dii",
// "example.dii") and returns it lower-cased without the trailing dot:
//
//   - ASCII only; one trailing dot is removed; the root ("" or ".") is
//     refused; letters are folded to lower case;
//   - every label is an LDH label: letters, digits and '-', not starting or
//     ending with '-' (RFC 1035 §2.3.1, RFC 1123 §2.1, RFC 5890 §2.3.1);
//   - a label with "--" in positions 3 and 4 must be an A-label: it starts
//     with "xn--", decodes under the IDNA2008 lookup profile to a valid,
//     non-ASCII U-label, and re-encodes to exactly itself (RFC 5890 §2.3.2.1,
//     RFC 5891 §5.4); names holding an A-label must also satisfy the Bidi
//     rule across labels (RFC 5893);
//   - labels are 1..63 octets, the name at most 253 octets without the
//     trailing dot, which is 255 octets in wire form (RFC 1035 §2.3.4);
//   - the top-level label is not all digits (RFC 3696 §2).
//
// ParseOwner accepts the owner name of a record. It adds two label forms to
// the rules above, neither allowed as the top-level label:
//
//   - underscore labels: '_' followed by one or more letters, digits or
//     hyphens ("_tcp", "_443", "_dmarc"; RFC 8552), anywhere but the TLD, so
//     "s1._domainkey.example.dii" is valid;
//   - a wildcard: "*" as the whole leftmost label (RFC 4592).
//
// ToASCII converts a Unicode name ("bücher.dii") with the IDNA2008 lookup
// profile (UTS #46 non-transitional mapping) and then applies ParseDomain;
// ToUnicode does the reverse for display.
//
// The helpers Labels, Parent, IsSubdomain, TLD, Reverse, Unreverse and
// Relative work label by label on names in ledger form (no escapes).
//
// # Record types
//
// The registry stores exactly these types (numbers from the IANA registry):
// A, AAAA, NS, DS, CNAME, DNAME, TXT, MX, SRV, NAPTR, CAA and TLSA. Any
// other type is refused with ErrUnknownType. In particular the SOA is never
// stored: nodes derive it from ledger state. DNSSEC signing records
// (DNSKEY, RRSIG, NSEC, NSEC3) and meta types (OPT, ANY, ...) are refused.
//
// # Record data
//
// Record data is stored in DNS wire form: RFC 1035 RDATA, uncompressed,
// with domain names as wire labels. There is exactly one accepted encoding
// of every record: CheckRData decodes the bytes with miekg/dns as the given
// type, requires every byte to be consumed, re-encodes without compression
// and requires identical bytes. Domain names inside record data must be in
// lower case (the canonical form of RFC 4034 §6.2), so byte equality is
// record equality. Per type:
//
//   - A: 4 octets; AAAA: 16 octets.
//   - NS: a host name (LDH labels, rules of ParseDomain), not the root.
//   - CNAME, DNAME: a domain name whose labels may also be underscore labels
//     (a CNAME to "_acme-challenge.example.net." is common), not the root.
//   - MX: the exchange is a host name, or "." for a null MX, which must have
//     preference 0 and be the only MX (RFC 7505).
//   - SRV: the target is a host name, or "." for "no service" (RFC 2782).
//   - NAPTR: flags are letters and digits (RFC 3403 §4.1); regexp and
//     replacement are mutually exclusive: with a regexp the replacement is
//     "."; the replacement may hold underscore labels ("_sip._udp...").
//   - TXT: one or more character-strings of 0..255 octets each.
//   - DS: algorithm not 0 or 255 (reserved), digest type not 0, a
//     non-empty digest whose length matches the digest type where known
//     (1 SHA-1: 20, 2 SHA-256: 32, 3 GOST R 34.11-94: 32, 4 SHA-384: 48,
//     5 GOST R 34.11-2012: 32, 6 SM3: 32; RFC 4034 §5, RFC 4509, RFC 6605).
//   - TLSA: usage 0..3, selector 0..1, matching type 0..2; data non-empty,
//     32 octets for SHA-256 and 64 for SHA-512 (RFC 6698 §2.1).
//   - CAA: flags 0 or 128 (only the issuer critical bit is defined); the
//     tag is 1..15 lower-case letters or digits; the value is at most 255
//     octets of printable ASCII (0x20..0x7e) other than '\' (RFC 8659 §4.1).
//     The last two limits are ours: miekg/dns cannot read back a value
//     with a backslash or longer than 255 octets from presentation form.
//
// Host names inside record data need not be under dii, but follow the same
// syntax as registered names: LDH labels, A-labels that are valid IDNA2008,
// no all-numeric TLD (so "1.2.3.4." is not an MX exchange).
//
// ParseRData reads presentation text (as in a zone file after the type)
// into this form. Domain names in the text are always absolute: a name
// without a trailing dot is taken as if it had one, since there is no
// origin to append; "@" is the root. FormatRData prints the data as dig
// does, and ParseRData(t, FormatRData(t, d)) returns d for all accepted d.
//
// # RRsets and owner names
//
// CheckRRset checks one RRset: owner via ParseOwner (and already in
// canonical form), accepted type, TTL in MinTTL..MaxTTL,
// 1..MaxRecordsPerRRset records each passing CheckRData, no two records
// byte-equal (a duplicate is an error, never silently merged), exactly one
// record in a CNAME or DNAME set (RFC 2181 §10.1, RFC 6672 §2.4), no NS, DS
// or DNAME at a wildcard owner (RFC 4592 §4.2, §4.4, §4.6), and no more
// than MaxNameBytes encoded octets.
//
// CheckCoexistence checks the RRset types at one owner name: each at most
// once; CNAME alone (RFC 1034 §3.6.2, RFC 2181 §10.1); DS only beside NS,
// that is at a delegation point (RFC 4034 §5, RFC 4035 §2.4); DNAME beside
// NS only at a zone apex (RFC 6672 §2.3). A caller marks a zone apex by
// including dns.TypeSOA, which stands for the derived SOA. Rules spanning
// several names (no data below a DNAME, only glue below a delegation) are
// the ledger's to check.
//
// # Limits
//
//   - MaxLabelLen = 63 and MaxNameLen = 253 octets (RFC 1035 §2.3.4).
//   - MaxRDataLen = 4096 octets of record data: room for a TLSA record with
//     a full certificate or a TXT record with a 4096-bit DKIM key, while
//     keeping one record far below the 64 KiB DNS message limit.
//   - MaxRecordsPerRRset = 32 records.
//   - MaxRRsetsPerName = 256 RRsets per registered name, over all owners
//     it controls.
//   - MaxNameBytes = 16384: the sum of RRsetSize (uncompressed wire size:
//     owner, 10 header octets and record data per record) over all RRsets
//     of a registered name, so a whole zone fits in one DNS message.
//   - MinTTL = 0, MaxTTL = 604800 seconds (one week; RFC 2181 §8 allows
//     more, but common resolvers cap cached TTLs near one week).
package names

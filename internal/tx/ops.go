package tx

import "fmt"

// Kind identifies an operation on the wire. Numbers are never reused.
type Kind uint8

// Operation kinds.
const (
	KindRegister   Kind = 1 // register a name (a TLD when the name has one label)
	KindSetRRset   Kind = 2 // replace, or with no records delete, one RRset
	KindTransfer   Kind = 3 // give a name to another account
	KindRenew      Kind = 4 // extend a name's expiry
	KindDelete     Kind = 5 // delete a name and all its RRsets
	KindDelegate   Kind = 6 // allow or disallow an account to change a name's RRsets
	KindNameserver Kind = 7 // publish (or withdraw) the signer's root name server

	// The validator set numbers its kinds from 16; see ops_validator.go.
	KindValidator Kind = 16 // add, re-weigh or remove a consensus validator

	// The OID registry (X.660 arcs, X.677 UAV identities) numbers its
	// kinds from 32; see ops_oid.go.
	KindOIDAllocate Kind = 32 // allocate a child arc
	KindOIDDelegate Kind = 33 // give an arc to another authority
	KindOIDSet      Kind = 34 // replace an arc's identifiers, labels and information
	KindOIDRetire   Kind = 35 // retire an arc (never reused)
	KindUAVApply    Kind = 36 // apply for an X.677 identity
	KindUAVVerify   Kind = 37 // the authority accepts or rejects an application or change
	KindUAVAnnounce Kind = 38 // put a verified identity into service
	KindUAVChange   Kind = 39 // ask to change an identity's information or holder
	KindUAVRevoke   Kind = 40 // revoke an identity

	// The handle registry (the Digital Object Architecture's handles and
	// naming authorities) numbers its kinds from 64; see ops_handle.go.
	KindHandleCreate Kind = 64 // create a handle, or a prefix as its 0.NA/<prefix> handle
	KindHandleAdd    Kind = 65 // add values to a handle
	KindHandleModify Kind = 66 // replace values of a handle
	KindHandleRemove Kind = 67 // remove values of a handle
	KindHandleDelete Kind = 68 // delete a handle
)

var kindNames = map[Kind]string{
	KindRegister:   "register",
	KindSetRRset:   "set",
	KindTransfer:   "transfer",
	KindRenew:      "renew",
	KindDelete:     "delete",
	KindDelegate:   "delegate",
	KindNameserver: "nameserver",

	KindValidator: "validator",

	KindOIDAllocate: "oid-allocate",
	KindOIDDelegate: "oid-delegate",
	KindOIDSet:      "oid-set",
	KindOIDRetire:   "oid-retire",
	KindUAVApply:    "uav-apply",
	KindUAVVerify:   "uav-verify",
	KindUAVAnnounce: "uav-announce",
	KindUAVChange:   "uav-change",
	KindUAVRevoke:   "uav-revoke",

	KindHandleCreate: "handle-create",
	KindHandleAdd:    "handle-add",
	KindHandleModify: "handle-modify",
	KindHandleRemove: "handle-remove",
	KindHandleDelete: "handle-delete",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Op is one operation of a transaction.
type Op interface {
	Kind() Kind
	// Target is the name the operation acts on.
	Target() string
	encode(w *writer) error
}

// Register creates a name. A one-label name is a TLD and only a registry
// operator named in genesis may create it; Open then lets anyone register
// second-level names under it, first come, first served. Below a TLD the
// closest registered ancestor decides who may register.
type Register struct {
	Name       string
	Owner      Address
	PeriodDays uint16
	Open       bool
}

// SetRRset replaces the RRset (Name, Type) with Records, in DNS wire RDATA
// form. No records deletes the RRset. Name is the RRset's owner name, at or
// below a registered name.
type SetRRset struct {
	Name    string
	Type    uint16
	TTL     uint32
	Records [][]byte
}

// Transfer gives a name to another account. Delegations are cleared.
type Transfer struct {
	Name string
	To   Address
}

// Renew extends a name's expiry by PeriodDays.
type Renew struct {
	Name       string
	PeriodDays uint16
}

// Delete removes a name and every RRset it holds.
type Delete struct {
	Name string
}

// Delegate allows (or with Allow false, disallows) Account to change the
// name's RRsets.
type Delegate struct {
	Name    string
	Account Address
	Allow   bool
}

// Nameserver publishes the signer's name server for the root zone: its
// host name, addresses (4 or 16 bytes each) and DNSSEC key (DNSKEY RDATA
// in wire form, or none). The root zone's NS set, glue and DNSKEY set are
// derived from these entries. An empty Name withdraws the entry. Only
// registry operators may publish one; each account has at most one.
type Nameserver struct {
	Name   string
	Addrs  [][]byte
	DNSKEY []byte
}

// MaxNameserverAddrs bounds the addresses of one name server entry.
const MaxNameserverAddrs = 8

// Kind implements Op.
func (*Nameserver) Kind() Kind { return KindNameserver }

// Target implements Op.
func (o *Nameserver) Target() string { return o.Name }

func (o *Nameserver) encode(w *writer) error {
	if len(o.Name) > MaxNameLen {
		return fmt.Errorf("name: %w: length %d over %d", ErrField, len(o.Name), MaxNameLen)
	}
	if len(o.Addrs) > MaxNameserverAddrs {
		return fmt.Errorf("addrs: %w: %d, limit %d", ErrField, len(o.Addrs), MaxNameserverAddrs)
	}
	if len(o.DNSKEY) > MaxRDataLen {
		return fmt.Errorf("dnskey: %w: %d bytes", ErrField, len(o.DNSKEY))
	}
	w.Str8(o.Name)
	w.U8(uint8(len(o.Addrs)))
	for i, a := range o.Addrs {
		if len(a) != 4 && len(a) != 16 {
			return fmt.Errorf("addr %d: %w: %d bytes, want 4 or 16", i, ErrField, len(a))
		}
		w.U8(uint8(len(a)))
		w.Raw(a)
	}
	w.Bytes16(o.DNSKEY)
	return nil
}

// Kind implements Op.
func (*Register) Kind() Kind { return KindRegister }

// Kind implements Op.
func (*SetRRset) Kind() Kind { return KindSetRRset }

// Kind implements Op.
func (*Transfer) Kind() Kind { return KindTransfer }

// Kind implements Op.
func (*Renew) Kind() Kind { return KindRenew }

// Kind implements Op.
func (*Delete) Kind() Kind { return KindDelete }

// Kind implements Op.
func (*Delegate) Kind() Kind { return KindDelegate }

// Target implements Op.
func (o *Register) Target() string { return o.Name }

// Target implements Op.
func (o *SetRRset) Target() string { return o.Name }

// Target implements Op.
func (o *Transfer) Target() string { return o.Name }

// Target implements Op.
func (o *Renew) Target() string { return o.Name }

// Target implements Op.
func (o *Delete) Target() string { return o.Name }

// Target implements Op.
func (o *Delegate) Target() string { return o.Name }

func checkName(s string) error {
	if len(s) == 0 || len(s) > MaxNameLen {
		return fmt.Errorf("name: %w: length %d not in 1..%d", ErrField, len(s), MaxNameLen)
	}
	return nil
}

func (o *Register) encode(w *writer) error {
	if err := checkName(o.Name); err != nil {
		return err
	}
	w.Str8(o.Name)
	w.Raw(o.Owner[:])
	w.U16(o.PeriodDays)
	w.Bool(o.Open)
	return nil
}

func (o *SetRRset) encode(w *writer) error {
	if err := checkName(o.Name); err != nil {
		return err
	}
	if len(o.Records) > MaxRecords {
		return fmt.Errorf("records: %w: %d, limit %d", ErrField, len(o.Records), MaxRecords)
	}
	w.Str8(o.Name)
	w.U16(o.Type)
	w.U32(o.TTL)
	w.U8(uint8(len(o.Records)))
	for i, rd := range o.Records {
		if len(rd) > MaxRDataLen {
			return fmt.Errorf("record %d: %w: %d bytes, limit %d", i, ErrField, len(rd), MaxRDataLen)
		}
		w.U16(uint16(len(rd)))
		w.Raw(rd)
	}
	return nil
}

func (o *Transfer) encode(w *writer) error {
	if err := checkName(o.Name); err != nil {
		return err
	}
	w.Str8(o.Name)
	w.Raw(o.To[:])
	return nil
}

func (o *Renew) encode(w *writer) error {
	if err := checkName(o.Name); err != nil {
		return err
	}
	w.Str8(o.Name)
	w.U16(o.PeriodDays)
	return nil
}

func (o *Delete) encode(w *writer) error {
	if err := checkName(o.Name); err != nil {
		return err
	}
	w.Str8(o.Name)
	return nil
}

func (o *Delegate) encode(w *writer) error {
	if err := checkName(o.Name); err != nil {
		return err
	}
	w.Str8(o.Name)
	w.Raw(o.Account[:])
	w.Bool(o.Allow)
	return nil
}

func decodeOp(r *reader) (Op, error) {
	k := Kind(r.U8("op kind"))
	if r.Err != nil {
		return nil, r.Err
	}
	var op Op
	switch k {
	case KindRegister:
		o := &Register{}
		o.Name = r.Str8("name", 1, MaxNameLen)
		o.Owner = readAddress(r, "owner")
		o.PeriodDays = r.U16("period")
		o.Open = r.Bool("open")
		op = o
	case KindSetRRset:
		o := &SetRRset{}
		o.Name = r.Str8("name", 1, MaxNameLen)
		o.Type = r.U16("type")
		o.TTL = r.U32("ttl")
		n := int(r.U8("record count"))
		if r.Err == nil && n > 0 {
			o.Records = make([][]byte, 0, n)
		}
		for i := 0; i < n && r.Err == nil; i++ {
			l := int(r.U16("record length"))
			rd := r.Bytes(fmt.Sprintf("record %d", i), l)
			if r.Err == nil {
				o.Records = append(o.Records, append([]byte(nil), rd...))
			}
		}
		op = o
	case KindTransfer:
		o := &Transfer{}
		o.Name = r.Str8("name", 1, MaxNameLen)
		o.To = readAddress(r, "to")
		op = o
	case KindRenew:
		o := &Renew{}
		o.Name = r.Str8("name", 1, MaxNameLen)
		o.PeriodDays = r.U16("period")
		op = o
	case KindDelete:
		o := &Delete{}
		o.Name = r.Str8("name", 1, MaxNameLen)
		op = o
	case KindDelegate:
		o := &Delegate{}
		o.Name = r.Str8("name", 1, MaxNameLen)
		o.Account = readAddress(r, "account")
		o.Allow = r.Bool("allow")
		op = o
	case KindNameserver:
		o := &Nameserver{}
		o.Name = r.Str8("name", 0, MaxNameLen)
		n := int(r.U8("address count"))
		if r.Err == nil && n > MaxNameserverAddrs {
			r.Fail("address count", ErrField, fmt.Sprintf("%d > %d", n, MaxNameserverAddrs))
		}
		for i := 0; i < n && r.Err == nil; i++ {
			l := int(r.U8("address length"))
			if r.Err == nil && l != 4 && l != 16 {
				r.Fail("address length", ErrField, fmt.Sprintf("%d, want 4 or 16", l))
			}
			if a := r.Bytes("address", l); r.Err == nil {
				o.Addrs = append(o.Addrs, append([]byte(nil), a...))
			}
		}
		o.DNSKEY = r.Bytes16("dnskey")
		if len(o.DNSKEY) == 0 {
			o.DNSKEY = nil
		}
		op = o
	case KindValidator:
		op = decodeValidatorOp(r)
	case KindOIDAllocate, KindOIDDelegate, KindOIDSet, KindOIDRetire,
		KindUAVApply, KindUAVVerify, KindUAVAnnounce, KindUAVChange, KindUAVRevoke:
		op = decodeOIDOp(k, r)
	case KindHandleCreate, KindHandleAdd, KindHandleModify, KindHandleRemove, KindHandleDelete:
		op = decodeHandleOp(k, r)
	default:
		return nil, fmt.Errorf("%w: %d", ErrUnknownOp, uint8(k))
	}
	if r.Err != nil {
		return nil, r.Err
	}
	return op, nil
}

func readAddress(r *reader, field string) Address {
	var a Address
	copy(a[:], r.Bytes(field, AddressLen))
	return a
}

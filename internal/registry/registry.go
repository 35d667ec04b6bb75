package registry

import (
	"bytes"
	"errors"
	"fmt"
	"sort"

	"github.com/miekg/dns"

	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// Errors of the registry rules. The ledger maps each to a result code.
var (
	ErrNotFound     = errors.New("name not found")
	ErrExists       = errors.New("name already registered")
	ErrUnauthorized = errors.New("not authorised")
	ErrExpired      = errors.New("name expired")
	ErrInvalid      = errors.New("invalid operation")
	ErrTooLarge     = errors.New("name data over limit")
	ErrHasChildren  = errors.New("name has registered names below it")
	// ErrRecordData wraps every failure of the record-data rules of
	// package names, so that a non-canonical name inside record data is a
	// data error, not a name error.
	ErrRecordData = errors.New("invalid record data")
)

const day = 86400

// Params are the registry's genesis parameters.
type Params struct {
	// Operators may create TLDs and renew any TLD.
	Operators []tx.Address `json:"registry_operators"`
	// DefaultPeriodDays is used when a register or renew gives 0.
	DefaultPeriodDays uint16 `json:"default_period_days"`
	// MaxPeriodDays bounds how far ahead of the block time an expiry may be.
	MaxPeriodDays uint16 `json:"max_period_days"`
	// GraceDays after expiry during which only the owner may renew.
	GraceDays uint16 `json:"grace_days"`
}

// DefaultParams are used for fields genesis leaves at zero.
func DefaultParams() Params {
	return Params{DefaultPeriodDays: 365, MaxPeriodDays: 3650, GraceDays: 30}
}

// IsOperator reports whether a is a registry operator.
func (p *Params) IsOperator(a tx.Address) bool {
	for _, o := range p.Operators {
		if o == a {
			return true
		}
	}
	return false
}

// Get reads the registered name exactly, or ErrNotFound.
func Get(r state.Reader, name string) (*Record, error) {
	b, ok := r.Get(Key(name))
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return DecodeRecord(b)
}

// Closest returns the registered name at or nearest above name.
func Closest(r state.Reader, name string) (*Record, error) {
	for n, ok := name, true; ok; n, ok = names.Parent(n) {
		if b, found := r.Get(Key(n)); found {
			return DecodeRecord(b)
		}
	}
	return nil, fmt.Errorf("%w: no registered name at or above %s", ErrNotFound, name)
}

// hasChildren reports whether any name is registered below name.
func hasChildren(r state.Reader, name string) bool {
	start := []byte(KeyPrefix + names.Reverse(name) + ".")
	found := false
	r.Iterate(start, state.PrefixEnd(start), func(_, _ []byte) bool {
		found = true
		return false
	})
	return found
}

// List returns up to limit registered names below zone (all names when zone
// is empty) whose first label below the zone starts with prefix, in key
// order after the name after. It returns the cursor for the next page, or
// "" at the end.
func List(r state.Reader, zone, prefix, after string, limit int) ([]*Record, string, error) {
	base := KeyPrefix
	if zone != "" {
		base += names.Reverse(zone) + "."
	}
	start := []byte(base + prefix)
	end := state.PrefixEnd(start)
	if after != "" {
		k := append(Key(after), 0)
		if bytes.Compare(k, start) > 0 {
			start = k
		}
	}
	var out []*Record
	var err error
	more := false
	r.Iterate(start, end, func(_, v []byte) bool {
		if len(out) == limit {
			more = true
			return false
		}
		rec, derr := DecodeRecord(v)
		if derr != nil {
			err = derr
			return false
		}
		out = append(out, rec)
		return true
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more && len(out) > 0 {
		next = out[len(out)-1].Name
	}
	return out, next, nil
}

// Exec applies one operation by signer at block time now to w.
func Exec(w *state.Overlay, p *Params, signer tx.Address, now int64, op tx.Op) error {
	switch o := op.(type) {
	case *tx.Register:
		return register(w, p, signer, now, o)
	case *tx.SetRRset:
		return setRRset(w, signer, now, o)
	case *tx.Transfer:
		return transfer(w, signer, now, o)
	case *tx.Renew:
		return renew(w, p, signer, now, o)
	case *tx.Delete:
		return del(w, signer, o)
	case *tx.Delegate:
		return delegate(w, signer, now, o)
	case *tx.Nameserver:
		return setNameserver(w, p, signer, o)
	case nil:
		return fmt.Errorf("%w: no operation", ErrInvalid)
	default:
		return fmt.Errorf("%w: operation %s is not a registry operation", ErrInvalid, op.Kind())
	}
}

func period(p *Params, days uint16) (int64, error) {
	if days == 0 {
		days = p.DefaultPeriodDays
	}
	if days > p.MaxPeriodDays {
		return 0, fmt.Errorf("%w: period %d days exceeds %d", ErrInvalid, days, p.MaxPeriodDays)
	}
	return int64(days) * day, nil
}

func save(w *state.Overlay, r *Record) error {
	if len(r.RRsets) > names.MaxRRsetsPerName {
		return fmt.Errorf("%w: %d RRsets, limit %d", ErrTooLarge, len(r.RRsets), names.MaxRRsetsPerName)
	}
	if n := r.DataSize(); n > names.MaxNameBytes {
		return fmt.Errorf("%w: name would hold %d octets of records in wire form, limit %d", ErrTooLarge, n, names.MaxNameBytes)
	}
	w.Set(Key(r.Name), r.Encode())
	return nil
}

func register(w *state.Overlay, p *Params, signer tx.Address, now int64, o *tx.Register) error {
	name, err := names.ParseDomain(o.Name)
	if err != nil {
		return err
	}
	owner := o.Owner
	if owner.IsZero() {
		owner = signer
	}
	if old, err := Get(w, name); err == nil {
		if now < old.Expiry+int64(p.GraceDays)*day {
			return fmt.Errorf("%w: %s (owner %s, expires %d)", ErrExists, name, old.Owner, old.Expiry)
		}
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	parent, isSub := names.Parent(name)
	if !isSub {
		if !p.IsOperator(signer) {
			return fmt.Errorf("%w: only a registry operator may create the TLD %s", ErrUnauthorized, name)
		}
	} else {
		if o.Open {
			return fmt.Errorf("%w: only a TLD can be open", ErrInvalid)
		}
		anc, err := Closest(w, parent)
		if err != nil {
			return err
		}
		if now >= anc.Expiry {
			return fmt.Errorf("%w: %s expired at %d", ErrExpired, anc.Name, anc.Expiry)
		}
		fcfs := anc.IsTLD() && anc.Open && anc.Name == parent
		if !fcfs && signer != anc.Owner {
			return fmt.Errorf("%w: only the owner of %s may register below it", ErrUnauthorized, anc.Name)
		}
		for _, s := range anc.RRsets {
			if names.IsSubdomain(s.Name, name) {
				return fmt.Errorf("%w: %s holds %s records at %s; delete them first", ErrExists, anc.Name, names.TypeName(s.Type), s.Name)
			}
		}
	}
	d, err := period(p, o.PeriodDays)
	if err != nil {
		return err
	}
	return save(w, &Record{Name: name, Owner: owner, Created: now, Expiry: now + d, Open: o.Open})
}

func setRRset(w *state.Overlay, signer tx.Address, now int64, o *tx.SetRRset) error {
	owner, err := names.ParseOwner(o.Name)
	if err != nil {
		return err
	}
	if !names.Allowed(o.Type) {
		return fmt.Errorf("%w: %d", names.ErrUnknownType, o.Type)
	}
	if len(o.Records) > 0 {
		if err := names.CheckRRset(owner, o.Type, o.TTL, o.Records); err != nil {
			return fmt.Errorf("%w: %w", ErrRecordData, err)
		}
	}
	rec, err := Closest(w, owner)
	if err != nil {
		return err
	}
	if !rec.MayEdit(signer) {
		return fmt.Errorf("%w: %s is owned by %s", ErrUnauthorized, rec.Name, rec.Owner)
	}
	if now >= rec.Expiry {
		return fmt.Errorf("%w: %s expired at %d; renew it first", ErrExpired, rec.Name, rec.Expiry)
	}
	rec.put(RRset{Name: owner, Type: o.Type, TTL: o.TTL, Records: o.Records})
	types := rec.TypesAt(owner)
	if owner == rec.Name {
		// A registered name is a zone apex, with an SOA the ledger derives.
		types = append(types, dns.TypeSOA)
	}
	if err := names.CheckCoexistence(types); err != nil {
		return fmt.Errorf("%w: %w", ErrRecordData, err)
	}
	return save(w, rec)
}

func owned(w *state.Overlay, signer tx.Address, name string) (*Record, error) {
	name, err := names.ParseDomain(name)
	if err != nil {
		return nil, err
	}
	rec, err := Get(w, name)
	if err != nil {
		return nil, err
	}
	if signer != rec.Owner {
		return nil, fmt.Errorf("%w: %s is owned by %s", ErrUnauthorized, rec.Name, rec.Owner)
	}
	return rec, nil
}

func transfer(w *state.Overlay, signer tx.Address, now int64, o *tx.Transfer) error {
	rec, err := owned(w, signer, o.Name)
	if err != nil {
		return err
	}
	if now >= rec.Expiry {
		return fmt.Errorf("%w: %s expired at %d; renew it first", ErrExpired, rec.Name, rec.Expiry)
	}
	if o.To.IsZero() {
		return fmt.Errorf("%w: transfer to the zero address", ErrInvalid)
	}
	rec.Owner = o.To
	rec.Delegates = nil
	return save(w, rec)
}

func renew(w *state.Overlay, p *Params, signer tx.Address, now int64, o *tx.Renew) error {
	name, err := names.ParseDomain(o.Name)
	if err != nil {
		return err
	}
	rec, err := Get(w, name)
	if err != nil {
		return err
	}
	if signer != rec.Owner && !(rec.IsTLD() && p.IsOperator(signer)) {
		return fmt.Errorf("%w: %s is owned by %s", ErrUnauthorized, rec.Name, rec.Owner)
	}
	if now >= rec.Expiry+int64(p.GraceDays)*day {
		return fmt.Errorf("%w: %s is past its grace period; register it again", ErrExpired, rec.Name)
	}
	d, err := period(p, o.PeriodDays)
	if err != nil {
		return err
	}
	if rec.Expiry+d-now > int64(p.MaxPeriodDays)*day {
		return fmt.Errorf("%w: expiry would be more than %d days ahead", ErrInvalid, p.MaxPeriodDays)
	}
	rec.Expiry += d
	return save(w, rec)
}

func del(w *state.Overlay, signer tx.Address, o *tx.Delete) error {
	rec, err := owned(w, signer, o.Name)
	if err != nil {
		return err
	}
	if hasChildren(w, rec.Name) {
		return fmt.Errorf("%w: %s", ErrHasChildren, rec.Name)
	}
	w.Delete(Key(rec.Name))
	return nil
}

func delegate(w *state.Overlay, signer tx.Address, now int64, o *tx.Delegate) error {
	rec, err := owned(w, signer, o.Name)
	if err != nil {
		return err
	}
	if now >= rec.Expiry {
		return fmt.Errorf("%w: %s expired at %d; renew it first", ErrExpired, rec.Name, rec.Expiry)
	}
	ds := rec.Delegates[:0:0]
	for _, d := range rec.Delegates {
		if d != o.Account {
			ds = append(ds, d)
		}
	}
	if o.Allow {
		ds = append(ds, o.Account)
		sort.Slice(ds, func(i, j int) bool { return bytes.Compare(ds[i][:], ds[j][:]) < 0 })
	}
	if len(ds) > MaxDelegates {
		return fmt.Errorf("%w: %d delegates, limit %d", ErrTooLarge, len(ds), MaxDelegates)
	}
	rec.Delegates = ds
	return save(w, rec)
}

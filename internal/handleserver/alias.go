package handleserver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dii-net/dii/internal/handleproto"
)

// Limits of FollowAliases.
const (
	DefaultMaxDepth   = 10  // aliases followed, or HS_VLIST levels expanded
	DefaultMaxLookups = 100 // resolutions one FollowAliases may make
)

// Errors of FollowAliases.
var (
	ErrAliasLoop   = errors.New("alias or value list loop")
	ErrTooDeep     = errors.New("alias or value list chain too deep")
	ErrTooManyRefs = errors.New("value lists reference too many values")
)

// FollowOptions limit FollowAliases.
type FollowOptions struct {
	MaxDepth    int  // default DefaultMaxDepth
	MaxLookups  int  // default DefaultMaxLookups
	ExpandVList bool // resolve the references of HS_VLIST values
}

// Followed is the outcome of FollowAliases.
type Followed struct {
	Handle  string   // the handle whose values are returned, after aliases
	Aliases []string // the handles passed through, first the one asked for
	Values  []Value
	// Members are the values HS_VLIST values refer to, depth first, with
	// nested lists expanded in place of their HS_VLIST value.
	Members []Member
	// Missing are references that led to no value.
	Missing []handleproto.Reference
}

// Member is a value reached through an HS_VLIST.
type Member struct {
	Ref   handleproto.Reference
	Value Value
}

// FollowAliases resolves handle and, while the answer holds an HS_ALIAS
// value (its data is the target handle), resolves the target instead. With
// ExpandVList it then resolves the references of every HS_VLIST value (4-byte
// count, then handle and index pairs), recursively. A handle or reference
// seen twice is a loop (ErrAliasLoop); a chain longer than MaxDepth is
// ErrTooDeep; more than MaxLookups resolutions is ErrTooManyRefs — so a
// hostile record cannot make the client resolve without end.
func (c *Client) FollowAliases(ctx context.Context, handle string, o ResolveOptions, f FollowOptions) (*Followed, error) {
	if f.MaxDepth <= 0 {
		f.MaxDepth = DefaultMaxDepth
	}
	if f.MaxLookups <= 0 {
		f.MaxLookups = DefaultMaxLookups
	}
	lookups := 0
	resolve := func(h string, q ResolveOptions) (*Response, error) {
		if lookups++; lookups > f.MaxLookups {
			return nil, fmt.Errorf("%s: more than %d resolutions: %w", h, f.MaxLookups, ErrTooManyRefs)
		}
		return c.Resolve(ctx, h, q)
	}
	q := o
	if len(o.Types) > 0 {
		q.Types = append(append([]string(nil), o.Types...), handleproto.TypeAlias)
		if f.ExpandVList {
			q.Types = append(q.Types, handleproto.TypeVList)
		}
	}
	out := &Followed{}
	seen := map[string]bool{}
	cur := handle
	for depth := 0; ; depth++ {
		key := handleproto.FoldHandle(cur)
		if seen[key] {
			return out, fmt.Errorf("%s: %w (through %s)", cur, ErrAliasLoop, strings.Join(out.Aliases, " -> "))
		}
		if depth > f.MaxDepth {
			return out, fmt.Errorf("%s: more than %d aliases: %w", handle, f.MaxDepth, ErrTooDeep)
		}
		seen[key] = true
		out.Aliases = append(out.Aliases, cur)
		resp, err := resolve(cur, q)
		if err != nil {
			return out, err
		}
		target, ok := aliasTarget(resp.Values)
		if !ok {
			out.Handle = cur
			out.Values = resp.Values
			break
		}
		cur = target
	}
	if !f.ExpandVList {
		return out, nil
	}
	visiting := map[handleproto.Reference]bool{}
	for _, v := range out.Values {
		if strings.EqualFold(v.Type, handleproto.TypeVList) {
			visiting[handleproto.Reference{Handle: handleproto.FoldHandle(out.Handle), Index: v.Index}] = true
			if err := c.expand(ctx, v, 1, f, visiting, resolve, out); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

func aliasTarget(values []Value) (string, bool) {
	best := -1
	for i := range values {
		if strings.EqualFold(values[i].Type, handleproto.TypeAlias) && (best < 0 || values[i].Index < values[best].Index) {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	return string(values[best].Data), true
}

// expand appends the members of the HS_VLIST value v to out.
func (c *Client) expand(ctx context.Context, v Value, depth int, f FollowOptions, visiting map[handleproto.Reference]bool,
	resolve func(string, ResolveOptions) (*Response, error), out *Followed) error {
	if depth > f.MaxDepth {
		return fmt.Errorf("value lists nested more than %d deep: %w", f.MaxDepth, ErrTooDeep)
	}
	refs, err := handleproto.ParseValueList(v.Data)
	if err != nil {
		return fmt.Errorf("HS_VLIST at index %d: %w", v.Index, err)
	}
	for _, ref := range refs {
		key := handleproto.Reference{Handle: handleproto.FoldHandle(ref.Handle), Index: ref.Index}
		if visiting[key] {
			return fmt.Errorf("%d:%s: %w", ref.Index, ref.Handle, ErrAliasLoop)
		}
		resp, err := resolve(ref.Handle, ResolveOptions{Indexes: []uint32{ref.Index}})
		var re *ResponseError
		if errors.As(err, &re) {
			out.Missing = append(out.Missing, ref)
			continue
		}
		if err != nil {
			return err
		}
		found := false
		for _, m := range resp.Values {
			if m.Index != ref.Index {
				continue
			}
			found = true
			if strings.EqualFold(m.Type, handleproto.TypeVList) {
				visiting[key] = true
				err := c.expand(ctx, m, depth+1, f, visiting, resolve, out)
				delete(visiting, key)
				if err != nil {
					return err
				}
				continue
			}
			out.Members = append(out.Members, Member{Ref: ref, Value: m})
		}
		if !found {
			out.Missing = append(out.Missing, ref)
		}
	}
	return nil
}

// FollowAliases is Client.FollowAliases on a client dialled for one use.
func FollowAliases(ctx context.Context, addr, handle string, o ResolveOptions, f FollowOptions) (*Followed, error) {
	c, err := Dial(addr, o.Transport)
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.Close() }()
	return c.FollowAliases(ctx, handle, o, f)
}

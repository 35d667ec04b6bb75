package oid

import (
	"encoding/json"
	"fmt"

	"github.com/dii-net/dii/internal/state"
	"github.com/dii-net/dii/internal/tx"
)

// DefaultUAVArc is the UAV arc when genesis names none: 2.999.677, below
// the X.660 example arc joint-iso-itu-t(2) example(999), which is meant
// for examples and test networks. A production genesis names the arc
// actually allocated for X.677 identities.
const DefaultUAVArc = "2.999.677"

// NoUAVArc as genesis uav_arc disables X.677 identities.
const NoUAVArc = "none"

// Genesis is the OID part of genesis (app_state.oid).
type Genesis struct {
	// Roots are the arcs created at genesis, in order: top arcs (0, 1,
	// 2) and, if wanted, arcs below them (each after its superior).
	// Empty: the three top arcs, held by the first registry operator.
	Roots []GenesisArc `json:"roots,omitempty"`
	// UAVArc is the X.677 UAV arc (dotted). Empty: DefaultUAVArc, when
	// its top arc exists; NoUAVArc: none.
	UAVArc string `json:"uav_arc,omitempty"`
}

// GenesisArc is one arc created at genesis.
type GenesisArc struct {
	OID         string     `json:"oid"`
	Authority   tx.Address `json:"authority"`
	Identifiers []string   `json:"identifiers,omitempty"`
	Labels      []string   `json:"labels,omitempty"`
	Name        string     `json:"name,omitempty"`
	Description string     `json:"description,omitempty"`
	Contact     string     `json:"contact,omitempty"`
}

// TopArcs are X.660's three top arcs with their secondary identifiers and
// Unicode labels; authority is left zero.
func TopArcs() []GenesisArc {
	return []GenesisArc{
		{OID: "0", Identifiers: []string{"itu-t", "ccitt"}, Labels: []string{"ITU-T"}, Name: "ITU-T"},
		{OID: "1", Identifiers: []string{"iso"}, Labels: []string{"ISO"}, Name: "ISO"},
		{OID: "2", Identifiers: []string{"joint-iso-itu-t", "joint-iso-ccitt"}, Labels: []string{"Joint-ISO-ITU-T"}, Name: "Joint ISO/ITU-T"},
	}
}

// names of the arcs genesis creates on the way to the UAV arc.
var defaultNames = map[string]GenesisArc{
	"2.999":     {Identifiers: []string{"example"}, Labels: []string{"Example"}, Name: "Examples and test networks"},
	"2.999.677": {Identifiers: []string{"uav"}, Labels: []string{"UAV"}, Name: "X.677 UAV identities (test network)"},
}

// InitGenesis writes the OID tree's genesis arcs and parameters to w.
// operators are the registry operators; the first holds the default top
// arcs. A chain with no operators and no roots starts with an empty tree.
func InitGenesis(w *state.Overlay, g *Genesis, operators []tx.Address, now int64) error {
	if g == nil {
		g = &Genesis{}
	}
	roots := g.Roots
	if len(roots) == 0 && len(operators) > 0 {
		roots = TopArcs()
		for i := range roots {
			roots[i].Authority = operators[0]
		}
	}
	for i, ga := range roots {
		if err := createArc(w, ga, now); err != nil {
			return fmt.Errorf("genesis oid root %d (%s): %w", i, ga.OID, err)
		}
	}
	p := Params{}
	switch g.UAVArc {
	case NoUAVArc:
	case "":
		u, _ := Parse(DefaultUAVArc)
		if _, err := Get(w, u[:1]); err == nil {
			if err := createUAV(w, u, now); err != nil {
				return err
			}
			p.UAVArc = DefaultUAVArc
		}
	default:
		u, err := Parse(g.UAVArc)
		if err != nil {
			return fmt.Errorf("genesis uav_arc: %w", err)
		}
		if err := createUAV(w, u, now); err != nil {
			return err
		}
		p.UAVArc = u.String()
	}
	pb, err := json.Marshal(p)
	if err != nil {
		return err
	}
	w.Set([]byte(ParamsKey), pb)
	return nil
}

// createArc creates one genesis arc with the rules of allocate and set,
// except that a top arc needs no superior.
func createArc(w *state.Overlay, ga GenesisArc, now int64) error {
	o, err := Parse(ga.OID)
	if err != nil {
		return err
	}
	if ga.Authority.IsZero() {
		return fmt.Errorf("%w: no authority", ErrInvalid)
	}
	if _, err := Get(w, o); err == nil {
		return fmt.Errorf("%w: %s given twice", ErrExists, o)
	}
	if parent, ok := o.Parent(); ok {
		if _, err := Get(w, parent); err != nil {
			return fmt.Errorf("%w (list superior arcs first)", err)
		}
	}
	putArc(w, &Arc{OID: o, Authority: ga.Authority, Created: now, Updated: now})
	if len(ga.Identifiers)+len(ga.Labels) > 0 || ga.Name != "" || ga.Description != "" || ga.Contact != "" {
		return set(w, ga.Authority, now, &tx.OIDSet{OID: o.String(), Identifiers: ga.Identifiers, Labels: ga.Labels,
			Name: ga.Name, Description: ga.Description, Contact: ga.Contact})
	}
	return nil
}

// createUAV creates any missing arc down to the UAV arc u, and its two
// identity spaces, each held by the authority of its superior.
func createUAV(w *state.Overlay, u OID, now int64) error {
	if len(u) < 2 {
		return fmt.Errorf("genesis uav_arc %s: %w: a top arc cannot be the UAV arc", u, ErrInvalidOID)
	}
	if _, err := Get(w, u[:1]); err != nil {
		return fmt.Errorf("genesis uav_arc %s: %w", u, err)
	}
	path := []OID{}
	for i := 2; i <= len(u); i++ {
		path = append(path, u[:i])
	}
	path = append(path, u.Child(SpaceFLC), u.Child(SpaceOperating))
	names := map[string]GenesisArc{}
	for k, v := range defaultNames {
		names[k] = v
	}
	names[u.Child(SpaceFLC).String()] = GenesisArc{Identifiers: []string{"flc"}, Labels: []string{"Full-Life-Cycle"}, Name: "X.677 full-life-cycle identities"}
	names[u.Child(SpaceOperating).String()] = GenesisArc{Identifiers: []string{"operating"}, Labels: []string{"Operating"}, Name: "X.677 operating identities"}
	for _, o := range path {
		if a, err := Get(w, o); err == nil {
			if a.Retired {
				return fmt.Errorf("genesis uav_arc: %w: %s", ErrRetired, o)
			}
			continue
		}
		parent, _ := o.Parent()
		p, err := Get(w, parent)
		if err != nil {
			return err
		}
		ga := names[o.String()]
		ga.OID, ga.Authority = o.String(), p.Authority
		if err := createArc(w, ga, now); err != nil {
			return fmt.Errorf("genesis uav arc %s: %w", o, err)
		}
	}
	return nil
}

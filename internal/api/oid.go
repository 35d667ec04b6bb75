package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/state"
)

// maxChildCount bounds the children GET /v1/oids/{oid} counts; beyond
// it the answer says children_more.
const maxChildCount = 100000

// OIDArc is an arc of the OID tree, as GET /v1/oids/{oid} shows it.
type OIDArc struct {
	OID         string     `json:"oid"`
	IRI         string     `json:"iri"`
	ASN1        string     `json:"asn1"`
	Identifiers []string   `json:"identifiers"`
	Labels      []string   `json:"labels"`
	Authority   string     `json:"authority"`
	Status      string     `json:"status"` // active or retired
	Name        string     `json:"name,omitempty"`
	Description string     `json:"description,omitempty"`
	Contact     string     `json:"contact,omitempty"`
	Created     time.Time  `json:"created"`
	Updated     time.Time  `json:"updated"`
	Retired     *time.Time `json:"retired,omitempty"`
	// Children is the number of child arcs (up to 100000;
	// ChildrenMore says there are more). Absent in listings.
	Children     *int `json:"children,omitempty"`
	ChildrenMore bool `json:"children_more,omitempty"`
	// ChildArcs is one page of children, with ?children=1; Next is the
	// arc number to pass as ?after= for the next page.
	ChildArcs []OIDArc `json:"child_arcs,omitempty"`
	Next      string   `json:"next,omitempty"`
	Height    int64    `json:"height,omitempty"`
}

// OIDList is GET /v1/oids: the top arcs.
type OIDList struct {
	Arcs   []OIDArc `json:"arcs"`
	Next   string   `json:"next,omitempty"`
	Height int64    `json:"height"`
}

// UAVIdentity is an X.677 identity, as GET /v1/uav/{oid} shows it.
type UAVIdentity struct {
	OID    string `json:"oid"`
	Kind   string `json:"kind"`   // full-life-cycle or operating
	Status string `json:"status"` // applied, verified, announced, revoked, rejected
	// Active is true when the identity is announced and, for an
	// operating identity, its full-life-cycle identity is announced too.
	Active    bool        `json:"active"`
	Holder    string      `json:"holder"`
	Authority string      `json:"authority,omitempty"`
	FLC       string      `json:"flc,omitempty"`
	FLCStatus string      `json:"flc_status,omitempty"`
	Info      UAVInfo     `json:"info"`
	Pending   *UAVPending `json:"pending,omitempty"`
	Applied   time.Time   `json:"applied"`
	Verified  *time.Time  `json:"verified,omitempty"`
	Announced *time.Time  `json:"announced,omitempty"`
	Revoked   *time.Time  `json:"revoked,omitempty"`
	Updated   time.Time   `json:"updated"`
	Note      string      `json:"note,omitempty"`
	Height    int64       `json:"height,omitempty"`
}

// UAVInfo is an identity's registration information.
type UAVInfo struct {
	HolderName string `json:"holder_name,omitempty"`
	Model      string `json:"model,omitempty"`
	Serial     string `json:"serial,omitempty"`
	Contact    string `json:"contact,omitempty"`
}

// UAVPending is a change waiting for the authority.
type UAVPending struct {
	Holder string  `json:"holder,omitempty"`
	Info   UAVInfo `json:"info"`
}

// UAVList is GET /v1/uav.
type UAVList struct {
	Kind       string        `json:"kind"`
	Identities []UAVIdentity `json:"identities"`
	Next       string        `json:"next,omitempty"`
	Height     int64         `json:"height"`
}

func (s *server) oidRoutes(route func(string, handlerFunc)) {
	route("GET /v1/oids", s.listTopArcs)
	route("GET /v1/oids/{oid}", s.getOID)
	route("GET /v1/oids/{oid}/proof", s.proveOID)
	route("GET /v1/uav", s.listUAV)
	route("GET /v1/uav/{oid}", s.getUAV)
	route("GET /v1/uav/{oid}/proof", s.proveUAV)
}

func unixTime(t int64) time.Time { return time.Unix(t, 0).UTC() }

func optTime(t int64) *time.Time {
	if t == 0 {
		return nil
	}
	u := unixTime(t)
	return &u
}

// ArcView renders an arc; iri and asn1 are its names (oid.Names).
func ArcView(a *oid.Arc, iri, asn1 string) OIDArc {
	v := OIDArc{OID: a.OID.String(), IRI: iri, ASN1: asn1, Identifiers: a.Identifiers, Labels: a.Labels,
		Authority: a.Authority.String(), Status: a.Status(), Name: a.Name, Description: a.Description,
		Contact: a.Contact, Created: unixTime(a.Created), Updated: unixTime(a.Updated)}
	if v.Identifiers == nil {
		v.Identifiers = []string{}
	}
	if v.Labels == nil {
		v.Labels = []string{}
	}
	if a.Retired {
		v.Retired = optTime(a.RetiredAt)
	}
	return v
}

// childNames extends the parent's names by one arc.
func childNames(parentIRI, parentASN1 string, a *oid.Arc) (string, string) {
	n := strconv.FormatUint(a.OID.Last(), 10)
	iri := parentIRI + "/" + n
	if len(a.Labels) > 0 {
		iri = parentIRI + "/" + a.Labels[0]
	}
	el := n
	if len(a.Identifiers) > 0 {
		el = a.Identifiers[0] + "(" + n + ")"
	}
	if parentASN1 == "" || parentASN1 == "{}" {
		return iri, "{" + el + "}"
	}
	return iri, parentASN1[:len(parentASN1)-1] + " " + el + "}"
}

// oidError maps the oid package's errors to API errors.
func oidError(err error, v *state.Version) error {
	switch {
	case errors.Is(err, oid.ErrInvalidOID), errors.Is(err, oid.ErrInvalidLabel):
		return badRequest("%v", err)
	case errors.Is(err, oid.ErrNotFound):
		return notFound("%v (height %d)", err, v.Height())
	case errors.Is(err, oid.ErrInvalid):
		return notFound("%v", err)
	}
	return err
}

func (s *server) resolveOID(r *http.Request, v *state.Version) (oid.OID, error) {
	o, err := oid.Resolve(v, r.PathValue("oid"))
	if err != nil {
		return nil, oidError(err, v)
	}
	return o, nil
}

func pageParams(r *http.Request) (*uint64, int, error) {
	q := r.URL.Query()
	limit := defaultListLimit
	if ls := q.Get("limit"); ls != "" {
		l, err := strconv.Atoi(ls)
		if err != nil || l < 1 || l > maxListLimit {
			return nil, 0, badRequest("limit=%q: want 1..%d", ls, maxListLimit)
		}
		limit = l
	}
	var after *uint64
	if as := q.Get("after"); as != "" {
		n, err := strconv.ParseUint(as, 10, 64)
		if err != nil || strconv.FormatUint(n, 10) != as {
			return nil, 0, badRequest("after=%q: want an arc number", as)
		}
		after = &n
	}
	return after, limit, nil
}

func cursor(n *uint64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatUint(*n, 10)
}

func childViews(v *state.Version, parent oid.OID, parentIRI, parentASN1 string, after *uint64, limit int) ([]OIDArc, string, error) {
	arcs, next, err := oid.Children(v, parent, after, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]OIDArc, 0, len(arcs))
	for _, a := range arcs {
		iri, asn1 := childNames(parentIRI, parentASN1, a)
		out = append(out, ArcView(a, iri, asn1))
	}
	return out, cursor(next), nil
}

func (s *server) listTopArcs(r *http.Request) (any, error) {
	after, limit, err := pageParams(r)
	if err != nil {
		return nil, err
	}
	v, err := s.version(r)
	if err != nil {
		return nil, err
	}
	arcs, next, err := childViews(v, nil, "", "", after, limit)
	if err != nil {
		return nil, err
	}
	return &OIDList{Arcs: arcs, Next: next, Height: v.Height()}, nil
}

func (s *server) getOID(r *http.Request) (any, error) {
	v, err := s.version(r)
	if err != nil {
		return nil, err
	}
	o, err := s.resolveOID(r, v)
	if err != nil {
		return nil, err
	}
	a, err := oid.Get(v, o)
	if errors.Is(err, oid.ErrNotFound) {
		if _, ierr := oid.GetIdentity(v, o); ierr == nil {
			return nil, notFound("%s is not an arc but an X.677 identity: GET /v1/uav/%s (height %d)", o, o, v.Height())
		}
		return nil, notFound("arc %s is not registered (height %d)", o, v.Height())
	}
	if err != nil {
		return nil, err
	}
	iri, asn1 := oid.Names(v, o)
	out := ArcView(a, iri, asn1)
	out.Height = v.Height()
	n, more := oid.CountChildren(v, o, maxChildCount)
	out.Children, out.ChildrenMore = &n, more
	if c := r.URL.Query().Get("children"); c != "" && c != "0" && c != "false" {
		after, limit, err := pageParams(r)
		if err != nil {
			return nil, err
		}
		if out.ChildArcs, out.Next, err = childViews(v, o, iri, asn1, after, limit); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// IdentityView renders an X.677 identity read from v (nil: the identity
// alone, without its authority and its full-life-cycle identity).
func IdentityView(v state.Reader, id *oid.Identity) UAVIdentity {
	info := func(i oid.UAVInfo) UAVInfo {
		return UAVInfo{HolderName: i.HolderName, Model: i.Model, Serial: i.Serial, Contact: i.Contact}
	}
	out := UAVIdentity{OID: id.OID.String(), Kind: id.Kind.String(), Status: id.Status.String(),
		Holder: id.Holder.String(), Info: info(id.Info), Applied: unixTime(id.Applied),
		Verified: optTime(id.Verified), Announced: optTime(id.Announced), Revoked: optTime(id.Revoked),
		Updated: unixTime(id.Updated), Note: id.Note}
	if v != nil {
		if sa, err := oid.IdentityAuthority(v, id); err == nil {
			out.Authority = sa.Authority.String()
		}
	}
	out.Active = id.Status == oid.StatusAnnounced
	if id.Kind == oid.KindOperating {
		// Active only while its full-life-cycle identity is announced
		// too; unknown (so not active) without v.
		out.FLC = id.FLC.String()
		flcActive := false
		if v != nil {
			if f, err := oid.GetIdentity(v, id.FLC); err == nil {
				out.FLCStatus = f.Status.String()
				flcActive = f.Status == oid.StatusAnnounced
			}
		}
		out.Active = out.Active && flcActive
	}
	if p := id.Pending; p != nil {
		out.Pending = &UAVPending{Info: info(p.Info)}
		if !p.Holder.IsZero() {
			out.Pending.Holder = p.Holder.String()
		}
	}
	return out
}

func (s *server) getUAV(r *http.Request) (any, error) {
	v, err := s.version(r)
	if err != nil {
		return nil, err
	}
	o, err := s.resolveOID(r, v)
	if err != nil {
		return nil, err
	}
	id, err := oid.GetIdentity(v, o)
	if err != nil {
		return nil, oidError(err, v)
	}
	out := IdentityView(v, id)
	out.Height = v.Height()
	return &out, nil
}

func (s *server) listUAV(r *http.Request) (any, error) {
	kind := r.URL.Query().Get("kind")
	space := oid.SpaceFLC
	switch kind {
	case "", "flc", "full-life-cycle":
		kind = oid.KindFLC.String()
	case "operating":
		space = oid.SpaceOperating
	default:
		return nil, badRequest("kind=%q: want flc or operating", kind)
	}
	after, limit, err := pageParams(r)
	if err != nil {
		return nil, err
	}
	v, err := s.version(r)
	if err != nil {
		return nil, err
	}
	ids, next, err := oid.Identities(v, space, after, limit)
	if err != nil {
		return nil, oidError(err, v)
	}
	out := &UAVList{Kind: kind, Identities: make([]UAVIdentity, 0, len(ids)), Next: cursor(next), Height: v.Height()}
	for _, id := range ids {
		out.Identities = append(out.Identities, IdentityView(v, id))
	}
	return out, nil
}

func (s *server) proveOID(r *http.Request) (any, error) { return s.proveKey(r, oid.BundleArc) }

func (s *server) proveUAV(r *http.Request) (any, error) { return s.proveKey(r, oid.BundleUAV) }

// proveKey is GET /v1/oids/{oid}/proof and /v1/uav/{oid}/proof: an
// oid.Bundle for the arc's or identity's key at ?height= (default: the
// latest), present or absent.
func (s *server) proveKey(r *http.Request, kind string) (any, error) {
	v, err := s.version(r)
	if err != nil {
		return nil, err
	}
	o, err := s.resolveOID(r, v)
	if err != nil {
		return nil, err
	}
	key := oid.ArcKey(o)
	if kind == oid.BundleUAV {
		key = oid.UAVKey(o)
	}
	p, err := s.prove(r.Context(), v, key)
	if err != nil {
		return nil, err
	}
	return &oid.Bundle{ChainID: s.b.Genesis.ChainID, Kind: kind, OID: o.String(), Height: p.height,
		Key: key, Value: p.value, Proof: p.proof, SignedHeader: p.header}, nil
}

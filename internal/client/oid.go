package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/oid"
)

// OIDPage selects a page of arcs or identities.
type OIDPage struct {
	After string // an arc number: start after it
	Limit int    // 1..1000; 0: the node's default (100)
}

func (p OIDPage) values() url.Values {
	q := url.Values{}
	if p.After != "" {
		q.Set("after", p.After)
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	return q
}

// OID reads an arc by dotted OID or OID-IRI. With children it also reads
// one page of its children.
func (c *Client) OID(ctx context.Context, o string, children bool, page OIDPage) (*api.OIDArc, error) {
	q := page.values()
	if children {
		q.Set("children", "1")
	}
	var a api.OIDArc
	return &a, c.do(ctx, "GET", "/v1/oids/"+url.PathEscape(o)+"?"+q.Encode(), nil, &a)
}

// TopArcs reads the top arcs of the OID tree.
func (c *Client) TopArcs(ctx context.Context, page OIDPage) (*api.OIDList, error) {
	var l api.OIDList
	return &l, c.do(ctx, "GET", "/v1/oids?"+page.values().Encode(), nil, &l)
}

// OIDProof fetches a proof bundle for an arc at height (0: latest).
func (c *Client) OIDProof(ctx context.Context, o string, height int64) (*oid.Bundle, error) {
	return c.oidProof(ctx, "/v1/oids/", o, height)
}

// UAVProof fetches a proof bundle for an X.677 identity at height (0:
// latest).
func (c *Client) UAVProof(ctx context.Context, o string, height int64) (*oid.Bundle, error) {
	return c.oidProof(ctx, "/v1/uav/", o, height)
}

func (c *Client) oidProof(ctx context.Context, base, o string, height int64) (*oid.Bundle, error) {
	p := base + url.PathEscape(o) + "/proof"
	if height > 0 {
		p += "?height=" + strconv.FormatInt(height, 10)
	}
	var b oid.Bundle
	return &b, c.do(ctx, "GET", p, nil, &b)
}

// UAV reads an X.677 identity.
func (c *Client) UAV(ctx context.Context, o string) (*api.UAVIdentity, error) {
	var id api.UAVIdentity
	return &id, c.do(ctx, "GET", "/v1/uav/"+url.PathEscape(o), nil, &id)
}

// UAVs lists the identities of one kind ("flc" or "operating").
func (c *Client) UAVs(ctx context.Context, kind string, page OIDPage) (*api.UAVList, error) {
	q := page.values()
	if kind != "" {
		q.Set("kind", kind)
	}
	var l api.UAVList
	return &l, c.do(ctx, "GET", "/v1/uav?"+q.Encode(), nil, &l)
}

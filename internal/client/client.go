package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/lightclient"
	"github.com/dii-net/dii/internal/tx"
)

// DefaultNode is the API address of a node started with defaults.
const DefaultNode = "http://127.0.0.1:8080"

// Client is an API client.
type Client struct {
	base string
	hc   *http.Client
}

// New returns a client for the node at base (e.g. http://127.0.0.1:8080;
// a bare host:port means http).
func New(base string) *Client {
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	return &Client{base: strings.TrimRight(base, "/"), hc: &http.Client{Timeout: 60 * time.Second}}
}

// NewHTTP is New with an HTTP client of the caller's, for callers that
// keep many requests in flight (a load generator) and size its pool.
func NewHTTP(base string, hc *http.Client) *Client {
	c := New(base)
	c.hc = hc
	return c
}

// Base is the node's API URL.
func (c *Client) Base() string { return c.base }

func (c *Client) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("node %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("node %s: %w", c.base, err)
	}
	if resp.StatusCode >= 300 {
		var eb api.ErrorBody
		if json.Unmarshal(raw, &eb) == nil && eb.Error != nil {
			eb.Error.Status = resp.StatusCode
			return eb.Error
		}
		return fmt.Errorf("node %s: %s: %s", c.base, resp.Status, bytes.TrimSpace(raw))
	}
	if out == nil {
		return nil
	}
	if rm, ok := out.(*json.RawMessage); ok {
		*rm = raw
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("node %s: decode %s: %w", c.base, path, err)
	}
	return nil
}

// IsNotFound reports whether err is the node's not_found error.
func IsNotFound(err error) bool {
	var e *api.Error
	return errors.As(err, &e) && e.Code == api.CodeNotFound
}

// Status reads /v1/status.
func (c *Client) Status(ctx context.Context) (*api.Status, error) {
	var s api.Status
	return &s, c.do(ctx, "GET", "/v1/status", nil, &s)
}

// Name reads one registered name.
func (c *Client) Name(ctx context.Context, name string) (*api.Name, error) {
	var n api.Name
	return &n, c.do(ctx, "GET", "/v1/names/"+url.PathEscape(name), nil, &n)
}

// ListOptions select names for List.
type ListOptions struct {
	Zone, Prefix, After string
	Limit               int
}

// List reads one page of names.
func (c *Client) List(ctx context.Context, o ListOptions) (*api.NameList, error) {
	q := url.Values{}
	if o.Zone != "" {
		q.Set("zone", o.Zone)
	}
	if o.Prefix != "" {
		q.Set("prefix", o.Prefix)
	}
	if o.After != "" {
		q.Set("after", o.After)
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	var l api.NameList
	return &l, c.do(ctx, "GET", "/v1/names?"+q.Encode(), nil, &l)
}

// Proof fetches a proof bundle for name at height (0: latest).
func (c *Client) Proof(ctx context.Context, name string, height int64) (*lightclient.Bundle, error) {
	p := "/v1/names/" + url.PathEscape(name) + "/proof"
	if height > 0 {
		p += "?height=" + strconv.FormatInt(height, 10)
	}
	var b lightclient.Bundle
	return &b, c.do(ctx, "GET", p, nil, &b)
}

// Account reads an account.
func (c *Client) Account(ctx context.Context, a tx.Address) (*api.Account, error) {
	var acc api.Account
	return &acc, c.do(ctx, "GET", "/v1/accounts/"+a.String(), nil, &acc)
}

// Block reads a block; height 0 is the latest.
func (c *Client) Block(ctx context.Context, height int64) (*api.Block, error) {
	h := "latest"
	if height > 0 {
		h = strconv.FormatInt(height, 10)
	}
	var b api.Block
	return &b, c.do(ctx, "GET", "/v1/blocks/"+h, nil, &b)
}

// Validators returns the validator set as a trust file (raw JSON).
func (c *Client) Validators(ctx context.Context) (json.RawMessage, error) {
	var raw json.RawMessage
	return raw, c.do(ctx, "GET", "/v1/validators", nil, &raw)
}

// Wait says how long Submit waits.
type Wait string

// Wait modes.
const (
	WaitNone   Wait = "none"   // return once the node has the bytes
	WaitSync   Wait = "sync"   // return once CheckTx accepted it
	WaitCommit Wait = "commit" // return once a block with it is committed
)

// SubmitRaw posts encoded transaction bytes.
func (c *Client) SubmitRaw(ctx context.Context, raw []byte, wait Wait) (*api.TxResult, error) {
	var res api.TxResult
	return &res, c.do(ctx, "POST", "/v1/txs?wait="+string(wait), api.SubmitRequest{Tx: raw}, &res)
}

// Tx looks a committed transaction up by its hash (hex).
func (c *Client) Tx(ctx context.Context, hash string) (*api.TxResult, error) {
	var res api.TxResult
	return &res, c.do(ctx, "GET", "/v1/txs/"+url.PathEscape(hash), nil, &res)
}

// Signer builds, signs and submits transactions for one key.
type Signer struct {
	C       *Client
	Key     ed25519.PrivateKey
	ChainID string
	// next is the sequence to use; fetched from the node when unknown.
	next  uint64
	known bool
}

// NewSigner returns a signer; the chain id is read from the node when
// chainID is empty.
func NewSigner(ctx context.Context, c *Client, key ed25519.PrivateKey, chainID string) (*Signer, error) {
	if chainID == "" {
		st, err := c.Status(ctx)
		if err != nil {
			return nil, err
		}
		chainID = st.ChainID
	}
	return &Signer{C: c, Key: key, ChainID: chainID}, nil
}

// Address is the signer's account address.
func (s *Signer) Address() tx.Address { return tx.AddressOf(s.Key.Public().(ed25519.PublicKey)) }

// Build signs a transaction of ops with the next sequence number.
func (s *Signer) Build(ctx context.Context, ops ...tx.Op) ([]byte, error) {
	if !s.known {
		acc, err := s.C.Account(ctx, s.Address())
		if err != nil {
			return nil, err
		}
		s.next, s.known = acc.NextSequence, true
	}
	t := &tx.Tx{ChainID: s.ChainID, Sequence: s.next, Ops: ops}
	if err := t.Sign(s.Key); err != nil {
		return nil, err
	}
	raw, err := t.Encode()
	if err != nil {
		return nil, err
	}
	s.next++
	return raw, nil
}

// Submit builds, signs and submits ops as one transaction. On a sequence
// error the signer forgets its sequence so the next call asks the node.
func (s *Signer) Submit(ctx context.Context, wait Wait, ops ...tx.Op) (*api.TxResult, error) {
	raw, err := s.Build(ctx, ops...)
	if err != nil {
		return nil, err
	}
	res, err := s.C.SubmitRaw(ctx, raw, wait)
	var e *api.Error
	if err != nil && errors.As(err, &e) && (e.Code == "sequence" || e.Height == 0) {
		s.known = false
	}
	return res, err
}

// ZoneList is the node's list of DNS zones.
type ZoneList struct {
	Height int64    `json:"height"`
	Zones  []string `json:"zones"`
}

// Zones lists the zones the node serves over DNS.
func (c *Client) Zones(ctx context.Context) (*ZoneList, error) {
	var l ZoneList
	return &l, c.do(ctx, "GET", "/v1/zones", nil, &l)
}

// ExportZone fetches a zone as an RFC 1035 master file.
func (c *Client) ExportZone(ctx context.Context, zone string) (string, error) {
	var b strings.Builder
	if err := c.WriteZone(ctx, zone, &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// WriteZone streams a zone's master file to w, however large; an error
// from the node or the connection is returned, never a cut-off file
// passed off as whole.
func (c *Client) WriteZone(ctx context.Context, zone string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/v1/zones/export?zone="+url.QueryEscape(zone), nil)
	if err != nil {
		return err
	}
	// A large zone takes longer than one API call may: no client timeout,
	// the context bounds it.
	hc := *c.hc
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("node %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		var eb api.ErrorBody
		if json.Unmarshal(raw, &eb) == nil && eb.Error != nil {
			eb.Error.Status = resp.StatusCode
			return eb.Error
		}
		return fmt.Errorf("node %s: %s: %s", c.base, resp.Status, bytes.TrimSpace(raw))
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("zone %s: transfer cut short: %w", zone, err)
	}
	return nil
}

package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dii-net/dii/internal/api"
	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/tx"
)

// HandleError is an answer of the handle API that is not a success: the
// HTTP status, and the Handle response code and message it carried.
type HandleError struct {
	Status int
	Code   handleproto.ResponseCode
	Handle string
	Msg    string
}

func (e *HandleError) Error() string {
	msg := e.Msg
	if msg == "" {
		msg = e.Code.String()
	}
	return fmt.Sprintf("%s: %s (handle response code %d, HTTP %d)", e.Handle, msg, uint32(e.Code), e.Status)
}

// IsHandleCode reports whether err is a handle API answer with code rc.
func IsHandleCode(err error, rc handleproto.ResponseCode) bool {
	var e *HandleError
	return errors.As(err, &e) && e.Code == rc
}

// HandlePath is the URL path of a handle under base ("/api/handles/"):
// each "/"-separated part escaped on its own.
func HandlePath(base, h string) string {
	parts := strings.Split(h, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return base + strings.Join(parts, "/")
}

// HandleQuery selects values for Handle.
type HandleQuery struct {
	Indexes []uint32
	Types   []string
	// All asks for values that are not publicly readable too
	// (publicOnly=false).
	All bool
	// FollowAliases resolves HS_ALIAS chains on the node.
	FollowAliases bool
}

func (q HandleQuery) values() url.Values {
	v := url.Values{}
	for _, i := range q.Indexes {
		v.Add("index", strconv.FormatUint(uint64(i), 10))
	}
	for _, t := range q.Types {
		v.Add("type", t)
	}
	if q.All {
		v.Set("publicOnly", "false")
	}
	if q.FollowAliases {
		v.Set("followAliases", "true")
	}
	return v
}

// Handle resolves a handle through GET /api/handles/{handle}. A handle
// with no value that matches answers with response code 200
// (VALUE_NOT_FOUND) and no error, as the proxy does; any other failure is
// a *HandleError.
func (c *Client) Handle(ctx context.Context, h string, q HandleQuery) (*api.HandleResponse, error) {
	var out api.HandleResponse
	return &out, c.handleDo(ctx, "GET", h, q.values(), nil, &out)
}

// HandleRaw is Handle's answer as the node wrote it.
func (c *Client) HandleRaw(ctx context.Context, h string, q HandleQuery) (json.RawMessage, error) {
	var raw json.RawMessage
	return raw, c.handleDo(ctx, "GET", h, q.values(), nil, &raw)
}

// HandleList lists the handles of a prefix ("0.NA": the prefixes), one
// page of at most size (0: the node's default) after the handle after.
func (c *Client) HandleList(ctx context.Context, prefix, after string, size int) (*api.HandleList, error) {
	q := url.Values{"prefix": {prefix}}
	if after != "" {
		q.Set("after", after)
	}
	if size > 0 {
		q.Set("pageSize", strconv.Itoa(size))
	}
	var out api.HandleList
	return &out, c.handleReq(ctx, "GET", "/api/handles?"+q.Encode(), prefix, nil, &out)
}

// HandleProof fetches a proof bundle for a handle at height (0: latest).
func (c *Client) HandleProof(ctx context.Context, h string, height int64) (*handle.Bundle, error) {
	q := url.Values{"handle": {h}}
	if height > 0 {
		q.Set("height", strconv.FormatInt(height, 10))
	}
	var b handle.Bundle
	return &b, c.do(ctx, "GET", "/v1/handles/proof?"+q.Encode(), nil, &b)
}

// ChangeHandle sends a signed transaction to PUT (or, with del, DELETE)
// /api/handles/{handle}, with index= for indexes, and waits until it is
// committed.
func (c *Client) ChangeHandle(ctx context.Context, h string, del bool, indexes []uint32, raw []byte) (*api.HandleResponse, error) {
	method := "PUT"
	if del {
		method = "DELETE"
	}
	var out api.HandleResponse
	return &out, c.handleDo(ctx, method, h, HandleQuery{Indexes: indexes}.values(), raw, &out)
}

func (c *Client) handleDo(ctx context.Context, method, h string, q url.Values, body []byte, out any) error {
	p := HandlePath("/api/handles/", h)
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return c.handleReq(ctx, method, p, h, body, out)
}

func (c *Client) handleReq(ctx context.Context, method, path, h string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
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
		var hr api.HandleResponse
		if json.Unmarshal(raw, &hr) == nil && hr.ResponseCode != 0 {
			return &HandleError{Status: resp.StatusCode, Code: hr.ResponseCode, Handle: h, Msg: hr.Message}
		}
		var eb api.ErrorBody
		if json.Unmarshal(raw, &eb) == nil && eb.Error != nil {
			eb.Error.Status = resp.StatusCode
			return eb.Error
		}
		return fmt.Errorf("node %s: %s: %s", c.base, resp.Status, bytes.TrimSpace(raw))
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

// ChangeHandle builds and signs a transaction of ops and sends it to the
// handle API (PUT, or DELETE with del), waiting until it is committed.
// After any failure the signer asks the node for its sequence next time.
func (s *Signer) ChangeHandle(ctx context.Context, h string, del bool, indexes []uint32, ops ...tx.Op) (*api.HandleResponse, error) {
	raw, err := s.Build(ctx, ops...)
	if err != nil {
		return nil, err
	}
	res, err := s.C.ChangeHandle(ctx, h, del, indexes, raw)
	if err != nil {
		s.known = false
	}
	return res, err
}

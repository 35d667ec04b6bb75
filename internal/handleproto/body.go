package handleproto

import (
	"encoding/binary"

	"github.com/dii-net/dii/internal/codec"
)

// ResolutionRequest is the body of an OCResolution request (RFC 3652
// §3.2.1): the handle, and the indexes and types of the values wanted;
// both lists empty means every value.
type ResolutionRequest struct {
	Handle  string
	Indexes []uint32
	Types   []string
}

// AppendResolutionRequest appends the body of q.
func AppendResolutionRequest(dst []byte, q *ResolutionRequest) []byte {
	dst = appendString(dst, q.Handle)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(q.Indexes)))
	for _, i := range q.Indexes {
		dst = binary.BigEndian.AppendUint32(dst, i)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(q.Types)))
	for _, t := range q.Types {
		dst = appendString(dst, t)
	}
	return dst
}

// ParseResolutionRequest decodes a resolution request body.
func ParseResolutionRequest(body []byte) (ResolutionRequest, error) {
	r := codec.Reader{B: body}
	var q ResolutionRequest
	q.Handle = stringField(&r, "handle", MaxHandleLength)
	if n := countField(&r, "index list", 4, MaxListLength); n > 0 {
		q.Indexes = make([]uint32, n)
		for i := range q.Indexes {
			q.Indexes[i] = r.U32("index")
		}
	}
	if n := countField(&r, "type list", 4, MaxListLength); n > 0 {
		q.Types = make([]string, n)
		for i := range q.Types {
			q.Types[i] = stringField(&r, "type", maxTypeLength)
		}
	}
	r.End()
	return q, r.Err
}

// ResolutionResponse is the body of a successful resolution response (RFC
// 3652 §3.2.2), after any request digest.
type ResolutionResponse struct {
	Handle string
	Values []Value
}

// AppendResolutionResponse appends the body of a resolution response.
func AppendResolutionResponse(dst []byte, handle string, values []Value) []byte {
	dst = appendString(dst, handle)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(values)))
	for i := range values {
		dst = AppendValue(dst, &values[i])
	}
	return dst
}

// ParseResolutionResponse decodes a resolution response body.
func ParseResolutionResponse(body []byte) (ResolutionResponse, error) {
	r := codec.Reader{B: body}
	var p ResolutionResponse
	p.Handle = stringField(&r, "handle", MaxHandleLength)
	if n := countField(&r, "value list", minValueSize, MaxValues); n > 0 {
		p.Values = make([]Value, n)
		for i := range p.Values {
			p.Values[i] = readValue(&r)
		}
	}
	r.End()
	return p, r.Err
}

// ErrorBody is the body of a response whose code is not SUCCESS (RFC 3652
// §3.3): a message for people and, for some codes, the indexes the error
// concerns.
type ErrorBody struct {
	Message string
	Indexes []uint32
}

// AppendErrorBody appends an error response body. The index list is
// written only when there are indexes.
func AppendErrorBody(dst []byte, e *ErrorBody) []byte {
	dst = appendString(dst, e.Message)
	if len(e.Indexes) > 0 {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(e.Indexes)))
		for _, i := range e.Indexes {
			dst = binary.BigEndian.AppendUint32(dst, i)
		}
	}
	return dst
}

// ParseErrorBody decodes an error response body. An empty body (2.0
// servers send none) is an empty message.
func ParseErrorBody(body []byte) (ErrorBody, error) {
	var e ErrorBody
	if len(body) == 0 {
		return e, nil
	}
	r := codec.Reader{B: body}
	e.Message = stringField(&r, "error message", MaxMessageLength)
	if r.Err == nil && r.Remaining() > 0 {
		if n := countField(&r, "error index list", 4, MaxListLength); n > 0 {
			e.Indexes = make([]uint32, n)
			for i := range e.Indexes {
				e.Indexes[i] = r.U32("error index")
			}
		}
	}
	r.End()
	return e, r.Err
}

// AppendGetSiteInfoRequest appends the body of a GET_SITEINFO request. The
// RFC defines no body; Handle.Net clients send a handle (usually "/"),
// which servers ignore, so this writes one when handle is not empty.
func AppendGetSiteInfoRequest(dst []byte, handle string) []byte {
	if handle == "" {
		return dst
	}
	return appendString(dst, handle)
}

// ParseGetSiteInfoRequest decodes a GET_SITEINFO request body: empty, or
// one UTF8-String.
func ParseGetSiteInfoRequest(body []byte) (string, error) {
	if len(body) == 0 {
		return "", nil
	}
	r := codec.Reader{B: body}
	h := stringField(&r, "handle", MaxHandleLength)
	r.End()
	return h, r.Err
}

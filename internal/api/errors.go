package api

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an API error: an HTTP status, a stable code and a message.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// For transaction rejections: the ledger's numeric result code, and
	// the transaction hash (and height, when it was committed).
	ABCICode uint32 `json:"abci_code,omitempty"`
	Hash     string `json:"hash,omitempty"`
	Height   int64  `json:"height,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Stable error codes that are not ledger result codes.
const (
	CodeBadRequest  = "bad_request"
	CodeNotFound    = "not_found"
	CodeUnavailable = "unavailable"
	CodeTimeout     = "timeout"
	CodeDuplicate   = "duplicate"
	CodeInternal    = "internal"
)

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, CodeBadRequest, format, args...)
}

func notFound(format string, args ...any) *Error {
	return errorf(http.StatusNotFound, CodeNotFound, format, args...)
}

// asError turns any error into an *Error; unknown errors are internal.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return errorf(http.StatusInternalServerError, CodeInternal, "%v", err)
}

package handle

import "errors"

// Errors of the handle registry's rules. The ledger maps each to a result
// code (internal/ledger/code.go), and the HTTP API maps those to Handle
// protocol response codes (RFC 3652 §2.2.2.2).
var (
	// ErrInvalidHandle: handle or prefix syntax, or a reserved prefix
	// (code 40 invalid_handle; Handle code 102 INVALID_HANDLE).
	ErrInvalidHandle = errors.New("invalid handle")
	// ErrNotFound: no such handle or prefix (code 10 not_found; 100
	// HANDLE_NOT_FOUND).
	ErrNotFound = errors.New("handle not found")
	// ErrExists: the handle exists already (code 11 exists; 101
	// HANDLE_ALREADY_EXISTS).
	ErrExists = errors.New("handle already exists")
	// ErrValueNotFound: no value at an index (code 41 value_not_found;
	// 200 VALUE_NOT_FOUND).
	ErrValueNotFound = errors.New("value not found")
	// ErrValueExists: an index is in use (code 42 value_exists; 201
	// VALUE_ALREADY_EXISTS).
	ErrValueExists = errors.New("value already exists")
	// ErrInvalidValue: a value breaks the rules: its index, type or data
	// (code 43 invalid_value; 202 VALUE_INVALID).
	ErrInvalidValue = errors.New("invalid value")
	// ErrUnauthorized: no HS_ADMIN value of the handle (or of its
	// prefix) grants the signer the permission the change needs (code 5
	// unauthorized; 400 INVALID_ADMIN).
	ErrUnauthorized = errors.New("not authorised")
	// ErrTooLarge: a count or size over its limit (code 9 too_large; 202
	// VALUE_INVALID).
	ErrTooLarge = errors.New("over limit")
	// ErrHasChildren: deleting a prefix that still has handles or derived
	// prefixes (code 14 has_children).
	ErrHasChildren = errors.New("prefix has handles or derived prefixes")
	// ErrBadRecord: stored bytes that do not decode (code 99 internal).
	ErrBadRecord = errors.New("bad handle record")

	// ErrAliasLoop and ErrAliasDepth are resolution errors: HS_ALIAS
	// values that lead back to a handle already visited, or a chain longer
	// than MaxAliasDepth.
	ErrAliasLoop  = errors.New("alias loop")
	ErrAliasDepth = errors.New("alias chain too long")
)

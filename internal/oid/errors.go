package oid

import "errors"

// Errors of the OID rules. The ledger maps each to a result code
// (internal/ledger/code.go).
var (
	// ErrInvalidOID: OID syntax or bounds (code 15 invalid_oid).
	ErrInvalidOID = errors.New("invalid OID")
	// ErrInvalidLabel: a secondary identifier or Unicode label breaks the
	// rules (code 16 invalid_label).
	ErrInvalidLabel = errors.New("invalid label")
	// ErrRetired: the arc is retired (code 17 retired).
	ErrRetired = errors.New("arc retired")
	// ErrRevoked: the X.677 identity is revoked, or its application was
	// rejected (code 18 revoked).
	ErrRevoked = errors.New("identity revoked")
	// ErrUnauthorized: the signer is not the authority this needs (code 5).
	ErrUnauthorized = errors.New("not authorised")
	// ErrNotFound: no such arc or identity (code 10).
	ErrNotFound = errors.New("not found")
	// ErrExists: the arc, identity or label is taken (code 11).
	ErrExists = errors.New("already exists")
	// ErrInvalid: the operation is not valid in this state (code 13).
	ErrInvalid = errors.New("invalid operation")
	// ErrTooLarge: a count or length over its limit (code 9).
	ErrTooLarge = errors.New("over limit")
	// ErrHasChildren: retiring an arc with active children (code 14).
	ErrHasChildren = errors.New("arc has active children")
	// ErrInfo: registration text that is not valid UTF-8 or holds control
	// characters (code 8 invalid_data).
	ErrInfo = errors.New("invalid registration information")
	// ErrBadRecord: stored bytes that do not decode (code 99 internal).
	ErrBadRecord = errors.New("bad OID record")
)

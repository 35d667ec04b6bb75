package ledger

import (
	"errors"

	"github.com/dii-net/dii/internal/handle"
	"github.com/dii-net/dii/internal/handleproto"
	"github.com/dii-net/dii/internal/names"
	"github.com/dii-net/dii/internal/oid"
	"github.com/dii-net/dii/internal/registry"
	"github.com/dii-net/dii/internal/validator"
)

// Code is a transaction result code. Numbers are stable: clients match on
// them, so a code is never renumbered or reused.
type Code uint32

// Result codes.
const (
	CodeOK           Code = 0
	CodeEncoding     Code = 1  // malformed transaction bytes
	CodeChainID      Code = 2  // transaction for another chain
	CodeSignature    Code = 3  // signature does not verify
	CodeSequence     Code = 4  // replayed or out-of-order sequence
	CodeUnauthorized Code = 5  // signer may not do this
	CodeInvalidName  Code = 6  // name syntax
	CodeUnknownType  Code = 7  // record type not accepted
	CodeInvalidData  Code = 8  // record data, TTL or RRset rules
	CodeTooLarge     Code = 9  // a limit on records or bytes
	CodeNotFound     Code = 10 // name does not exist
	CodeExists       Code = 11 // name already registered
	CodeExpired      Code = 12 // name expired
	CodeInvalidOp    Code = 13 // operation not valid in this state
	CodeHasChildren  Code = 14 // delete of a name with names below it, or retiring an arc with active children
	CodeInvalidOID   Code = 15 // OID syntax or bounds
	CodeInvalidLabel Code = 16 // a secondary identifier or Unicode label breaks the rules
	CodeRetired      Code = 17 // the arc is retired
	CodeRevoked      Code = 18 // the X.677 identity is revoked or its application rejected
	CodeInternal     Code = 99 // a broken invariant; never expected

	// The handle registry's codes are numbered from 40.
	CodeInvalidHandle Code = 40 // handle or prefix syntax, or a reserved prefix
	CodeValueNotFound Code = 41 // no handle value at an index
	CodeValueExists   Code = 42 // a handle value index is in use
	CodeInvalidValue  Code = 43 // a handle value's index, type or data breaks the rules
)

var codeNames = map[Code]string{
	CodeOK:           "ok",
	CodeEncoding:     "encoding",
	CodeChainID:      "chain_id",
	CodeSignature:    "signature",
	CodeSequence:     "sequence",
	CodeUnauthorized: "unauthorized",
	CodeInvalidName:  "invalid_name",
	CodeUnknownType:  "unknown_type",
	CodeInvalidData:  "invalid_data",
	CodeTooLarge:     "too_large",
	CodeNotFound:     "not_found",
	CodeExists:       "exists",
	CodeExpired:      "expired",
	CodeInvalidOp:    "invalid_operation",
	CodeHasChildren:  "has_children",
	CodeInvalidOID:   "invalid_oid",
	CodeInvalidLabel: "invalid_label",
	CodeRetired:      "retired",
	CodeRevoked:      "revoked",
	CodeInternal:     "internal",

	CodeInvalidHandle: "invalid_handle",
	CodeValueNotFound: "value_not_found",
	CodeValueExists:   "value_exists",
	CodeInvalidValue:  "invalid_value",
}

// String is the code's stable name, used in the HTTP API.
func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return "unknown"
}

// Codes lists every code, for docs and clients.
func Codes() map[Code]string { return codeNames }

// codeOf maps an execution error to its code.
func codeOf(err error) Code {
	switch {
	case err == nil:
		return CodeOK
	case errors.Is(err, oid.ErrInvalidOID):
		return CodeInvalidOID
	case errors.Is(err, oid.ErrInvalidLabel):
		return CodeInvalidLabel
	case errors.Is(err, oid.ErrRetired):
		return CodeRetired
	case errors.Is(err, oid.ErrRevoked):
		return CodeRevoked
	case errors.Is(err, oid.ErrUnauthorized):
		return CodeUnauthorized
	case errors.Is(err, oid.ErrNotFound):
		return CodeNotFound
	case errors.Is(err, oid.ErrExists):
		return CodeExists
	case errors.Is(err, oid.ErrTooLarge):
		return CodeTooLarge
	case errors.Is(err, oid.ErrHasChildren):
		return CodeHasChildren
	case errors.Is(err, oid.ErrInvalid):
		return CodeInvalidOp
	case errors.Is(err, oid.ErrInfo):
		return CodeInvalidData
	case errors.Is(err, oid.ErrBadRecord):
		return CodeInternal
	case errors.Is(err, handle.ErrInvalidHandle):
		return CodeInvalidHandle
	case errors.Is(err, handle.ErrNotFound):
		return CodeNotFound
	case errors.Is(err, handle.ErrExists):
		return CodeExists
	case errors.Is(err, handle.ErrValueNotFound):
		return CodeValueNotFound
	case errors.Is(err, handle.ErrValueExists):
		return CodeValueExists
	case errors.Is(err, handle.ErrTooLarge):
		return CodeTooLarge
	case errors.Is(err, handle.ErrInvalidValue):
		return CodeInvalidValue
	case errors.Is(err, handle.ErrUnauthorized):
		return CodeUnauthorized
	case errors.Is(err, handle.ErrHasChildren):
		return CodeHasChildren
	case errors.Is(err, handle.ErrBadRecord):
		return CodeInternal
	case errors.Is(err, validator.ErrUnauthorized):
		return CodeUnauthorized
	case errors.Is(err, validator.ErrNotFound):
		return CodeNotFound
	case errors.Is(err, validator.ErrInvalid):
		return CodeInvalidOp
	case errors.Is(err, validator.ErrTooLarge):
		return CodeTooLarge
	case errors.Is(err, validator.ErrBadRecord):
		return CodeInternal
	case errors.Is(err, registry.ErrUnauthorized):
		return CodeUnauthorized
	case errors.Is(err, registry.ErrNotFound):
		return CodeNotFound
	case errors.Is(err, registry.ErrExists):
		return CodeExists
	case errors.Is(err, registry.ErrExpired):
		return CodeExpired
	case errors.Is(err, registry.ErrTooLarge):
		return CodeTooLarge
	case errors.Is(err, registry.ErrHasChildren):
		return CodeHasChildren
	case errors.Is(err, registry.ErrInvalid):
		return CodeInvalidOp
	case errors.Is(err, registry.ErrBadRecord):
		return CodeInternal
	case errors.Is(err, names.ErrUnknownType):
		return CodeUnknownType
	case isAny(err, names.ErrRDataTooLong, names.ErrRRsetSize):
		return CodeTooLarge
	case errors.Is(err, registry.ErrRecordData):
		return CodeInvalidData
	case isAny(err, names.ErrEmpty, names.ErrEmptyLabel, names.ErrLabelTooLong, names.ErrNameTooLong,
		names.ErrBadChar, names.ErrHyphen, names.ErrBadALabel, names.ErrBadULabel, names.ErrNumericTLD,
		names.ErrWildcard, names.ErrNotInZone, names.ErrNotCanonical):
		return CodeInvalidName
	case isAny(err, names.ErrRDataTooLong, names.ErrRRsetSize):
		return CodeTooLarge
	default:
		return CodeInvalidData
	}
}

func isAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

// HandleRC is the Handle protocol response code (RFC 3652 §2.2.2.2) that
// reports a transaction result with code c, for the Handle.Net-shaped HTTP
// API: the registry's own failures map to their Handle codes, signing and
// replay failures to authentication codes, anything else to ERROR.
func (c Code) HandleRC() handleproto.ResponseCode {
	switch c {
	case CodeOK:
		return handleproto.RCSuccess
	case CodeNotFound:
		return handleproto.RCHandleNotFound
	case CodeExists:
		return handleproto.RCHandleAlreadyExists
	case CodeInvalidHandle:
		return handleproto.RCInvalidHandle
	case CodeValueNotFound:
		return handleproto.RCValueNotFound
	case CodeValueExists:
		return handleproto.RCValueAlreadyExists
	case CodeInvalidValue, CodeTooLarge, CodeInvalidData:
		return handleproto.RCValueInvalid
	case CodeUnauthorized:
		return handleproto.RCInvalidAdmin
	case CodeSignature:
		return handleproto.RCAuthenFailed
	case CodeChainID, CodeSequence:
		return handleproto.RCInvalidCredential
	case CodeEncoding:
		return handleproto.RCProtocolError
	default:
		return handleproto.RCError
	}
}

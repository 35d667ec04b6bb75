package handleproto

import "strconv"

// OpCode is the operation a message asks for (RFC 3652 §2.2.2.1).
type OpCode uint32

// Operation codes of RFC 3652 §2.2.2.1, and the extensions the CNRI
// Handle.Net server defines (marked), so they can be named and refused
// precisely instead of being treated as garbage.
const (
	OCReserved           OpCode = 0
	OCResolution         OpCode = 1
	OCGetSiteInfo        OpCode = 2
	OCCreateHandle       OpCode = 100
	OCDeleteHandle       OpCode = 101
	OCAddValue           OpCode = 102
	OCRemoveValue        OpCode = 103
	OCModifyValue        OpCode = 104
	OCListHandle         OpCode = 105
	OCListNA             OpCode = 106
	OCChallengeResponse  OpCode = 200
	OCVerifyResponse     OpCode = 201
	OCHomeNA             OpCode = 300 // CNRI extension
	OCUnhomeNA           OpCode = 301 // CNRI extension
	OCListHomedNAs       OpCode = 302 // CNRI extension
	OCSessionSetup       OpCode = 400
	OCSessionTerminate   OpCode = 401
	OCSessionExchangeKey OpCode = 402
	OCGetNextTxnID       OpCode = 1000 // CNRI extension (replication)
	OCRetrieveTxnLog     OpCode = 1001 // CNRI extension (replication)
	OCDumpHandles        OpCode = 1002 // CNRI extension (replication)
	OCBackupServer       OpCode = 1003 // CNRI extension
)

var opNames = map[OpCode]string{
	OCReserved: "RESERVED", OCResolution: "RESOLUTION", OCGetSiteInfo: "GET_SITEINFO",
	OCCreateHandle: "CREATE_HANDLE", OCDeleteHandle: "DELETE_HANDLE", OCAddValue: "ADD_VALUE",
	OCRemoveValue: "REMOVE_VALUE", OCModifyValue: "MODIFY_VALUE", OCListHandle: "LIST_HANDLE",
	OCListNA: "LIST_NA", OCChallengeResponse: "CHALLENGE_RESPONSE", OCVerifyResponse: "VERIFY_RESPONSE",
	OCHomeNA: "HOME_NA", OCUnhomeNA: "UNHOME_NA", OCListHomedNAs: "LIST_HOMED_NAS",
	OCSessionSetup: "SESSION_SETUP", OCSessionTerminate: "SESSION_TERMINATE",
	OCSessionExchangeKey: "SESSION_EXCHANGEKEY", OCGetNextTxnID: "GET_NEXT_TXN_ID",
	OCRetrieveTxnLog: "RETRIEVE_TXN_LOG", OCDumpHandles: "DUMP_HANDLES", OCBackupServer: "BACKUP_SERVER",
}

// Known reports whether op is an operation code of the protocol (RFC 3652
// or a CNRI extension). OCReserved is not a valid request opcode but is
// known: error responses to undecodable requests carry it.
func (op OpCode) Known() bool { _, ok := opNames[op]; return ok }

// IsAdmin reports whether op changes or lists the handle database: the
// administration opcodes 100–106 and the CNRI NA-homing and replication
// extensions.
func (op OpCode) IsAdmin() bool {
	return (op >= OCCreateHandle && op <= OCListNA) || (op >= OCHomeNA && op <= OCListHomedNAs) ||
		(op >= OCGetNextTxnID && op <= OCBackupServer)
}

func (op OpCode) String() string {
	if s, ok := opNames[op]; ok {
		return s
	}
	return "OPCODE_" + strconv.FormatUint(uint64(op), 10)
}

// ResponseCode is the outcome a response reports (RFC 3652 §2.2.2.2). A
// request carries RCReserved.
type ResponseCode uint32

// Response codes of RFC 3652 §2.2.2.2; the Go names follow the RFC, the
// comments give the CNRI Handle.Net name where it differs.
const (
	RCReserved              ResponseCode = 0
	RCSuccess               ResponseCode = 1
	RCError                 ResponseCode = 2
	RCServerTooBusy         ResponseCode = 3 // RFC RC_SERVER_BUSY
	RCProtocolError         ResponseCode = 4
	RCOperationNotSupported ResponseCode = 5 // RFC RC_OPERATION_DENIED
	RCRecursionCountTooHigh ResponseCode = 6 // RFC RC_RECUR_LIMIT_EXCEEDED
	RCServerBackup          ResponseCode = 7 // CNRI extension: server in maintenance
	RCHandleNotFound        ResponseCode = 100
	RCHandleAlreadyExists   ResponseCode = 101
	RCInvalidHandle         ResponseCode = 102
	RCValueNotFound         ResponseCode = 200 // CNRI RC_VALUES_NOT_FOUND
	RCValueAlreadyExists    ResponseCode = 201
	RCValueInvalid          ResponseCode = 202 // CNRI RC_INVALID_VALUE
	RCExpiredSiteInfo       ResponseCode = 300 // CNRI RC_OUT_OF_DATE_SITE_INFO
	RCServerNotResp         ResponseCode = 301
	RCServiceReferral       ResponseCode = 302
	RCPrefixReferral        ResponseCode = 303 // RFC RC_NA_DELEGATE
	RCInvalidAdmin          ResponseCode = 400 // RFC RC_NOT_AUTHORIZED
	RCAccessDenied          ResponseCode = 401 // CNRI RC_INSUFFICIENT_PERMISSIONS
	RCAuthenNeeded          ResponseCode = 402
	RCAuthenFailed          ResponseCode = 403
	RCInvalidCredential     ResponseCode = 404
	RCAuthenTimeout         ResponseCode = 405
	RCUnableToAuthen        ResponseCode = 406 // CNRI RC_AUTHEN_ERROR
	RCSessionTimeout        ResponseCode = 500
	RCSessionFailed         ResponseCode = 501
	RCNoSessionKey          ResponseCode = 502 // CNRI RC_INVALID_SESSION_KEY
	RCSessionNoSupport      ResponseCode = 503
	RCSessionKeyInvalid     ResponseCode = 504
	RCTrying                ResponseCode = 900
	RCForwarded             ResponseCode = 901
	RCDuplicateRequest      ResponseCode = 902
)

var rcNames = map[ResponseCode]string{ //nolint:gosec // G101: names of response codes, not credentials
	RCReserved: "RESERVED", RCSuccess: "SUCCESS", RCError: "ERROR", RCServerTooBusy: "SERVER_TOO_BUSY",
	RCProtocolError: "PROTOCOL_ERROR", RCOperationNotSupported: "OPERATION_NOT_SUPPORTED",
	RCRecursionCountTooHigh: "RECURSION_COUNT_TOO_HIGH", RCServerBackup: "SERVER_BACKUP",
	RCHandleNotFound: "HANDLE_NOT_FOUND", RCHandleAlreadyExists: "HANDLE_ALREADY_EXISTS",
	RCInvalidHandle: "INVALID_HANDLE", RCValueNotFound: "VALUE_NOT_FOUND",
	RCValueAlreadyExists: "VALUE_ALREADY_EXISTS", RCValueInvalid: "VALUE_INVALID",
	RCExpiredSiteInfo: "EXPIRED_SITE_INFO", RCServerNotResp: "SERVER_NOT_RESP",
	RCServiceReferral: "SERVICE_REFERRAL", RCPrefixReferral: "PREFIX_REFERRAL",
	RCInvalidAdmin: "INVALID_ADMIN", RCAccessDenied: "ACCESS_DENIED", RCAuthenNeeded: "AUTHEN_NEEDED",
	RCAuthenFailed: "AUTHEN_FAILED", RCInvalidCredential: "INVALID_CREDENTIAL",
	RCAuthenTimeout: "AUTHEN_TIMEOUT", RCUnableToAuthen: "UNABLE_TO_AUTHEN",
	RCSessionTimeout: "SESSION_TIMEOUT", RCSessionFailed: "SESSION_FAILED",
	RCNoSessionKey: "NO_SESSION_KEY", RCSessionNoSupport: "SESSION_NO_SUPPORT",
	RCSessionKeyInvalid: "SESSION_KEY_INVALID", RCTrying: "TRYING", RCForwarded: "FORWARDED",
	RCDuplicateRequest: "DUPLICATE_REQUEST",
}

// Known reports whether rc is a response code of the protocol.
func (rc ResponseCode) Known() bool { _, ok := rcNames[rc]; return ok }

func (rc ResponseCode) String() string {
	if s, ok := rcNames[rc]; ok {
		return s
	}
	return "RC_" + strconv.FormatUint(uint64(rc), 10)
}

// OpFlags are the 32 operation flag bits of the message header (RFC 3652
// §2.2.2.3), most significant bit first.
type OpFlags uint32

// Operation flags.
const (
	FlagAT  OpFlags = 1 << 31 // authoritative: answer from a primary, not a cache
	FlagCT  OpFlags = 1 << 30 // certified: sign the response
	FlagENC OpFlags = 1 << 29 // encrypt the response
	FlagREC OpFlags = 1 << 28 // recursive: resolve on the client's behalf
	FlagCA  OpFlags = 1 << 27 // cache authentication: a cache signs its answer
	FlagCN  OpFlags = 1 << 26 // continuous: more messages follow
	FlagKC  OpFlags = 1 << 25 // keep connection open
	FlagPO  OpFlags = 1 << 24 // public only: return publicly readable values only
	FlagRD  OpFlags = 1 << 23 // request digest: the response carries a digest of the request
	FlagOV  OpFlags = 1 << 22 // overwrite existing values (create, add)
	FlagMI  OpFlags = 1 << 21 // mint a new suffix (create)
	FlagDNR OpFlags = 1 << 20 // do not refer (CNRI): no referral responses
)

// Envelope message flags (RFC 3652 §2.2.1): the top bits of the 16-bit
// MessageFlag field.
const (
	EnvCompressed uint16 = 1 << 15 // CP
	EnvEncrypted  uint16 = 1 << 14 // EC
	EnvTruncated  uint16 = 1 << 13 // TC: one packet of a multi-packet message
)

// Value permission bits (RFC 3651 §3.1).
const (
	PermPublicWrite uint8 = 1 << 0
	PermPublicRead  uint8 = 1 << 1
	PermAdminWrite  uint8 = 1 << 2
	PermAdminRead   uint8 = 1 << 3
)

// TTL types (RFC 3651 §3.1).
const (
	TTLRelative uint8 = 0 // TTL is seconds a cache may keep the value
	TTLAbsolute uint8 = 1 // TTL is a time (seconds since 1970) the value expires
)

// Administrator permission bits of an HS_ADMIN record (RFC 3651 §3.2.1).
const (
	AdminAddHandle    uint16 = 0x0001
	AdminDeleteHandle uint16 = 0x0002
	AdminAddNA        uint16 = 0x0004 // add derived prefix
	AdminDeleteNA     uint16 = 0x0008 // delete derived prefix
	AdminModifyValue  uint16 = 0x0010
	AdminRemoveValue  uint16 = 0x0020
	AdminAddValue     uint16 = 0x0040
	AdminModifyAdmin  uint16 = 0x0080
	AdminRemoveAdmin  uint16 = 0x0100
	AdminAddAdmin     uint16 = 0x0200
	AdminReadValue    uint16 = 0x0400
	AdminListHandles  uint16 = 0x0800
	AdminAll          uint16 = 0x0FFF
)

// Site information constants (RFC 3651 §3.2.2).
const (
	SitePrimary      uint8 = 0x80 // PrimaryMask: this site is a primary site
	SiteMultiPrimary uint8 = 0x40 // PrimaryMask: the service has several primaries

	HashByPrefix uint8 = 0 // HashOption: hash the prefix (naming authority)
	HashBySuffix uint8 = 1 // HashOption: hash the local name
	HashByAll    uint8 = 2 // HashOption: hash the whole handle

	ServiceNone            uint8  = 0 // interface out of service
	ServiceAdmin           uint8  = 1 // interface accepts administration
	ServiceResolution      uint8  = 2 // interface answers resolution
	ServiceAdminResolution uint8  = 3 // both
	TransportUDP           uint8  = 0
	TransportTCP           uint8  = 1
	TransportHTTP          uint8  = 2
	TransportHTTPS         uint8  = 3 // CNRI extension
	SiteDataFormatVersion  uint16 = 1
)

// Request digest algorithm codes (RFC 3652 §2.2.3; SHA-256 is a CNRI
// extension).
const (
	DigestMD5Legacy uint8 = 0 // length-prefixed MD5 of 2.0 servers
	DigestMD5       uint8 = 1
	DigestSHA1      uint8 = 2
	DigestSHA256    uint8 = 3
)

// Reserved value types (RFC 3651 §3.2).
const (
	TypeAdmin  = "HS_ADMIN"
	TypeSite   = "HS_SITE"
	TypeServ   = "HS_SERV"
	TypeAlias  = "HS_ALIAS"
	TypeVList  = "HS_VLIST"
	TypePubKey = "HS_PUBKEY"
	TypeSecKey = "HS_SECKEY"
	TypeURL    = "URL"
	TypeEmail  = "EMAIL"
)

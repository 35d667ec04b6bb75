// Package oid keeps the international OID tree of ITU-T X.660 | ISO/IEC
// 9834-1 on the ledger, and the X.677 identities of unmanned aerial
// vehicles below a UAV arc.
//
// Each registered arc is one state key (ArcKey): "o/", the OID's depth,
// then every arc in a sortable form, so the children of an arc are one
// contiguous key range in numeric order. An arc holds its registration
// authority (an account), its secondary identifiers and Unicode labels
// (OID-IRI), registration information and block-time dates; a retired arc
// stays, marked retired, and its number is never allocated again. A label
// index ("ol/") finds a child by its Unicode label and keeps siblings'
// labels unique. X.677 identities are "u/" keys, moved through their life
// cycle (apply, verify, announce, change, revoke) by ledger transactions.
//
// Exec runs the operations of package tx that Handles reports; Resolve
// reads dotted OIDs and OID-IRIs; Verify checks a proof Bundle offline;
// ORSRecords gives the DNS records an ORS server (X.672) would serve for
// an arc. docs/oid.md describes the model, the encodings and the rules.
package oid

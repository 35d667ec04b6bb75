// Package keyring stores account keys (ed25519) in a folder, one JSON file
// per key, readable only by its owner (mode 0600, folder 0700).
//
// A key file holds the key's name, its address, its public key and its
// 32-byte private seed, base64-encoded. The keys are not encrypted: the
// folder's permissions are the protection, as with CometBFT's own
// priv_validator_key.json. Keep a copy of the home folder's keys/ somewhere
// safe; an account whose key is lost cannot be recovered.
package keyring

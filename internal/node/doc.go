// Package node runs a dii node: CometBFT v1 in-process with the ledger
// application over a local ABCI client, embedded storage, and the node's
// listeners (CometBFT RPC, the HTTP API, P2P).
//
// Init lays out a home folder on first use:
//
//	config/config.toml            CometBFT configuration
//	config/genesis.json           chain id, validators, app_state
//	config/node_key.json          P2P identity
//	config/priv_validator_key.json validator signing key
//	data/                         block store, CometBFT state, tx index, app state (pebble)
//	keys/operator.json            the operator account (a registry operator in genesis)
//
// Start opens it, replays any blocks the application has not committed, and
// serves until Stop. Nothing outside the home folder is needed.
package node

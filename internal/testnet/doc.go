// Package testnet lays out and runs a local dii network of several nodes,
// each a separate "dii up" process, and watches it: the engine behind
// "dii testnet" and the end-to-end tests.
//
// Init writes a network into a folder: one home per node (node0, node1,
// ...) sharing one genesis, in which the first Validators nodes are the
// validators and the rest are full nodes; a manifest, testnet.json, with
// every node's ports; and every node's CometBFT configuration with the
// others as persistent peers and short consensus timeouts. Each node has
// its own P2P, RPC, API and DNS port on a loopback address, picked
// deterministically from a base port and checked to be free. Every
// validator's operator account (keys/operator.json in its home) is a
// registry operator and a validator admin, and genesis registers the open
// TLD "load" so that any account may write names for a load test.
//
// A Network starts, stops (SIGTERM, then SIGKILL after a timeout), kills
// (SIGKILL) and restarts nodes, each with a pid file and a log file in its
// home, so that a later process (another "dii testnet" command) finds the
// nodes an earlier one started. It reads each node's status, block app
// hashes and logs, adds full nodes to a running network, and changes the
// validator set by transaction.
package testnet

// Package e2e holds dii's end-to-end fault tests and the harness they run
// on: a network described by a small JSON manifest (networks/*.json) is
// laid out and run with package testnet, each node a separate "dii up"
// process, under a steady write load from package load, while the tests
// kill, stop, partition and add nodes. After every step the harness checks
// the invariants on every node, each from its first block: every
// transaction whose commit a node reported is in that block; all nodes
// agree on the hash and app hash of every block they share; their DNS
// servers give the same answers; and their APIs list the same names at a
// common height.
//
// Partitions use network namespaces when the tests run as root and can
// create them: every node then runs in its own namespace, joined to the
// others by a veth pair on a bridge, and a partition takes the node's link
// down. Otherwise every node listens on loopback, and a partition restarts
// the node with no peers on another P2P port, so no connection forms
// either way; healing restarts it as it was.
//
// "go test ./test/e2e" runs networks/ci.json, the short profile CI runs;
// DII_E2E=long (or make e2e-long) runs networks/long.json, and
// DII_E2E_MANIFEST names any other manifest. README.md says what each step
// proves.
package e2e

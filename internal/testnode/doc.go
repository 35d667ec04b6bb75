// Package testnode starts a real dii node in-process for tests: a fresh
// home in a temporary folder, every listener on 127.0.0.1 port 0, and a
// short block interval. It stops when the test ends.
package testnode

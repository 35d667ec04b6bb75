// Package testnode starts a real dii node in-process for tests: a fresh
// home in a temporary folder, every listener on 127.0.0.1 port 0, and a
// short block interval. It stops when the test ends. For the tests that
// run the dii command as a process, MainWithBinary is a TestMain that
// builds it once.
package testnode

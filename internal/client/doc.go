// Package client talks to a dii node's HTTP API: reads, and signed
// transactions built, signed and submitted for the CLI and for load
// generators. Errors from the node come back as *api.Error, with the
// node's stable code.
package client

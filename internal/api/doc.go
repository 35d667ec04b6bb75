// Package api serves dii's HTTP JSON API under /v1/ and Prometheus metrics
// at /metrics.
//
// Every handler returns either a value, rendered as JSON, or an *Error,
// rendered in one place as {"error":{"code":..., "message":...}} with a
// stable string code and an HTTP status. Reads come from the committed
// state snapshot without locks; writes are signed transactions submitted
// to CometBFT's mempool. docs/openapi.yaml describes every route; the
// types in types.go are the wire shapes, shared with the CLI's client.
package api

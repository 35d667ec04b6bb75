// Package demo loads a handful of example TLDs and records, and a handle
// prefix with a few handles, so a newcomer running `dii up --demo` has
// something to look at at once.
package demo

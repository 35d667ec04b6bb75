// Package codec holds the strict big-endian field reader and writer behind
// dii's canonical binary encodings (transactions, registry records).
//
// A Reader's first failure sticks: later reads return zero values, so a
// decoder reads straight through its fields and checks Err once. Every
// length is checked against what remains, so no input can make a decoder
// allocate more than the input's size or panic.
package codec

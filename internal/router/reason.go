package router

// Reason says why the router dropped a packet. Every drop is counted
// under one reason, per link, and exported as the reason label of
// dii_newip_router_drops_total.
type Reason uint8

// The drop reasons. ok is not a drop.
const (
	ok Reason = iota
	// Malformed packets (the wire library's decoding errors).
	DropTruncated     // the packet ends before a header or field does
	DropBadOffset     // an offset points outside the packet or out of order
	DropBadHeader     // unknown version, reserved flags, or a lying total length
	DropBadAddrLength // an address claims more bytes than its section holds
	DropBadAddress    // an unknown address type, cast, or unassigned or non-minimal flexible address
	DropUnknownContract
	DropBadContract
	DropBadChunk
	DropTooBig // the datagram is larger than the router's buffers
	// Forwarding.
	DropHopLimit  // the hop limit ran out
	DropNoRoute   // no forwarding entry matches the destination
	DropLoop      // the route sends the packet back out of the link it came in on
	DropNoService // addressed to the router, but not a packet the router answers
	DropLinkDown  // the link has no peer yet (a learning link that heard nothing)
	DropSendError // the operating system refused to send
	// Contracts and queues.
	DropMaxDelay     // Max-Delay Forwarding: the delay budget is spent
	DropLBFBudget    // Latency-Based Forwarding: the budget cannot be met even with no queueing
	DropLBFLate      // Latency-Based Forwarding: queueing here used up the budget
	DropQueueFull    // the link's queue is full
	DropPushedOut    // a best-effort packet pushed out of a full queue by a latency-bound one
	DropContractRule // a general contract block's action said drop
	numReasons
)

var reasonNames = [numReasons]string{
	ok:                  "ok",
	DropTruncated:       "truncated",
	DropBadOffset:       "bad_offset",
	DropBadHeader:       "bad_header",
	DropBadAddrLength:   "bad_address_length",
	DropBadAddress:      "bad_address",
	DropUnknownContract: "unknown_contract",
	DropBadContract:     "bad_contract",
	DropBadChunk:        "bad_chunk",
	DropTooBig:          "too_big",
	DropHopLimit:        "hop_limit",
	DropNoRoute:         "no_route",
	DropLoop:            "loop",
	DropNoService:       "no_service",
	DropLinkDown:        "link_down",
	DropSendError:       "send_error",
	DropMaxDelay:        "max_delay",
	DropLBFBudget:       "lbf_budget",
	DropLBFLate:         "lbf_late",
	DropQueueFull:       "queue_full",
	DropPushedOut:       "pushed_out",
	DropContractRule:    "contract_rule",
}

// String returns the reason's label value.
func (r Reason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return "unknown"
}

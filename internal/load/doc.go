// Package load generates a write load on a dii network and measures it:
// many accounts send signed name updates to one or more nodes at a target
// rate for a duration, and the result counts what was submitted,
// committed and rejected, the committed transactions and updates per
// second, and the submit-to-commit latency percentiles.
//
// Before the measured run every account registers OpsPerTx names under an
// open TLD (by default "load", which "dii testnet init" creates in
// genesis). Each measured transaction then sets the A record of each of
// the account's names: OpsPerTx name updates per transaction. Every
// transaction is submitted with wait=commit, so its latency runs from the
// moment it is sent to the moment the node reports the block that
// includes it committed. An account has at most one transaction in flight;
// when every account is waiting for a commit, a transaction the schedule
// calls for is not sent and is counted as skipped, which shows the
// generator, not the network, as the limit: add accounts.
//
// With Rate 0 the run is closed-loop: each account sends its next
// transaction as soon as the previous one is committed.
package load

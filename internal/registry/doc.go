// Package registry is the ledger's name registry: the root zone (TLDs) and
// the zones below it, held as records in the authenticated state.
//
// A registered name is one Record under the state key "n/" + the name with
// its labels reversed ("n/dii.example" for example.dii), so a zone and
// everything below it are one contiguous key range. The Record holds the
// owner, expiry, delegates and every RRset at or below the name that is not
// itself inside a lower registered name. One key per name means one Merkle
// proof shows a name's whole state, or its absence.
//
// Rules (each failure is a sentinel error the ledger maps to a result code):
//
//   - a TLD (one label) is registered only by a registry operator named in
//     genesis; it may be marked open;
//   - under an open TLD, second-level names are first come, first served;
//     everywhere else only the owner of the closest registered ancestor may
//     register below it;
//   - a name is taken until its expiry plus the grace period; within the
//     grace period only its owner may renew it;
//   - RRsets may be changed by the owner or an account the owner delegates
//     to; transfer, delegation and deletion by the owner only;
//   - record syntax and limits come from package names.
//
// Time is the block time handed in by the caller, never the wall clock.
package registry

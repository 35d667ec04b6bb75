// Package validator keeps the consensus validator set on the ledger: who
// validates, with what voting power, run by which account, and who may
// change it.
//
// Each validator is one state key, "v/" followed by its 32-byte ed25519
// consensus key, whose value is a Validator record. Genesis writes the
// validators CometBFT starts with (with their operators from the
// application state) and the parameters ("p/validators"): the validator
// admins, by default the registry operators, and the largest set allowed.
//
// A validator operation (tx.Validator) adds a validator, changes its power,
// or with power 0 removes it. Only an admin may send one. The set may not
// become empty or grow past the maximum. Updates turns the validator keys a
// block changed into the updates the ledger returns to CometBFT from
// FinalizeBlock, so the set CometBFT runs always follows the ledger's: a
// change decided at height H takes part in consensus from height H+2.
//
// The operator of a validator may publish a root name server entry (a
// tx.Nameserver operation) without being a registry operator, so a
// validator's DNS endpoint joins the root zone's NS set. When a validator
// is removed, or its operator replaced, and its former operator runs no
// other validator, that operator's name server entry is withdrawn in the
// same operation: the root zone's name servers stay the ones that run the
// ledger.
package validator

// Command dii is the single binary of the dii system: it runs a node
// (`dii up`) and drives one over its HTTP API (keys, names, proofs,
// verification). This package only wires Cobra commands to the packages
// under internal/ that do the work; `dii --help` lists the commands.
package main

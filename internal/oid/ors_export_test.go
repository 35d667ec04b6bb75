package oid

// FollowChainForTest exposes followChain to the external tests.
var FollowChainForTest = followChain

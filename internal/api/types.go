package api

import "time"

// Status is GET /v1/status.
type Status struct {
	ChainID         string    `json:"chain_id"`
	NodeID          string    `json:"node_id"`
	Moniker         string    `json:"moniker"`
	Version         string    `json:"version"`
	LatestHeight    int64     `json:"latest_height"`
	LatestBlockTime time.Time `json:"latest_block_time"`
	LatestBlockHash string    `json:"latest_block_hash"`
	LatestAppHash   string    `json:"latest_app_hash"`
	StateHeight     int64     `json:"state_height"`
	StateRoot       string    `json:"state_root"`
	StateKeys       int       `json:"state_keys"`
	CatchingUp      bool      `json:"catching_up"`
	ValidatorAddr   string    `json:"validator_address"`
	VotingPower     int64     `json:"voting_power"`
}

// Name is a registered name, as GET /v1/names/{name} shows it.
type Name struct {
	Name      string    `json:"name"`
	Unicode   string    `json:"unicode,omitempty"`
	Owner     string    `json:"owner"`
	Created   time.Time `json:"created"`
	Expiry    time.Time `json:"expiry"`
	Open      bool      `json:"open,omitempty"`
	Delegates []string  `json:"delegates,omitempty"`
	RRsets    []RRset   `json:"rrsets"`
	Height    int64     `json:"height"`
}

// RRset is one record set in presentation form.
type RRset struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	TTL     uint32   `json:"ttl"`
	Records []string `json:"records"`
}

// NameList is GET /v1/names.
type NameList struct {
	Names  []Name `json:"names"`
	Next   string `json:"next,omitempty"`
	Height int64  `json:"height"`
}

// Account is GET /v1/accounts/{address}.
type Account struct {
	Address string `json:"address"`
	PubKey  []byte `json:"public_key,omitempty"`
	// Sequence is the next sequence number in committed state.
	Sequence uint64 `json:"sequence"`
	// NextSequence also counts transactions waiting in the mempool: use
	// it for the next transaction.
	NextSequence uint64 `json:"next_sequence"`
	Height       int64  `json:"height"`
}

// SubmitRequest is the JSON body of POST /v1/txs.
type SubmitRequest struct {
	Tx []byte `json:"tx"`
}

// TxResult is the answer to POST /v1/txs and GET /v1/txs/{hash}.
type TxResult struct {
	Hash     string `json:"hash"`
	Status   string `json:"status"` // "accepted" (in the mempool), "committed"
	Height   int64  `json:"height,omitempty"`
	Index    int    `json:"index,omitempty"`
	Code     uint32 `json:"code"`
	CodeName string `json:"code_name"`
	Log      string `json:"log,omitempty"`
}

// Block is GET /v1/blocks/{height}.
type Block struct {
	Height          int64     `json:"height"`
	Hash            string    `json:"hash"`
	Time            time.Time `json:"time"`
	ChainID         string    `json:"chain_id"`
	Proposer        string    `json:"proposer"`
	AppHash         string    `json:"app_hash"`
	LastBlockHash   string    `json:"last_block_hash"`
	ValidatorsHash  string    `json:"validators_hash"`
	DataHash        string    `json:"data_hash"`
	Txs             []string  `json:"txs"`
	LastCommitSigns int       `json:"last_commit_signatures"`
}

// ErrorBody is the JSON of every error response.
type ErrorBody struct {
	Error *Error `json:"error"`
}

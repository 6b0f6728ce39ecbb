package leadrun

import "time"

// This file holds the working values that the runner, ingest, web and the CLI build and
// the store writes: the outcome of scoring a lead or a post, what a chunk adds to its
// operation, batches of posts and imported leads, and what a batch did. The store maps
// them to rows and nothing else.

// LeadUpdate is the outcome of scoring one lead, as a run writes it.
type LeadUpdate struct {
	LeadID         int64
	Status         ScoringStatus // scored, skipped_missing_data or failed
	Score          *float64
	Assessment     string
	Breakdown      []byte // the encoded breakdown, encoded before the transaction
	Excluded       bool
	ExcludeDetails string
	Reason         Reason // why it was skipped or failed
	ScoredBy       string // scorer and model, e.g. openai/gpt-4o-mini
}

// PostUpdate is the outcome of scoring one post. A post with neither score nor skip
// reason failed and only counts an attempt.
type PostUpdate struct {
	PostID     int64
	Score      *float64 // nil when skipped or failed
	Rationale  string
	SkipReason string // set when the post cannot be scored (e.g. no_content)
	FailReason Reason // set when scoring failed; only counts an attempt
}

// OpDelta is what one chunk adds to its operation's counts: counts are added, never
// overwritten.
type OpDelta struct {
	Examined, Scored, Skipped, Failed int64
	SkippedBy, FailedBy               map[string]int64
	Usage                             Usage
}

// PostInput is one post addressed by its lead's profile key: the lead is looked up when
// the post is stored.
type PostInput struct {
	ProfileKey string
	Post       Post
	Repairs    []string // what the text boundary repaired (NUL, invalid UTF-8), for the answer
}

// ItemError says why one item of a batch (a lead or post of an input, a Linked Helper
// item) was rejected. Index is the 0-based position of the item in a JSON input or
// batch, or the line number (1-based, header = line 1) in a CSV file.
type ItemError struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

// UpsertResult counts what an upsert of leads or posts did.
type UpsertResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// ImportItem is one lead from the original platform with the fingerprint of its mapped
// fields: a later import skips leads whose fingerprint is unchanged before any write.
type ImportItem struct {
	Lead        *Lead
	Fingerprint string
}

// ImportCounts counts what an import of the original platform's leads did.
type ImportCounts struct {
	Created    int `json:"created"`
	Updated    int `json:"updated"`
	ScoresKept int `json:"scores_kept"` // scored leads whose original score was stored
	// ScoredHere counts leads leadrun had already scored itself: their profile was
	// refreshed, their own score kept.
	ScoredHere int `json:"scored_here"`
}

// StaleOperation is a running operation whose heartbeat stopped, with the worker that
// was executing it.
type StaleOperation struct {
	Key      OpKey
	WorkerID string
	LastBeat time.Time
}

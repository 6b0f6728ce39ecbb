package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/leadrun/leadrun"
)

// LeadUpdate is the outcome of scoring one lead, as the runner writes it.
type LeadUpdate struct {
	LeadID         int64
	Status         leadrun.ScoringStatus // scored, skipped_missing_data or failed
	Score          *float64
	Assessment     string
	Breakdown      *leadrun.Breakdown
	Excluded       bool
	ExcludeDetails string
	Reason         leadrun.Reason // why it was skipped or failed
}

// ApplyLeadUpdates writes a chunk's outcomes. Each update applies only if the lead is still
// due (to_be_scored, or failed with attempts left), so nothing is ever scored twice; the
// result says which applied. Every applied update counts one attempt.
func (tx *Tx) ApplyLeadUpdates(ctx context.Context, clientID, runID string, maxAttempts int, updates []LeadUpdate) ([]bool, error) {
	stmt, err := tx.PrepareContext(ctx, `UPDATE leads SET scoring_status = $3, score = $4, assessment = $5,
		breakdown = $6, ai_excluded = $7, exclude_details = $8, scored_at = $9, attempts = attempts + 1,
		last_reason = $10, last_run_id = $11, updated_at = $12
		WHERE id = $1 AND client_id = $2 AND (scoring_status = 'to_be_scored' OR (scoring_status = 'failed' AND attempts < $13))`)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	applied := make([]bool, len(updates))
	now := tx.db.ts(tx.Now)
	for i, u := range updates {
		var breakdown, scoredAt any
		if u.Breakdown != nil {
			b, err := json.Marshal(u.Breakdown)
			if err != nil {
				return nil, err
			}
			breakdown = string(b)
		}
		if u.Status == leadrun.StatusScored {
			scoredAt = now
		}
		res, err := stmt.ExecContext(ctx, u.LeadID, clientID, u.Status, nullFloat(u.Score), u.Assessment, breakdown,
			u.Excluded, u.ExcludeDetails, scoredAt, string(u.Reason), runID, now, maxAttempts)
		if applied[i], err = affectedOne(res, err); err != nil {
			return nil, err
		}
	}
	return applied, nil
}

func nullFloat(f *float64) sql.NullFloat64 {
	if f == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *f, Valid: true}
}

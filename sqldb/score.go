package sqldb

import (
	"context"
	"database/sql"

	"github.com/leadrun/leadrun"
)

// ApplyLeadUpdates writes a chunk's outcomes. Each update applies only if the lead is still
// due (to_be_scored, or failed with attempts left), so nothing is ever scored twice; the
// result says which applied. Every applied update counts one attempt; a failed one is also
// kept in the lead's failure history.
//
// On PostgreSQL the chunk is written in one statement (applyLeadUpdatesBatch); SQLite,
// in process, keeps prepared per-row statements, which are faster there.
func (tx *Tx) ApplyLeadUpdates(ctx context.Context, clientID, runID string, maxAttempts int, updates []leadrun.LeadUpdate) ([]bool, error) {
	if len(updates) == 0 {
		return []bool{}, nil
	}
	if tx.db.kind == Postgres && distinctLeads(updates) {
		return tx.applyLeadUpdatesBatch(ctx, clientID, runID, maxAttempts, updates)
	}
	return tx.applyLeadUpdatesRows(ctx, clientID, runID, maxAttempts, updates)
}

// applyLeadUpdatesRows is ApplyLeadUpdates with prepared per-row statements.
func (tx *Tx) applyLeadUpdatesRows(ctx context.Context, clientID, runID string, maxAttempts int, updates []leadrun.LeadUpdate) ([]bool, error) {
	lead, err := tx.stmt(ctx, `UPDATE leads SET scoring_status = $3, score = $4, scored_at = $5,
		attempts = attempts + 1, last_reason = $6, last_run_id = $7, updated_at = $8, scored_by = $10
		WHERE id = $1 AND client_id = $2 AND scoring_status IN ('to_be_scored','failed')
		AND (scoring_status = 'to_be_scored' OR attempts < $9)`)
	if err != nil {
		return nil, err
	}
	assessment, err := tx.stmt(ctx, `INSERT INTO lead_assessments (lead_id, assessment, breakdown, ai_excluded,
		exclude_details) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (lead_id) DO UPDATE SET assessment = excluded.assessment,
		breakdown = excluded.breakdown, ai_excluded = excluded.ai_excluded, exclude_details = excluded.exclude_details`)
	if err != nil {
		return nil, err
	}
	var failure *sql.Stmt // prepared on the first failed lead: most chunks have none (the transaction closes it)
	applied := make([]bool, len(updates))
	now := tx.db.ts(tx.Now)
	for i, u := range updates {
		var scoredAt any
		if u.Status == leadrun.StatusScored {
			scoredAt = now
		}
		res, err := lead.ExecContext(ctx, u.LeadID, clientID, u.Status, nullFloat(u.Score), scoredAt, string(u.Reason),
			runID, now, maxAttempts, u.ScoredBy)
		if applied[i], err = affectedOne(res, err); err != nil || !applied[i] {
			if err != nil {
				return nil, err
			}
			continue
		}
		if u.Status == leadrun.StatusFailed {
			if failure == nil {
				if failure, err = tx.stmt(ctx, `INSERT INTO lead_failures (lead_id, run_id, reason, failed_at)
					VALUES ($1, $2, $3, $4)`); err != nil {
					return nil, err
				}
			}
			if _, err := failure.ExecContext(ctx, u.LeadID, runID, string(u.Reason), now); err != nil {
				return nil, err
			}
		}
		var breakdown any
		if u.Breakdown != nil {
			breakdown = string(u.Breakdown)
		}
		if _, err := assessment.ExecContext(ctx, u.LeadID, u.Assessment, breakdown, u.Excluded, u.ExcludeDetails); err != nil {
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

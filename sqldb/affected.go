package sqldb

import (
	"context"
	"time"

	"github.com/leadrun/leadrun"
)

// AffectedKeptPerReason is how many leads per reason an operation keeps with the run.
const AffectedKeptPerReason = 100

// KeepAffectedLeads keeps with the run the leads a lead-scoring operation left failed or
// skipped, as they are now (the first AffectedKeptPerReason per reason, in ID order), and
// marks the operation's list kept. It reads only this client's affected leads of this run:
// its cost does not grow with the run's other clients. Post scoring keeps nothing.
func (tx *Tx) KeepAffectedLeads(ctx context.Context, k leadrun.OpKey) (int64, error) {
	if k.Kind != leadrun.OpLeadScoring {
		return 0, nil
	}
	res, err := tx.cached().ExecContext(ctx, `INSERT INTO affected_leads (run_id, client_id, reason, lead_id, status, attempts, at)
		SELECT $1, $2, last_reason, id, scoring_status, attempts, updated_at FROM (
			SELECT id, last_reason, scoring_status, attempts, updated_at,
				ROW_NUMBER() OVER (PARTITION BY last_reason ORDER BY id) AS n
			FROM leads WHERE client_id = $2 AND last_run_id = $1 AND scoring_status IN ('failed', 'skipped_missing_data')) a
		WHERE n <= $3 ON CONFLICT DO NOTHING`, k.RunID, k.ClientID, AffectedKeptPerReason)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	_, err = tx.cached().ExecContext(ctx, `UPDATE operations SET affected_kept = 1 WHERE run_id = $1 AND client_id = $2 AND operation = $3`,
		k.RunID, k.ClientID, string(k.Kind))
	return n, err
}

// KeptAffectedLeads returns up to limit of the leads the run's lead-scoring operation of
// the client kept for the reason, as they were when it ended, in ID order. kept is false
// for operations that ended before leadrun kept these lists (or have not ended).
func (db *DB) KeptAffectedLeads(ctx context.Context, runID, clientID string, reason leadrun.Reason, limit int) (leads []AffectedLead, kept bool, err error) {
	var flag int
	err = db.db.QueryRowContext(ctx, `SELECT affected_kept FROM operations WHERE run_id = $1 AND client_id = $2 AND operation = $3`,
		runID, clientID, string(leadrun.OpLeadScoring)).Scan(&flag)
	if err != nil {
		return nil, false, mapError(err, "lead scoring of "+clientID+" in run "+runID)
	}
	if flag == 0 {
		return nil, false, nil
	}
	if limit <= 0 || limit > AffectedKeptPerReason {
		limit = AffectedKeptPerReason
	}
	leads, err = collect(ctx, db.db, scanKeptLead, `SELECT a.lead_id, a.client_id, COALESCE(l.first_name, ''), COALESCE(l.last_name, ''),
		a.status, a.reason, a.attempts, a.at FROM affected_leads a LEFT JOIN leads l ON l.id = a.lead_id
		WHERE a.run_id = $1 AND a.client_id = $2 AND a.reason = $3 ORDER BY a.lead_id LIMIT $4`, runID, clientID, string(reason), limit)
	return leads, true, err
}

// RunKeptAffectedLeads returns every lead the run's operations kept (of operations marked
// kept), by client, reason and
// lead ID; allKept is false when some lead-scoring operation of the run that started ended
// before leadrun kept these lists (an older run) or has not ended yet.
func (db *DB) RunKeptAffectedLeads(ctx context.Context, runID string) (leads []AffectedLead, allKept bool, err error) {
	var missing int
	err = db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM operations WHERE run_id = $1 AND operation = $2
		AND started_at IS NOT NULL AND affected_kept = 0`, runID, string(leadrun.OpLeadScoring)).Scan(&missing)
	if err != nil {
		return nil, false, err
	}
	leads, err = collect(ctx, db.db, scanKeptLead, `SELECT a.lead_id, a.client_id, COALESCE(l.first_name, ''), COALESCE(l.last_name, ''),
		a.status, a.reason, a.attempts, a.at FROM affected_leads a
		JOIN operations o ON o.run_id = a.run_id AND o.client_id = a.client_id AND o.operation = 'lead_scoring' AND o.affected_kept = 1
		LEFT JOIN leads l ON l.id = a.lead_id
		WHERE a.run_id = $1 ORDER BY a.client_id, a.reason, a.lead_id`, runID)
	return leads, missing == 0, err
}

func scanKeptLead(s scanner) (AffectedLead, error) {
	var a AffectedLead
	var first, last, reason string
	var at time.Time
	err := s.Scan(&a.ID, &a.ClientID, &first, &last, &a.Status, &reason, &a.Attempts, &at)
	a.Name = (&leadrun.Lead{FirstName: first, LastName: last}).FullName()
	a.Reason, a.UpdatedAt = leadrun.Reason(reason), at.UTC()
	return a, err
}

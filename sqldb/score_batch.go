package sqldb

import (
	"context"

	"github.com/leadrun/leadrun"
)

// applyLeadUpdatesBatch is ApplyLeadUpdates on PostgreSQL in one round trip: the chunk
// travels as arrays, and one statement updates the leads that are still due, upserts
// their assessments and records their failures (data-modifying CTEs that all read the
// UPDATE's RETURNING). Per-row statements cost a network round trip each (two per
// lead), which made the database, not the scorer, the limit of a worker process.
// The updates must name distinct leads: the UPDATE's join writes a row at most once.
func (tx *Tx) applyLeadUpdatesBatch(ctx context.Context, clientID, runID string, maxAttempts int, updates []leadrun.LeadUpdate) ([]bool, error) {
	n := len(updates)
	var (
		ids                  = make([]int64, n)
		statuses, reasons    = make([]string, n), make([]string, n)
		assessments, details = make([]string, n), make([]string, n)
		scores               = make([]*float64, n)
		breakdowns           = make([]*string, n)
		excluded             = make([]bool, n)
		scoredBy             = make([]string, n)
	)
	for i, u := range updates {
		ids[i], statuses[i], reasons[i] = u.LeadID, string(u.Status), string(u.Reason)
		assessments[i], details[i], scores[i], excluded[i] = u.Assessment, u.ExcludeDetails, u.Score, u.Excluded
		scoredBy[i] = u.ScoredBy
		if u.Breakdown != nil {
			s := string(u.Breakdown)
			breakdowns[i] = &s
		}
	}
	stmt, err := tx.stmt(ctx, applyLeadUpdatesPG)
	if err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, clientID, runID, tx.db.ts(tx.Now), maxAttempts,
		ids, statuses, scores, reasons, assessments, breakdowns, excluded, details, scoredBy)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	done := make(map[int64]bool, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		done[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	applied := make([]bool, n)
	for i, id := range ids {
		applied[i] = done[id]
	}
	return applied, nil
}

// applyLeadUpdatesPG: $1 client, $2 run, $3 now, $4 max attempts, $5… the chunk's columns.
// The chunk's lead rows are locked first in ID order (a FOR UPDATE CTE is never inlined),
// the order in which per-row writers such as post scoring take them: the UPDATE's join
// alone would lock in whatever order its plan reads, and could deadlock against them.
const applyLeadUpdatesPG = `WITH u AS (
	SELECT * FROM unnest($5::bigint[], $6::text[], $7::float8[], $8::text[], $9::text[], $10::text[],
		$11::boolean[], $12::text[], $13::text[]) WITH ORDINALITY
		AS t(id, status, score, reason, assessment, breakdown, excluded, details, scored_by, ord)
), locked AS (
	SELECT id FROM leads WHERE id = ANY($5::bigint[]) AND client_id = $1 ORDER BY id FOR UPDATE
), upd AS (
	UPDATE leads l SET scoring_status = u.status, score = u.score,
		scored_at = CASE WHEN u.status = 'scored' THEN $3::timestamptz END,
		attempts = l.attempts + 1, last_reason = u.reason, last_run_id = $2, updated_at = $3, scored_by = u.scored_by
	FROM u JOIN locked ON locked.id = u.id WHERE l.id = u.id AND l.client_id = $1 AND l.scoring_status IN ('to_be_scored','failed')
		AND (l.scoring_status = 'to_be_scored' OR l.attempts < $4)
	RETURNING l.id
), assessed AS (
	INSERT INTO lead_assessments (lead_id, assessment, breakdown, ai_excluded, exclude_details)
	SELECT u.id, u.assessment, u.breakdown, u.excluded, u.details FROM u JOIN upd ON upd.id = u.id ORDER BY u.ord
	ON CONFLICT (lead_id) DO UPDATE SET assessment = excluded.assessment, breakdown = excluded.breakdown,
		ai_excluded = excluded.ai_excluded, exclude_details = excluded.exclude_details
), failures AS (
	INSERT INTO lead_failures (lead_id, run_id, reason, failed_at)
	SELECT u.id, $2, u.reason, $3 FROM u JOIN upd ON upd.id = u.id WHERE u.status = '` + string(leadrun.StatusFailed) + `' ORDER BY u.ord
)
SELECT id FROM upd`

// distinctLeads reports whether no lead appears twice among the updates.
func distinctLeads(updates []leadrun.LeadUpdate) bool {
	seen := make(map[int64]struct{}, len(updates))
	for _, u := range updates {
		if _, dup := seen[u.LeadID]; dup {
			return false
		}
		seen[u.LeadID] = struct{}{}
	}
	return true
}

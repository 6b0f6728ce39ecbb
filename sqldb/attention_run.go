package sqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/leadrun/leadrun"
)

// attentionLastRun: active clients whose last lead-scoring operation was skipped with
// leads due because of the token budget or a rubric the scorer cannot use. Raising the
// budget (changing the client) or changing the rubric after that run clears the item: the
// next run will tell.
func (db *DB) attentionLastRun(ctx context.Context, clients map[string]*leadrun.Client, _ time.Time, _ int) ([]*leadrun.AttentionItem, error) {
	type row struct {
		client, run, reason string
		due                 int64
		finished            time.Time
		rubricAt            sql.NullTime
	}
	rows, err := collect(ctx, db.db, func(s scanner) (row, error) {
		var r row
		err := s.Scan(&r.client, &r.run, &r.reason, &r.due, &r.finished, &r.rubricAt)
		return r, err
	}, `SELECT o.client_id, o.run_id, o.skip_reason, o.due, o.finished_at, ru.updated_at FROM operations o
		LEFT JOIN rubrics ru ON ru.client_id = o.client_id
		WHERE o.operation = 'lead_scoring' AND o.status = 'skipped' AND o.due > 0
		AND o.skip_reason IN ('budget_exceeded', 'rubric_without_signals')
		AND o.finished_at = (SELECT MAX(o2.finished_at) FROM operations o2
			WHERE o2.client_id = o.client_id AND o2.operation = 'lead_scoring')`)
	if err != nil {
		return nil, err
	}
	var out []*leadrun.AttentionItem
	for _, r := range rows {
		c := clients[r.client]
		if c == nil || c.Status != leadrun.ClientActive {
			continue
		}
		it := &leadrun.AttentionItem{ClientID: r.client, Count: r.due, RunID: r.run}
		switch r.reason {
		case leadrun.SkipBudgetExceeded:
			if c.UpdatedAt.After(r.finished) {
				continue
			}
			it.Kind = leadrun.AttentionBudgetExceeded
		default:
			if r.rubricAt.Valid && r.rubricAt.Time.After(r.finished) {
				continue
			}
			it.Kind = leadrun.AttentionRubricWithoutSignals
		}
		since := r.finished.UTC()
		it.Since = &since
		it.Describe("")
		out = append(out, it)
	}
	return out, nil
}

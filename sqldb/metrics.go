package sqldb

import (
	"context"
	"database/sql"

	"github.com/leadrun/leadrun"
)

// Snapshot is what the metrics endpoint reports, read from the database so that every
// process reports the same numbers whichever of them did the work.
type Snapshot struct {
	RunsByStatus      map[leadrun.RunStatus]int64
	ActiveRuns        map[int]int64   // stream → active runs (0 or 1)
	LastSuccess       map[int]float64 // stream → Unix time of the last completed run
	Items             []ItemCount
	PromptTokens      int64
	CompletionTokens  int64
	CostMicros        int64
	RunDurationsByEnd []float64 // seconds, of finished runs
}

// ItemCount counts items by operation, outcome (scored, skipped, failed) and reason.
type ItemCount struct {
	Operation leadrun.OperationKind
	Outcome   string
	Reason    string
	Count     int64
}

// Snapshot reads the metrics.
func (db *DB) Snapshot(ctx context.Context) (*Snapshot, error) {
	s := &Snapshot{RunsByStatus: map[leadrun.RunStatus]int64{}, ActiveRuns: map[int]int64{}, LastSuccess: map[int]float64{}}
	rows, err := db.db.QueryContext(ctx, `SELECT status, stream, COUNT(*) FROM runs GROUP BY status, stream`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var st leadrun.RunStatus
		var stream int
		var n int64
		if err := rows.Scan(&st, &stream, &n); err != nil {
			rows.Close()
			return nil, err
		}
		s.RunsByStatus[st] += n
		if !st.Terminal() {
			s.ActiveRuns[stream] += n
		} else if _, ok := s.ActiveRuns[stream]; !ok {
			s.ActiveRuns[stream] = 0
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if err := db.snapshotTimes(ctx, s); err != nil {
		return nil, err
	}
	return s, db.snapshotItems(ctx, s)
}

func (db *DB) snapshotTimes(ctx context.Context, s *Snapshot) error {
	rows, err := db.db.QueryContext(ctx, `SELECT stream, created_at, finished_at, status FROM runs
		WHERE finished_at IS NOT NULL`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var stream int
		var created, finished sql.NullTime
		var st leadrun.RunStatus
		if err := rows.Scan(&stream, &created, &finished, &st); err != nil {
			return err
		}
		s.RunDurationsByEnd = append(s.RunDurationsByEnd, finished.Time.Sub(created.Time).Seconds())
		if st == leadrun.RunCompleted || st == leadrun.RunCompletedWithErrors {
			if t := float64(finished.Time.Unix()); t > s.LastSuccess[stream] {
				s.LastSuccess[stream] = t
			}
		}
	}
	return rows.Err()
}

func (db *DB) snapshotItems(ctx context.Context, s *Snapshot) error {
	err := db.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0),
		COALESCE(SUM(cost_micros), 0) FROM operations`).Scan(&s.PromptTokens, &s.CompletionTokens, &s.CostMicros)
	if err != nil {
		return err
	}
	items, err := collect(ctx, db.db, func(sc scanner) (ItemCount, error) {
		var c ItemCount
		err := sc.Scan(&c.Operation, &c.Outcome, &c.Reason, &c.Count)
		return c, err
	}, `SELECT operation, 'scored', '', COALESCE(SUM(scored), 0) FROM operations GROUP BY operation
		UNION ALL SELECT operation, kind, reason, SUM(count) FROM operation_reasons GROUP BY operation, kind, reason`)
	s.Items = items
	return err
}

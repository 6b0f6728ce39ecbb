package sqldb

import (
	"context"
	"database/sql"
	"fmt"
)

// This file holds what `leadrun bench` measures the store against: the database's own
// write limit for what scoring writes, and the counters a benchmark reports (River's job
// retries, PostgreSQL's deadlocks). Benchmarks go through these methods, so no code
// outside this package runs SQL of its own.

// Baseline is a plain write loop over every lead of the database, for comparison with a
// tracked run: per lead the lead row and its assessment, nothing else.
type Baseline struct {
	db        *DB
	ids       []int64
	breakdown string
}

// NewBaseline reads the leads to write and a representative breakdown (the longest a run
// stored), then puts every lead back where the run found it, so that the loop makes the
// same transitions the run made. Call it after a run; it is not meant to be timed.
func (db *DB) NewBaseline(ctx context.Context) (*Baseline, error) {
	b := &Baseline{db: db}
	err := db.db.QueryRowContext(ctx, `SELECT breakdown FROM lead_assessments WHERE breakdown IS NOT NULL
		ORDER BY length(breakdown) DESC LIMIT 1`).Scan(&b.breakdown)
	if err != nil {
		return nil, fmt.Errorf("no scored lead to copy a breakdown from: %w", err)
	}
	b.ids, err = collect(ctx, db.db, func(s scanner) (int64, error) {
		var id int64
		return id, s.Scan(&id)
	}, `SELECT id FROM leads ORDER BY id`)
	if err != nil {
		return nil, err
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.raw.ExecContext(ctx, `UPDATE leads SET scoring_status = 'to_be_scored', score = NULL,
			scored_at = NULL, attempts = 0, last_reason = '', last_run_id = ''`); err != nil {
			return err
		}
		_, err := tx.raw.ExecContext(ctx, `DELETE FROM lead_assessments`)
		return err
	})
	return b, err
}

// Leads is how many leads the loop writes.
func (b *Baseline) Leads() int { return len(b.ids) }

// Run writes every lead as scored, perTx leads per transaction, with plain prepared
// statements.
func (b *Baseline) Run(ctx context.Context, perTx int) error {
	for i := 0; i < len(b.ids); i += max(perTx, 1) {
		chunk := b.ids[i:min(i+max(perTx, 1), len(b.ids))]
		if err := b.db.InTx(ctx, func(tx *Tx) error { return b.write(ctx, tx, chunk) }); err != nil {
			return err
		}
	}
	return nil
}

func (b *Baseline) write(ctx context.Context, tx *Tx, ids []int64) error {
	lead, err := tx.raw.PrepareContext(ctx, `UPDATE leads SET scoring_status = $2, score = $3, scored_at = $4,
		attempts = attempts + 1, last_reason = $5, last_run_id = $6, updated_at = $4 WHERE id = $1`)
	if err != nil {
		return err
	}
	defer lead.Close()
	assessment, err := tx.raw.PrepareContext(ctx, `INSERT INTO lead_assessments (lead_id, assessment, breakdown,
		ai_excluded, exclude_details) VALUES ($1,$2,$3,$4,$5)`)
	if err != nil {
		return err
	}
	defer assessment.Close()
	now := tx.stamp()
	for _, id := range ids {
		if _, err := lead.ExecContext(ctx, id, "scored", 55.5, now, "", "bench-loop"); err != nil {
			return err
		}
		if _, err := assessment.ExecContext(ctx, id, "Strongest: Founder 10/10, Coaching 5/5.", b.breakdown, false, ""); err != nil {
			return err
		}
	}
	return nil
}

// Analyze refreshes PostgreSQL's planner statistics, as autovacuum would on a live
// database (nothing on SQLite).
func (db *DB) Analyze(ctx context.Context) error {
	if db.kind != Postgres {
		return nil
	}
	_, err := db.db.ExecContext(ctx, "ANALYZE")
	return err
}

// JobStats is what River's job rows say about the operations of the runs so far.
type JobStats struct {
	Retries int64          // attempts beyond the first, over all jobs
	ByProc  map[string]int // completed operation jobs (one operation, or a group of small ones) by the River client (worker) that ran them last
}

// FindJobStats reads River's job rows.
func (db *DB) FindJobStats(ctx context.Context) (JobStats, error) {
	st := JobStats{ByProc: map[string]int{}}
	if err := db.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(attempt - 1), 0) FROM river_job WHERE attempt > 1`).Scan(&st.Retries); err != nil {
		return st, err
	}
	last := `attempted_by[array_length(attempted_by, 1)]`
	if db.kind == SQLite {
		last = `json_extract(attempted_by, '$[#-1]')`
	}
	procs, err := collect(ctx, db.db, func(s scanner) (string, error) {
		var by sql.NullString
		err := s.Scan(&by)
		return by.String, err
	}, `SELECT `+last+` FROM river_job WHERE kind IN ('run_operation', 'run_operation_group') AND state = 'completed'`)
	if err != nil {
		return st, err
	}
	for _, p := range procs {
		st.ByProc[p]++
	}
	return st, nil
}

// Deadlocks is PostgreSQL's count of deadlocks in this database since the server started
// (0 on SQLite, which has one writer).
func (db *DB) Deadlocks(ctx context.Context) (int64, error) {
	if db.kind != Postgres {
		return 0, nil
	}
	var n int64
	err := db.db.QueryRowContext(ctx, `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&n)
	return n, err
}

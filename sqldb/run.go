package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
)

const runColumns = `id, day, seq, stream, status, status_reason, trigger, requested_by, params, created_at,
	started_at, finished_at, heartbeat_at`

// CreateRun allocates the next run ID of the day and stores a queued run, in the caller's
// transaction. If the stream already has an active run it returns *leadrun.StreamBusyError
// naming it; the caller must then roll back (which also returns the sequence number).
func (tx *Tx) CreateRun(ctx context.Context, req leadrun.TriggerRequest) (*leadrun.Run, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if err := tx.checkFilter(ctx, req.Stream, req.Params.ClientFilter); err != nil {
		return nil, err
	}
	day := tx.Now.Truncate(24 * time.Hour)
	var seq int
	err := tx.QueryRowContext(ctx, `INSERT INTO run_sequences (day, last_seq) VALUES ($1, 1)
		ON CONFLICT (day) DO UPDATE SET last_seq = run_sequences.last_seq + 1 RETURNING last_seq`,
		day.Format("2006-01-02")).Scan(&seq)
	if err != nil {
		return nil, fmt.Errorf("allocate run sequence: %w", err)
	}
	params, err := json.Marshal(req.Params)
	if err != nil {
		return nil, err
	}
	id := leadrun.RunID{Day: day, Seq: seq, Stream: req.Stream}
	run := &leadrun.Run{ID: id.String(), Day: day, Seq: seq, Stream: req.Stream, Status: leadrun.RunQueued,
		Trigger: req.Trigger, RequestedBy: req.RequestedBy, Params: req.Params, CreatedAt: tx.Now}
	rows, err := tx.QueryContext(ctx, `INSERT INTO runs (id, day, seq, stream, status, trigger, requested_by, params, created_at, heartbeat_at)
		VALUES ($1,$2,$3,$4,'queued',$5,$6,$7,$8,$8)
		ON CONFLICT (stream) WHERE status IN ('queued','running') DO NOTHING RETURNING id`,
		run.ID, day.Format("2006-01-02"), seq, req.Stream, req.Trigger, req.RequestedBy, string(params), tx.db.ts(tx.Now))
	if err != nil {
		return nil, mapError(err, "run "+run.ID)
	}
	inserted := rows.Next()
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if !inserted {
		active, err := tx.activeRun(ctx, req.Stream)
		if err != nil {
			return nil, err
		}
		return nil, &leadrun.StreamBusyError{Stream: req.Stream, RunID: active.ID, Status: active.Status, StartedAt: active.CreatedAt}
	}
	return run, nil
}

// checkFilter refuses a client filter naming clients that do not exist, are not active or
// are on another stream: such a run would silently do nothing for them.
func (tx *Tx) checkFilter(ctx context.Context, stream int, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	found, err := findClients(ctx, tx, leadrun.ClientFilter{IDs: ids})
	if err != nil {
		return err
	}
	byID := map[string]*leadrun.Client{}
	for _, c := range found {
		byID[c.ID] = c
	}
	for _, id := range ids {
		c := byID[id]
		switch {
		case c == nil:
			return leadrun.Errorf(leadrun.EINVALID, "client filter: unknown client %q", id)
		case c.Stream != stream:
			return leadrun.Errorf(leadrun.EINVALID, "client filter: client %s is on stream %d, not %d", id, c.Stream, stream)
		case c.Status != leadrun.ClientActive:
			return leadrun.Errorf(leadrun.EINVALID, "client filter: client %s is %s", id, c.Status)
		}
	}
	return nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

func (tx *Tx) activeRun(ctx context.Context, stream int) (*leadrun.Run, error) {
	r, err := scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs
		WHERE stream = $1 AND status IN ('queued','running')`, stream))
	return r, mapError(err, fmt.Sprintf("active run of stream %d", stream))
}

// FindActiveRun returns the active run of a stream (ENOTFOUND if there is none).
func (db *DB) FindActiveRun(ctx context.Context, stream int) (*leadrun.Run, error) {
	r, err := scanRun(db.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs
		WHERE stream = $1 AND status IN ('queued','running')`, stream))
	if err != nil {
		return nil, mapError(err, fmt.Sprintf("active run of stream %d", stream))
	}
	return r, db.fillTotals(ctx, []*leadrun.Run{r})
}

// LockRun reads a run and, on PostgreSQL, locks its row until the transaction ends, so
// that deciding "every operation is finished" and finalizing happen exactly once.
// (SQLite transactions are already exclusive.)
func (tx *Tx) LockRun(ctx context.Context, id string) (*leadrun.Run, error) {
	q := `SELECT ` + runColumns + ` FROM runs WHERE id = $1`
	if tx.db.kind == Postgres {
		q += ` FOR UPDATE`
	}
	r, err := scanRun(tx.QueryRowContext(ctx, q, id))
	return r, mapError(err, "run "+id)
}

// FindRunByID returns a run with its totals.
func (db *DB) FindRunByID(ctx context.Context, id string) (*leadrun.Run, error) {
	r, err := scanRun(db.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = $1`, id))
	if err != nil {
		return nil, mapError(err, "run "+id)
	}
	return r, db.fillTotals(ctx, []*leadrun.Run{r})
}

// FindRuns returns runs, newest first, with their totals.
func (db *DB) FindRuns(ctx context.Context, f leadrun.RunFilter) ([]*leadrun.Run, error) {
	var where conditions
	if f.Stream != nil {
		where.add("stream = $%d", *f.Stream)
	}
	if f.Status != nil {
		where.add("status = $%d", *f.Status)
	}
	if f.ClientID != nil {
		where.add("id IN (SELECT run_id FROM client_results WHERE client_id = $%d)", *f.ClientID)
	}
	if f.Since != nil {
		where.add("created_at >= $%d", db.ts(*f.Since))
	}
	if f.Until != nil {
		where.add("created_at < $%d", db.ts(*f.Until))
	}
	if f.BeforeID != nil {
		where.add("(created_at, id) < (SELECT created_at, id FROM runs WHERE id = $%d)", *f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	runs, err := collect(ctx, db.db, scanRun, `SELECT `+runColumns+` FROM runs WHERE `+where.sql()+
		fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, limit), where.args...)
	if err != nil {
		return nil, err
	}
	return runs, db.fillTotals(ctx, runs)
}

// fillTotals computes each run's totals from its operations: they are never stored, so
// they always equal the sum over the client results.
func (db *DB) fillTotals(ctx context.Context, runs []*leadrun.Run) error {
	if len(runs) == 0 {
		return nil
	}
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	results, err := db.clientResults(ctx, db.db, ids, false)
	if err != nil {
		return err
	}
	byRun := map[string]*leadrun.Totals{}
	for _, r := range runs {
		r.Totals = leadrun.Totals{}
		byRun[r.ID] = &r.Totals
	}
	for _, cr := range results {
		byRun[cr.RunID].Add(cr.Totals())
	}
	return nil
}

// FindClientResults returns a run's client results with their operations and the skip and
// failure counts by reason, ordered by client.
func (db *DB) FindClientResults(ctx context.Context, runID string) ([]*leadrun.ClientResult, error) {
	return db.clientResults(ctx, db.db, []string{runID}, true)
}

// ClientResultsTx is FindClientResults inside a transaction.
func (tx *Tx) ClientResults(ctx context.Context, runID string) ([]*leadrun.ClientResult, error) {
	return tx.db.clientResults(ctx, tx, []string{runID}, false)
}

func (db *DB) clientResults(ctx context.Context, q querier, runIDs []string, reasons bool) ([]*leadrun.ClientResult, error) {
	in, args := inList(runIDs, 0)
	rows, err := q.QueryContext(ctx, `SELECT run_id, client_id, client_name, created_at FROM client_results
		WHERE run_id IN (`+in+`) ORDER BY run_id, client_id`, args...)
	if err != nil {
		return nil, err
	}
	var out []*leadrun.ClientResult
	index := map[[2]string]*leadrun.ClientResult{}
	for rows.Next() {
		cr := &leadrun.ClientResult{}
		if err := rows.Scan(&cr.RunID, &cr.ClientID, &cr.ClientName, &cr.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		cr.CreatedAt = cr.CreatedAt.UTC()
		out = append(out, cr)
		index[[2]string{cr.RunID, cr.ClientID}] = cr
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	ops, err := db.operations(ctx, q, in, args)
	if err != nil {
		return nil, err
	}
	for _, op := range ops {
		if cr := index[[2]string{op.RunID, op.ClientID}]; cr != nil {
			cr.Operations = append(cr.Operations, op)
		}
	}
	if reasons {
		return out, db.fillReasons(ctx, q, in, args, ops)
	}
	return out, nil
}

const opColumns = `run_id, client_id, operation, status, skip_reason, last_error, item_limit, examined, scored,
	skipped, failed, prompt_tokens, completion_tokens, cost_micros, started_at, finished_at`

func (db *DB) operations(ctx context.Context, q querier, in string, args []any) ([]*leadrun.Operation, error) {
	return collect(ctx, q, scanOperation, `SELECT `+opColumns+` FROM operations WHERE run_id IN (`+in+`)
		ORDER BY run_id, client_id, operation`, args...)
}

func scanOperation(s scanner) (*leadrun.Operation, error) {
	var op leadrun.Operation
	var started, finished sql.NullTime
	err := s.Scan(&op.RunID, &op.ClientID, &op.Kind, &op.Status, &op.SkipReason, &op.LastError, &op.Limit,
		&op.Examined, &op.Scored, &op.Skipped, &op.Failed, &op.PromptTokens, &op.CompTokens, &op.CostMicros,
		&started, &finished)
	op.StartedAt, op.FinishedAt = timePtr(started), timePtr(finished)
	return &op, err
}

func (db *DB) fillReasons(ctx context.Context, q querier, in string, args []any, ops []*leadrun.Operation) error {
	rows, err := q.QueryContext(ctx, `SELECT run_id, client_id, operation, kind, reason, count FROM operation_reasons
		WHERE run_id IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	index := map[leadrun.OpKey]*leadrun.Operation{}
	for _, op := range ops {
		index[op.Key()] = op
	}
	for rows.Next() {
		var k leadrun.OpKey
		var kind, reason string
		var n int64
		if err := rows.Scan(&k.RunID, &k.ClientID, &k.Kind, &kind, &reason, &n); err != nil {
			return err
		}
		op := index[k]
		if op == nil {
			continue
		}
		m := &op.FailedBy
		if kind == "skipped" {
			m = &op.SkippedBy
		}
		if *m == nil {
			*m = map[string]int64{}
		}
		(*m)[reason] += n
	}
	return rows.Err()
}

// inList renders "$k+1,$k+2,…" for the values and returns them as arguments.
func inList(values []string, offset int) (string, []any) {
	marks := make([]string, len(values))
	args := make([]any, len(values))
	for i, v := range values {
		marks[i] = fmt.Sprintf("$%d", offset+i+1)
		args[i] = v
	}
	return strings.Join(marks, ","), args
}

func scanRun(s scanner) (*leadrun.Run, error) {
	var (
		r                            leadrun.Run
		day, params                  string
		started, finished, heartbeat sql.NullTime
	)
	err := s.Scan(&r.ID, &day, &r.Seq, &r.Stream, &r.Status, &r.StatusReason, &r.Trigger, &r.RequestedBy,
		&params, &r.CreatedAt, &started, &finished, &heartbeat)
	if err != nil {
		return nil, err
	}
	if r.Day, err = time.Parse("2006-01-02", day); err != nil {
		return nil, fmt.Errorf("run %s day: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(params), &r.Params); err != nil {
		return nil, fmt.Errorf("run %s params: %w", r.ID, err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	r.StartedAt, r.FinishedAt, r.HeartbeatAt = timePtr(started), timePtr(finished), timePtr(heartbeat)
	return &r, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

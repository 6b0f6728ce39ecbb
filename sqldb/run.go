package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
)

const runColumns = `id, day, seq, stream, status, status_reason, trigger, requested_by, params, created_at,
	started_at, finished_at, heartbeat_at, scorer, scorer_host, scorer_model, cancelled_by`

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
	err := tx.raw.QueryRowContext(ctx, `INSERT INTO run_sequences (day, last_seq) VALUES ($1, 1)
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
	rows, err := tx.raw.QueryContext(ctx, `INSERT INTO runs (id, day, seq, stream, status, trigger, requested_by, params, created_at, heartbeat_at)
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
	found, err := findClients(ctx, tx.raw, leadrun.ClientFilter{IDs: ids})
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
	r, err := scanRun(tx.raw.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs
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
		if *f.Status == leadrun.RunQueued || *f.Status == leadrun.RunRunning {
			// Redundant, but it lets SQLite read the partial index of active runs instead
			// of every run.
			where.terms = append(where.terms, "status IN ('queued','running')")
		}
	}
	if f.ClientID != nil {
		// EXISTS, not IN: the newest-first index scan stops after a page, where IN would
		// collect and sort every run the client was ever in.
		where.add("EXISTS (SELECT 1 FROM client_results cr WHERE cr.run_id = runs.id AND cr.client_id = $%d)", *f.ClientID)
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
	if f.Search != nil {
		ok, err := db.searchRuns(ctx, &where, *f.Search)
		if err != nil || !ok {
			return nil, err
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	// The limit is a parameter, so that the statement text depends only on which filters
	// are set and the prepared statement is reused (preparing costs more than running it).
	args := append(where.args, limit)
	order := "DESC"
	if f.AfterID != nil {
		where.add("(created_at, id) > (SELECT created_at, id FROM runs WHERE id = $%d)", *f.AfterID)
		args = append(where.args, limit)
		order = "ASC" // the newer page, read upwards and turned round
	}
	runs, err := collect(ctx, db.cached(), scanRun, `SELECT `+runColumns+` FROM runs WHERE `+where.sql()+
		fmt.Sprintf(` ORDER BY created_at %[1]s, id %[1]s LIMIT $%[2]d`, order, len(args)), args...)
	if err != nil {
		return nil, err
	}
	if f.AfterID != nil {
		slices.Reverse(runs)
	}
	return runs, db.fillTotals(ctx, runs)
}

// searchRuns narrows a run list to a run ID prefix or to runs that included a client whose
// ID or name matches; ok is false when no client matches (the list is empty). Matching
// clients are found first (the clients table is small), so each run is then checked by
// its client results' key.
func (db *DB) searchRuns(ctx context.Context, where *conditions, search string) (ok bool, err error) {
	if prefix, isRun := leadrun.RunIDPrefix(search); isRun {
		where.add("id LIKE $%d", prefix+"%") // the prefix holds only A-Z, 0-9 and '-': no wildcards
		return true, nil
	}
	clients, err := findClients(ctx, db.db, leadrun.ClientFilter{Search: &search, Limit: maxSearchClients})
	if err != nil || len(clients) == 0 {
		return false, err
	}
	ids := make([]string, len(clients))
	for i, c := range clients {
		ids[i] = c.ID
	}
	in, args := inList(ids, len(where.args))
	where.terms = append(where.terms, "EXISTS (SELECT 1 FROM client_results cr WHERE cr.run_id = runs.id AND cr.client_id IN ("+in+"))")
	where.args = append(where.args, args...)
	return true, nil
}

// maxSearchClients bounds the clients a run search matches (a one-letter search).
const maxSearchClients = 100

// fillTotals computes each run's totals from its operations: they are never stored, so
// they always equal the sum over the client results. It reads only the columns the totals
// need, in one query, and sums them with leadrun.ClientResult.Totals, the one definition
// of a client's status. (Summing in SQL was measured slower on SQLite: a GROUP BY with
// the status rule as CASE expressions costs more to parse and to run than the rows it saves.)
func (db *DB) fillTotals(ctx context.Context, runs []*leadrun.Run) error {
	if len(runs) == 0 {
		return nil
	}
	var ids []string
	byRun := make(map[string]*leadrun.Run, len(runs))
	for _, r := range runs {
		if t, ok := db.totals.get(r.ID); ok && r.Status.Terminal() {
			r.Totals = t
			continue
		}
		ids = append(ids, r.ID)
		r.Totals = leadrun.Totals{}
		byRun[r.ID] = r
	}
	if len(ids) == 0 {
		return nil
	}
	// The run IDs also restrict operations directly, so that PostgreSQL reads them by index
	// even before it has statistics (without: a hash join over every operation).
	in, args := inList(padIDs(ids), 0)
	rows, err := db.cached().QueryContext(ctx, `SELECT cr.run_id, cr.client_id, o.operation, o.status, o.skip_reason,
		COALESCE(o.examined, 0), COALESCE(o.scored, 0), COALESCE(o.skipped, 0), COALESCE(o.failed, 0),
		COALESCE(o.prompt_tokens, 0), COALESCE(o.completion_tokens, 0), COALESCE(o.cost_micros, 0)
		FROM client_results cr LEFT JOIN operations o
			ON o.run_id = cr.run_id AND o.client_id = cr.client_id AND o.run_id IN (`+in+`)
		WHERE cr.run_id IN (`+in+`) ORDER BY cr.run_id, cr.client_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	err = sumClientResults(rows, func(cr *leadrun.ClientResult) {
		if run := byRun[cr.RunID]; run != nil {
			run.Totals.Add(cr.Totals())
		}
	})
	if err != nil {
		return err
	}
	for _, r := range byRun {
		if r.Status.Terminal() {
			db.totals.put(r.ID, r.Totals)
		}
	}
	return nil
}

// padIDs repeats the last ID up to the next of a few list lengths, so that IN lists take
// a handful of shapes and their prepared statements are reused (repeats match nothing new).
func padIDs(ids []string) []string {
	for _, n := range []int{1, 20, 50, 100, 200, 500} {
		if len(ids) < n {
			padded := make([]string, n)
			copy(padded, ids)
			for i := len(ids); i < n; i++ {
				padded[i] = ids[len(ids)-1]
			}
			return padded
		}
		if len(ids) == n {
			return ids
		}
	}
	return ids
}

// sumClientResults reads rows of (run, client, operation columns…) ordered by run and
// client, and calls add with each client result and its operations. A client result
// without operations is one row of NULL operation columns (LEFT JOIN).
func sumClientResults(rows *sql.Rows, add func(*leadrun.ClientResult)) error {
	var cr leadrun.ClientResult
	ops := make([]leadrun.Operation, 0, 4)
	flush := func() {
		cr.Operations = cr.Operations[:0]
		for i := range ops {
			cr.Operations = append(cr.Operations, &ops[i])
		}
		add(&cr)
		ops = ops[:0]
	}
	for rows.Next() {
		var runID, clientID string
		var kind, status, skipReason sql.NullString
		var op leadrun.Operation
		if err := rows.Scan(&runID, &clientID, &kind, &status, &skipReason, &op.Examined, &op.Scored,
			&op.Skipped, &op.Failed, &op.PromptTokens, &op.CompTokens, &op.CostMicros); err != nil {
			return err
		}
		if runID != cr.RunID || clientID != cr.ClientID {
			if cr.RunID != "" {
				flush()
			}
			cr.RunID, cr.ClientID = runID, clientID
		}
		if kind.Valid {
			op.Kind, op.Status, op.SkipReason = leadrun.OperationKind(kind.String), leadrun.OpStatus(status.String), skipReason.String
			ops = append(ops, op)
		}
	}
	if cr.RunID != "" {
		flush()
	}
	return rows.Err()
}

// FindClientResults returns a run's client results with their operations and the skip and
// failure counts by reason, ordered by client.
func (db *DB) FindClientResults(ctx context.Context, runID string) ([]*leadrun.ClientResult, error) {
	return db.clientResults(ctx, db.db, []string{runID}, true)
}

// ClientResultsTx is FindClientResults inside a transaction.
func (tx *Tx) ClientResults(ctx context.Context, runID string) ([]*leadrun.ClientResult, error) {
	return tx.db.clientResults(ctx, tx.raw, []string{runID}, false)
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
		return out, db.fillReasons(ctx, q, "run_id IN ("+in+")", args, ops)
	}
	return out, nil
}

const opColumns = `run_id, client_id, operation, status, skip_reason, last_error, item_limit, due, worker_id,
	examined, scored, skipped, failed, prompt_tokens, completion_tokens, cost_micros, started_at, finished_at, failure_code`

func (db *DB) operations(ctx context.Context, q querier, in string, args []any) ([]*leadrun.Operation, error) {
	return collect(ctx, q, scanOperation, `SELECT `+opColumns+` FROM operations WHERE run_id IN (`+in+`)
		ORDER BY run_id, client_id, operation`, args...)
}

func scanOperation(s scanner) (*leadrun.Operation, error) {
	var op leadrun.Operation
	var started, finished sql.NullTime
	err := s.Scan(&op.RunID, &op.ClientID, &op.Kind, &op.Status, &op.SkipReason, &op.LastError, &op.Limit,
		&op.Due, &op.WorkerID, &op.Examined, &op.Scored, &op.Skipped, &op.Failed, &op.PromptTokens, &op.CompTokens, &op.CostMicros,
		&started, &finished, &op.FailureCode)
	if err != nil {
		return nil, err // never a half-read operation beside the error
	}
	op.StartedAt, op.FinishedAt = timePtr(started), timePtr(finished)
	return &op, nil
}

// fillReasons adds the counts by reason of operation_reasons rows matching cond to ops.
func (db *DB) fillReasons(ctx context.Context, q querier, cond string, args []any, ops []*leadrun.Operation) error {
	rows, err := q.QueryContext(ctx, `SELECT run_id, client_id, operation, kind, reason, count FROM operation_reasons
		WHERE `+cond, args...)
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
		&params, &r.CreatedAt, &started, &finished, &heartbeat, &r.Scorer.Name, &r.Scorer.Host, &r.Scorer.Model, &r.CancelledBy)
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

// FindRunStatus reads only a run's status: cheap enough to poll.
func (db *DB) FindRunStatus(ctx context.Context, id string) (leadrun.RunStatus, error) {
	var status leadrun.RunStatus
	err := db.cached().QueryRowContext(ctx, `SELECT status FROM runs WHERE id = $1`, id).Scan(&status)
	return status, mapError(err, "run "+id)
}

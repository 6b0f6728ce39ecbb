package sqldb

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/leadrun/leadrun"
)

// A run's plan is written in a few multi-row statements, whatever the number of clients:
// a statement per client result, operation and log line made planning the largest part of
// what a run of thousands of small clients cost beyond its leads.

// planRowsPerStatement is how many rows one statement of a plan writes or reads for: far
// below both databases' parameter limits (9 × 200).
const planRowsPerStatement = 200

// CreateClientResults stores the run's (run, client) records.
func (tx *Tx) CreateClientResults(ctx context.Context, runID string, clients []*leadrun.Client) error {
	now := tx.db.ts(tx.Now)
	return tx.insertRows(ctx, `INSERT INTO client_results (run_id, client_id, client_name, created_at) VALUES `, 4, len(clients),
		func(i int, args []any) []any { return append(args, runID, clients[i].ID, clients[i].Name, now) },
		func(first, n int) string {
			if n == 1 {
				return "client result " + leadrun.ClientRunID(runID, clients[first].ID)
			}
			return fmt.Sprintf("client results of run %s", runID)
		})
}

// CreateClientResult stores one (run, client) record.
func (tx *Tx) CreateClientResult(ctx context.Context, runID string, c *leadrun.Client) error {
	return tx.CreateClientResults(ctx, runID, []*leadrun.Client{c})
}

// CreateOperations stores operation rows, queued or already skipped (with why, in
// LastError), with what was due.
func (tx *Tx) CreateOperations(ctx context.Context, ops []*leadrun.Operation) error {
	now := tx.db.ts(tx.Now)
	return tx.insertRows(ctx, `INSERT INTO operations (run_id, client_id, operation, status, skip_reason, item_limit,
		due, finished_at, last_error) VALUES `, 9, len(ops),
		func(i int, args []any) []any {
			op := ops[i]
			var finished any
			if op.Status.Terminal() {
				finished = now
			}
			return append(args, op.RunID, op.ClientID, op.Kind, op.Status, op.SkipReason, op.Limit, op.Due, finished, op.LastError)
		},
		func(first, n int) string {
			if n == 1 {
				return "operation " + ops[first].Key().String()
			}
			return fmt.Sprintf("operations of run %s", ops[first].RunID)
		})
}

// CreateOperation stores one operation row (see CreateOperations).
func (tx *Tx) CreateOperation(ctx context.Context, op *leadrun.Operation) error {
	return tx.CreateOperations(ctx, []*leadrun.Operation{op})
}

// AddEvents appends progress-log lines, in order (see AddEvent).
func (tx *Tx) AddEvents(ctx context.Context, evs []leadrun.RunEvent) error {
	tx.events = append(tx.events, evs...)
	return nil
}

// writeEvents writes the lines added to the transaction, before it commits.
func (tx *Tx) writeEvents(ctx context.Context) error {
	evs := tx.events
	tx.events = nil
	now := tx.db.ts(tx.Now)
	var encodeErr error
	err := tx.insertRows(ctx, `INSERT INTO run_events (run_id, client_id, operation, level, message, counts, at) VALUES `, 7, len(evs),
		func(i int, args []any) []any {
			ev := evs[i]
			if ev.Level == "" {
				ev.Level = leadrun.LevelInfo
			}
			counts := ""
			if len(ev.Counts) > 0 {
				b, err := json.Marshal(ev.Counts)
				if err != nil && encodeErr == nil {
					encodeErr = err
				}
				counts = string(b)
			}
			return append(args, ev.RunID, ev.ClientID, ev.Operation, ev.Level, ev.Message, counts, now)
		}, nil)
	if encodeErr != nil {
		return encodeErr
	}
	return err
}

// insertRows runs head followed by the VALUES of n rows of cols values each, in
// statements of up to planRowsPerStatement rows; row appends row i's values; what names
// rows first…first+n-1 in an error (nil: none).
func (tx *Tx) insertRows(ctx context.Context, head string, cols, n int, row func(i int, args []any) []any,
	what func(first, n int) string) error {
	args := make([]any, 0, cols*min(n, planRowsPerStatement))
	for first := 0; first < n; first += planRowsPerStatement {
		k := min(planRowsPerStatement, n-first)
		args = args[:0]
		for i := first; i < first+k; i++ {
			args = row(i, args)
		}
		if _, err := tx.sized(k).ExecContext(ctx, head+tx.db.valuesSQL(k, cols), args...); err != nil {
			if what != nil {
				return mapError(err, what(first, k))
			}
			return err
		}
	}
	return nil
}

// CountDueByClient counts the leads and the posts due for scoring of each of the clients
// (a client with none due is not in the maps), a few statements for any number of clients.
func (tx *Tx) CountDueByClient(ctx context.Context, clientIDs []string, maxAttempts int) (leads, posts map[string]int64, err error) {
	leads, posts = map[string]int64{}, map[string]int64{}
	for first := 0; first < len(clientIDs); first += planRowsPerStatement {
		ids := clientIDs[first:min(len(clientIDs), first+planRowsPerStatement)]
		in, args := inList(ids, 1)
		args = append([]any{maxAttempts}, args...)
		for _, q := range []struct {
			counts map[string]int64
			sql    string
		}{
			{leads, `SELECT l.client_id, COUNT(*) FROM leads l WHERE l.client_id IN (` + in + `) AND ` + dueLeadCond(1) +
				` GROUP BY l.client_id`},
			{posts, `SELECT client_id, COUNT(*) FROM posts WHERE client_id IN (` + in + `) AND ` + duePostCond(1) +
				` GROUP BY client_id`},
		} {
			if err := tx.countBy(ctx, q.counts, q.sql, args); err != nil {
				return nil, nil, err
			}
		}
	}
	return leads, posts, nil
}

// sized returns the querier for a statement made for k rows: prepared once for the usual
// sizes (a few rows, a full statement), in the transaction only for the odd last ones, so
// that the statements kept do not grow with every count of clients a run had.
func (tx *Tx) sized(k int) querier {
	if k <= 16 || k == planRowsPerStatement {
		return tx.cached()
	}
	return tx.raw
}

func (tx *Tx) countBy(ctx context.Context, into map[string]int64, query string, args []any) error {
	rows, err := tx.sized(len(args)-1).QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		into[id] = n
	}
	return rows.Err()
}

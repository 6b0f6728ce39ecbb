package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// AirtableStatus is the mirror's health for one base, for the run page, `runs show`,
// metrics and alerts.
type AirtableStatus struct {
	LastSyncAt     *time.Time // last successful delivery
	FailingSince   *time.Time // nil when healthy
	FailingMessage string     // Airtable's own message, or the network error
	RetryAt        *time.Time // when a failing mirror tries again
	Pending        int        // outbox rows
	OldestPending  *time.Time // first undelivered change
}

// airtableSynced records a successful delivery: the mirror is healthy again.
func (tx *Tx) airtableSynced(ctx context.Context, base string) error {
	if err := tx.ensureAirtableState(ctx, base); err != nil {
		return err
	}
	_, err := tx.raw.ExecContext(ctx, `UPDATE airtable_state SET last_sync_at = $2, failing_since = NULL,
		failing_message = '', retry_at = NULL WHERE base = $1`, base, tx.stamp())
	return err
}

// AirtableFailed records a failed delivery and when to try again; it returns since when
// the mirror has been failing.
func (db *DB) AirtableFailed(ctx context.Context, base, message string, retryAt time.Time) (time.Time, error) {
	var since time.Time
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.ensureAirtableState(ctx, base); err != nil {
			return err
		}
		if _, err := tx.raw.ExecContext(ctx, `UPDATE airtable_state SET failing_since = COALESCE(failing_since, $2),
			failing_message = $3, retry_at = $4 WHERE base = $1`, base, tx.stamp(), message, db.ts(retryAt)); err != nil {
			return err
		}
		return tx.raw.QueryRowContext(ctx, `SELECT failing_since FROM airtable_state WHERE base = $1`, base).Scan(&since)
	})
	return since.UTC(), err
}

// AirtableStatus reads the mirror's health for a base (zero values before the first
// delivery).
func (db *DB) AirtableStatus(ctx context.Context, base string) (*AirtableStatus, error) {
	st := &AirtableStatus{}
	var last, failing, retry sql.NullTime
	err := db.db.QueryRowContext(ctx, `SELECT last_sync_at, failing_since, failing_message, retry_at
		FROM airtable_state WHERE base = $1`, base).Scan(&last, &failing, &st.FailingMessage, &retry)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	st.LastSyncAt, st.FailingSince, st.RetryAt = timePtr(last), timePtr(failing), timePtr(retry)
	st.Pending, st.OldestPending, err = db.AirtablePending(ctx)
	return st, err
}

// AirtableRunSync says when a run's Job Tracking record was last written (nil if never)
// and how many of the run's records (the run and its client results) wait in the outbox.
func (db *DB) AirtableRunSync(ctx context.Context, base, table, runID string) (*time.Time, int, error) {
	var synced sql.NullTime
	err := db.db.QueryRowContext(ctx, `SELECT synced_at FROM airtable_records WHERE base = $1 AND tbl = $2 AND key = $3`,
		base, table, runID).Scan(&synced)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, 0, err
	}
	var n int
	err = db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM airtable_outbox WHERE run_id = $1`, runID).Scan(&n)
	return timePtr(synced), n, err
}

// AirtableRetryNow lets a failing mirror try again at once (after an operator's fix).
func (db *DB) AirtableRetryNow(ctx context.Context, base string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.raw.ExecContext(ctx, `UPDATE airtable_state SET retry_at = NULL WHERE base = $1`, base)
		return err
	})
}

// EnableAirtable records that the base is mirrored from now on (once: the first time).
func (db *DB) EnableAirtable(ctx context.Context, base string) error {
	return db.InTx(ctx, func(tx *Tx) error { return tx.ensureAirtableState(ctx, base) })
}

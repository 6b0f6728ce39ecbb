package sqldb

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AirtableChange is a row of the Airtable outbox: a run (ClientID "") or a client result
// that changed since it was last mirrored.
type AirtableChange struct {
	RunID    string
	ClientID string
	Version  int64
	DirtyAt  time.Time
}

// MarkAirtableDirty records, in the transaction of a change, that a run (clientID "") or a
// client result must be mirrored again. Changes coalesce: one row per record, its version
// bumped, its dirty time kept (the lag counts from the first undelivered change).
func (tx *Tx) MarkAirtableDirty(ctx context.Context, runID, clientID string) error {
	s, err := tx.stmt(ctx, `INSERT INTO airtable_outbox (run_id, client_id, version, dirty_at) VALUES ($1, $2, 1, $3)
		ON CONFLICT (run_id, client_id) DO UPDATE SET version = airtable_outbox.version + 1`)
	if err != nil {
		return err
	}
	_, err = s.ExecContext(ctx, runID, clientID, tx.db.ts(tx.Now))
	return err
}

// MarkAirtableRunDirty is MarkAirtableDirty for a run and every one of its client results
// (when it is planned, and when it ends: a cancel or abandon ends its operations too).
func (tx *Tx) MarkAirtableRunDirty(ctx context.Context, runID string) error {
	if err := tx.MarkAirtableDirty(ctx, runID, ""); err != nil {
		return err
	}
	_, err := tx.raw.ExecContext(ctx, `INSERT INTO airtable_outbox (run_id, client_id, version, dirty_at)
		SELECT run_id, client_id, 1, $2 FROM client_results WHERE run_id = $1
		ON CONFLICT (run_id, client_id) DO UPDATE SET version = airtable_outbox.version + 1`, runID, tx.stamp())
	return err
}

// MarkAirtableDirtySince queues every run created at or after since, and its client
// results, for mirroring (backfill). It returns the number of runs queued.
func (db *DB) MarkAirtableDirtySince(ctx context.Context, since time.Time) (int, error) {
	var n int
	err := db.InTx(ctx, func(tx *Tx) error {
		now, from := db.ts(tx.Now), db.ts(since)
		res, err := tx.raw.ExecContext(ctx, `INSERT INTO airtable_outbox (run_id, client_id, version, dirty_at)
			SELECT id, '', 1, $1 FROM runs WHERE created_at >= $2
			ON CONFLICT (run_id, client_id) DO UPDATE SET version = airtable_outbox.version + 1`, now, from)
		if err != nil {
			return err
		}
		runs, err := res.RowsAffected()
		n = int(runs)
		if err != nil {
			return err
		}
		_, err = tx.raw.ExecContext(ctx, `INSERT INTO airtable_outbox (run_id, client_id, version, dirty_at)
			SELECT cr.run_id, cr.client_id, 1, $1 FROM client_results cr JOIN runs r ON r.id = cr.run_id
			WHERE r.created_at >= $2
			ON CONFLICT (run_id, client_id) DO UPDATE SET version = airtable_outbox.version + 1`, now, from)
		return err
	})
	return n, err
}

// DueAirtableChanges returns up to limit outbox rows, oldest change first: run rows when
// runs is true, client-result rows otherwise.
func (db *DB) DueAirtableChanges(ctx context.Context, runs bool, limit int) ([]AirtableChange, error) {
	cond := "client_id = ''"
	if !runs {
		cond = "client_id <> ''"
	}
	return collect(ctx, db.db, func(s scanner) (AirtableChange, error) {
		var c AirtableChange
		err := s.Scan(&c.RunID, &c.ClientID, &c.Version, &c.DirtyAt)
		c.DirtyAt = c.DirtyAt.UTC()
		return c, err
	}, `SELECT run_id, client_id, version, dirty_at FROM airtable_outbox WHERE `+cond+`
		ORDER BY dirty_at, run_id, client_id LIMIT $1`, limit)
}

// AirtableRecord is a written record: its Airtable ID and the status its run had when the
// record's state was read (the sweep writes it again once the run has ended).
type AirtableRecord struct{ ID, RunStatus string }

// AirtableDelivered records, in one transaction, a delivered batch: the Airtable record
// IDs (key → record ID) of the base's table with the time their state was read (readAt:
// a change after it is not in Airtable yet, whenever the write ended), the outbox rows
// that may go (only those whose version did not move since they were read: a change that
// came in meanwhile stays queued), and the mirror's health.
func (db *DB) AirtableDelivered(ctx context.Context, base, table string, ids map[string]AirtableRecord, done []AirtableChange, readAt time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		for k, id := range ids {
			if _, err := tx.raw.ExecContext(ctx, `INSERT INTO airtable_records (base, tbl, key, record_id, synced_at, state)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (base, tbl, key) DO UPDATE SET record_id = $4, synced_at = $5, state = $6`,
				base, table, k, id.ID, db.ts(readAt), id.RunStatus); err != nil {
				return err
			}
		}
		for _, c := range done {
			if _, err := tx.raw.ExecContext(ctx, `DELETE FROM airtable_outbox WHERE run_id = $1 AND client_id = $2 AND version = $3`,
				c.RunID, c.ClientID, c.Version); err != nil {
				return err
			}
		}
		return tx.airtableSynced(ctx, base)
	})
}

// AirtablePending counts outbox rows and returns the oldest change's time (nil if none).
func (db *DB) AirtablePending(ctx context.Context) (int, *time.Time, error) {
	var n int
	var oldest any
	err := db.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(dirty_at) FROM airtable_outbox`).Scan(&n, &oldest)
	return n, parseMaybeTime(oldest), err
}

// AirtableRecordIDs returns the stored Airtable record IDs of keys in a base's table.
func (db *DB) AirtableRecordIDs(ctx context.Context, base, table string, keys []string) (map[string]string, error) {
	out := map[string]string{}
	if len(keys) == 0 {
		return out, nil
	}
	in, args := inList(keys, 2)
	rows, err := db.db.QueryContext(ctx, `SELECT key, record_id FROM airtable_records WHERE base = $1 AND tbl = $2 AND key IN (`+in+`)`,
		append([]any{base, table}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, id string
		if err := rows.Scan(&k, &id); err != nil {
			return nil, err
		}
		out[k] = id
	}
	return out, rows.Err()
}

// ensureAirtableState creates the base's state row.
func (tx *Tx) ensureAirtableState(ctx context.Context, base string) error {
	_, err := tx.raw.ExecContext(ctx, `INSERT INTO airtable_state (base, enabled_at) VALUES ($1, $2) ON CONFLICT (base) DO NOTHING`,
		base, tx.stamp())
	return err
}

// SweepAirtable queues what the lifecycle hook may have missed, in runs created since the
// mirror was enabled and within the last week: records never written, records of ended
// runs read before the run ended, and of active runs not written since staleBefore. It returns
// the number of rows queued.
func (db *DB) SweepAirtable(ctx context.Context, base, runsTable, clientsTable string, staleBefore time.Time) (int, error) {
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.ensureAirtableState(ctx, base); err != nil {
			return err
		}
		cond := `r.created_at >= (SELECT enabled_at FROM airtable_state WHERE base = $2) AND r.created_at >= $3 AND (a.key IS NULL
			OR (r.status IN ('queued','running') AND a.synced_at < $4) OR (r.status NOT IN ('queued','running') AND a.state <> r.status))`
		args := []any{tx.stamp(), base, db.ts(tx.Now.Add(-7 * 24 * time.Hour)), db.ts(staleBefore), runsTable}
		res, err := tx.raw.ExecContext(ctx, `INSERT INTO airtable_outbox (run_id, client_id, version, dirty_at)
			SELECT r.id, '', 1, $1 FROM runs r
			LEFT JOIN airtable_records a ON a.base = $2 AND a.tbl = $5 AND a.key = r.id
			WHERE `+cond+` ON CONFLICT (run_id, client_id) DO NOTHING`, args...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		args[4] = clientsTable
		res, err = tx.raw.ExecContext(ctx, `INSERT INTO airtable_outbox (run_id, client_id, version, dirty_at)
			SELECT r.id, cr.client_id, 1, $1 FROM client_results cr JOIN runs r ON r.id = cr.run_id
			LEFT JOIN airtable_records a ON a.base = $2 AND a.tbl = $5 AND a.key = r.id || '-C' || cr.client_id
			WHERE `+cond+` ON CONFLICT (run_id, client_id) DO NOTHING`, args...)
		if err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		n += m
		return nil
	})
	return int(n), err
}

// AcquireAirtableLease makes owner the base's only deliverer for ttl, if no other owner
// holds an unexpired lease; it reports whether owner holds it now.
func (db *DB) AcquireAirtableLease(ctx context.Context, base, owner string, ttl time.Duration) (bool, error) {
	var ok bool
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.ensureAirtableState(ctx, base); err != nil {
			return err
		}
		res, err := tx.raw.ExecContext(ctx, `UPDATE airtable_state SET lease_owner = $2, lease_until = $3
			WHERE base = $1 AND (lease_owner = $2 OR lease_owner = '' OR lease_until IS NULL OR lease_until < $4)`,
			base, owner, db.ts(tx.Now.Add(ttl)), tx.stamp())
		ok, err = affectedOne(res, err)
		return err
	})
	return ok, err
}

// ReleaseAirtableLease gives the lease up if owner holds it.
func (db *DB) ReleaseAirtableLease(ctx context.Context, base, owner string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.raw.ExecContext(ctx, `UPDATE airtable_state SET lease_owner = '', lease_until = NULL
			WHERE base = $1 AND lease_owner = $2`, base, owner)
		return err
	})
}

// ReserveAirtableSlot books the time of the base's next request so that no window of
// length window holds more than perWindow requests, from any process, and none falls in
// a 429 penalty. The caller waits until the returned time, then sends.
//
// prev, if not nil, is the previous request of the caller: its booked time is first
// replaced by the time it ended (see ConfirmAirtableSlot), in the same transaction.
func (db *DB) ReserveAirtableSlot(ctx context.Context, base string, perWindow int, window time.Duration, prev *SlotUse) (time.Time, error) {
	var slot time.Time
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.ensureAirtableState(ctx, base); err != nil {
			return err
		}
		q := `SELECT sent_ms, penalty_until FROM airtable_state WHERE base = $1`
		if db.kind == Postgres {
			q += ` FOR UPDATE`
		}
		var sent string
		var penalty sql.NullTime
		if err := tx.raw.QueryRowContext(ctx, q, base).Scan(&sent, &penalty); err != nil {
			return err
		}
		times := parseMillis(sent)
		if prev != nil {
			times = confirm(times, *prev)
		}
		slot = nextSlot(tx.Now, times, penalty, perWindow, window)
		times = append(times, slot.UnixMilli())
		if len(times) > perWindow {
			times = times[len(times)-perWindow:]
		}
		_, err := tx.raw.ExecContext(ctx, `UPDATE airtable_state SET sent_ms = $2 WHERE base = $1`, base, formatMillis(times))
		return err
	})
	return slot, err
}

func nextSlot(now time.Time, times []int64, penalty sql.NullTime, perWindow int, window time.Duration) time.Time {
	slot := now
	if penalty.Valid && penalty.Time.After(slot) {
		slot = penalty.Time
	}
	if n := len(times); n > 0 {
		if last := time.UnixMilli(times[n-1]); last.After(slot) {
			slot = last
		}
		if n >= perWindow {
			if t := time.UnixMilli(times[n-perWindow]).Add(window); t.After(slot) {
				slot = t
			}
		}
	}
	return slot.UTC()
}

func parseMillis(s string) []int64 {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		if v, err := strconv.ParseInt(f, 10, 64); err == nil {
			out = append(out, v)
		}
	}
	return out
}

func formatMillis(v []int64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatInt(x, 10)
	}
	return strings.Join(parts, ",")
}

// SlotUse is a request that went out: the time booked for it and the time it ended.
type SlotUse struct{ Booked, Ended time.Time }

// ConfirmAirtableSlot replaces a booked request time by the time the request ended: the
// base received it by then, so later requests count their window from there, however late
// the request went out (a loaded machine, a slow network). ENOTFOUND for a base that never
// booked a request.
func (db *DB) ConfirmAirtableSlot(ctx context.Context, base string, use SlotUse) error {
	return db.InTx(ctx, func(tx *Tx) error {
		q := `SELECT sent_ms FROM airtable_state WHERE base = $1`
		if db.kind == Postgres {
			q += ` FOR UPDATE`
		}
		var sent string
		if err := tx.raw.QueryRowContext(ctx, q, base).Scan(&sent); err != nil {
			return mapError(err, "Airtable request budget of base "+base)
		}
		_, err := tx.raw.ExecContext(ctx, `UPDATE airtable_state SET sent_ms = $2 WHERE base = $1`, base,
			formatMillis(confirm(parseMillis(sent), use)))
		return err
	})
}

func confirm(times []int64, use SlotUse) []int64 {
	for i, t := range times {
		if t == use.Booked.UnixMilli() && use.Ended.UnixMilli() > t {
			times[i] = use.Ended.UnixMilli()
		}
	}
	slices.Sort(times)
	return times
}

// PenalizeAirtable holds every process's requests to the base until the time (after a 429).
func (db *DB) PenalizeAirtable(ctx context.Context, base string, until time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.ensureAirtableState(ctx, base); err != nil {
			return err
		}
		_, err := tx.raw.ExecContext(ctx, `UPDATE airtable_state SET penalty_until = $2 WHERE base = $1`, base, db.ts(until))
		return err
	})
}

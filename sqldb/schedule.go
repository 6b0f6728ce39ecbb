package sqldb

import (
	"context"
	"database/sql"
	"time"
)

// LastSlot returns the last schedule slot a stream started a run for; ok is false when the
// stream has never been scheduled.
func (db *DB) LastSlot(ctx context.Context, stream int) (slot time.Time, ok bool, err error) {
	var t time.Time
	err = db.db.QueryRowContext(ctx, `SELECT last_slot FROM schedule_slots WHERE stream = $1`, stream).Scan(&t)
	if err == sql.ErrNoRows {
		return time.Time{}, false, nil
	}
	return t.UTC(), err == nil, err
}

// ClaimSlot moves a stream's last slot from prev (zero: none yet, next is then only where
// counting starts) to next. It reports false when another process moved it first: exactly
// one process claims each slot. The slot's outcome is "claimed" until RecordSlotOutcome.
func (db *DB) ClaimSlot(ctx context.Context, stream int, prev, next time.Time) (bool, error) {
	var res sql.Result
	var err error
	if prev.IsZero() {
		res, err = db.db.ExecContext(ctx, `INSERT INTO schedule_slots (stream, last_slot, outcome) VALUES ($1, $2, '')
			ON CONFLICT (stream) DO NOTHING`, stream, db.ts(next))
	} else {
		res, err = db.db.ExecContext(ctx, `UPDATE schedule_slots SET last_slot = $3, outcome = 'claimed', run_id = NULL, detail = ''
			WHERE stream = $1 AND last_slot = $2`,
			stream, db.ts(prev), db.ts(next))
	}
	return affectedOne(res, err)
}

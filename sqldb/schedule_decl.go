package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/leadrun/leadrun"
)

// DeclareSchedules records the schedules a starting process runs (decls, all of one
// worker), replacing what that worker declared before. Declarations of processes that
// stopped or stopped heartbeating before staleBefore go at the same time: the new
// configuration supersedes theirs. A process without schedules declares nothing, so a
// stream whose every scheduling process is down keeps its schedule (and shows missed slots).
func (db *DB) DeclareSchedules(ctx context.Context, workerID string, staleBefore time.Time, decls []leadrun.ScheduleDeclaration) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.raw.ExecContext(ctx, `DELETE FROM schedule_declarations WHERE worker_id = $1
			OR worker_id NOT IN (SELECT id FROM workers WHERE stopped_at IS NULL AND heartbeat_at >= $2)`,
			workerID, db.ts(staleBefore)); err != nil {
			return err
		}
		for _, d := range decls {
			if d.WorkerID != workerID {
				return leadrun.Errorf(leadrun.EINVALID, "declaration of stream %d is by worker %q, not %q", d.Stream, d.WorkerID, workerID)
			}
			if _, err := tx.raw.ExecContext(ctx, `INSERT INTO schedule_declarations
				(stream, worker_id, cron, timezone, host, pid, declared_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
				d.Stream, workerID, d.Cron, d.Timezone, d.Host, d.PID, db.ts(tx.Now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// RecordSlotOutcome says what the claimed slot of a stream led to: leadrun.SlotStarted
// with the run, SlotBusy with the active run that blocked it, SlotFailed with the error.
// It counts consecutive busy slots and reports false if the stream's last slot moved on.
func (db *DB) RecordSlotOutcome(ctx context.Context, stream int, slot time.Time, outcome, runID, detail string) (bool, error) {
	var run any
	if runID != "" {
		run = runID
	}
	res, err := db.db.ExecContext(ctx, `UPDATE schedule_slots SET outcome = $3, run_id = $4, detail = $5,
		busy_skips = CASE WHEN $3 = 'busy' THEN busy_skips + 1 ELSE 0 END
		WHERE stream = $1 AND last_slot = $2`, stream, db.ts(slot), outcome, run, leadrun.Truncate(detail, 500))
	return affectedOne(res, err)
}

// StreamSchedules tells, for each stream that a process declared a schedule for, the cron
// in force (that of the newest live declaration, else the newest one), the next and last
// slot with what the last one led to, live processes declaring something else, and the
// slots missed as of now. A process is live when it heartbeat at or after staleBefore.
func (db *DB) StreamSchedules(ctx context.Context, now, staleBefore time.Time) ([]*leadrun.StreamSchedule, error) {
	decls, err := collect(ctx, db.db, func(s scanner) (leadrun.ScheduleDeclaration, error) {
		var d leadrun.ScheduleDeclaration
		var live int
		err := s.Scan(&d.Stream, &d.Cron, &d.Timezone, &d.WorkerID, &d.Host, &d.PID, &d.DeclaredAt, &live)
		d.DeclaredAt, d.Live = d.DeclaredAt.UTC(), live == 1
		return d, err
	}, `SELECT d.stream, d.cron, d.timezone, d.worker_id, d.host, d.pid, d.declared_at,
		CASE WHEN w.stopped_at IS NULL AND w.heartbeat_at >= $1 THEN 1 ELSE 0 END
		FROM schedule_declarations d LEFT JOIN workers w ON w.id = d.worker_id
		ORDER BY d.stream, d.declared_at DESC, d.worker_id`, db.ts(staleBefore))
	if err != nil {
		return nil, err
	}
	byStream := map[int]*leadrun.StreamSchedule{}
	var out []*leadrun.StreamSchedule
	for _, d := range decls {
		s := byStream[d.Stream]
		if s == nil {
			s = &leadrun.StreamSchedule{Stream: d.Stream}
			byStream[d.Stream] = s
			out = append(out, s)
		}
		s.Declarations = append(s.Declarations, d)
	}
	for _, s := range out {
		pick := s.Declarations[0] // newest
		for _, d := range s.Declarations {
			if d.Live {
				pick = d
				break
			}
		}
		s.Cron, s.Timezone, s.DeclaredAt, s.Live = pick.Cron, pick.Timezone, pick.DeclaredAt, pick.Live
		s.DeclaredBy = fmt.Sprintf("%s pid %d (%s)", pick.Host, pick.PID, pick.WorkerID)
		s.Words = leadrun.CronWords(pick.Cron)
		for _, d := range s.Declarations {
			if d.Live && pick.Live && (d.Cron != pick.Cron || d.Timezone != pick.Timezone) {
				s.Conflicts = append(s.Conflicts, d)
			}
		}
		if err := db.fillSlots(ctx, s, now); err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Stream < out[j].Stream })
	return out, nil
}

// fillSlots adds the stream's last slot and its outcome, the next slot and the missed ones.
func (db *DB) fillSlots(ctx context.Context, s *leadrun.StreamSchedule, now time.Time) error {
	var last time.Time
	var runID *string
	err := db.db.QueryRowContext(ctx, `SELECT last_slot, outcome, run_id, detail, busy_skips FROM schedule_slots WHERE stream = $1`,
		s.Stream).Scan(&last, &s.LastOutcome, &runID, &s.LastDetail, &s.BusySkips)
	switch {
	case err == nil:
		last = last.UTC()
		if s.LastOutcome != "" { // "": where counting started, not a slot
			s.LastSlot = &last
		}
		if runID != nil {
			s.LastRunID = *runID
		}
	case errors.Is(err, sql.ErrNoRows):
		last = s.DeclaredAt // no process claimed anything yet: counting starts at the declaration
	default:
		return err
	}
	missed, first, next, err := leadrun.MissedSlots(s.Cron, last, now)
	if err != nil {
		return err
	}
	s.NextSlot = &next
	if missed > 0 {
		s.Missed, s.MissedSince = missed, &first
	}
	return nil
}

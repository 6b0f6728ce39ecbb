package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/leadrun/leadrun"
)

// ParseSchedules reads per-stream cron expressions (UTC, five fields) written as
// "1=0 2 * * *; 2=30 2 * * *".
func ParseSchedules(s string) (map[int]string, error) {
	out := map[int]string{}
	for _, part := range strings.Split(s, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		stream, expr, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(strings.TrimSpace(stream))
		if !ok || err != nil || n < 1 {
			return nil, leadrun.Errorf(leadrun.EINVALID, "schedule %q: write STREAM=CRON, e.g. 1=0 2 * * *", part)
		}
		if _, _, err := leadrun.ParseCron(expr); err != nil {
			return nil, leadrun.Errorf(leadrun.EINVALID, "schedule of stream %d: %v", n, err)
		}
		out[n] = strings.TrimSpace(expr)
	}
	return out, nil
}

// scheduleLoop starts the runs the schedules call for, like the webhook would.
func (r *Runner) scheduleLoop(ctx context.Context, schedules map[int]cron.Schedule) {
	defer r.loops.Done()
	ticker := time.NewTicker(r.cfg.ScheduleTick)
	defer ticker.Stop()
	streams := make([]int, 0, len(schedules))
	for s := range schedules {
		streams = append(streams, s)
	}
	sort.Ints(streams)
	for {
		for _, stream := range streams {
			if err := r.scheduleStream(ctx, stream, schedules[stream]); err != nil && ctx.Err() == nil {
				r.log.Warn("schedule failed", "stream", stream, "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// scheduleStream starts one run when a slot of the stream's schedule has passed since the
// last one claimed. After downtime it claims only the latest missed slot: at most one
// catch-up run. The first time a stream is seen, it starts counting from now.
func (r *Runner) scheduleStream(ctx context.Context, stream int, sched cron.Schedule) error {
	now := r.db.Now().UTC()
	last, ok, err := r.db.LastSlot(ctx, stream)
	if err != nil {
		return err
	}
	if !ok {
		_, err := r.db.ClaimSlot(ctx, stream, time.Time{}, now)
		return err
	}
	due := time.Time{}
	for next := sched.Next(last); !next.After(now); next = sched.Next(next) {
		due = next
	}
	if due.IsZero() {
		return nil
	}
	claimed, err := r.db.ClaimSlot(ctx, stream, last, due)
	if err != nil || !claimed {
		return err
	}
	run, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: stream, Trigger: leadrun.TriggerSchedule,
		RequestedBy: fmt.Sprintf("schedule %s", due.Format(time.RFC3339))})
	outcome, runID, detail := leadrun.SlotStarted, "", ""
	var busy *leadrun.StreamBusyError
	switch {
	case errors.As(err, &busy):
		// Not a missed slot: SPEC allows no duplicate run. It is counted, so a stream stuck
		// busy shows in the needs-attention list while the blocking run stays active.
		r.log.Warn("scheduled run skipped: the stream is busy", "stream", stream, "run_id", busy.RunID)
		outcome, runID, detail, err = leadrun.SlotBusy, busy.RunID, "stream busy with run "+busy.RunID, nil
	case err != nil:
		outcome, detail = leadrun.SlotFailed, err.Error()
	default:
		runID = run.ID
		r.log.Info("scheduled run started", "stream", stream, "run_id", run.ID, "slot", due)
	}
	if _, rerr := r.db.RecordSlotOutcome(context.WithoutCancel(ctx), stream, due, outcome, runID, detail); rerr != nil {
		r.log.Warn("could not record the schedule slot's outcome", "stream", stream, "error", rerr)
	}
	return err
}

// declareSchedules records this process's schedules in the database, so every process can
// show them and tell when their slots are missed.
func (r *Runner) declareSchedules(ctx context.Context, host string) error {
	var decls []leadrun.ScheduleDeclaration
	for stream, expr := range r.cfg.Schedules {
		_, tz, err := leadrun.ParseCron(expr)
		if err != nil {
			return err
		}
		decls = append(decls, leadrun.ScheduleDeclaration{Stream: stream, Cron: expr, Timezone: tz,
			WorkerID: r.workerID, Host: host, PID: os.Getpid()})
	}
	return r.db.DeclareSchedules(ctx, r.workerID, r.db.Now().Add(-r.cfg.StaleAfter), decls)
}

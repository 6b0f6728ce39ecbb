package runner

import (
	"context"
	"errors"
	"fmt"
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
		if _, err := cron.ParseStandard(strings.TrimSpace(expr)); err != nil {
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
	var busy *leadrun.StreamBusyError
	if errors.As(err, &busy) {
		r.log.Warn("scheduled run skipped: the stream is busy", "stream", stream, "run_id", busy.RunID)
		return nil
	}
	if err == nil {
		r.log.Info("scheduled run started", "stream", stream, "run_id", run.ID, "slot", due)
	}
	return err
}

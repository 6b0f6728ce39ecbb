package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/leadrun/leadrun"
)

// attentionSchedules: streams whose scheduled slots passed with no run started (no live
// process runs the schedule, or the run could not be created), and streams whose slots are
// skipped because a run stays active. A slot skipped busy is not missed (one run per
// stream); it is listed only while the run that blocked it is still active.
func (db *DB) attentionSchedules(ctx context.Context, _ map[string]*leadrun.Client, now time.Time, _ int) ([]*leadrun.AttentionItem, error) {
	all, err := db.StreamSchedules(ctx, now, now.Add(-leadrun.ProcessLiveWithin))
	if err != nil {
		return nil, err
	}
	var out []*leadrun.AttentionItem
	for _, s := range all {
		it := &leadrun.AttentionItem{Kind: leadrun.AttentionScheduleMissed, Stream: s.Stream}
		sched := fmt.Sprintf("stream %d's schedule (%s)", s.Stream, s.Words)
		var detail string
		switch {
		case s.Missed > 0:
			it.Count, it.Since = int64(s.Missed), s.MissedSince
			who := "no live process runs schedules (last declared by " + s.DeclaredBy + ")"
			if s.Live {
				who = "process " + s.DeclaredBy + " declares it but claimed none: see its log"
			}
			detail = fmt.Sprintf("%d slot(s) of %s passed with no run started: %s", s.Missed, sched, who)
		case s.LastSlot == nil || now.Sub(*s.LastSlot) < leadrun.ScheduleGrace:
			continue
		case s.LastOutcome == leadrun.SlotFailed:
			it.Count, it.Since = 1, s.LastSlot
			detail = fmt.Sprintf("the slot of %s at %s started no run: the run could not be created: %s",
				sched, s.LastSlot.Format("2006-01-02 15:04 UTC"), s.LastDetail)
		case s.LastOutcome == leadrun.SlotClaimed:
			it.Count, it.Since = 1, s.LastSlot
			detail = fmt.Sprintf("the slot of %s at %s was claimed but started no run: the process stopped before creating it",
				sched, s.LastSlot.Format("2006-01-02 15:04 UTC"))
		case s.LastOutcome == leadrun.SlotBusy && s.LastRunID != "":
			run, err := db.FindRunByID(ctx, s.LastRunID)
			if leadrun.ErrorCode(err) == leadrun.ENOTFOUND || (err == nil && run.Status.Terminal()) {
				continue
			}
			if err != nil {
				return nil, err
			}
			since := run.CreatedAt.UTC()
			it.Count, it.Since, it.RunID = int64(s.BusySkips), &since, run.ID
			detail = fmt.Sprintf("%d slot(s) of %s in a row skipped: run %s is still %s (one run per stream)",
				s.BusySkips, sched, run.ID, run.Status)
		default:
			continue
		}
		it.Describe(detail)
		out = append(out, it)
	}
	return out, nil
}

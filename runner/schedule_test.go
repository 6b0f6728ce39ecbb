package runner_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// A process records its schedule at start, so the database tells any process the stream's
// cron, next slot and the run its last slot started. With every scheduling process down,
// passed slots show as missed in the needs-attention list; a process starting again claims
// the latest slot, which clears the item.
func TestScheduleShownAndMissed(t *testing.T) {
	if got, err := runner.ParseSchedules("2=CRON_TZ=Australia/Sydney 0 2 * * *"); err != nil || got[2] != "CRON_TZ=Australia/Sydney 0 2 * * *" {
		t.Errorf("a schedule in a timezone: %v %v", got, err)
	}
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		mustFixture(t, db, 5, &leadrun.Client{ID: "A", Stream: 1})
		ctx := context.Background()
		clock := time.Date(2026, 11, 28, 1, 0, 30, 0, time.UTC)
		var mu sync.Mutex
		db.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
		advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
		schedule := func() *leadrun.StreamSchedule {
			now := db.Now()
			all, err := db.StreamSchedules(ctx, now, now.Add(-leadrun.ProcessLiveWithin))
			if err != nil || len(all) != 1 {
				t.Fatalf("schedules: %v %v", all, err)
			}
			return all[0]
		}
		missed := func() *leadrun.AttentionItem {
			items, err := db.NeedsAttention(ctx, db.Now(), 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if it.Kind == leadrun.AttentionScheduleMissed {
					return it
				}
			}
			return nil
		}
		schedules, _ := runner.ParseSchedules("1=0 2 * * *")
		cfg := runner.Config{Schedules: schedules, ScheduleTick: 20 * time.Millisecond}
		a := newRunner(t, db, &keywordScorer{}, cfg)
		mustStart(t, a)
		if s := schedule(); s.Cron != "0 2 * * *" || s.Words != "every day at 02:00 UTC" || !s.Live ||
			!s.NextSlot.Equal(time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)) {
			t.Fatalf("declared: %+v", s)
		}
		waitFor(t, func() bool { _, ok, _ := db.LastSlot(ctx, 1); return ok }) // first sight: counting starts
		advance(time.Hour)
		waitFor(t, func() bool { return schedule().LastOutcome == leadrun.SlotStarted })
		s := schedule()
		run := mustWait(t, a, s.LastRunID)
		if run.Trigger != leadrun.TriggerSchedule || !s.LastSlot.Equal(time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)) ||
			!s.NextSlot.Equal(time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)) {
			t.Fatalf("after the first slot: %+v, run %+v", s, run)
		}

		stop, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := a.Shutdown(stop); err != nil {
			t.Fatal(err)
		}
		advance(48*time.Hour + 15*time.Minute) // 11-30 02:15: the 29th's and 30th's slots passed
		it := missed()
		if it == nil || it.Count != 2 || !it.Since.Equal(time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)) || it.Stream != 1 ||
			it.Command != "leadrun run --stream 1" {
			t.Fatalf("missed with no process: %+v", it)
		}
		if s := schedule(); s.Live || s.Missed != 2 {
			t.Errorf("schedule with no process: %+v", s)
		}

		b := newRunner(t, db, &keywordScorer{}, cfg)
		mustStart(t, b)
		waitFor(t, func() bool { s := schedule(); return s.LastOutcome == leadrun.SlotStarted && s.LastRunID != run.ID })
		if it := missed(); it != nil {
			t.Errorf("after a process claimed the latest slot: %+v", it)
		}
		mustWait(t, b, schedule().LastRunID)
	})
}

package sqldb_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// scheduleOf returns the stream's schedule as any process sees it at the clock's time.
func scheduleOf(t *testing.T, db *sqldb.DB, stream int) *leadrun.StreamSchedule {
	t.Helper()
	now := db.Now()
	all, err := db.StreamSchedules(context.Background(), now, now.Add(-2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.Stream == stream {
			return s
		}
	}
	t.Fatalf("no schedule for stream %d in %d", stream, len(all))
	return nil
}

// scheduleItem returns the needs-attention item about the stream's schedule, or nil.
func scheduleItem(t *testing.T, db *sqldb.DB, stream int) *leadrun.AttentionItem {
	t.Helper()
	items, err := db.NeedsAttention(context.Background(), db.Now(), 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Kind == leadrun.AttentionScheduleMissed && it.Stream == stream {
			return it
		}
	}
	return nil
}

// A process's schedules are recorded for every process to read: the cron in words, the next
// and last slot with the run it started; slots that pass unclaimed are missed (counted,
// since when) until one is claimed; a failed or unfinished claim and a stream stuck busy
// show too; two live processes with different crons are a conflict.
func testScheduleDeclarations(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clk := mustClock(db, time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	s1, s2 := u.stream(1), u.stream(2)
	w1, w2 := u.id("w1"), u.id("w2")
	must(t, db.RegisterWorker(ctx, w1, "host-a", 11, "rules", "default"))
	must(t, db.RegisterWorker(ctx, w2, "host-b", 22, "rules", "default"))
	decl := func(worker string, stream int, cron string) leadrun.ScheduleDeclaration {
		return leadrun.ScheduleDeclaration{Stream: stream, Cron: cron, Timezone: "UTC", WorkerID: worker, Host: "host-a", PID: 11}
	}
	if err := db.DeclareSchedules(ctx, w1, clk.now.Add(-2*time.Minute), []leadrun.ScheduleDeclaration{decl(w2, s1, "0 2 * * *")}); leadrun.ErrorCode(err) != leadrun.EINVALID {
		t.Errorf("declaring for another worker: %v", err)
	}
	must(t, db.DeclareSchedules(ctx, w1, clk.now.Add(-2*time.Minute), []leadrun.ScheduleDeclaration{decl(w1, s1, "0 2 * * *"), decl(w1, s2, "0 3 * * *")}))
	s := scheduleOf(t, db, s1)
	slot0 := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	if s.Cron != "0 2 * * *" || s.Words != "every day at 02:00 UTC" || !s.Live || s.NextSlot == nil || !s.NextSlot.Equal(slot0) ||
		s.LastSlot != nil || s.Missed != 0 || !strings.Contains(s.DeclaredBy, w1) || len(s.Conflicts) != 0 {
		t.Fatalf("declared schedule: %+v", s)
	}

	// Slot 02:00 passes with no process left: missed once the grace period is over.
	_, err := db.ClaimSlot(ctx, s1, time.Time{}, clk.now) // the runner's first sight: counting starts
	must(t, err)
	clk.advance(65 * time.Minute) // 02:05
	if it := scheduleItem(t, db, s1); it != nil {
		t.Errorf("within the grace period: %+v", it)
	}
	clk.advance(6 * time.Minute) // 02:11
	it := scheduleItem(t, db, s1)
	if it == nil || it.Count != 1 || !it.Since.Equal(slot0) || !strings.Contains(it.What, "no live process") ||
		it.Command != "leadrun run --stream "+strconv.Itoa(s1) {
		t.Fatalf("missed slot: %+v", it)
	}
	clk.advance(72 * time.Hour) // 03-05 02:11: four slots missed
	if it := scheduleItem(t, db, s1); it == nil || it.Count != 4 || !it.Since.Equal(slot0) {
		t.Fatalf("four missed slots: %+v", it)
	}

	// A process claims the latest slot: what is missed clears; until it records a run the
	// claim shows as unfinished.
	slot3 := slot0.Add(72 * time.Hour)
	if ok, err := db.ClaimSlot(ctx, s1, time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC), slot3); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if it := scheduleItem(t, db, s1); it == nil || it.Count != 1 || !strings.Contains(it.What, "claimed but started no run") {
		t.Fatalf("claimed, no run: %+v", it)
	}
	if ok, err := db.RecordSlotOutcome(ctx, s1, slot0, leadrun.SlotStarted, "SR-x", ""); ok || err != nil {
		t.Errorf("outcome of an old slot: %v %v", ok, err)
	}
	if ok, err := db.RecordSlotOutcome(ctx, s1, slot3, leadrun.SlotStarted, "SR-260305-001-S1", ""); !ok || err != nil {
		t.Fatalf("outcome: %v %v", ok, err)
	}
	if it := scheduleItem(t, db, s1); it != nil {
		t.Errorf("after a started slot: %+v", it)
	}
	s = scheduleOf(t, db, s1)
	if s.LastSlot == nil || !s.LastSlot.Equal(slot3) || s.LastRunID != "SR-260305-001-S1" || s.LastOutcome != leadrun.SlotStarted ||
		!s.NextSlot.Equal(slot3.Add(24*time.Hour)) || s.Missed != 0 || s.Live {
		t.Fatalf("after a started slot: %+v", s)
	}

	// The next slot could not start its run: said with the error.
	slot4 := slot3.Add(24 * time.Hour)
	clk.advance(24 * time.Hour)
	_, err = db.ClaimSlot(ctx, s1, slot3, slot4)
	must(t, err)
	_, err = db.RecordSlotOutcome(ctx, s1, slot4, leadrun.SlotFailed, "", "database is locked")
	must(t, err)
	if it := scheduleItem(t, db, s1); it == nil || !strings.Contains(it.What, "could not be created: database is locked") {
		t.Fatalf("failed slot: %+v", it)
	}

	// Two slots skipped while a run stays active: not missed, but the stream is stuck busy.
	runID := mustPlanRun(t, db, s1, u.id("A"))
	for i, slot := range []time.Time{slot4.Add(24 * time.Hour), slot4.Add(48 * time.Hour)} {
		clk.advance(24 * time.Hour)
		prev := slot.Add(-24 * time.Hour)
		_, err = db.ClaimSlot(ctx, s1, prev, slot)
		must(t, err)
		_, err = db.RecordSlotOutcome(ctx, s1, slot, leadrun.SlotBusy, runID, "stream busy")
		must(t, err)
		if s := scheduleOf(t, db, s1); s.BusySkips != i+1 || s.Missed != 0 {
			t.Errorf("busy skip %d: %+v", i+1, s)
		}
	}
	it = scheduleItem(t, db, s1)
	if it == nil || it.Count != 2 || it.RunID != runID || it.Command != "leadrun runs cancel "+runID || !strings.Contains(it.What, "still queued") {
		t.Fatalf("stuck busy: %+v", it)
	}

	// Two live processes, two crons for one stream: a conflict. A process declaring anew
	// supersedes the declarations of processes that stopped.
	clk.advance(time.Minute)
	must(t, db.HeartbeatWorker(ctx, w1))
	must(t, db.HeartbeatWorker(ctx, w2))
	must(t, db.DeclareSchedules(ctx, w2, clk.now.Add(-2*time.Minute), []leadrun.ScheduleDeclaration{decl(w2, s2, "30 3 * * *")}))
	s = scheduleOf(t, db, s2)
	if s.Cron != "30 3 * * *" || len(s.Conflicts) != 1 || s.Conflicts[0].WorkerID != w1 || s.Conflicts[0].Cron != "0 3 * * *" || len(s.Declarations) != 2 {
		t.Fatalf("conflict: %+v", s)
	}
	must(t, db.StopWorker(ctx, w1))
	must(t, db.DeclareSchedules(ctx, w2, clk.now.Add(-2*time.Minute), []leadrun.ScheduleDeclaration{decl(w2, s2, "30 3 * * *")}))
	if s := scheduleOf(t, db, s2); len(s.Conflicts) != 0 || len(s.Declarations) != 1 {
		t.Fatalf("after w1 stopped and w2 declared again: %+v", s)
	}
}

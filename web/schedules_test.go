package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// A schedule declared by a process that is gone: the API and the runs page show the cron in
// words, the next slot and the missed slots; the needs-attention list offers to start a run
// on the stream now, which the button does; the item clears when a process claims a slot.
func TestSchedulesShownAndMissed(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		// Days ahead of the real clock, so the dashboard's session cookie (expiring by the
		// database's clock) stays valid in the test's cookie jar.
		day0 := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2)
		slot := func(day int) time.Time { return day0.AddDate(0, 0, day).Add(2 * time.Hour) }
		now := day0.Add(time.Hour)
		db.Now = func() time.Time { return now }
		e := mustServe(t, db, web.Config{AdminToken: token}, false)
		must(t, db.RegisterWorker(ctx, "w-gone", "box-1", 42, "rules", "default"))
		must(t, db.DeclareSchedules(ctx, "w-gone", now.Add(-time.Minute), []leadrun.ScheduleDeclaration{
			{Stream: 1, Cron: "0 2 * * *", Timezone: "UTC", WorkerID: "w-gone", Host: "box-1", PID: 42}}))
		_, err := db.ClaimSlot(ctx, 1, time.Time{}, now)
		must(t, err)
		now = now.Add(49 * time.Hour) // day 2 02:00: the slots of days 0 and 1 missed, day 2's in its grace period

		status, got := e.do(t, "GET", "/api/v1/schedules", bearer, "")
		list, _ := got["schedules"].([]any)
		if status != 200 || len(list) != 1 {
			t.Fatalf("GET /api/v1/schedules: %d %v", status, got)
		}
		s := list[0].(map[string]any)
		if s["stream"] != 1.0 || s["cron"] != "0 2 * * *" || s["in_words"] != "every day at 02:00 UTC" || s["missed"] != 2.0 ||
			s["live"] != false || s["next_slot"] != slot(0).Format(time.RFC3339) {
			t.Errorf("schedule: %v", s)
		}
		if status, _ := e.do(t, "GET", "/api/v1/schedules", nil, ""); status != http.StatusUnauthorized {
			t.Errorf("without the admin token: %d", status)
		}

		b := newBrowser(t, e.srv.URL)
		b.login(token)
		_, body, _ := b.get("/runs")
		if !strings.Contains(body, `id="schedule-1"`) || !strings.Contains(body, "every day at 02:00 UTC") ||
			!strings.Contains(body, "2 slot(s) missed") || !strings.Contains(body, "box-1 pid 42") || !strings.Contains(body, "not running") {
			t.Fatalf("runs page lacks the schedule:\n%s", body)
		}
		_, body, _ = b.get("/")
		if !strings.Contains(body, `data-kind="schedule_missed"`) || !strings.Contains(body, "Start a run on stream 1 now") ||
			!strings.Contains(body, "2 slot(s) of stream 1&#39;s schedule (every day at 02:00 UTC) passed with no run started") {
			t.Fatalf("needs attention lacks the missed schedule:\n%s", body)
		}
		status, _, h := b.post("/runs", url.Values{"csrf_token": {b.csrf}, "stream": {"1"}})
		if status != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "/runs/SR-") {
			t.Fatalf("start now: %d %q", status, h.Get("Location"))
		}

		ok, err := db.ClaimSlot(ctx, 1, day0.Add(time.Hour), slot(2))
		if !ok || err != nil {
			t.Fatalf("claim: %v %v", ok, err)
		}
		_, err = db.RecordSlotOutcome(ctx, 1, slot(2), leadrun.SlotStarted, "SR-261130-001-S1", "")
		must(t, err)
		if _, body, _ := b.get("/"); strings.Contains(body, `data-kind="schedule_missed"`) {
			t.Errorf("the missed schedule stays after a slot was claimed")
		}
		if _, body, _ := b.get("/runs"); !strings.Contains(body, `started <a href="/runs/SR-261130-001-S1">`) {
			t.Errorf("runs page lacks the last slot's run:\n%s", body)
		}
	})
}

// declareStoppedSchedule records cron for stream as declared by a process that counted
// slots from daysAgo days ago and then stopped.
func declareStoppedSchedule(t *testing.T, db *sqldb.DB, stream int, cron string, daysAgo int) {
	t.Helper()
	ctx := context.Background()
	now := db.Now().UTC()
	worker := fmt.Sprintf("gone-s%d", stream)
	must(t, db.RegisterWorker(ctx, worker, "box-gone", 1, "rules", "default"))
	must(t, db.DeclareSchedules(ctx, worker, now.Add(-time.Minute), []leadrun.ScheduleDeclaration{
		{Stream: stream, Cron: cron, Timezone: "UTC", WorkerID: worker, Host: "box-gone", PID: 1}}))
	must(t, db.StopWorker(ctx, worker))
	_, err := db.ClaimSlot(ctx, stream, time.Time{}, now.AddDate(0, 0, -daysAgo).Add(-leadrun.ScheduleGrace))
	must(t, err)
}

// claimLatestSlot claims the stream's latest due slot for runID as a scheduling process would.
func claimLatestSlot(t *testing.T, db *sqldb.DB, stream int, cron, runID string) {
	t.Helper()
	ctx := context.Background()
	last, _, err := db.LastSlot(ctx, stream)
	must(t, err)
	sched, _, err := leadrun.ParseCron(cron)
	must(t, err)
	due := last
	for next := sched.Next(last); !next.After(db.Now()); next = sched.Next(next) {
		due = next
	}
	if ok, err := db.ClaimSlot(ctx, stream, last, due); !ok || err != nil {
		t.Fatalf("claim %v→%v: %v %v", last, due, ok, err)
	}
	if ok, err := db.RecordSlotOutcome(ctx, stream, due, leadrun.SlotStarted, runID, ""); !ok || err != nil {
		t.Fatalf("outcome of %v: %v %v", due, ok, err)
	}
}

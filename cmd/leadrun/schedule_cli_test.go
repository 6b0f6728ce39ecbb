package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// `leadrun status` shows each stream's schedule as a process declared it and lists the
// slots missed since that process stopped, with the command to start a run now.
func TestStatusShowsSchedules(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dbURL := migratedURL(t, kind)
			if out := mustCLI(t, "status", "--db", dbURL); !strings.Contains(out, "Schedules: none declared") {
				t.Errorf("status without schedules:\n%s", out)
			}
			db, err := sqldb.Open(t.Context(), dbURL, sqldb.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := t.Context()
			now := db.Now().UTC()
			if err := db.RegisterWorker(ctx, "w1", "box-1", 7, "rules", "default"); err != nil {
				t.Fatal(err)
			}
			if err := db.DeclareSchedules(ctx, "w1", now.Add(-time.Minute), []leadrun.ScheduleDeclaration{
				{Stream: 2, Cron: "0 2 * * *", Timezone: "UTC", WorkerID: "w1", Host: "box-1", PID: 7}}); err != nil {
				t.Fatal(err)
			}
			if err := db.StopWorker(ctx, "w1"); err != nil {
				t.Fatal(err)
			}
			// The process counted from three days ago, then stopped: three slots missed.
			if _, err := db.ClaimSlot(ctx, 2, time.Time{}, now.AddDate(0, 0, -3).Add(-leadrun.ScheduleGrace)); err != nil {
				t.Fatal(err)
			}
			out := mustCLI(t, "status", "--db", dbURL)
			for _, want := range []string{"[schedule_missed] stream 2:", "3 slot(s) of stream 2's schedule (every day at 02:00 UTC) passed",
				"leadrun run --stream 2", "stream 2: every day at 02:00 UTC (0 2 * * *, UTC), declared by box-1 pid 7 (w1), NOT running",
				"3 slot(s) missed since"} {
				if !strings.Contains(out, want) {
					t.Errorf("status lacks %q:\n%s", want, out)
				}
			}
			var st struct {
				Schedules []leadrun.StreamSchedule `json:"schedules"`
			}
			if err := json.Unmarshal([]byte(mustCLI(t, "status", "--json", "--db", dbURL)), &st); err != nil {
				t.Fatal(err)
			}
			if len(st.Schedules) != 1 || st.Schedules[0].Stream != 2 || st.Schedules[0].Missed != 3 || st.Schedules[0].Live {
				t.Errorf("status --json schedules: %+v", st.Schedules)
			}
		})
	}
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// A run started from the dashboard's form is recorded as such with its client filter and
// limits; a refusal (busy stream, unknown client) reopens the form with what was typed;
// the run page says who started and who cancelled it and offers the report.
func TestDashboardTriggerFormAndWho(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := mustServe(t, db, web.Config{AdminToken: token}, false) // runs stay queued
		b := newBrowser(t, e.srv.URL)
		b.login(token)
		form := url.Values{"stream": {"1"}, "clients": {"Guy-Wilson, Dean-Hobin"}, "lead_limit": {"5"}, "post_limit": {"3"}, "csrf_token": {b.csrf}}
		status, _, h := b.post("/runs", form)
		if status != http.StatusSeeOther {
			t.Fatalf("trigger: %d", status)
		}
		runID := strings.TrimPrefix(strings.Split(h.Get("Location"), "?")[0], "/runs/")
		run, err := db.FindRunByID(ctx, runID)
		if err != nil || run.Trigger != leadrun.TriggerDashboard || run.RequestedBy != "dashboard" || run.Params.LeadLimit != 5 ||
			run.Params.PostLimit != 3 || strings.Join(run.Params.ClientFilter, ",") != "Guy-Wilson,Dean-Hobin" {
			t.Fatalf("run %+v (%v)", run, err)
		}
		_, page, _ := b.get("/runs/" + runID)
		for _, want := range []string{"started from the dashboard", `href="/runs/` + runID + `/report?format=csv"`, "Guy-Wilson, Dean-Hobin"} {
			if !strings.Contains(page, want) {
				t.Errorf("run page lacks %q", want)
			}
		}

		form.Set("lead_limit", "9")
		status, page, _ = b.post("/runs", form)
		for _, want := range []string{"Stream 1 is busy", `<details class="trigger" open>`, `value="Guy-Wilson, Dean-Hobin"`, `value="9"`,
			`<option value="1" selected>`} {
			if status != http.StatusConflict || !strings.Contains(page, want) {
				t.Errorf("after a 409 (%d) the form lacks %q", status, want)
			}
		}
		form.Set("clients", "Guy-Wilson, Nobody")
		form.Set("stream", "2")
		status, page, _ = b.post("/runs", form)
		if status != http.StatusBadRequest || !strings.Contains(page, "No client &#34;Nobody&#34;") || !strings.Contains(page, `value="Guy-Wilson, Nobody"`) {
			t.Errorf("unknown client: %d\n%s", status, page)
		}
		form.Set("clients", "")
		form.Set("post_limit", "-1")
		if status, page, _ = b.post("/runs", form); status != http.StatusBadRequest || !strings.Contains(page, "post limit") {
			t.Errorf("negative post limit: %d", status)
		}
		if runs, _ := db.FindRuns(ctx, leadrun.RunFilter{Limit: 10}); len(runs) != 1 {
			t.Fatalf("refused forms started runs: %d runs", len(runs))
		}

		if status, _, _ := b.post("/runs/"+runID+"/cancel", url.Values{"csrf_token": {b.csrf}}); status != http.StatusSeeOther {
			t.Fatalf("cancel: %d", status)
		}
		if run, err = db.FindRunByID(ctx, runID); err != nil || run.CancelledBy != "dashboard" {
			t.Fatalf("cancelled by %q (%v)", run.CancelledBy, err)
		}
		if _, page, _ = b.get("/runs/" + runID); !strings.Contains(page, `<dd id="run-cancelled-by">dashboard</dd>`) {
			t.Errorf("run page does not say who cancelled")
		}
		status, body, h := b.get("/runs/" + runID + "/report?format=csv")
		if status != 200 || !strings.Contains(h.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(body, "run_id,client_run_id") {
			t.Errorf("dashboard CSV download: %d %v\n%s", status, h, body)
		}
		if status, _, h = b.get("/runs/" + runID + "/report?format=json"); status != 200 || !strings.Contains(h.Get("Content-Disposition"), runID+"-report.json") {
			t.Errorf("dashboard JSON download: %d %v", status, h)
		}
		if status, _, _ = b.get("/runs/SR-000101-001-S1/report?format=csv"); status != http.StatusNotFound {
			t.Errorf("report of an unknown run: %d", status)
		}
	})
}

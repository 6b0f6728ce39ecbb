package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// chromium finds Debian's Chromium. In CI (CI set) its absence fails the test: the
// dashboard's end-to-end tests must run there, not skip.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is required for the dashboard's browser tests in CI: apt-get install -y chromium")
	}
	t.Skip("no Chromium here (apt-get install -y chromium); the dashboard's browser tests need it")
	return ""
}

// screenshotDir is where the browser tests save their screenshots: LEADRUN_SCREENSHOT_DIR,
// or a new temporary folder. Either way the test prints it.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("LEADRUN_SCREENSHOT_DIR")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "leadrun-screenshots-"); err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "dashboard screenshots: %s\n", dir)
	t.Logf("dashboard screenshots: %s", dir)
	return dir
}

// TestDashboardInBrowser walks the dashboard in headless Chromium the way a person would:
// log in, see the runs, start a run and watch it complete without reloading, open a client
// result, download the Linked Helper CSV, fail to save an invalid rubric, open a lead,
// cancel a running run, log out and be refused.
func TestDashboardInBrowser(t *testing.T) {
	exe := chromium(t)
	ctx := context.Background()
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	// A slow scorer, so that runs stay running long enough to be watched and cancelled.
	e := mustServeWith(t, db, web.Config{AdminToken: token}, rules.New(rules.Options{Delay: 300 * time.Millisecond}),
		runner.Config{ChunkSize: 10, HeartbeatEvery: 200 * time.Millisecond}, true)

	// One finished run on stream 2 before anyone looks: the demo's history.
	first, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 2, Trigger: leadrun.TriggerCLI, RequestedBy: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Wait(ctx, first.ID, 50*time.Millisecond, nil); err != nil {
		t.Fatal(err)
	}

	shots := screenshotDir(t)
	downloads := t.TempDir()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900))...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	bctx0 := bctx
	bctx, cancelTimeout := context.WithTimeout(bctx, 2*time.Minute)
	defer cancelTimeout()

	// Downloads land in a folder.
	done := make(chan string, 4)
	if err := chromedp.ListenBrowser(bctx, func(ev any) {
		if ev, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && ev.State == cdpbrowser.DownloadProgressStateCompleted {
			select {
			case done <- ev.GUID:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := chromedp.CallBrowser(bctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &yes}); err != nil {
		t.Fatal(err)
	}
	base := e.srv.URL
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		})
	}
	fail := func(step string, err error) {
		t.Helper()
		lctx, cancel := context.WithTimeout(bctx0, 10*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(lctx, chromedp.Location())
		html, _ := chromedp.Run(lctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("%s: %v\nat %s\n%s", step, err, loc, html)
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		for i, a := range actions {
			if err := chromedp.Do(bctx, a); err != nil {
				fail(fmt.Sprintf("%s (action %d)", step, i+1), err)
			}
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			fail("read "+sel, err)
		}
		return v
	}
	location := func() string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Location())
		if err != nil {
			fail("location", err)
		}
		return v
	}
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }

	// Log in: the runs page sends us to the login form and back.
	do("log in",
		chromedp.Navigate(base+"/runs"),
		chromedp.WaitVisible(css("#token")),
		chromedp.SendKeys(css("#token"), token),
		chromedp.Click(css("#login")),
		chromedp.WaitVisible(css("#runs-table")),
		shot("runs"),
	)
	if got := text("#runs-table"); !strings.Contains(got, first.ID) {
		t.Fatalf("the runs page does not list %s:\n%s", first.ID, got)
	}

	// Start a run on stream 1 and watch it finish, without reloading the page.
	do("start a run",
		chromedp.Click(css("details.trigger > summary")),
		chromedp.SetValue(css("#trigger-stream"), "1"),
		chromedp.Click(css("#trigger-run")),
		chromedp.WaitVisible(css(`#live[hx-get] #cr-Guy-Wilson`)),
	)
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.__sameDocument = true`)); err != nil {
		fail("mark the document", err)
	}
	do("watch it run", chromedp.WaitVisible(css(`#live[data-status="running"]`)), shot("run-detail-running"))
	runID := strings.TrimPrefix(strings.Split(location(), "?")[0], base+"/runs/")
	do("watch it finish", chromedp.WaitVisible(css(`#live:not([hx-get])`)), shot("run-detail-finished"))
	if st, err := chromedp.Run(bctx, chromedp.AttributeValue(css("#live"), "data-status")); err != nil || st.Value != "completed" {
		fail("run status", fmt.Errorf("the page shows status %q, want completed (%v)", st.Value, err))
	}
	same, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.__sameDocument === true`))
	if err != nil || !same {
		t.Fatalf("the run page reloaded instead of updating in place (%v)", err)
	}
	scored := text("#leads-scored")
	stored, err := db.FindRunByID(ctx, runID)
	if err != nil || stored.Status != leadrun.RunCompleted || scored != strconv.FormatInt(stored.Totals.LeadsScored, 10) {
		t.Fatalf("run %s: page shows %s scored, store has %+v (%v)", runID, scored, stored, err)
	}

	// Open a client result, and download its top leads for Linked Helper.
	want, err := db.TopLeads(ctx, "Guy-Wilson", 0, false)
	if err != nil || len(want) == 0 {
		t.Fatalf("no top leads for Guy-Wilson: %v", err)
	}
	do("open a client result",
		chromedp.Click(css("#cr-Guy-Wilson a.client-run")),
		chromedp.WaitVisible(css("#operations")),
		shot("client-result"),
	)
	if got := text("#client-run-id"); got != runID+"-CGuy-Wilson" {
		t.Fatalf("client result page shows %q", got)
	}
	do("open the client",
		chromedp.Click(css(`.facts a[href="/clients/Guy-Wilson"]`)),
		chromedp.WaitVisible(css("#top-leads-table")),
		shot("client"),
	)
	shown, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#top-leads-table tbody tr td.num").length`))
	if err != nil || shown != min(len(want), 25) {
		t.Fatalf("client page shows %d top leads, want %d (%v)", shown, min(len(want), 25), err)
	}
	do("download the CSV", chromedp.Click(css("#export-csv")))
	var guid string
	select {
	case guid = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the CSV download did not finish")
	}
	f, err := os.Open(filepath.Join(downloads, guid))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != len(want)+1 || rows[0][0] != "profile_url" || rows[1][0] != want[0].ProfileURL {
		t.Fatalf("downloaded CSV: %d rows (want %d), %v", len(rows), len(want)+1, err)
	}

	// An invalid rubric is refused with its error.
	bad := "attributes:\n  - id: A\n    category: positive\n    heading: Role\n    instructions: x\n    max_points: -5\n"
	do("edit the rubric",
		chromedp.Navigate(base+"/clients/Guy-Wilson"),
		chromedp.Click(css("details.edit > summary")),
		chromedp.SetValue(css("#rubric-text"), bad),
		chromedp.Click(css("#save-rubric")),
		chromedp.WaitVisible(css("#rubric-error")),
	)
	if got := text("#rubric-error"); !strings.Contains(got, "max_points") {
		t.Fatalf("rubric error says %q", got)
	}

	// The clients overview lists every client's health.
	do("clients overview", chromedp.Navigate(base+"/clients"), chromedp.WaitVisible(css("#clients-table")), shot("clients"))
	if got := text("#clients-table"); !strings.Contains(got, "Guy Wilson") || !strings.Contains(got, runID) {
		t.Fatalf("clients overview lacks Guy Wilson's last run %s:\n%s", runID, got)
	}

	// Search: the clients page by name, the runs page by client.
	do("find a client",
		chromedp.SendKeys(css("#clients-search"), "sarah"),
		chromedp.Submit(css("#clients-search")),
		chromedp.WaitVisible(css(`form.filters a[href="/clients"]`)), // "Clear": the filtered page
		chromedp.WaitVisible(css(`#clients-table a[href="/clients/Sarah-Chen"]`)),
	)
	if got := text("#clients-table"); strings.Contains(got, "Guy Wilson") {
		t.Fatalf("searching clients for sarah lists Guy Wilson:\n%s", got)
	}
	do("find runs of a client",
		chromedp.Navigate(base+"/runs"),
		chromedp.SendKeys(css("#runs-search"), "Sarah-Chen"),
		chromedp.Submit(css("#runs-search")),
		chromedp.WaitVisible(css(`form.filters a[href="/runs"]`)),
		chromedp.WaitVisible(css(`#runs-table a[href="/runs/`+first.ID+`"]`)),
	)
	if got := text("#runs-table"); strings.Contains(got, runID) {
		t.Fatalf("runs of Sarah-Chen (stream 2) list %s (stream 1):\n%s", runID, got)
	}

	// A schedule of stream 1 whose process stopped three days ago: the needs-attention list
	// shows its missed slots and starts a run now; the runs page shows the schedule; a
	// claimed slot clears the item.
	declareStoppedSchedule(t, db, 1, "0 2 * * *", 3)
	do("missed schedule",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`li[data-kind="schedule_missed"] button.start-now`)),
		shot("attention-schedule-missed"),
		chromedp.Click(css(`li[data-kind="schedule_missed"] button.start-now`)),
		chromedp.WaitVisible(css(`#live:not([hx-get])`)),
	)
	nowRunID := strings.TrimPrefix(strings.Split(location(), "?")[0], base+"/runs/")
	if !strings.HasPrefix(nowRunID, "SR-") {
		t.Fatalf("start a run now landed at %s", location())
	}
	do("schedules on the runs page", chromedp.Navigate(base+"/runs"), chromedp.WaitVisible(css("#schedule-1")))
	if got := text("#schedule-1"); !strings.Contains(got, "every day at 02:00 UTC") || !strings.Contains(got, "slot(s) missed") {
		t.Fatalf("runs page schedule row: %q", got)
	}
	claimLatestSlot(t, db, 1, "0 2 * * *", nowRunID)
	do("missed schedule cleared", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css("main")))
	if n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('li[data-kind="schedule_missed"]').length`)); err != nil || n != 0 {
		t.Fatalf("%d schedule_missed items after a claimed slot (%v)", n, err)
	}

	// A finished run whose client failed: "Rerun failed clients" starts a run of it alone.
	failedRun := mustFinishedRunWithFailure(t, db, 1, "Guy-Wilson")
	do("rerun failed clients",
		chromedp.Navigate(base+"/runs/"+failedRun),
		chromedp.Click(css("#rerun-failed")),
	)
	rerunID := failedRun
	for deadline := time.Now().Add(30 * time.Second); rerunID == failedRun; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			fail("rerun", fmt.Errorf("still on %s", failedRun))
		}
		rerunID = strings.TrimPrefix(strings.Split(location(), "?")[0], base+"/runs/")
	}
	do("watch the rerun finish", chromedp.WaitVisible(css(`#live:not([hx-get])`)), shot("rerun"))
	if rerun, err := db.FindRunByID(ctx, rerunID); err != nil || strings.Join(rerun.Params.ClientFilter, ",") != "Guy-Wilson" ||
		!strings.Contains(rerun.RequestedBy, "rerun of "+failedRun) {
		t.Fatalf("rerun %s: %+v %v", rerunID, rerun, err)
	}

	// A lead's page shows its breakdown.
	do("open a lead",
		chromedp.Navigate(fmt.Sprintf("%s/clients/Guy-Wilson/leads/%d", base, want[0].ID)),
		chromedp.WaitVisible(css("#breakdown")),
		shot("lead"),
	)

	// historyShows waits for the page (reloaded after a form) to list an action.
	// (It evaluates again until true: a poll would end with the page it started on.)
	until := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			for {
				if ok, err := chromedp.Evaluate[bool](expr)(ctx, tg); err == nil && ok {
					return nil
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("waiting for %s: %w", expr, ctx.Err())
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	}
	historyShows := func(what string) chromedp.Action[chromedp.Void] {
		return until(`(document.querySelector("#actions-history") || {textContent: ""}).textContent.includes(` + strconv.Quote(what) + `)`)
	}
	// Exclude the lead from scoring on its page, then include it again.
	do("exclude a lead", chromedp.Click(css("#exclude-lead")), historyShows("lead excluded"), chromedp.WaitVisible(css("#include-lead")))
	if l, err := db.FindLeadByID(ctx, "Guy-Wilson", want[0].ID); err != nil || l.ScoringStatus != leadrun.StatusExcluded {
		t.Fatalf("lead after exclude: %+v %v", l, err)
	}
	do("include the lead", chromedp.Click(css("#include-lead")), historyShows("lead included"), chromedp.WaitVisible(css("#exclude-lead")))
	if l, err := db.FindLeadByID(ctx, "Guy-Wilson", want[0].ID); err != nil || l.ScoringStatus == leadrun.StatusExcluded {
		t.Fatalf("lead after include: %+v %v", l, err)
	}
	if got := text("#actions-history"); !strings.Contains(got, "lead excluded") || !strings.Contains(got, "lead included") || !strings.Contains(got, "by dashboard") {
		t.Fatalf("lead history: %q", got)
	}

	// Pause a client, edit its settings, resume it: each recorded with who did it.
	do("pause a client",
		chromedp.Navigate(base+"/clients/Dean-Hobin"),
		chromedp.Click(css("#pause-client")),
		historyShows("client paused"),
		chromedp.WaitVisible(css("#resume-client")),
	)
	do("edit its settings",
		chromedp.Click(css("#edit-settings")),
		chromedp.SetValue(css(`#settings-form input[name="score_threshold"]`), "65"),
		chromedp.Click(css("#save-settings")),
		historyShows("50 → 65"),
		chromedp.WaitVisible(css("#resume-client")),
	)
	do("resume it", chromedp.Click(css("#resume-client")), historyShows("client resumed"), chromedp.WaitVisible(css("#pause-client")),
		shot("client-actions"))
	if c, err := db.FindClientByID(ctx, "Dean-Hobin"); err != nil || c.Status != leadrun.ClientActive || c.ScoreThreshold != 65 {
		t.Fatalf("client after pause, edit and resume: %+v %v", c, err)
	}
	if got := text("#actions-history"); !strings.Contains(got, "client paused") || !strings.Contains(got, "client resumed") ||
		!strings.Contains(got, "65") {
		t.Fatalf("client history: %q", got)
	}

	// Leads that failed every attempt appear in the needs-attention list; its requeue button
	// clears them.
	must(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
		return tx.ExecRaw(ctx, `UPDATE leads SET scoring_status = 'failed', attempts = 3, last_reason = 'api_error' WHERE id = $1`, want[1].ID)
	}))
	failedItem := `li[data-kind="leads_failed"][data-client="Guy-Wilson"]`
	do("failed leads need attention", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(failedItem+" button.requeue-all")),
		shot("attention-leads-failed"))
	do("requeue them", chromedp.Click(css(failedItem+" button.requeue-all")),
		until(`location.search.includes("notice") && document.readyState === "complete"`), chromedp.WaitVisible(css("main")))
	if n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('`+failedItem+`').length`)); err != nil || n != 0 {
		t.Fatalf("%d leads_failed items after the requeue (%v)", n, err)
	}
	if l, err := db.FindLeadByID(ctx, "Guy-Wilson", want[1].ID); err != nil || l.Attempts != 0 {
		t.Fatalf("requeued lead: %+v %v", l, err)
	}

	// Start a run of one client with a lead limit.
	do("start a run with a client filter and limits",
		chromedp.Navigate(base+"/runs"),
		chromedp.Click(css("details.trigger > summary")),
		chromedp.SetValue(css("#trigger-stream"), "1"),
		chromedp.SetValue(css("#trigger-clients"), "Guy-Wilson"),
		chromedp.SetValue(css("#trigger-lead-limit"), "3"),
		chromedp.Click(css("#trigger-run")),
		chromedp.WaitVisible(css(`#live #cr-Guy-Wilson`)),
		chromedp.WaitVisible(css(`#live:not([hx-get])`)),
	)
	filteredID := strings.TrimPrefix(strings.Split(location(), "?")[0], base+"/runs/")
	if r, err := db.FindRunByID(ctx, filteredID); err != nil || strings.Join(r.Params.ClientFilter, ",") != "Guy-Wilson" ||
		r.Params.LeadLimit != 3 || r.Totals.ClientsTotal != 1 || r.Totals.LeadsExamined > 3 {
		t.Fatalf("filtered run %s: %+v %v", filteredID, r, err)
	}

	// Cancel a running run: stream 2 gets enough new leads to keep it busy.
	more := sample.Generate(sample.Options{Clients: 3, LeadsPerClient: 400, Seed: 99}).Leads
	var extra []*leadrun.Lead
	for _, leads := range more {
		for _, l := range leads {
			l.ClientID = "Sarah-Chen"
			extra = append(extra, l)
		}
	}
	if res, err := db.UpsertLeads(ctx, "Sarah-Chen", extra); err != nil || res.Created < 300 {
		t.Fatalf("extra leads: %+v %v", res, err)
	}
	do("cancel a running run",
		chromedp.Navigate(base+"/runs"),
		chromedp.Click(css("details.trigger > summary")),
		chromedp.SetValue(css("#trigger-stream"), "2"),
		chromedp.SetValue(css(`input[name="lead_limit"]`), "2000"),
		chromedp.Click(css("#trigger-run")),
		chromedp.WaitVisible(css(`#live[data-status="running"] #cancel-confirm`)),
	)
	cancelledID := strings.TrimPrefix(strings.Split(location(), "?")[0], base+"/runs/")
	do("press cancel", chromedp.Click(css("#cancel-confirm > summary")), chromedp.Sleep(2500*time.Millisecond),
		chromedp.Click(css("#cancel-run")), chromedp.WaitVisible(css(`#live[data-status="cancelled"]`)))
	cancelled, err := db.FindRunByID(ctx, cancelledID)
	if err != nil || cancelled.Status != leadrun.RunCancelled {
		t.Fatalf("run %s after cancel: %+v %v", cancelledID, cancelled, err)
	}

	// A phone-width view of the runs page.
	do("phone width",
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(base+"/runs"),
		chromedp.WaitVisible(css("#runs-table")),
		shot("runs-phone"),
		chromedp.EmulateViewport(1280, 900),
	)
	// The cockpit's pages hold at 390 px and 1,280 px: no sideways scroll of the body,
	// chart labels ≥ 11 px (checkLayout, dash_layout_test.go).
	checkLayout(t, bctx, base, shots, map[string]string{"e2e-attention": "/", "e2e-clients": "/clients",
		"e2e-client": "/clients/Guy-Wilson", "e2e-lead": fmt.Sprintf("/clients/Guy-Wilson/leads/%d", want[0].ID)})

	// Log out, and be refused.
	do("log out",
		chromedp.Click(css("#logout")),
		chromedp.WaitVisible(css("#token")),
		chromedp.Navigate(base+"/runs/"+runID),
		chromedp.WaitVisible(css("#token")),
	)
	if loc := location(); !strings.HasPrefix(loc, base+"/login") {
		t.Fatalf("after logout a run page answered at %s", loc)
	}
	for _, name := range []string{"runs", "run-detail-running", "client-result", "clients", "client", "lead", "runs-phone"} {
		if fi, err := os.Stat(filepath.Join(shots, name+".png")); err != nil || fi.Size() < 10_000 {
			t.Fatalf("screenshot %s missing or empty: %v", name, err)
		}
	}
}

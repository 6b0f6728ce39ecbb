package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// BenchmarkDashboardPages measures the server time of every dashboard page with 10,000
// runs and 100,000 leads stored (20 clients × 5,000 leads, scored by a real tracked run;
// 10,000 older runs with two client results each). Run it with
//
//	go test -run '^$' -bench BenchmarkDashboardPages -benchtime 100x ./web/
//
// Setting up takes about a minute on SQLite and a few on PostgreSQL.
func BenchmarkDashboardPages(b *testing.B) {
	for _, kind := range []sqldb.Kind{sqldb.SQLite, sqldb.Postgres} {
		b.Run(string(kind), func(b *testing.B) {
			if kind == sqldb.Postgres && sqldbtest.PostgresAdminURL() == "" {
				b.Skip("no PostgreSQL")
			}
			benchPages(b, sqldbtest.MustOpen(b, kind))
		})
	}
}

func benchPages(b *testing.B, db *sqldb.DB) {
	ctx := context.Background()
	ds := sample.Generate(sample.Options{Clients: 20, LeadsPerClient: 5000, Streams: 2, Seed: 1})
	var ids []string
	for _, c := range ds.Clients {
		ids = append(ids, c.ID)
		if err := db.CreateClient(ctx, c); err != nil {
			b.Fatal(err)
		}
		if err := db.SetRubric(ctx, c.ID, ds.Rubrics[c.ID]); err != nil {
			b.Fatal(err)
		}
		if _, err := db.UpsertLeads(ctx, c.ID, ds.Leads[c.ID]); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.SeedFinishedRuns(ctx, 1, 10000, ids, 2); err != nil {
		b.Fatal(err)
	}
	// One run of 1,000 clients on stream 3: its page shows 100 client results at a time.
	var many []string
	for i := range 1000 {
		c := &leadrun.Client{ID: fmt.Sprintf("Many-%04d", i), Name: fmt.Sprintf("Many Client %04d", i), Stream: 3}
		if err := db.CreateClient(ctx, c); err != nil {
			b.Fatal(err)
		}
		many = append(many, c.ID)
	}
	bigRun := seedWideRun(b, db, 3, many)
	r, err := runner.New(db, rules.New(rules.Options{}), slog.New(slog.DiscardHandler), runner.Config{})
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Shutdown(sctx)
	}()
	run, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerCLI})
	if err != nil {
		b.Fatal(err)
	}
	if run, err = r.Wait(ctx, run.ID, 100*time.Millisecond, nil); err != nil || !run.Status.Terminal() {
		b.Fatalf("run: %v %v", run, err)
	}
	var leads, runs int64
	_ = db.SQL().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM leads), (SELECT COUNT(*) FROM runs)`).Scan(&leads, &runs)
	if leads < 100000 || runs < 10001 {
		b.Fatalf("stored %d leads and %d runs, want 100,000 and 10,000", leads, runs)
	}
	top, err := db.TopLeads(ctx, ids[0], 1, false)
	if err != nil || len(top) == 0 {
		b.Fatalf("no scored lead: %v", err)
	}

	s, err := web.NewServer(db, r, web.Config{AdminToken: token})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	cookie := benchLogin(b, h)
	pages := []string{
		"/", // the needs-attention list
		"/runs",
		"/runs?stream=1&status=completed",
		"/runs?status=failed",
		"/runs/" + run.ID,
		"/runs?q=" + ids[3], // runs that included a client, by ID
		"/runs?q=" + url.QueryEscape(ds.Clients[3].Name), // by name
		"/runs?q=SR-",                          // every run by ID prefix
		"/runs?q=Nobody",                       // no such client: an empty list
		"/runs/" + bigRun,                      // 1,000 client results, first page
		"/runs/" + bigRun + "?after=Many-0499", // a page in the middle
		"/clients",
		"/clients?q=many+client+09",
		"/clients?after=Many-0500",
		"/clients/" + ids[0],
		fmt.Sprintf("/clients/%s/leads/%d", ids[0], top[0].ID),
	}
	for _, page := range pages {
		b.Run(strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-").Replace(page), func(b *testing.B) {
			req := httptest.NewRequest("GET", page, nil)
			req.AddCookie(cookie)
			var slowest time.Duration
			for i := 0; i < b.N; i++ {
				start := time.Now()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d", page, rec.Code)
				}
				slowest = max(slowest, time.Since(start))
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
			b.ReportMetric(float64(slowest.Microseconds())/1000, "max-ms")
		})
	}
}

// seedWideRun stores a finished run over the clients with two operations each, the way
// planning does, and returns its ID.
func seedWideRun(b *testing.B, db *sqldb.DB, stream int, clients []string) string {
	ctx := context.Background()
	var id string
	err := db.InTx(ctx, func(tx *sqldb.Tx) error {
		run, err := tx.CreateRun(ctx, leadrun.TriggerRequest{Stream: stream, Trigger: leadrun.TriggerCLI})
		if err != nil {
			return err
		}
		id = run.ID
		for _, c := range clients {
			if err := tx.CreateClientResult(ctx, id, &leadrun.Client{ID: c, Name: c}); err != nil {
				return err
			}
			for _, kind := range []leadrun.OperationKind{leadrun.OpLeadScoring, leadrun.OpPostScoring} {
				op := &leadrun.Operation{RunID: id, ClientID: c, Kind: kind, Status: leadrun.OpSkipped, SkipReason: leadrun.SkipNoLeadsToScore}
				if err := tx.CreateOperation(ctx, op); err != nil {
					return err
				}
			}
		}
		_, err = tx.FinishRun(ctx, id, leadrun.RunCompleted, "nothing to do")
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return id
}

// benchLogin logs in through the handler and returns the session cookie.
func benchLogin(b *testing.B, h http.Handler) *http.Cookie {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/login", nil))
	m := loginCSRF.FindStringSubmatch(rec.Body.String())
	var csrf *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "leadrun_login_csrf" {
			csrf = c
		}
	}
	if m == nil || csrf == nil {
		b.Fatal("no login form")
	}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"csrf_token": {m[1]}, "token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(csrf)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "leadrun_session" {
			return c
		}
	}
	b.Fatalf("login failed: %d", rec.Code)
	return nil
}

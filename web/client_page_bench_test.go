package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// BenchmarkClientPage100k measures the dashboard's client page (/clients/ID) for a client
// with 100,000 leads: 70 % scored (with assessments), 20 % to be scored, 10 % failed.
// Run it with
//
//	go test -run '^$' -bench BenchmarkClientPage100k -benchtime 50x ./web/
func BenchmarkClientPage100k(b *testing.B) {
	for _, kind := range []sqldb.Kind{sqldb.SQLite, sqldb.Postgres} {
		b.Run(string(kind), func(b *testing.B) {
			benchClientPage(b, sqldbtest.MustOpen(b, kind))
		})
	}
}

func benchClientPage(b *testing.B, db *sqldb.DB) {
	ctx := context.Background()
	ds := sample.Generate(sample.Options{Clients: 1, LeadsPerClient: 100000, Streams: 1, Seed: 7})
	c := ds.Clients[0]
	if err := db.CreateClient(ctx, c); err != nil {
		b.Fatal(err)
	}
	if err := db.SetRubric(ctx, c.ID, ds.Rubrics[c.ID]); err != nil {
		b.Fatal(err)
	}
	if _, err := db.UpsertLeads(ctx, c.ID, ds.Leads[c.ID]); err != nil {
		b.Fatal(err)
	}
	// Scoring states set in bulk: the page's queries, not a run, are measured here.
	for _, q := range []string{
		`UPDATE leads SET scoring_status = 'scored', score = (id * 37) % 100, scored_at = updated_at, attempts = 1
			WHERE id % 10 < 7`,
		`UPDATE leads SET scoring_status = 'failed', last_reason = 'api_error', attempts = 1 WHERE id % 10 = 9`,
		`INSERT INTO lead_assessments (lead_id, assessment, breakdown) SELECT id, 'Scored by the benchmark.',
			'{"items":[],"raw":1,"denominator":1,"score":' || CAST(score AS TEXT) || '}' FROM leads WHERE scoring_status = 'scored'`,
	} {
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	if db.Kind() == sqldb.Postgres { // as autovacuum would have on a live database
		if _, err := db.SQL().ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	r, err := runner.New(db, rules.New(rules.Options{}), slog.New(slog.DiscardHandler), runner.Config{})
	if err != nil {
		b.Fatal(err)
	}
	s, err := web.NewServer(db, r, web.Config{AdminToken: token})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	cookie := benchLogin(b, h)
	var mid int64 // a lead ID half-way: a page deep in the client's leads (keyset, no OFFSET)
	if err := db.SQL().QueryRowContext(ctx, `SELECT MIN(id) + 50000 FROM leads`).Scan(&mid); err != nil {
		b.Fatal(err)
	}
	for _, page := range []string{"/clients/" + c.ID, "/clients/" + c.ID + "?status=failed", fmt.Sprintf("/clients/%s?after=%d", c.ID, mid)} {
		b.Run(page[len("/clients/")+len(c.ID):], func(b *testing.B) {
			req := httptest.NewRequest("GET", page, nil)
			req.AddCookie(cookie)
			var slowest time.Duration
			for b.Loop() {
				start := time.Now()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d %s", page, rec.Code, rec.Body.String())
				}
				slowest = max(slowest, time.Since(start))
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
			b.ReportMetric(float64(slowest.Microseconds())/1000, "max-ms")
		})
	}
}

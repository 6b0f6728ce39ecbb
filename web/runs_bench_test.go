package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// seedStart is when the first seeded run was created; run i (from 0) is i minutes later.
var seedStart = sqldb.SeedStart

// BenchmarkRunList is the cost of one GET /api/v1/runs through the whole handler, on each
// backend: with 10,000 runs of 2 client results stored, the first page (20 runs with
// their totals), a client filter, a cursor half-way down and an active-status filter;
// with 1,000 runs of 20 client results stored, the first page.
//
//	go test -run xxx -bench BenchmarkRunList -benchmem ./web/
func BenchmarkRunList(b *testing.B) {
	middle := leadrun.RunID{Day: seedStart.Add(4999 * time.Minute), Seq: 5000, Stream: 9}.String()
	for _, kind := range sqldbtest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			h := mustSeededHandler(b, kind, 10000, 2)
			benchList(b, h, "first_page", "/api/v1/runs", 20)
			benchList(b, h, "client_filter", "/api/v1/runs?client=Seed-1&limit=50", 50)
			benchList(b, h, "cursor", "/api/v1/runs?before="+middle, 20)
			benchList(b, h, "status_running", "/api/v1/runs?status=running", 0)
			h = mustSeededHandler(b, kind, 1000, 20)
			benchList(b, h, "first_page_20_clients", "/api/v1/runs", 20)
		})
	}
}

// benchList measures GET path, after checking once that it answers want runs.
func benchList(b *testing.B, h http.Handler, name, path string, want int) {
	b.Run(name, func(b *testing.B) {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var page struct{ Runs []report.RunView }
		if err := json.NewDecoder(w.Body).Decode(&page); err != nil || len(page.Runs) != want ||
			(want > 0 && page.Runs[0].Totals.LeadsScored == 0) {
			b.Fatalf("%s: %d %v, %d runs, want %d with totals", path, w.Code, err, len(page.Runs), want)
		}
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("%s: %d %s", path, w.Code, w.Body)
			}
			_, _ = io.Copy(io.Discard, w.Body)
		}
	})
}

// mustSeededHandler is the server's handler on a fresh database of the kind holding n
// finished runs of the given number of clients.
func mustSeededHandler(b *testing.B, kind sqldb.Kind, n, clients int) http.Handler {
	b.Helper()
	db := sqldbtest.MustOpen(b, kind)
	MustSeedRuns(b, db, n, clients)
	r, err := runner.New(db, rules.New(rules.Options{}), slog.New(slog.DiscardHandler), runner.Config{})
	if err != nil {
		b.Fatal(err)
	}
	s, err := web.NewServer(db, r, web.Config{AdminToken: token})
	if err != nil {
		b.Fatal(err)
	}
	return s.Handler()
}

// MustSeedRuns stores n finished runs of stream 9 (sqldb.DB.SeedFinishedRuns), each with a
// client result of clients Seed-0, Seed-1, … with two operations each.
func MustSeedRuns(tb testing.TB, db *sqldb.DB, n, clients int) {
	tb.Helper()
	ctx := context.Background()
	ids := make([]string, clients)
	for c := range ids {
		ids[c] = fmt.Sprintf("Seed-%d", c)
		if err := db.CreateClient(ctx, &leadrun.Client{ID: ids[c], Stream: 9}); err != nil {
			tb.Fatal(err)
		}
	}
	err := db.SeedFinishedRuns(ctx, 9, n, ids, len(ids))
	if err != nil {
		tb.Fatal(err)
	}
	// A live PostgreSQL database has statistics (autovacuum analyzes within a minute); a
	// freshly loaded one does not, and plans as if its tables were tiny.
	if db.Kind() == sqldb.Postgres {
		if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
			tb.Fatal(err)
		}
	}
}

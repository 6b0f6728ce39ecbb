package migrate_test

import (
	"context"
	"testing"
	"time"

	"github.com/leadrun/leadrun/airtable/airtabletest"
	"github.com/leadrun/leadrun/migrate"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// benchAirtableLeads is the size of each client base the Airtable benchmarks read.
const benchAirtableLeads = 20000

// BenchmarkImportAirtable imports from the fake Airtable at Airtable's real limits — 5
// requests per second per base, 100 records per page, 30 s lock-out after a 429 — into a
// fresh SQLite database per iteration.
//
//   - one-base: one client (Clients from the master base, then 20,000 leads and a rubric
//     from Dean-Hobin's base). leads/s is over the whole import (both bases' first-request
//     waits included); base-req/s and base-leads/s are over the client base, from its
//     first request's arrival to its last. The ceiling is 500 leads/s.
//   - three-bases: the three clients (60,012 leads), their bases read at once
//     (Options.Parallel 3). The ceiling is 1,500 leads/s.
func BenchmarkImportAirtable(b *testing.B) {
	a := mustAirtableAgency(b, benchAirtableLeads, airtabletest.Options{})
	for _, bc := range []struct {
		name     string
		clients  []string
		parallel int
	}{{"one-base", []string{"Dean-Hobin"}, 1}, {"three-bases", nil, 3}} {
		b.Run(bc.name, func(b *testing.B) {
			var leads, requests, limited int
			var wall, baseTime time.Duration
			maxPerSecond := 0
			for range b.N {
				b.StopTimer()
				db := sqldbtest.MustOpen(b, sqldb.SQLite)
				a.fake.ResetCounts()
				src, _ := a.source(b, migrate.AirtableConfig{})
				b.StartTimer()
				start := time.Now()
				rep, err := migrate.Import(context.Background(), db, src, migrate.Options{ClientIDs: bc.clients, Parallel: bc.parallel})
				if err != nil {
					b.Fatal(err)
				}
				wall += time.Since(start)
				leads += rep.Totals().LeadsRead
				st := a.fake.Stats(a.bases["Dean-Hobin"])
				requests += st.Requests
				baseTime += st.Last.Sub(st.First)
				for _, base := range a.bases {
					st := a.fake.Stats(base)
					limited += st.RateLimited + st.Refused
					maxPerSecond = max(maxPerSecond, st.MaxPerSecond)
				}
				limited += a.fake.Stats(masterBase).RateLimited
			}
			b.ReportMetric(float64(leads)/wall.Seconds(), "leads/s")
			if bc.parallel == 1 {
				b.ReportMetric(float64(leads)/baseTime.Seconds(), "base-leads/s")
				b.ReportMetric(float64(requests-b.N)/baseTime.Seconds(), "base-req/s")
			}
			b.ReportMetric(float64(maxPerSecond), "max-req-in-1s")
			b.ReportMetric(float64(limited), "429s")
		})
	}
}

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

// benchAirtableLeads is the size of the client base the Airtable benchmark reads.
const benchAirtableLeads = 20000

// BenchmarkImportAirtable imports one client (Dean-Hobin: Clients from the master base,
// then 20,000 leads and a rubric from his base) from the fake Airtable at Airtable's real
// limits — 5 requests per second per base, 100 records per page, 30 s lock-out after a
// 429 — into a fresh SQLite database per iteration. leads/s is over the whole import
// (both bases' first-request waits included); base-req/s and base-leads/s are over the
// client base, from its first request's arrival to its last. The ceiling is 500 leads/s.
func BenchmarkImportAirtable(b *testing.B) {
	a := mustAirtableAgency(b, benchAirtableLeads, airtabletest.Options{})
	base := a.bases["Dean-Hobin"]
	var leads, requests, limited int
	var wall, baseTime time.Duration
	maxPerSecond := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db := sqldbtest.MustOpen(b, sqldb.SQLite)
		a.fake.ResetCounts()
		src, _ := a.source(b, migrate.AirtableConfig{})
		b.StartTimer()
		start := time.Now()
		rep, err := migrate.Import(context.Background(), db, src, migrate.Options{ClientIDs: []string{"Dean-Hobin"}})
		if err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		st := a.fake.Stats(base)
		leads += rep.Totals().LeadsRead
		requests += st.Requests
		baseTime += st.Last.Sub(st.First)
		limited += st.RateLimited + st.Refused + a.fake.Stats(masterBase).RateLimited
		maxPerSecond = max(maxPerSecond, st.MaxPerSecond)
	}
	b.ReportMetric(float64(leads)/wall.Seconds(), "leads/s")
	b.ReportMetric(float64(leads)/baseTime.Seconds(), "base-leads/s")
	b.ReportMetric(float64(requests-b.N)/baseTime.Seconds(), "base-req/s")
	b.ReportMetric(float64(maxPerSecond), "max-req-in-1s")
	b.ReportMetric(float64(limited), "429s")
}

package sqldb_test

import (
	"context"
	"testing"

	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// BenchmarkUpsertLeads20k stores 20,000 new leads of one client in one call on SQLite
// (multi-row statements of up to 100 leads).
//
//	go test -run '^$' -bench BenchmarkUpsertLeads20k -benchtime 3x ./sqldb/
func BenchmarkUpsertLeads20k(b *testing.B) {
	ds := sample.Generate(sample.Options{Clients: 1, LeadsPerClient: 20000, Streams: 1, Seed: 1})
	c := ds.Clients[0]
	for b.Loop() {
		b.StopTimer()
		db := sqldbtest.MustOpen(b, sqldb.SQLite)
		if err := db.CreateClient(context.Background(), c); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := db.UpsertLeads(context.Background(), c.ID, ds.Leads[c.ID]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "leads/s")
}

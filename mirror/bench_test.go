package mirror_test

import (
	"testing"
	"time"

	"github.com/leadrun/leadrun/airtable/airtabletest"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// BenchmarkBacklogDrain drains a backlog of 1,000 runs × 5 clients (6,000 records) through
// the fake with Airtable's real limits (5 requests per second per base, 30 s after a 429).
// The physical limit is 5 × 10 = 50 records per second; it reports records/s and the share
// of that limit. It takes about two minutes: run it once with -benchtime=1x.
func BenchmarkBacklogDrain(b *testing.B) {
	for _, kind := range sqldbtest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			for range b.N {
				benchDrain(b, kind)
			}
		})
	}
}

func benchDrain(b *testing.B, kind sqldb.Kind) {
	b.StopTimer()
	db := sqldbtest.MustOpen(b, kind)
	const runs, clients = 1000, 5
	mustBacklog(b, db, runs, clients)
	fake := newFake(b)
	fake.SetToken(testToken)
	cfg := fastConfig()
	cfg.Penalty, cfg.SweepEvery = 30*time.Second, -1
	before := fake.Stats(testBase).Requests
	b.StartTimer()
	start := time.Now()
	newEnv(b, db, fake, cfg)
	drained(b, db, 10*time.Minute)
	elapsed := time.Since(start)
	b.StopTimer()
	st := fake.Stats(testBase)
	records := float64(runs * (1 + clients))
	rate := records / elapsed.Seconds()
	b.ReportMetric(rate, "records/s")
	b.ReportMetric(rate/50*100, "%-of-limit")
	b.ReportMetric(float64(st.Requests-before), "requests")
	b.ReportMetric(float64(st.MaxPerSecond), "max-req/s")
	if st.RateLimited > 0 {
		b.Errorf("%d requests answered 429", st.RateLimited)
	}
	_ = airtabletest.Options{}
}

package migrate_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/leadrun/leadrun/migrate"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// benchLeads is the size of the agency the benchmarks import: 3 clients × 10,000 leads.
const benchLeads = 10000

// BenchmarkImportOriginal imports the fake agency's CSV exports into a fresh database
// per iteration, end to end (read, map, fingerprint, store); leads/s is the figure.
func BenchmarkImportOriginal(b *testing.B) {
	for _, kind := range sqldbtest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			a := mustAgency(b, benchLeads)
			src := mustSource(b, a.dir)
			var leads int
			var cpu time.Duration
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				db := sqldbtest.MustOpen(b, kind)
				b.StartTimer()
				start := processCPU()
				rep, err := migrate.Import(context.Background(), db, src, migrate.Options{})
				if err != nil {
					b.Fatal(err)
				}
				cpu += processCPU() - start
				leads += rep.Totals().LeadsRead
			}
			b.ReportMetric(float64(leads)/b.Elapsed().Seconds(), "leads/s")
			// CPU of this process per lead: less sensitive than leads/s to other work on the
			// machine (PostgreSQL's own CPU is not in it).
			b.ReportMetric(float64(cpu.Microseconds())/float64(leads), "cpu-µs/lead")
		})
	}
}

// BenchmarkReimportOriginal is the second import of the same exports: nothing changes,
// so nothing is written.
func BenchmarkReimportOriginal(b *testing.B) {
	a := mustAgency(b, benchLeads)
	src := mustSource(b, a.dir)
	db := sqldbtest.MustOpen(b, sqldb.SQLite)
	if _, err := migrate.Import(context.Background(), db, src, migrate.Options{}); err != nil {
		b.Fatal(err)
	}
	var leads int
	var cpu time.Duration
	b.ResetTimer()
	for range b.N {
		start := processCPU()
		rep, err := migrate.Import(context.Background(), db, src, migrate.Options{})
		if err != nil {
			b.Fatal(err)
		}
		cpu += processCPU() - start
		leads += rep.Totals().LeadsRead
	}
	b.ReportMetric(float64(leads)/b.Elapsed().Seconds(), "leads/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(leads), "cpu-µs/lead")
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package sqldb_test

import (
	"fmt"
	"testing"

	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// The store conformance suite runs every case on both databases. The cases share one
// database per backend (creating and migrating a PostgreSQL database costs seconds, a case
// milliseconds) and keep apart by their own streams and client IDs (uniq); a case that
// reads a list over the whole database keeps only its own rows.

// storeCase is one case of the suite.
type storeCase struct {
	name string
	fn   func(t *testing.T, db *sqldb.DB, u uniq)
}

// uniq gives a case streams and IDs no other case uses.
type uniq struct {
	base   int
	prefix string
}

func (u uniq) stream(i int) int     { return u.base + i }
func (u uniq) id(s string) string   { return u.prefix + s }
func (u uniq) kind(s string) string { return u.prefix + s }

// storeCases lists the suite's cases, by file.
func storeCases() []storeCase {
	var all []storeCase
	for _, cases := range [][]storeCase{lifecycleCases, storeMiscCases, storeLeadCases, storeClientCases,
		storeProviderCases, storeImportCases, storeLegacyCases, storeAirtableCases,
		{{"WorkersAndOrphanJobs", testWorkersAndOrphanJobs}, {"IsTransient", testIsTransient}, {"RunCancelledBy", testRunCancelledBy}}} {
		all = append(all, cases...)
	}
	return all
}

var lifecycleCases = []storeCase{
	{"LifecycleRunAndOperation", testLifecycleRunAndOperation},
	{"LifecycleCancelOperations", testLifecycleCancelOperations},
	{"LifecycleStaleAndAbandon", testLifecycleStaleAndAbandon},
	{"LifecycleHeartbeatOperations", testLifecycleHeartbeatOperations},
	{"LifecycleUnfinalizedRuns", testLifecycleUnfinalizedRuns},
	{"LifecycleEvents", testLifecycleEvents},
}

// TestStore runs the conformance suite: go test ./sqldb -run 'TestStore/postgres/Lifecycle'.
func TestStore(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		clock := db.Now
		for i, c := range storeCases() {
			u := uniq{base: 100 * (i + 1), prefix: fmt.Sprintf("k%d-", i+1)}
			t.Run(c.name, func(t *testing.T) {
				defer func() { db.Now = clock }()
				c.fn(t, db, u)
			})
		}
	})
}

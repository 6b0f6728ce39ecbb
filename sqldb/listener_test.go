package sqldb_test

import (
	"testing"

	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// On PostgreSQL, River's driver holds a LISTEN connection, so jobs inserted by another
// transaction or process wake workers at once instead of at the next poll.
func TestJobDriverListensOnPostgres(t *testing.T) {
	db := sqldbtest.MustOpen(t, sqldb.Postgres)
	if !db.JobDriver().SupportsListener() {
		t.Error("the PostgreSQL job driver has no listener: workers would wait for the poll")
	}
}

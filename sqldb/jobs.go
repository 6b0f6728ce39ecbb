package sqldb

import (
	"context"
	"database/sql"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
)

// Jobs is the job engine's client over this database (both backends use *sql.Tx).
type Jobs = river.Client[*sql.Tx]

// InsertJob enqueues a job in the transaction: it exists if and only if the transaction
// commits.
func (tx *Tx) InsertJob(ctx context.Context, jobs *Jobs, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return jobs.InsertTx(ctx, tx.Tx, args, opts)
}

// InsertJobs enqueues several jobs in the transaction.
func (tx *Tx) InsertJobs(ctx context.Context, jobs *Jobs, params []river.InsertManyParams) error {
	_, err := jobs.InsertManyTx(ctx, tx.Tx, params)
	return err
}

// CompleteJob marks a job completed inside tx, atomically with the run-tracking writes.
// River needs the concrete driver type, which depends on the backend; it stays here, the
// only package that knows the drivers.
func CompleteJob[T river.JobArgs](ctx context.Context, tx *Tx, job *river.Job[T]) error {
	var err error
	if tx.db.kind == SQLite {
		_, err = river.JobCompleteTx[*riversqlite.Driver](ctx, tx.Tx, job)
	} else {
		_, err = river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx.Tx, job)
	}
	return err
}

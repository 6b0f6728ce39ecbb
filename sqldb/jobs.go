package sqldb

import (
	"context"
	"database/sql"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Jobs is the job engine's client over this database (both backends use *sql.Tx).
type Jobs = river.Client[*sql.Tx]

// InsertJob enqueues a job in the transaction: it exists if and only if the transaction
// commits.
func (tx *Tx) InsertJob(ctx context.Context, jobs *Jobs, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return jobs.InsertTx(ctx, tx.raw, args, opts)
}

// InsertJobs enqueues several jobs in the transaction.
func (tx *Tx) InsertJobs(ctx context.Context, jobs *Jobs, params []river.InsertManyParams) error {
	_, err := jobs.InsertManyTx(ctx, tx.raw, params)
	return err
}

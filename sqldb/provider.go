package sqldb

import (
	"context"
	"database/sql"

	"github.com/leadrun/leadrun"
)

// SetOperationFailureCode records the machine-readable cause of a failed operation (e.g.
// provider_unavailable), from which the run's status and reason are derived; ENOTFOUND
// when there is no such operation.
func (tx *Tx) SetOperationFailureCode(ctx context.Context, k leadrun.OpKey, code leadrun.Reason) error {
	res, err := tx.raw.ExecContext(ctx, `UPDATE operations SET failure_code = $4 WHERE run_id = $1 AND client_id = $2
		AND operation = $3`, k.RunID, k.ClientID, k.Kind, string(code))
	return foundOne(res, err, "operation "+k.String())
}

// SetRunScorer records the scorer configuration a run was requested with; ENOTFOUND when
// there is no such run.
func (tx *Tx) SetRunScorer(ctx context.Context, runID string, s leadrun.ScorerInfo) error {
	res, err := tx.raw.ExecContext(ctx, `UPDATE runs SET scorer = $2, scorer_host = $3, scorer_model = $4 WHERE id = $1`,
		runID, s.Name, s.Host, s.Model)
	return foundOne(res, err, "run "+runID)
}

// foundOne turns an update that matched no row into ENOTFOUND naming what.
func foundOne(res sql.Result, err error, what string) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	return leadrun.Errorf(leadrun.ENOTFOUND, "%s not found", what)
}

// SetRunCancelledBy records who cancelled a run, in the transaction that cancels it.
func (tx *Tx) SetRunCancelledBy(ctx context.Context, runID, by string) error {
	_, err := tx.raw.ExecContext(ctx, `UPDATE runs SET cancelled_by = $2 WHERE id = $1`, runID, leadrun.Truncate(by, 200))
	return err
}

// SaveProviderStatus stores the latest status of a provider, replacing the previous one.
func (db *DB) SaveProviderStatus(ctx context.Context, st leadrun.ProviderStatus) error {
	return db.InTx(ctx, func(tx *Tx) error { return tx.SaveProviderStatus(ctx, st) })
}

// SaveProviderStatus stores the latest status of a provider in the transaction.
func (tx *Tx) SaveProviderStatus(ctx context.Context, st leadrun.ProviderStatus) error {
	if st.CheckedAt.IsZero() {
		st.CheckedAt = tx.Now
	}
	msg, _ := leadrun.CleanText(st.Message)
	s := st.Scorer
	_, err := tx.raw.ExecContext(ctx, `INSERT INTO provider_status (provider, scorer, host, model, ok, message, source, checked_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (provider) DO UPDATE SET ok = excluded.ok,
		message = excluded.message, source = excluded.source, checked_at = excluded.checked_at`,
		s.Name+"|"+s.Host+"|"+s.Model, s.Name, s.Host, s.Model, st.OK, msg, st.Source, tx.db.ts(st.CheckedAt))
	return err
}

// ProviderStatuses returns the last known status of every provider, most recent first.
func (db *DB) ProviderStatuses(ctx context.Context) ([]*leadrun.ProviderStatus, error) {
	return collect(ctx, db.db, func(s scanner) (*leadrun.ProviderStatus, error) {
		var st leadrun.ProviderStatus
		err := s.Scan(&st.Scorer.Name, &st.Scorer.Host, &st.Scorer.Model, &st.OK, &st.Message, &st.Source, &st.CheckedAt)
		st.CheckedAt = st.CheckedAt.UTC()
		return &st, err
	}, `SELECT scorer, host, model, ok, message, source, checked_at FROM provider_status ORDER BY checked_at DESC, provider LIMIT 20`)
}

// RequeueLeads resets the attempts of a client's failed leads selected by f, so the next
// run scores them again; it returns how many were reset. Their last reason and failure
// history stay for the record.
func (db *DB) RequeueLeads(ctx context.Context, clientID string, f leadrun.RequeueFilter) (int64, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := findClient(ctx, tx.raw, clientID); err != nil {
			return err
		}
		q := `UPDATE leads SET attempts = 0, updated_at = $2 WHERE client_id = $1 AND scoring_status = 'failed'`
		args := []any{clientID, db.ts(tx.Now)}
		if f.Reason != nil && !f.AllFailed {
			q += ` AND last_reason = $3`
			args = append(args, string(*f.Reason))
		}
		res, err := tx.raw.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 || f.By == "" {
			return err
		}
		return tx.recordAction(ctx, &leadrun.Action{ClientID: clientID, Kind: leadrun.ActionLeadsRequeued,
			Detail: f.Describe(n), By: f.By})
	})
	return n, err
}

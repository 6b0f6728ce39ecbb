package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/leadrun/leadrun"
)

// ChangeClient applies an update like UpdateClient and records, in the same transaction,
// what changed and who changed it in the client's history (nothing when nothing changed).
func (db *DB) ChangeClient(ctx context.Context, id string, u leadrun.ClientUpdate, by string) (*leadrun.Client, error) {
	if err := leadrun.ValidateActor(by); err != nil {
		return nil, err
	}
	var c *leadrun.Client
	err := db.InTx(ctx, func(tx *Tx) error {
		before, after, err := tx.updateClient(ctx, id, u)
		if err != nil {
			return err
		}
		c = after
		kind, changes := leadrun.ClientChanges(before, after)
		if len(changes) == 0 {
			return nil
		}
		return tx.recordAction(ctx, &leadrun.Action{ClientID: id, Kind: kind, Detail: strings.Join(changes, ", "), By: by})
	})
	return c, err
}

// SetLeadExcluded excludes a lead from scoring (any status but excluded → excluded) or
// includes it again (excluded → to_be_scored, attempts reset), and records who did it in
// the lead's history. The lead must belong to the client (ENOTFOUND otherwise); a lead
// already in the asked state is ECONFLICT, and nothing is written.
func (db *DB) SetLeadExcluded(ctx context.Context, clientID string, leadID int64, exclude bool, by string) (*leadrun.Lead, error) {
	if err := leadrun.ValidateActor(by); err != nil {
		return nil, err
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		var status string
		err := tx.raw.QueryRowContext(ctx, `SELECT scoring_status FROM leads WHERE client_id = $1 AND id = $2`, clientID, leadID).Scan(&status)
		if err == sql.ErrNoRows {
			return leadrun.Errorf(leadrun.ENOTFOUND, "lead %d of client %s not found", leadID, clientID)
		}
		if err != nil {
			return err
		}
		q, kind := `UPDATE leads SET scoring_status = 'excluded', updated_at = $3
			WHERE client_id = $1 AND id = $2 AND scoring_status <> 'excluded'`, leadrun.ActionLeadExcluded
		if !exclude {
			q, kind = `UPDATE leads SET scoring_status = 'to_be_scored', attempts = 0, updated_at = $3
				WHERE client_id = $1 AND id = $2 AND scoring_status = 'excluded'`, leadrun.ActionLeadIncluded
		}
		ok, err := affectedOne(tx.raw.ExecContext(ctx, q, clientID, leadID, db.ts(tx.Now)))
		if err != nil {
			return err
		}
		if !ok && exclude {
			return leadrun.Errorf(leadrun.ECONFLICT, "lead %d of client %s is already excluded", leadID, clientID)
		}
		if !ok {
			return leadrun.Errorf(leadrun.ECONFLICT, "lead %d of client %s is not excluded (it is %s): nothing to include", leadID, clientID, status)
		}
		return tx.recordAction(ctx, &leadrun.Action{ClientID: clientID, LeadID: leadID, Kind: kind, Detail: "was " + status, By: by})
	})
	if err != nil {
		return nil, err
	}
	return db.FindLeadByID(ctx, clientID, leadID)
}

// recordAction appends one line to a client's (or lead's) history, stamped now.
func (tx *Tx) recordAction(ctx context.Context, a *leadrun.Action) error {
	detail, _ := leadrun.CleanText(a.Detail)
	by, _ := leadrun.CleanText(a.By)
	var lead any
	if a.LeadID != 0 {
		lead = a.LeadID
	}
	_, err := tx.raw.ExecContext(ctx, `INSERT INTO actions (client_id, lead_id, action, detail, actor, at) VALUES ($1,$2,$3,$4,$5,$6)`,
		a.ClientID, lead, string(a.Kind), leadrun.Truncate(detail, 1000), by, tx.db.ts(tx.Now))
	return err
}

// FindActions returns the newest actions of a client, at most limit: every action on the
// client and its leads when leadID is 0, else those on that lead only.
func (db *DB) FindActions(ctx context.Context, clientID string, leadID int64, limit int) ([]*leadrun.Action, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	where, args := `client_id = $1`, []any{clientID}
	if leadID != 0 {
		where, args = `client_id = $1 AND lead_id = $2`, append(args, leadID)
	}
	return collect(ctx, db.db, func(s scanner) (*leadrun.Action, error) {
		var a leadrun.Action
		var lead sql.NullInt64
		err := s.Scan(&a.ID, &a.ClientID, &lead, &a.Kind, &a.Detail, &a.By, &a.At)
		a.LeadID, a.At = lead.Int64, a.At.UTC()
		return &a, err
	}, fmt.Sprintf(`SELECT id, client_id, lead_id, action, detail, actor, at FROM actions WHERE %s ORDER BY id DESC LIMIT %d`, where, limit), args...)
}

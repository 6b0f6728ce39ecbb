package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/leadrun/leadrun"
)

// UpsertLeadStream upserts a client's leads as produce hands them over, group by group,
// in one transaction: all of them or, on any error (a bad group, a broken input that
// produce reports), none. produce runs in its own goroutine, so reading the input and
// writing overlap; put blocks while the previous group is written. Each lead counts
// once, created or updated, even when a later group holds it again (the later fields
// win, as in UpsertLeads).
func (db *DB) UpsertLeadStream(ctx context.Context, clientID string, produce func(put func([]*leadrun.Lead) error) error) (leadrun.UpsertResult, error) {
	var res leadrun.UpsertResult
	err := db.InTx(ctx, func(tx *Tx) error {
		c, err := findClient(ctx, tx.raw, clientID)
		if err != nil {
			return err
		}
		if c.Status != leadrun.ClientActive {
			return leadrun.Errorf(leadrun.EFORBIDDEN, "client %s is %s: only active clients take leads", clientID, c.Status)
		}
		w := &leadWriter{ctx: ctx, db: db, tx: tx, clientID: clientID, written: map[int64]struct{}{}, res: &res}
		defer w.close()
		return pipeline(ctx, produce, w.write)
	})
	return res, err
}

// pipeline runs produce in a goroutine and consume on this one, one group in flight.
func pipeline(ctx context.Context, produce func(put func([]*leadrun.Lead) error) error, consume func([]*leadrun.Lead) error) error {
	groups := make(chan []*leadrun.Lead)
	stop := make(chan struct{})
	done := make(chan error, 1)
	errStop := errors.New("upsert stopped")
	go func() {
		defer close(groups)
		done <- produce(func(g []*leadrun.Lead) error {
			select {
			case groups <- g:
				return nil
			case <-stop:
				return errStop
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	var werr error
	for g := range groups {
		if werr != nil {
			continue
		}
		if werr = consume(g); werr != nil {
			close(stop)
		}
	}
	perr := <-done
	if werr != nil {
		return werr
	}
	return perr
}

// leadWriter writes groups of leads in a transaction.
type leadWriter struct {
	ctx      context.Context
	db       *DB
	tx       *Tx
	clientID string
	stmts    [2]*sql.Stmt // per-row upserts
	prepared map[string]*sql.Stmt
	written  map[int64]struct{}
	res      *leadrun.UpsertResult
}

func (w *leadWriter) close() {
	for _, s := range w.stmts {
		if s != nil {
			s.Close()
		}
	}
	for _, s := range w.prepared {
		s.Close()
	}
}

func (w *leadWriter) write(leads []*leadrun.Lead) error {
	// The statements get a context that never ends: the SQLite driver starts a watcher
	// goroutine for every statement whose context can end, which costs more than the
	// statement. Cancellation still stops the import between groups (pipeline's put).
	ctx := context.WithoutCancel(w.ctx)
	keys := make(map[string]struct{}, len(leads))
	for _, l := range leads {
		l.ClientID = w.clientID
		if err := l.Validate(); err != nil {
			return err
		}
		keys[l.ProfileKey] = struct{}{}
	}
	// Multi-row statements (one per group on PostgreSQL, where each statement is a round
	// trip). ON CONFLICT needs distinct keys in a statement; otherwise row by row.
	if len(keys) == len(leads) {
		var err error
		if w.db.kind == Postgres {
			err = w.writeBatch(ctx, leads)
		} else {
			err = w.writeRows(ctx, leads)
		}
		if err != nil {
			return err
		}
		for _, l := range leads { // Linked Helper details and messages beside the lead
			if err := w.db.saveLeadExtras(ctx, w.tx, l); err != nil {
				return fmt.Errorf("lead %s: %w", l.ProfileKey, err)
			}
		}
		return nil
	}
	if w.stmts[0] == nil {
		for i, q := range []string{upsertLeadSQL, upsertProfileSQL} {
			s, err := w.tx.raw.PrepareContext(ctx, q)
			if err != nil {
				return err
			}
			w.stmts[i] = s
		}
	}
	for _, l := range leads {
		created, err := w.db.upsertLead(ctx, w.tx, w.stmts, l)
		if err != nil {
			return fmt.Errorf("lead %s: %w", l.ProfileKey, err)
		}
		w.count(l.ID, created)
	}
	return nil
}

// count counts a lead once, the first time this transaction writes it.
func (w *leadWriter) count(id int64, created bool) {
	if _, again := w.written[id]; again {
		return
	}
	w.written[id] = struct{}{}
	if created {
		w.res.Created++
	} else {
		w.res.Updated++
	}
}

// writeBatch upserts a group in one statement on PostgreSQL (the group's profile keys are
// distinct, which ON CONFLICT needs).
func (w *leadWriter) writeBatch(ctx context.Context, leads []*leadrun.Lead) error {
	n := len(leads)
	cols := make([][]string, 13)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	raws := make([]*string, n)
	byKey := make(map[string]*leadrun.Lead, n)
	for i, l := range leads {
		exp, err := json.Marshal(nonNil(l.Experience))
		if err != nil {
			return err
		}
		for j, v := range []string{l.ProfileKey, l.ProfileURL, l.FirstName, l.LastName, l.Headline, l.JobTitle,
			l.Company, l.Location, l.Email, l.Phone, l.ConnectionStatus, l.About, string(exp)} {
			cols[j][i] = v
		}
		if len(l.Raw) > 0 {
			s := string(l.Raw)
			raws[i] = &s
		}
		byKey[l.ProfileKey] = l
	}
	args := []any{w.clientID, w.db.ts(w.tx.Now)}
	for _, c := range cols {
		args = append(args, c)
	}
	args = append(args, raws)
	stmt, err := w.tx.stmt(ctx, upsertLeadsPG)
	if err != nil {
		return err
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var key string
		var created bool
		if err := rows.Scan(&id, &key, &created); err != nil {
			return err
		}
		if l := byKey[key]; l != nil {
			l.ID = id
		}
		w.count(id, created)
	}
	return rows.Err()
}

// upsertLeadsPG is upsertLeadSQL and upsertProfileSQL for a group: $1 client, $2 now,
// $3… the columns as arrays.
const upsertLeadsPG = `WITH input AS (
	SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
		$10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[]) WITH ORDINALITY
		AS t(profile_key, profile_url, first_name, last_name, headline, job_title, company, location, email, phone,
			connection_status, about, experience, raw, ord)
), up AS (
	INSERT INTO leads (client_id, profile_key, profile_url, first_name, last_name, headline, job_title, company,
		location, email, phone, connection_status, scoring_status, created_at, updated_at)
	SELECT $1, profile_key, profile_url, first_name, last_name, headline, job_title, company, location, email, phone,
		connection_status, 'to_be_scored', $2, $2 FROM input ORDER BY ord` + upsertLeadTail + `
	RETURNING id, profile_key, created_at = updated_at AS created
), profiles AS (
	INSERT INTO lead_profiles (lead_id, about, experience, raw)
	SELECT up.id, input.about, input.experience, input.raw FROM up JOIN input USING (profile_key)
	ON CONFLICT (lead_id) DO UPDATE SET about = excluded.about, experience = excluded.experience,
		raw = COALESCE(excluded.raw, lead_profiles.raw)
)
SELECT id, profile_key, created FROM up`

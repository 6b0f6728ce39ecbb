package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/leadrun/leadrun"
)

// SQLite upserts a group of leads with multi-row statements of up to rowsPerStmt leads:
// in process, each statement costs a fixed binding and setup that one row barely pays
// for. (PostgreSQL sends the whole group as arrays instead: writeBatch.)
const rowsPerStmt = 100

// writeRows upserts leads with distinct profile keys by multi-row statements.
func (w *leadWriter) writeRows(ctx context.Context, leads []*leadrun.Lead) error {
	for len(leads) > 0 {
		n := min(len(leads), rowsPerStmt)
		if err := w.writeRowsStmt(ctx, leads[:n]); err != nil {
			return err
		}
		leads = leads[n:]
	}
	return nil
}

func (w *leadWriter) writeRowsStmt(ctx context.Context, leads []*leadrun.Lead) error {
	n := len(leads)
	now := w.db.ts(w.tx.Now)
	args := make([]any, 0, n*14)
	for _, l := range leads {
		args = append(args, l.ProfileKey, l.ProfileURL, l.FirstName, l.LastName, l.Headline, l.JobTitle, l.Company,
			l.Location, l.Email, l.Phone, l.ConnectionStatus, w.clientID, now, now)
	}
	ins, err := w.rowsStmt(ctx, upsertLeadRowsSQL(n))
	if err != nil {
		return err
	}
	rows, err := ins.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	byKey := make(map[string]*leadrun.Lead, n)
	for _, l := range leads {
		byKey[l.ProfileKey] = l
	}
	for rows.Next() {
		var id int64
		var key string
		var created bool
		if err := rows.Scan(&id, &key, &created); err != nil {
			rows.Close()
			return err
		}
		byKey[key].ID = id
		w.count(id, created)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	args = args[:0]
	for _, l := range leads {
		exp, err := json.Marshal(nonNil(l.Experience))
		if err != nil {
			return err
		}
		var raw any
		if len(l.Raw) > 0 {
			raw = string(l.Raw)
		}
		args = append(args, l.ID, l.About, string(exp), raw)
	}
	prof, err := w.rowsStmt(ctx, upsertProfileRowsSQL(n))
	if err != nil {
		return err
	}
	_, err = prof.ExecContext(ctx, args...)
	return err
}

// rowsStmt prepares a statement once per transaction.
func (w *leadWriter) rowsStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := w.prepared[query]; ok {
		return s, nil
	}
	s, err := w.tx.raw.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if w.prepared == nil {
		w.prepared = map[string]*sql.Stmt{}
	}
	w.prepared[query] = s
	return s, nil
}

// The multi-row statements use anonymous "?" parameters, SQLite's own: the driver looks up
// every parameter's name while binding, by a walk over the named ones, which made binding
// a statement with hundreds of "$N" parameters quadratic.

// upsertLeadRowsSQL is upsertLeadSQL for n rows of 14 values.
func upsertLeadRowsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO leads (profile_key, profile_url, first_name, last_name, headline, job_title, company,
	location, email, phone, connection_status, client_id, created_at, updated_at, scoring_status) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,'to_be_scored')")
	}
	b.WriteString(upsertLeadTail + ` RETURNING id, profile_key, created_at = updated_at`)
	return b.String()
}

// upsertProfileRowsSQL is upsertProfileSQL for n rows of 4 values.
func upsertProfileRowsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO lead_profiles (lead_id, about, experience, raw) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?)")
	}
	b.WriteString(` ON CONFLICT (lead_id) DO UPDATE SET about = excluded.about, experience = excluded.experience,
		raw = COALESCE(excluded.raw, lead_profiles.raw)`)
	return b.String()
}

// upsertLeadTail is the conflict rule of every lead upsert: profile fields refreshed, the
// scoring status kept, a stored email, phone or location never blanked.
const upsertLeadTail = ` ON CONFLICT (client_id, profile_key) DO UPDATE SET
		profile_url = excluded.profile_url, first_name = excluded.first_name, last_name = excluded.last_name,
		headline = excluded.headline, job_title = excluded.job_title, company = excluded.company,
		location = CASE WHEN excluded.location <> '' THEN excluded.location ELSE leads.location END,
		email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE leads.email END,
		phone = CASE WHEN excluded.phone <> '' THEN excluded.phone ELSE leads.phone END,
		connection_status = excluded.connection_status, updated_at = excluded.updated_at`

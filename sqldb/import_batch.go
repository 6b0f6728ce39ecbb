package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/leadrun/leadrun"
)

// importRowsPerStatement is how many leads one multi-row statement of an import writes:
// a statement per lead costs more than its rows (20 parameters × 50 stays far below both
// databases' limits).
const importRowsPerStatement = 50

// valuesSQL returns "($1,…,$n),(…)…" for rows of cols parameters; on SQLite "(?,…),…",
// because its driver looks every "$N" up in a list of names (quadratic in the parameters
// of a statement) while "?" binds by position.
func (db *DB) valuesSQL(rows, cols int) string {
	var b strings.Builder
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			if db.kind == SQLite {
				b.WriteByte('?')
			} else {
				fmt.Fprintf(&b, "$%d", r*cols+c+1)
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// storedLead is what the lead upsert of an import returns for one lead.
type storedLead struct {
	id      int64
	created bool
	lastRun string // set when a leadrun run has scored the lead: its result is kept
}

// importGroup stores up to importRowsPerStatement leads with four multi-row statements.
func (db *DB) importGroup(ctx context.Context, tx *Tx, st *stmtCache, items []leadrun.ImportItem, n *leadrun.ImportCounts) error {
	now := db.ts(tx.Now)
	byKey, err := db.upsertLeadRows(ctx, tx, st, items, now)
	if err != nil {
		return err
	}
	var profiles, assessments, records []any
	for _, it := range items {
		l := it.Lead
		s, ok := byKey[l.ProfileKey]
		if !ok {
			return fmt.Errorf("lead %s: not stored", l.ProfileKey)
		}
		l.ID = s.id
		if profiles, err = appendProfileRow(profiles, l); err != nil {
			return err
		}
		switch {
		case s.lastRun != "":
			n.ScoredHere++
		case l.Assessment != "" || l.Breakdown != nil || l.AIExcluded:
			if assessments, err = appendAssessmentRow(assessments, l); err != nil {
				return err
			}
			fallthrough
		default:
			if l.ScoringStatus == leadrun.StatusScored && l.Score != nil {
				n.ScoresKept++
			}
		}
		if s.created {
			n.Created++
		} else {
			n.Updated++
		}
		if err := db.saveLeadExtras(ctx, tx, l); err != nil {
			return err
		}
		records = append(records, l.ClientID, l.ProfileKey, it.Fingerprint, now)
	}
	return writeRows(ctx, tx, st, profiles, assessments, records)
}

// upsertLeadRows writes the leads rows of a group and returns what was stored by key.
func (db *DB) upsertLeadRows(ctx context.Context, tx *Tx, st *stmtCache, items []leadrun.ImportItem, now any) (map[string]storedLead, error) {
	args := make([]any, 0, len(items)*20)
	for _, it := range items {
		l := it.Lead
		status := l.ScoringStatus
		if status == "" {
			status = leadrun.StatusToBeScored
		}
		args = append(args, l.ClientID, l.ProfileKey, l.ProfileURL, l.FirstName, l.LastName, l.Headline, l.JobTitle,
			l.Company, l.Location, l.Email, l.Phone, l.ConnectionStatus, status, nullFloat(l.Score), db.tsp(l.ScoredAt),
			l.Attempts, string(l.LastReason), db.tsp(l.ExportedAt), now, now)
	}
	stmt, err := st.get(ctx, tx, importLeadInsert+db.valuesSQL(len(items), 20)+importLeadConflict+
		` RETURNING profile_key, id, created_at = updated_at, last_run_id`)
	if err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byKey := make(map[string]storedLead, len(items))
	for rows.Next() {
		var k string
		var s storedLead
		if err := rows.Scan(&k, &s.id, &s.created, &s.lastRun); err != nil {
			return nil, err
		}
		byKey[k] = s
	}
	return byKey, rows.Err()
}

func appendProfileRow(rows []any, l *leadrun.Lead) ([]any, error) {
	exp, err := json.Marshal(nonNil(l.Experience))
	if err != nil {
		return nil, err
	}
	var raw any
	if len(l.Raw) > 0 {
		raw = string(l.Raw)
	}
	return append(rows, l.ID, l.About, string(exp), raw), nil
}

func appendAssessmentRow(rows []any, l *leadrun.Lead) ([]any, error) {
	var breakdown any
	if l.Breakdown != nil {
		b, err := EncodeBreakdown(l.Breakdown)
		if err != nil {
			return nil, err
		}
		breakdown = string(b)
	}
	return append(rows, l.ID, l.Assessment, breakdown, l.AIExcluded, l.ExcludeDetails), nil
}

// writeRows writes a group's profiles, assessments and import records, one statement each.
func writeRows(ctx context.Context, tx *Tx, st *stmtCache, profiles, assessments, records []any) error {
	for _, w := range []struct {
		prefix, suffix string
		cols           int
		args           []any
	}{
		{`INSERT INTO lead_profiles (lead_id, about, experience, raw) VALUES `, importProfileConflict, 4, profiles},
		{`INSERT INTO lead_assessments (lead_id, assessment, breakdown, ai_excluded, exclude_details) VALUES `, importAssessmentConflict, 5, assessments},
		{`INSERT INTO import_records (client_id, profile_key, fingerprint, imported_at) VALUES `, importRecordConflict, 4, records},
	} {
		if len(w.args) == 0 {
			continue
		}
		stmt, err := st.get(ctx, tx, w.prefix+tx.db.valuesSQL(len(w.args)/w.cols, w.cols)+w.suffix)
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, w.args...); err != nil {
			return err
		}
	}
	return nil
}

// stmtCache keeps a transaction's prepared statements by SQL text: the groups of an
// import repeat the same few multi-row statements (and tx.stmt keeps them across
// transactions).
type stmtCache map[string]*sql.Stmt

func (c stmtCache) get(ctx context.Context, tx *Tx, q string) (*sql.Stmt, error) {
	if s, ok := c[q]; ok {
		return s, nil
	}
	s, err := tx.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	c[q] = s
	return s, nil
}

func (c stmtCache) close() {
	for _, s := range c {
		s.Close()
	}
}

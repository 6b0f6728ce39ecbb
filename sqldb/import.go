package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/leadrun/leadrun"
)

// ImportItem is one lead from the original platform with the fingerprint of its mapped
// fields (ImportFingerprints returns it on the next import, so unchanged leads are
// skipped before any write).
type ImportItem struct {
	Lead        *leadrun.Lead
	Fingerprint string
}

// ImportCounts counts what ImportLeads did.
type ImportCounts struct {
	Created    int `json:"created"`
	Updated    int `json:"updated"`
	ScoresKept int `json:"scores_kept"` // scored leads whose original score was stored
	// ScoredHere counts leads leadrun had already scored itself: their profile was
	// refreshed, their own score kept.
	ScoredHere int `json:"scored_here"`
}

// ImportFingerprints returns the fingerprints of a client's imported leads by profile key.
func (db *DB) ImportFingerprints(ctx context.Context, clientID string) (map[string]string, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT profile_key, fingerprint FROM import_records WHERE client_id = $1`, clientID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, f string
		if err := rows.Scan(&k, &f); err != nil {
			return nil, err
		}
		out[k] = f
	}
	return out, rows.Err()
}

// ImportLeads stores leads of the original platform for a client of any status, in one
// transaction: profile fields (an empty value never blanks a stored one), and the
// original's scoring status, score, assessment, breakdown and export time — unless a
// leadrun run has scored the lead since, whose own result is kept. Each item's
// fingerprint is recorded with it, so the transaction is the unit of resumption.
func (db *DB) ImportLeads(ctx context.Context, clientID string, items []ImportItem) (ImportCounts, error) {
	var n ImportCounts
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := findClient(ctx, tx, clientID); err != nil {
			return err
		}
		stmts, err := prepareImport(ctx, tx)
		if err != nil {
			return err
		}
		defer stmts.close()
		for _, it := range items {
			it.Lead.ClientID = clientID
			if err := it.Lead.Validate(); err != nil {
				return err
			}
			if err := db.importLead(ctx, tx, stmts, it, &n); err != nil {
				return fmt.Errorf("lead %s: %w", it.Lead.ProfileKey, err)
			}
		}
		return nil
	})
	return n, err
}

const importLeadSQL = `INSERT INTO leads (client_id, profile_key, profile_url, first_name, last_name, headline,
	job_title, company, location, email, phone, connection_status, scoring_status, score, scored_at, attempts,
	last_reason, exported_at, created_at, updated_at)
	VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$19)
	ON CONFLICT (client_id, profile_key) DO UPDATE SET profile_url = excluded.profile_url,
		first_name = CASE WHEN excluded.first_name <> '' THEN excluded.first_name ELSE leads.first_name END,
		last_name = CASE WHEN excluded.last_name <> '' THEN excluded.last_name ELSE leads.last_name END,
		headline = CASE WHEN excluded.headline <> '' THEN excluded.headline ELSE leads.headline END,
		job_title = CASE WHEN excluded.job_title <> '' THEN excluded.job_title ELSE leads.job_title END,
		company = CASE WHEN excluded.company <> '' THEN excluded.company ELSE leads.company END,
		location = CASE WHEN excluded.location <> '' THEN excluded.location ELSE leads.location END,
		email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE leads.email END,
		phone = CASE WHEN excluded.phone <> '' THEN excluded.phone ELSE leads.phone END,
		connection_status = excluded.connection_status,
		scoring_status = CASE WHEN leads.last_run_id = '' THEN excluded.scoring_status ELSE leads.scoring_status END,
		score = CASE WHEN leads.last_run_id = '' THEN excluded.score ELSE leads.score END,
		scored_at = CASE WHEN leads.last_run_id = '' THEN excluded.scored_at ELSE leads.scored_at END,
		attempts = CASE WHEN leads.last_run_id = '' THEN excluded.attempts ELSE leads.attempts END,
		last_reason = CASE WHEN leads.last_run_id = '' THEN excluded.last_reason ELSE leads.last_reason END,
		exported_at = COALESCE(leads.exported_at, excluded.exported_at), updated_at = excluded.updated_at
	RETURNING id, created_at = updated_at, last_run_id`

const importProfileSQL = `INSERT INTO lead_profiles (lead_id, about, experience, raw) VALUES ($1,$2,$3,$4)
	ON CONFLICT (lead_id) DO UPDATE SET
		about = CASE WHEN excluded.about <> '' THEN excluded.about ELSE lead_profiles.about END,
		experience = CASE WHEN excluded.experience <> '[]' THEN excluded.experience ELSE lead_profiles.experience END,
		raw = COALESCE(excluded.raw, lead_profiles.raw)`

const importAssessmentSQL = `INSERT INTO lead_assessments (lead_id, assessment, breakdown, ai_excluded, exclude_details)
	VALUES ($1,$2,$3,$4,$5) ON CONFLICT (lead_id) DO UPDATE SET assessment = excluded.assessment,
	breakdown = excluded.breakdown, ai_excluded = excluded.ai_excluded, exclude_details = excluded.exclude_details`

const importRecordSQL = `INSERT INTO import_records (client_id, profile_key, fingerprint, imported_at) VALUES ($1,$2,$3,$4)
	ON CONFLICT (client_id, profile_key) DO UPDATE SET fingerprint = excluded.fingerprint, imported_at = excluded.imported_at`

type importStmts struct{ lead, profile, assessment, record *sql.Stmt }

func prepareImport(ctx context.Context, tx *Tx) (*importStmts, error) {
	s := &importStmts{}
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{{&s.lead, importLeadSQL}, {&s.profile, importProfileSQL}, {&s.assessment, importAssessmentSQL}, {&s.record, importRecordSQL}} {
		stmt, err := tx.PrepareContext(ctx, p.q)
		if err != nil {
			s.close()
			return nil, err
		}
		*p.dst = stmt
	}
	return s, nil
}

func (s *importStmts) close() {
	for _, st := range []*sql.Stmt{s.lead, s.profile, s.assessment, s.record} {
		if st != nil {
			st.Close()
		}
	}
}

func (db *DB) importLead(ctx context.Context, tx *Tx, s *importStmts, it ImportItem, n *ImportCounts) error {
	l := it.Lead
	status := l.ScoringStatus
	if status == "" {
		status = leadrun.StatusToBeScored
	}
	var created bool
	var lastRun string
	err := s.lead.QueryRowContext(ctx, l.ClientID, l.ProfileKey, l.ProfileURL, l.FirstName, l.LastName, l.Headline,
		l.JobTitle, l.Company, l.Location, l.Email, l.Phone, l.ConnectionStatus, status, nullFloat(l.Score),
		db.tsp(l.ScoredAt), l.Attempts, string(l.LastReason), db.tsp(l.ExportedAt), db.ts(tx.Now)).Scan(&l.ID, &created, &lastRun)
	if err != nil {
		return err
	}
	exp, err := json.Marshal(nonNil(l.Experience))
	if err != nil {
		return err
	}
	var raw any
	if len(l.Raw) > 0 {
		raw = string(l.Raw)
	}
	if _, err := s.profile.ExecContext(ctx, l.ID, l.About, string(exp), raw); err != nil {
		return err
	}
	switch {
	case lastRun != "":
		n.ScoredHere++
	case l.Assessment != "" || l.Breakdown != nil || l.AIExcluded:
		if err := db.importAssessment(ctx, s, l); err != nil {
			return err
		}
	}
	if lastRun == "" && status == leadrun.StatusScored && l.Score != nil {
		n.ScoresKept++
	}
	if created {
		n.Created++
	} else {
		n.Updated++
	}
	if err := db.saveLeadExtras(ctx, tx, l); err != nil {
		return err
	}
	_, err = s.record.ExecContext(ctx, l.ClientID, l.ProfileKey, it.Fingerprint, db.ts(tx.Now))
	return err
}

func (db *DB) importAssessment(ctx context.Context, s *importStmts, l *leadrun.Lead) error {
	var breakdown any
	if l.Breakdown != nil {
		b, err := EncodeBreakdown(l.Breakdown)
		if err != nil {
			return err
		}
		breakdown = string(b)
	}
	_, err := s.assessment.ExecContext(ctx, l.ID, l.Assessment, breakdown, l.AIExcluded, l.ExcludeDetails)
	return err
}

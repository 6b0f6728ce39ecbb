package sqldb

import (
	"context"
	"fmt"

	"github.com/leadrun/leadrun"
)

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
func (db *DB) ImportLeads(ctx context.Context, clientID string, items []leadrun.ImportItem) (leadrun.ImportCounts, error) {
	var n leadrun.ImportCounts
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := findClient(ctx, tx.raw, clientID); err != nil {
			return err
		}
		seen := make(map[string]int, len(items))
		for i, it := range items {
			it.Lead.ClientID = clientID
			if err := it.Lead.Validate(); err != nil {
				return fmt.Errorf("lead %s: %w", it.Lead.ProfileURL, err)
			}
			// One statement cannot write a row twice on PostgreSQL, and on SQLite the
			// later item would silently win: refuse alike on both.
			if j, dup := seen[it.Lead.ProfileKey]; dup {
				return leadrun.Errorf(leadrun.EINVALID, "leads %d and %d of the batch are one profile, %s", j+1, i+1, it.Lead.ProfileKey)
			}
			seen[it.Lead.ProfileKey] = i
		}
		st := stmtCache{}
		defer st.close()
		for i := 0; i < len(items); i += importRowsPerStatement {
			if err := db.importGroup(ctx, tx, &st, items[i:min(i+importRowsPerStatement, len(items))], &n); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

const importLeadInsert = `INSERT INTO leads (client_id, profile_key, profile_url, first_name, last_name, headline,
	job_title, company, location, email, phone, connection_status, scoring_status, score, scored_at, attempts,
	last_reason, exported_at, created_at, updated_at)
	VALUES `

const importLeadConflict = ` ON CONFLICT (client_id, profile_key) DO UPDATE SET profile_url = excluded.profile_url,
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
		exported_at = COALESCE(leads.exported_at, excluded.exported_at), updated_at = excluded.updated_at`

const importProfileConflict = ` ON CONFLICT (lead_id) DO UPDATE SET
		about = CASE WHEN excluded.about <> '' THEN excluded.about ELSE lead_profiles.about END,
		experience = CASE WHEN excluded.experience <> '[]' THEN excluded.experience ELSE lead_profiles.experience END,
		raw = COALESCE(excluded.raw, lead_profiles.raw)`

const importAssessmentConflict = ` ON CONFLICT (lead_id) DO UPDATE SET assessment = excluded.assessment,
	breakdown = excluded.breakdown, ai_excluded = excluded.ai_excluded, exclude_details = excluded.exclude_details`

const importRecordConflict = ` ON CONFLICT (client_id, profile_key) DO UPDATE SET fingerprint = excluded.fingerprint, imported_at = excluded.imported_at`

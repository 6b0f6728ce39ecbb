package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/leadrun/leadrun"
)

// leadColumns reads a whole lead: l is leads, p its profile, a its assessment.
const leadColumns = `l.id, l.client_id, l.profile_key, l.profile_url, l.first_name, l.last_name, l.headline,
	l.job_title, l.company, p.about, l.location, l.email, l.phone, p.experience, l.connection_status, p.raw,
	l.scoring_status, l.score, COALESCE(a.assessment, ''), a.breakdown, COALESCE(a.ai_excluded, FALSE),
	COALESCE(a.exclude_details, ''), l.scored_at, l.attempts, l.last_reason, l.last_run_id, l.top_post_id,
	l.created_at, l.updated_at, l.scored_by`

const leadFrom = ` FROM leads l JOIN lead_profiles p ON p.lead_id = l.id LEFT JOIN lead_assessments a ON a.lead_id = l.id `

// scoringColumns read what a scorer needs of a lead, for the hot path of a run.
const scoringColumns = `l.id, l.client_id, l.profile_key, l.first_name, l.last_name, l.headline, l.job_title,
	l.company, p.about, l.location, l.email, l.phone, p.experience, l.connection_status, l.scoring_status, l.attempts`

// UpsertLeads inserts or updates a client's leads by profile key, in one transaction. A new
// lead is to_be_scored; an update refreshes profile fields but never resets the scoring
// status and never blanks a stored email, phone or location with an empty value.
func (db *DB) UpsertLeads(ctx context.Context, clientID string, leads []*leadrun.Lead) (leadrun.UpsertResult, error) {
	return db.UpsertLeadStream(ctx, clientID, func(put func([]*leadrun.Lead) error) error {
		for i := 0; i < len(leads); i += upsertGroup {
			if err := put(leads[i:min(i+upsertGroup, len(leads))]); err != nil {
				return err
			}
		}
		return nil
	})
}

// upsertGroup is how many leads UpsertLeads writes per statement on PostgreSQL.
const upsertGroup = 500

const upsertLeadSQL = `INSERT INTO leads (client_id, profile_key, profile_url, first_name, last_name, headline,
	job_title, company, location, email, phone, connection_status, scoring_status, created_at, updated_at)
	VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,'to_be_scored',$13,$13)` + upsertLeadTail + `
	RETURNING id, created_at = updated_at`

const upsertProfileSQL = `INSERT INTO lead_profiles (lead_id, about, experience, raw) VALUES ($1,$2,$3,$4)
	ON CONFLICT (lead_id) DO UPDATE SET about = excluded.about, experience = excluded.experience,
		raw = COALESCE(excluded.raw, lead_profiles.raw)`

func (db *DB) upsertLead(ctx context.Context, tx *Tx, stmts [2]*sql.Stmt, l *leadrun.Lead) (created bool, err error) {
	exp, err := json.Marshal(nonNil(l.Experience))
	if err != nil {
		return false, err
	}
	var raw any
	if len(l.Raw) > 0 {
		raw = string(l.Raw)
	}
	err = stmts[0].QueryRowContext(ctx, l.ClientID, l.ProfileKey, l.ProfileURL, l.FirstName, l.LastName,
		l.Headline, l.JobTitle, l.Company, l.Location, l.Email, l.Phone, l.ConnectionStatus,
		db.ts(tx.Now)).Scan(&l.ID, &created)
	if err != nil {
		return false, err
	}
	if _, err = stmts[1].ExecContext(ctx, l.ID, l.About, string(exp), raw); err != nil {
		return created, err
	}
	return created, db.saveLeadExtras(ctx, tx, l)
}

func nonNil(jobs []leadrun.Job) []leadrun.Job {
	if jobs == nil {
		return []leadrun.Job{}
	}
	return jobs
}

// FindLeadByID returns one of a client's leads.
func (db *DB) FindLeadByID(ctx context.Context, clientID string, id int64) (*leadrun.Lead, error) {
	l, err := scanLead(db.db.QueryRowContext(ctx, `SELECT `+leadColumns+leadFrom+`WHERE l.client_id = $1 AND l.id = $2`, clientID, id))
	return l, mapError(err, fmt.Sprintf("lead %d of client %s", id, clientID))
}

// FindLeads returns a client's leads in ID order, after the filter's cursor.
func (db *DB) FindLeads(ctx context.Context, f leadrun.LeadFilter) ([]*leadrun.Lead, error) {
	var where conditions
	where.add("l.client_id = $%d", f.ClientID)
	where.add("l.id > $%d", f.AfterID)
	if f.ScoringStatus != nil {
		where.add("l.scoring_status = $%d", *f.ScoringStatus)
	}
	if f.MinScore != nil {
		where.add("l.score >= $%d", *f.MinScore)
	}
	limit := f.Limit
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	order := "l.id"
	if f.BeforeID > 0 {
		where.add("l.id < $%d", f.BeforeID)
		order = "l.id DESC" // the page just before, read backwards and turned round
	}
	leads, err := queryLeads(ctx, db.db, scanLead, `SELECT `+leadColumns+leadFrom+`WHERE `+where.sql()+
		fmt.Sprintf(" ORDER BY %s LIMIT %d", order, limit), where.args...)
	if f.BeforeID > 0 {
		slices.Reverse(leads)
	}
	return leads, err
}

// DueLeads returns up to limit leads of a client that a run should score, with IDs above
// afterID: to_be_scored, or failed with attempts left. Only the fields a scorer reads are
// loaded.
func (db *DB) DueLeads(ctx context.Context, clientID string, afterID int64, maxAttempts, limit int) ([]*leadrun.Lead, error) {
	return collect(ctx, db.cached(), scanScoringLead, dueLeadsSQL, clientID, afterID, maxAttempts, limit)
}

var dueLeadsSQL = `SELECT ` + scoringColumns + ` FROM leads l JOIN lead_profiles p ON p.lead_id = l.id
	WHERE l.client_id = $1 AND l.id > $2 AND ` + dueLeadCond(3) + ` ORDER BY l.id LIMIT $4`

// dueLeadCond selects leads a run should score; parameter $n is the maximum attempts.
func dueLeadCond(n int) string {
	return fmt.Sprintf(`l.scoring_status IN ('to_be_scored','failed') AND
		(l.scoring_status = 'to_be_scored' OR l.attempts < $%d)`, n)
}

func queryLeads(ctx context.Context, q querier, scan func(scanner) (*leadrun.Lead, error), query string, args ...any) ([]*leadrun.Lead, error) {
	return collect(ctx, q, scan, query, args...)
}

// CountLeadsByStatus counts a client's leads per scoring status.
func (db *DB) CountLeadsByStatus(ctx context.Context, clientID string) (map[leadrun.ScoringStatus]int64, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT scoring_status, COUNT(*) FROM leads WHERE client_id = $1 GROUP BY scoring_status`, clientID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[leadrun.ScoringStatus]int64{}
	for rows.Next() {
		var s leadrun.ScoringStatus
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

func scanLead(s scanner) (*leadrun.Lead, error) {
	var (
		l              leadrun.Lead
		exp            string
		raw, breakdown sql.NullString
		score          sql.NullFloat64
		scoredAt       sql.NullTime
		topPost        sql.NullInt64
		lastReason     string
	)
	err := s.Scan(&l.ID, &l.ClientID, &l.ProfileKey, &l.ProfileURL, &l.FirstName, &l.LastName, &l.Headline,
		&l.JobTitle, &l.Company, &l.About, &l.Location, &l.Email, &l.Phone, &exp, &l.ConnectionStatus, &raw,
		&l.ScoringStatus, &score, &l.Assessment, &breakdown, &l.AIExcluded, &l.ExcludeDetails, &scoredAt,
		&l.Attempts, &lastReason, &l.LastRunID, &topPost, &l.CreatedAt, &l.UpdatedAt, &l.ScoredBy)
	if err != nil {
		return nil, err
	}
	l.LastReason = leadrun.Reason(lastReason)
	if l.Experience, err = decodeExperience(exp); err != nil {
		return nil, fmt.Errorf("lead %d experience: %w", l.ID, err)
	}
	if raw.Valid {
		l.Raw = json.RawMessage(raw.String)
	}
	if breakdown.Valid {
		if l.Breakdown, err = decodeBreakdown(breakdown.String); err != nil {
			return nil, fmt.Errorf("lead %d breakdown: %w", l.ID, err)
		}
	}
	if score.Valid {
		l.Score = &score.Float64
	}
	if scoredAt.Valid {
		t := scoredAt.Time.UTC()
		l.ScoredAt = &t
	}
	if topPost.Valid {
		l.TopPostID = &topPost.Int64
	}
	l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	return &l, nil
}

func scanScoringLead(s scanner) (*leadrun.Lead, error) {
	var l leadrun.Lead
	var exp string
	err := s.Scan(&l.ID, &l.ClientID, &l.ProfileKey, &l.FirstName, &l.LastName, &l.Headline, &l.JobTitle,
		&l.Company, &l.About, &l.Location, &l.Email, &l.Phone, &exp, &l.ConnectionStatus, &l.ScoringStatus, &l.Attempts)
	if err != nil {
		return nil, err
	}
	if l.Experience, err = decodeExperience(exp); err != nil {
		return nil, fmt.Errorf("lead %d experience: %w", l.ID, err)
	}
	return &l, nil
}

// TopLeads returns a client's scored leads at or above its threshold that were not yet
// exported, best first; with markExported they are stamped exported in the same
// transaction, so a second export does not repeat them. Without markExported it is a
// plain read and never takes the write transaction (SQLite's only writer).
func (db *DB) TopLeads(ctx context.Context, clientID string, limit int, markExported bool) ([]*leadrun.Lead, error) {
	if limit <= 0 || limit > 5000 {
		limit = 500
	}
	if !markExported {
		return topLeads(ctx, db.db, clientID, limit)
	}
	var leads []*leadrun.Lead
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		if leads, err = topLeads(ctx, tx.raw, clientID, limit); err != nil {
			return err
		}
		for _, l := range leads {
			if _, err := tx.raw.ExecContext(ctx, `UPDATE leads SET exported_at = $3 WHERE id = $1 AND client_id = $2`,
				l.ID, clientID, db.ts(tx.Now)); err != nil {
				return err
			}
		}
		return nil
	})
	return leads, err
}

// topLeads reads a client's best unexported leads (index leads_top).
func topLeads(ctx context.Context, q querier, clientID string, limit int) ([]*leadrun.Lead, error) {
	c, err := findClient(ctx, q, clientID)
	if err != nil {
		return nil, err
	}
	return collect(ctx, q, scanLead, `SELECT `+leadColumns+leadFrom+`WHERE l.client_id = $1
		AND l.scoring_status = 'scored' AND l.score >= $2 AND l.exported_at IS NULL
		ORDER BY l.client_id, l.score DESC, l.id LIMIT $3`, clientID, c.ScoreThreshold, limit)
}

package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"

	"github.com/leadrun/leadrun"
)

const postColumns = `id, lead_id, client_id, post_url, content, posted_at, is_repost, original_author, score,
	rationale, scored_at, skip_reason, attempts, created_at`

// UpsertPosts stores a client's posts, deduplicated by post URL per lead, in one
// transaction. A post whose lead is unknown is reported and does not block the others.
func (db *DB) UpsertPosts(ctx context.Context, clientID string, posts []leadrun.PostInput) (leadrun.UpsertResult, []leadrun.ItemError, error) {
	var res leadrun.UpsertResult
	var failed []leadrun.ItemError
	err := db.InTx(ctx, func(tx *Tx) error {
		res, failed = leadrun.UpsertResult{}, nil
		if _, err := findClient(ctx, tx.raw, clientID); err != nil {
			return err
		}
		for i, in := range posts {
			var leadID int64
			err := tx.raw.QueryRowContext(ctx, `SELECT id FROM leads WHERE client_id = $1 AND profile_key = $2`,
				clientID, in.ProfileKey).Scan(&leadID)
			if err == sql.ErrNoRows {
				failed = append(failed, leadrun.ItemError{Index: i, Reason: "no lead with profile " + in.ProfileKey})
				continue
			} else if err != nil {
				return err
			}
			p := in.Post
			p.LeadID, p.ClientID = leadID, clientID
			if err := p.Validate(); err != nil {
				failed = append(failed, leadrun.ItemError{Index: i, Reason: leadrun.ErrorMessage(err)})
				continue
			}
			var created bool
			err = tx.raw.QueryRowContext(ctx, `INSERT INTO posts (lead_id, client_id, post_url, content, posted_at, is_repost,
				original_author, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
				ON CONFLICT (lead_id, post_url) DO UPDATE SET content = excluded.content
				RETURNING created_at = $8`, leadID, clientID, p.PostURL, p.Content, db.tsp(p.PostedAt), p.IsRepost,
				p.OriginalAuthor, db.ts(tx.Now)).Scan(&created)
			if err != nil {
				return fmt.Errorf("post %s: %w", p.PostURL, err)
			}
			if created {
				res.Created++
			} else {
				res.Updated++
			}
		}
		return nil
	})
	return res, failed, err
}

// duePostCond selects posts a run should score; parameter $n is the maximum attempts.
func duePostCond(n int) string {
	return fmt.Sprintf(`scored_at IS NULL AND skip_reason = '' AND attempts < $%d`, n)
}

// DuePostLeads returns up to limit leads of a client, with IDs above afterID, that have
// posts to score.
func (db *DB) DuePostLeads(ctx context.Context, clientID string, afterID int64, maxAttempts, limit int) ([]*leadrun.Lead, error) {
	return queryLeads(ctx, db.db, scanScoringLead, `SELECT `+scoringColumns+` FROM leads l
		JOIN lead_profiles p ON p.lead_id = l.id WHERE l.client_id = $1 AND l.id > $2 AND l.id IN (
		SELECT lead_id FROM posts WHERE client_id = $1 AND `+duePostCond(3)+`) ORDER BY l.id LIMIT $4`,
		clientID, afterID, maxAttempts, limit)
}

// DuePosts returns a lead's posts that still need scoring.
func (db *DB) DuePosts(ctx context.Context, clientID string, leadID int64, maxAttempts int) ([]*leadrun.Post, error) {
	return queryPosts(ctx, db.db, `SELECT `+postColumns+` FROM posts WHERE client_id = $1 AND lead_id = $2 AND `+
		duePostCond(3)+` ORDER BY id`, clientID, leadID, maxAttempts)
}

// FindPosts returns a client's posts of one lead.
func (db *DB) FindPosts(ctx context.Context, clientID string, leadID int64) ([]*leadrun.Post, error) {
	return queryPosts(ctx, db.db, `SELECT `+postColumns+` FROM posts WHERE client_id = $1 AND lead_id = $2 ORDER BY id`,
		clientID, leadID)
}

func queryPosts(ctx context.Context, q querier, query string, args ...any) ([]*leadrun.Post, error) {
	return collect(ctx, q, scanPost, query, args...)
}

func scanPost(s scanner) (*leadrun.Post, error) {
	var p leadrun.Post
	var postedAt, scoredAt sql.NullTime
	var score sql.NullFloat64
	if err := s.Scan(&p.ID, &p.LeadID, &p.ClientID, &p.PostURL, &p.Content, &postedAt, &p.IsRepost,
		&p.OriginalAuthor, &score, &p.Rationale, &scoredAt, &p.SkipReason, &p.Attempts, &p.CreatedAt); err != nil {
		return nil, err
	}
	p.PostedAt, p.ScoredAt = timePtr(postedAt), timePtr(scoredAt)
	if score.Valid {
		p.Score = &score.Float64
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return &p, nil
}

// ApplyPostUpdates writes post outcomes that are still due and returns which applied; a
// post with neither score nor skip reason failed and only counts an attempt. It then
// records each touched lead's top post (its highest-scoring post).
func (tx *Tx) ApplyPostUpdates(ctx context.Context, clientID string, maxAttempts int, updates []leadrun.PostUpdate) ([]bool, error) {
	applied := make([]bool, len(updates))
	leads := map[int64]bool{}
	now := tx.db.ts(tx.Now)
	for i, u := range updates {
		var scoredAt any
		if u.Score != nil {
			scoredAt = now
		}
		var leadID int64
		err := tx.raw.QueryRowContext(ctx, `UPDATE posts SET score = $3, rationale = $4, skip_reason = $5, scored_at = $6,
			attempts = attempts + 1 WHERE id = $1 AND client_id = $2 AND scored_at IS NULL AND skip_reason = ''
			AND attempts < $7 RETURNING lead_id`, u.PostID, clientID, nullFloat(u.Score), u.Rationale, u.SkipReason,
			scoredAt, maxAttempts).Scan(&leadID)
		if err == sql.ErrNoRows {
			continue
		} else if err != nil {
			return nil, err
		}
		applied[i], leads[leadID] = true, true
	}
	// In ID order, as lead scoring locks its chunk's rows: a map's order could deadlock
	// against a lead-scoring chunk of the same client on PostgreSQL.
	for _, leadID := range slices.Sorted(maps.Keys(leads)) {
		if _, err := tx.raw.ExecContext(ctx, `UPDATE leads SET top_post_id = (SELECT id FROM posts WHERE lead_id = $1
			AND score IS NOT NULL ORDER BY score DESC, id LIMIT 1), updated_at = $3 WHERE id = $1 AND client_id = $2`,
			leadID, clientID, now); err != nil {
			return nil, err
		}
	}
	return applied, nil
}

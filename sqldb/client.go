package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/leadrun/leadrun"
)

const clientColumns = `id, name, status, service_level, stream, score_threshold, lead_scoring_limit,
	post_scoring_limit, daily_token_budget, monthly_token_budget, timezone, lh_sender_email, created_at, updated_at`

// CreateClient stores a new client after filling defaults and validating it.
func (db *DB) CreateClient(ctx context.Context, c *leadrun.Client) error {
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		return err
	}
	now := db.Now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	_, err := db.db.ExecContext(ctx, `INSERT INTO clients (`+clientColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
		c.ID, c.Name, c.Status, c.ServiceLevel, c.Stream, c.ScoreThreshold, c.LeadScoringLimit,
		c.PostScoringLimit, c.DailyTokenBudget, c.MonthlyTokenBudget, c.Timezone, c.LHSenderEmail, db.ts(now), db.ts(now))
	return mapError(err, "client "+c.ID)
}

// FindClientByID returns one client.
func (db *DB) FindClientByID(ctx context.Context, id string) (*leadrun.Client, error) {
	return findClient(ctx, db.db, id)
}

func findClient(ctx context.Context, q querier, id string) (*leadrun.Client, error) {
	c, err := scanClient(q.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = $1`, id))
	return c, mapError(err, "client "+id)
}

// FindClients returns the clients the filter selects, ordered by ID.
func (db *DB) FindClients(ctx context.Context, f leadrun.ClientFilter) ([]*leadrun.Client, error) {
	return findClients(ctx, db.db, f)
}

func findClients(ctx context.Context, q querier, f leadrun.ClientFilter) ([]*leadrun.Client, error) {
	var where conditions
	if f.Stream != nil {
		where.add("stream = $%d", *f.Stream)
	}
	if f.Status != nil {
		where.add("status = $%d", *f.Status)
	}
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			return nil, nil
		}
		in, args := inList(f.IDs, len(where.args))
		where.terms, where.args = append(where.terms, "id IN ("+in+")"), append(where.args, args...)
	}
	if f.Search != nil {
		if s := strings.TrimSpace(*f.Search); s != "" {
			like := "%" + likeEscaper.Replace(strings.ToLower(s)) + "%"
			where.add(`(LOWER(id) LIKE $%[1]d ESCAPE '\' OR LOWER(name) LIKE $%[1]d ESCAPE '\')`, like)
		}
	}
	if f.AfterID != nil {
		where.add("id > $%d", *f.AfterID)
	}
	order := " ORDER BY id"
	if f.BeforeID != nil {
		where.add("id < $%d", *f.BeforeID)
		order = " ORDER BY id DESC" // the page just before, read backwards and turned round
	}
	if f.Limit > 0 {
		order += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	clients, err := collect(ctx, q, scanClient, `SELECT `+clientColumns+` FROM clients WHERE `+where.sql()+order, where.args...)
	if f.BeforeID != nil {
		slices.Reverse(clients)
	}
	return clients, err
}

// likeEscaper escapes LIKE's wildcards in a search, so "50%" matches itself.
var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

// UpdateClient applies an update to a client and returns the result.
func (db *DB) UpdateClient(ctx context.Context, id string, u leadrun.ClientUpdate) (*leadrun.Client, error) {
	var c *leadrun.Client
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		_, c, err = tx.updateClient(ctx, id, u)
		return err
	})
	return c, err
}

// updateClient applies an update in the transaction and returns the client before and after.
func (tx *Tx) updateClient(ctx context.Context, id string, u leadrun.ClientUpdate) (before, after *leadrun.Client, err error) {
	c, err := findClient(ctx, tx.raw, id)
	if err != nil {
		return nil, nil, err
	}
	old := *c
	u.Apply(c)
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	c.UpdatedAt = tx.Now
	_, err = tx.raw.ExecContext(ctx, `UPDATE clients SET name=$2, status=$3, service_level=$4, stream=$5,
		score_threshold=$6, lead_scoring_limit=$7, post_scoring_limit=$8, daily_token_budget=$9,
		monthly_token_budget=$10, timezone=$11, lh_sender_email=$12, updated_at=$13 WHERE id=$1`,
		c.ID, c.Name, c.Status, c.ServiceLevel, c.Stream, c.ScoreThreshold, c.LeadScoringLimit,
		c.PostScoringLimit, c.DailyTokenBudget, c.MonthlyTokenBudget, c.Timezone, c.LHSenderEmail, tx.db.ts(tx.Now))
	return &old, c, err
}

func scanClient(s scanner) (*leadrun.Client, error) {
	var c leadrun.Client
	err := s.Scan(&c.ID, &c.Name, &c.Status, &c.ServiceLevel, &c.Stream, &c.ScoreThreshold,
		&c.LeadScoringLimit, &c.PostScoringLimit, &c.DailyTokenBudget, &c.MonthlyTokenBudget,
		&c.Timezone, &c.LHSenderEmail, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// SetRubric validates and stores a client's rubric, replacing the previous one.
func (db *DB) SetRubric(ctx context.Context, clientID string, r *leadrun.Rubric) error {
	if err := r.Validate(); err != nil {
		return err
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := findClient(ctx, tx.raw, clientID); err != nil {
			return err
		}
		_, err := tx.raw.ExecContext(ctx, `INSERT INTO rubrics (client_id, document, updated_at) VALUES ($1,$2,$3)
			ON CONFLICT (client_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`,
			clientID, string(doc), db.ts(tx.Now))
		return err
	})
}

// FindRubric returns a client's rubric.
func (db *DB) FindRubric(ctx context.Context, clientID string) (*leadrun.Rubric, error) {
	return findRubric(ctx, db.db, clientID)
}

func findRubric(ctx context.Context, q querier, clientID string) (*leadrun.Rubric, error) {
	var doc string
	err := q.QueryRowContext(ctx, `SELECT document FROM rubrics WHERE client_id = $1`, clientID).Scan(&doc)
	if err == sql.ErrNoRows {
		if _, err := findClient(ctx, q, clientID); err != nil {
			return nil, err
		}
		return nil, leadrun.Errorf(leadrun.ENOTFOUND, "client %s has no rubric: import one with `leadrun rubric import %s FILE`", clientID, clientID)
	}
	if err != nil {
		return nil, err
	}
	return decodeRubric(clientID, []byte(doc))
}

// decodeRubric decodes a stored rubric document (always written by SetRubric). It uses
// the JSON v2 decoder (github.com/go-json-experiment/json, the package Go ships as
// encoding/json/v2 behind GOEXPERIMENT=jsonv2), which decodes a rubric in about half the
// time of encoding/json: every operation decodes its client's rubric, and planning every
// client's, so at thousands of small clients this was a visible part of a run's cost.
func decodeRubric(clientID string, doc []byte) (*leadrun.Rubric, error) {
	var r leadrun.Rubric
	if err := jsonv2.Unmarshal(doc, &r); err != nil {
		return nil, fmt.Errorf("rubric of %s: %w", clientID, err)
	}
	return &r, nil
}

// FindRubrics returns the rubrics of the given clients by client ID, read in a few
// queries; a client without a rubric is not in the map (FindRubric says why).
func (db *DB) FindRubrics(ctx context.Context, clientIDs []string) (map[string]*leadrun.Rubric, error) {
	return findRubrics(ctx, func(int) querier { return db.db }, clientIDs)
}

// FindRubrics is DB.FindRubrics inside the transaction.
func (tx *Tx) FindRubrics(ctx context.Context, clientIDs []string) (map[string]*leadrun.Rubric, error) {
	return findRubrics(ctx, tx.sized, clientIDs)
}

func findRubrics(ctx context.Context, sized func(k int) querier, clientIDs []string) (map[string]*leadrun.Rubric, error) {
	out := make(map[string]*leadrun.Rubric, len(clientIDs))
	for first := 0; first < len(clientIDs); first += planRowsPerStatement {
		ids := clientIDs[first:min(len(clientIDs), first+planRowsPerStatement)]
		in, args := inList(ids, 0)
		rows, err := sized(len(ids)).QueryContext(ctx, `SELECT client_id, document FROM rubrics WHERE client_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, err
		}
		err = decodeRubrics(rows, out)
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func decodeRubrics(rows *sql.Rows, into map[string]*leadrun.Rubric) error {
	for rows.Next() {
		var id string
		var doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			return err
		}
		r, err := decodeRubric(id, doc)
		if err != nil {
			return err
		}
		into[id] = r
	}
	return rows.Err()
}

// FindClients is DB.FindClients inside the transaction.
func (tx *Tx) FindClients(ctx context.Context, f leadrun.ClientFilter) ([]*leadrun.Client, error) {
	return findClients(ctx, tx.cached(), f)
}

// FindRubric is DB.FindRubric inside the transaction.
func (tx *Tx) FindRubric(ctx context.Context, clientID string) (*leadrun.Rubric, error) {
	return findRubric(ctx, tx.cached(), clientID)
}

package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/leadrun/leadrun"
)

// The dashboard's read models: what its pages show beyond the runs and leads the API
// already serves. Each is one or two indexed queries, so a page stays fast with tens of
// thousands of runs and hundreds of thousands of leads.

// Streams returns every stream that has a client or a run, in order.
func (db *DB) Streams(ctx context.Context) ([]int, error) {
	return collect(ctx, db.db, func(s scanner) (int, error) {
		var n int
		return n, s.Scan(&n)
	}, `SELECT stream FROM clients UNION SELECT DISTINCT stream FROM runs ORDER BY 1`)
}

// ClientHealth is a client's state at a glance.
type ClientHealth struct {
	Client       *leadrun.Client
	LastResult   *leadrun.ClientResult           // the client's latest run result; nil before its first run
	LastRun      *leadrun.Run                    // that run (without totals)
	LastScoredAt *time.Time                      // when a lead of the client was last scored
	TokensToday  int64                           // tokens spent since midnight in the client's timezone
	TokensMonth  int64                           // tokens spent since the first of the month in the client's timezone
	LeadsTotal   int64                           // only for a single client's health
	Leads        map[leadrun.ScoringStatus]int64 // by status: only for a single client's health
}

// FindClientHealth returns every client's health (or the one client's, when clientID is
// set), ordered by client ID.
func (db *DB) FindClientHealth(ctx context.Context, clientID string, now time.Time) ([]*ClientHealth, error) {
	f := leadrun.ClientFilter{}
	if clientID != "" {
		f.IDs = []string{clientID}
	}
	return db.clientHealth(ctx, f, clientID, now)
}

// FindClientHealthPage returns the health of the clients the filter selects (a search, a
// page after a client ID), ordered by client ID: the clients page, one page at a time.
func (db *DB) FindClientHealthPage(ctx context.Context, f leadrun.ClientFilter, now time.Time) ([]*ClientHealth, error) {
	return db.clientHealth(ctx, f, "", now)
}

func (db *DB) clientHealth(ctx context.Context, f leadrun.ClientFilter, clientID string, now time.Time) ([]*ClientHealth, error) {
	clients, err := db.FindClients(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []*ClientHealth
	byID := map[string]*ClientHealth{}
	for _, c := range clients {
		h := &ClientHealth{Client: c, Leads: map[leadrun.ScoringStatus]int64{}}
		out = append(out, h)
		byID[c.ID] = h
	}
	if clientID != "" && len(out) == 0 {
		return nil, leadrun.Errorf(leadrun.ENOTFOUND, "client %s not found", clientID)
	}
	for _, h := range out {
		if err := db.fillLastRun(ctx, h); err != nil {
			return nil, err
		}
	}
	if err := db.fillLeadStats(ctx, byID, clientID); err != nil {
		return nil, err
	}
	return out, db.fillTokens(ctx, byID, now)
}

func (db *DB) fillLastRun(ctx context.Context, h *ClientHealth) error {
	id := h.Client.ID
	var runID string
	err := db.db.QueryRowContext(ctx, `SELECT run_id FROM client_results WHERE client_id = $1
		ORDER BY created_at DESC LIMIT 1`, id).Scan(&runID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	run, err := scanRun(db.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = $1`, runID))
	if err != nil {
		return err
	}
	h.LastRun = run
	// Only this client's result: its last run may hold 1,000 clients.
	crs, err := db.FindClientResultsPage(ctx, runID, ClientResultPage{ClientID: id})
	if err != nil {
		return err
	}
	if len(crs) == 1 {
		h.LastResult = crs[0]
	}
	return nil
}

// fillLeadStats counts one client's leads by status and reads the exact last scoring time
// from them. The overview of all clients does not count leads (that reads every lead) and
// takes the last scoring time from the operations instead (fillLastScored), so it stays
// fast however many leads there are.
func (db *DB) fillLeadStats(ctx context.Context, byID map[string]*ClientHealth, clientID string) error {
	if clientID == "" {
		return db.fillLastScored(ctx, byID)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT scoring_status, COUNT(*), MAX(scored_at) FROM leads
		WHERE client_id = $1 GROUP BY scoring_status`, clientID)
	if err != nil {
		return err
	}
	defer rows.Close()
	h := byID[clientID]
	for rows.Next() {
		var status leadrun.ScoringStatus
		var n int64
		var last any
		if err := rows.Scan(&status, &n, &last); err != nil {
			return err
		}
		h.Leads[status] = n
		h.LeadsTotal += n
		if t := parseMaybeTime(last); t != nil && (h.LastScoredAt == nil || t.After(*h.LastScoredAt)) {
			h.LastScoredAt = t
		}
	}
	return rows.Err()
}

// fillLastScored takes each client's last scoring time from its operations: the latest
// finished lead scoring that scored a lead, or a running one that has (its heartbeat).
func (db *DB) fillLastScored(ctx context.Context, byID map[string]*ClientHealth) error {
	for id, h := range byID {
		var finished, running any
		err := db.db.QueryRowContext(ctx, `SELECT
			(SELECT finished_at FROM operations WHERE client_id = $1 AND operation = 'lead_scoring'
				AND finished_at IS NOT NULL AND scored > 0 ORDER BY finished_at DESC LIMIT 1),
			(SELECT MAX(heartbeat_at) FROM operations WHERE client_id = $1 AND operation = 'lead_scoring'
				AND finished_at IS NULL AND scored > 0)`, id).Scan(&finished, &running)
		if err != nil {
			return err
		}
		for _, t := range []*time.Time{parseMaybeTime(finished), parseMaybeTime(running)} {
			if t != nil && (h.LastScoredAt == nil || t.After(*h.LastScoredAt)) {
				h.LastScoredAt = t
			}
		}
	}
	return nil
}

// fillTokens sums each client's tokens of its own day and month (its timezone), as its
// budgets count them.
func (db *DB) fillTokens(ctx context.Context, byID map[string]*ClientHealth, now time.Time) error {
	type window struct{ day, month time.Time }
	windows := make(map[string]window, len(byID))
	earliest := now
	for id, h := range byID {
		day, month := h.Client.BudgetWindows(now)
		windows[id] = window{day, month}
		earliest = minTime(earliest, month)
	}
	// The month's operations are few and found by the start-time index; summing them here
	// keeps the planners from walking every operation in client order to group them.
	rows, err := db.db.QueryContext(ctx, `SELECT client_id, started_at, prompt_tokens + completion_tokens
		FROM operations WHERE started_at >= $1`, db.ts(earliest))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var started any
		var tokens int64
		if err := rows.Scan(&id, &started, &tokens); err != nil {
			return err
		}
		h, w := byID[id], windows[id]
		t := parseMaybeTime(started)
		if h == nil || t == nil || t.Before(w.month) {
			continue
		}
		h.TokensMonth += tokens
		if !t.Before(w.day) {
			h.TokensToday += tokens
		}
	}
	return rows.Err()
}

// DayTokens is the tokens one client spent on one UTC day.
type DayTokens struct {
	Day      time.Time
	ClientID string
	Tokens   int64
}

// TokensPerDay sums the tokens each client's operations spent per UTC day (by the day an
// operation started) since a day, for one client or (clientID "") all.
func (db *DB) TokensPerDay(ctx context.Context, clientID string, since time.Time) ([]DayTokens, error) {
	dayExpr := `substr(started_at, 1, 10)`
	if db.kind == Postgres {
		dayExpr = `to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
	}
	var where conditions
	where.add("started_at >= $%d", db.ts(since))
	if clientID != "" {
		where.add("client_id = $%d", clientID)
	}
	return collect(ctx, db.db, func(s scanner) (DayTokens, error) {
		var d DayTokens
		var day string
		if err := s.Scan(&day, &d.ClientID, &d.Tokens); err != nil {
			return d, err
		}
		var err error
		d.Day, err = time.Parse(time.DateOnly, day)
		return d, err
	}, `SELECT `+dayExpr+`, client_id, SUM(prompt_tokens + completion_tokens) FROM operations WHERE `+where.sql()+
		` GROUP BY 1, 2 HAVING SUM(prompt_tokens + completion_tokens) > 0 ORDER BY 1, 2`, where.args...)
}

// AffectedLead is a lead a run left failed or skipped.
type AffectedLead struct {
	ID        int64
	ClientID  string
	Name      string
	Status    leadrun.ScoringStatus
	Reason    leadrun.Reason
	Attempts  int
	UpdatedAt time.Time
}

// AffectedLeads returns up to limit of a client's leads whose last attempt was in the run
// and ended failed or skipped for the reason, in ID order. A lead scored again by a later
// run is no longer listed under this one.
func (db *DB) AffectedLeads(ctx context.Context, runID, clientID string, reason leadrun.Reason, limit int) ([]AffectedLead, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return collect(ctx, db.db, func(s scanner) (AffectedLead, error) {
		var a AffectedLead
		var first, last, reason string
		err := s.Scan(&a.ID, &a.ClientID, &first, &last, &a.Status, &reason, &a.Attempts, &a.UpdatedAt)
		a.Name = (&leadrun.Lead{FirstName: first, LastName: last}).FullName()
		a.Reason, a.UpdatedAt = leadrun.Reason(reason), a.UpdatedAt.UTC()
		return a, err
	}, `SELECT id, client_id, first_name, last_name, scoring_status, last_reason, attempts, updated_at FROM leads
		WHERE client_id = $1 AND last_run_id = $2 AND last_reason = $3 AND scoring_status IN ('failed', 'skipped_missing_data')
		ORDER BY id LIMIT $4`, clientID, runID, string(reason), limit)
}

// LeadFailure is one failed scoring attempt of a lead.
type LeadFailure struct {
	RunID    string
	Reason   leadrun.Reason
	FailedAt time.Time
}

// LeadFailures returns a client's lead's failed attempts, oldest first.
func (db *DB) LeadFailures(ctx context.Context, clientID string, leadID int64) ([]LeadFailure, error) {
	return collect(ctx, db.db, func(s scanner) (LeadFailure, error) {
		var f LeadFailure
		var reason string
		var at any
		err := s.Scan(&f.RunID, &reason, &at)
		f.Reason = leadrun.Reason(reason)
		if t := parseMaybeTime(at); t != nil {
			f.FailedAt = *t
		}
		return f, err
	}, `SELECT f.run_id, f.reason, f.failed_at FROM lead_failures f JOIN leads l ON l.id = f.lead_id
		WHERE l.client_id = $1 AND f.lead_id = $2 ORDER BY f.id`, clientID, leadID)
}

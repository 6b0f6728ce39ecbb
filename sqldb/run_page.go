package sqldb

import (
	"context"
	"fmt"
	"slices"

	"github.com/leadrun/leadrun"
)

// ClientResultPage selects a page of one run's client results, by client ID.
type ClientResultPage struct {
	ClientID string // only this client
	After    string // the clients after this ID
	Before   string // the clients just before this ID (the previous page)
	Limit    int    // at most this many; 0: all
}

// FindClientResultsPage returns a page of a run's client results with their operations
// and counts by reason, in client ID order. It reads only the page's rows, so a run of
// 1,000 clients costs a page, not the run.
func (db *DB) FindClientResultsPage(ctx context.Context, runID string, p ClientResultPage) ([]*leadrun.ClientResult, error) {
	where := conditions{}
	where.add("run_id = $%d", runID)
	if p.ClientID != "" {
		where.add("client_id = $%d", p.ClientID)
	}
	if p.After != "" {
		where.add("client_id > $%d", p.After)
	}
	order := " ORDER BY client_id"
	if p.Before != "" {
		where.add("client_id < $%d", p.Before)
		order = " ORDER BY client_id DESC"
	}
	if p.Limit > 0 {
		order += fmt.Sprintf(" LIMIT %d", p.Limit)
	}
	out, err := collect(ctx, db.db, func(s scanner) (*leadrun.ClientResult, error) {
		cr := &leadrun.ClientResult{}
		err := s.Scan(&cr.RunID, &cr.ClientID, &cr.ClientName, &cr.CreatedAt)
		cr.CreatedAt = cr.CreatedAt.UTC()
		return cr, err
	}, `SELECT run_id, client_id, client_name, created_at FROM client_results WHERE `+where.sql()+order, where.args...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	if p.Before != "" {
		slices.Reverse(out)
	}
	ids := make([]string, len(out))
	index := make(map[string]*leadrun.ClientResult, len(out))
	for i, cr := range out {
		ids[i], index[cr.ClientID] = cr.ClientID, cr
	}
	in, args := inList(ids, 1)
	args = append([]any{runID}, args...)
	cond := "run_id = $1 AND client_id IN (" + in + ")"
	ops, err := collect(ctx, db.db, scanOperation, `SELECT `+opColumns+` FROM operations WHERE `+cond+` ORDER BY client_id, operation`, args...)
	if err != nil {
		return nil, err
	}
	for _, op := range ops {
		if cr := index[op.ClientID]; cr != nil {
			cr.Operations = append(cr.Operations, op)
		}
	}
	return out, db.fillReasons(ctx, db.db, cond, args, ops)
}

// ReasonCount is how many items of one client's operation a reason hit (Count), or an
// operation skipped whole for it (Whole, Count 0).
type ReasonCount struct {
	ClientID   string
	ClientName string
	Operation  leadrun.OperationKind
	Failed     bool // failed, else skipped
	Reason     string
	Count      int64
	Whole      bool
}

// RunReasonCounts lists a run's skips and failures by client, operation and reason, and
// the operations skipped whole with their reason (except "nothing to do" reasons): what a
// run page groups by reason over all its clients, without reading every client result.
func (db *DB) RunReasonCounts(ctx context.Context, runID string) ([]ReasonCount, error) {
	return collect(ctx, db.db, func(s scanner) (ReasonCount, error) {
		var r ReasonCount
		var kind string
		var whole int
		err := s.Scan(&r.ClientID, &r.ClientName, &r.Operation, &kind, &r.Reason, &r.Count, &whole)
		r.Failed, r.Whole = kind == "failed", whole == 1
		return r, err
	}, `SELECT r.client_id, cr.client_name, r.operation, r.kind, r.reason, r.count, 0 FROM operation_reasons r
		JOIN client_results cr ON cr.run_id = r.run_id AND cr.client_id = r.client_id WHERE r.run_id = $1
		UNION ALL
		SELECT o.client_id, cr.client_name, o.operation, 'skipped', o.skip_reason, 0, 1 FROM operations o
		JOIN client_results cr ON cr.run_id = o.run_id AND cr.client_id = o.client_id WHERE o.run_id = $1
		AND o.skip_reason NOT IN ('', $2, $3, $4)
		ORDER BY 1, 3, 4, 5`, runID, leadrun.SkipNoLeadsToScore, leadrun.SkipNoPostsToScore, leadrun.SkipServiceLevel)
}

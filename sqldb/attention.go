package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/leadrun/leadrun"
)

// NeedsAttention computes the needs-attention list across every client and stream: one
// query per kind, never one per client. maxAttempts is the runner's tries per lead (a
// failed lead with that many attempts is no longer tried); now is the clock, so quiet
// clients are those with nothing scored since now minus leadrun.QuietAfter.
func (db *DB) NeedsAttention(ctx context.Context, now time.Time, maxAttempts int) ([]*leadrun.AttentionItem, error) {
	clients, err := findClients(ctx, db.db, leadrun.ClientFilter{})
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*leadrun.Client, len(clients))
	for _, c := range clients {
		byID[c.ID] = c
	}
	var items []*leadrun.AttentionItem
	for _, kind := range []func(context.Context, map[string]*leadrun.Client, time.Time, int) ([]*leadrun.AttentionItem, error){
		db.attentionProviders, db.attentionNoRubric, db.attentionLastRun, db.attentionFailedLeads,
		db.attentionSenders, db.attentionMirror, db.attentionQuiet, db.attentionSchedules,
	} {
		got, err := kind(ctx, byID, now, maxAttempts)
		if err != nil {
			return nil, err
		}
		items = append(items, got...)
	}
	for _, it := range items {
		if c := byID[it.ClientID]; c != nil {
			it.ClientName, it.Stream = c.Name, c.Stream
		}
	}
	leadrun.SortAttention(items)
	return items, nil
}

// attentionProviders: providers whose last known status is a failure.
func (db *DB) attentionProviders(ctx context.Context, _ map[string]*leadrun.Client, _ time.Time, _ int) ([]*leadrun.AttentionItem, error) {
	all, err := db.ProviderStatuses(ctx)
	if err != nil {
		return nil, err
	}
	var out []*leadrun.AttentionItem
	for _, st := range all {
		if st.OK {
			continue
		}
		at := st.CheckedAt
		it := &leadrun.AttentionItem{Kind: leadrun.AttentionProviderFailing, Count: 1, Since: &at}
		name := st.Scorer.Name
		if st.Scorer.Model != "" {
			name += " " + st.Scorer.Model
		}
		if st.Scorer.Host != "" {
			name += " at " + st.Scorer.Host
		}
		it.Describe(name + ": " + leadrun.Truncate(st.Message, 200) + " (" + st.Source + ")")
		out = append(out, it)
	}
	return out, nil
}

// attentionNoRubric: active clients with leads due and no rubric at all, since their
// oldest due lead arrived.
func (db *DB) attentionNoRubric(ctx context.Context, _ map[string]*leadrun.Client, _ time.Time, maxAttempts int) ([]*leadrun.AttentionItem, error) {
	return collect(ctx, db.db, func(s scanner) (*leadrun.AttentionItem, error) {
		it := &leadrun.AttentionItem{Kind: leadrun.AttentionNoRubric}
		var since any
		err := s.Scan(&it.ClientID, &it.Count, &since)
		it.Since = parseMaybeTime(since)
		it.Describe("")
		return it, err
	}, `SELECT l.client_id, COUNT(*), MIN(l.created_at) FROM leads l
		WHERE l.client_id IN (SELECT c.id FROM clients c WHERE c.status = 'active'
			AND NOT EXISTS (SELECT 1 FROM rubrics r WHERE r.client_id = c.id))
		AND `+dueLeadCond(1)+` GROUP BY l.client_id`, maxAttempts) // from the few clients without a rubric, not from every lead
}

// attentionFailedLeads: leads that failed every attempt, per client.
func (db *DB) attentionFailedLeads(ctx context.Context, _ map[string]*leadrun.Client, _ time.Time, maxAttempts int) ([]*leadrun.AttentionItem, error) {
	return collect(ctx, db.db, func(s scanner) (*leadrun.AttentionItem, error) {
		it := &leadrun.AttentionItem{Kind: leadrun.AttentionLeadsFailed}
		var since any
		err := s.Scan(&it.ClientID, &it.Count, &since)
		it.Since = parseMaybeTime(since)
		it.Describe("")
		return it, err
	}, `SELECT client_id, COUNT(*), MIN(updated_at) FROM leads WHERE client_id IN (SELECT id FROM clients)
		AND scoring_status = 'failed' AND attempts >= $1 GROUP BY client_id`, maxAttempts) // per client, through (client_id, scoring_status)
}

// attentionSenders: Linked Helper items from an unexpected account seen since the client
// was last changed (setting the right sender clears the item; a new mismatch raises it again).
func (db *DB) attentionSenders(ctx context.Context, clients map[string]*leadrun.Client, _ time.Time, _ int) ([]*leadrun.AttentionItem, error) {
	type row struct {
		client, sender string
		items          int64
		first, last    time.Time
	}
	rows, err := collect(ctx, db.db, func(s scanner) (row, error) {
		var r row
		err := s.Scan(&r.client, &r.sender, &r.items, &r.first, &r.last)
		return r, err
	}, `SELECT client_id, sender, items, first_seen_at, last_seen_at FROM lh_sender_mismatches ORDER BY client_id, sender`)
	if err != nil {
		return nil, err
	}
	byClient := map[string]*leadrun.AttentionItem{}
	senders := map[string]string{}
	var out []*leadrun.AttentionItem
	for _, r := range rows {
		c := clients[r.client]
		if c == nil || !r.last.After(c.UpdatedAt) {
			continue
		}
		it := byClient[r.client]
		if it == nil {
			first := r.first.UTC()
			it = &leadrun.AttentionItem{Kind: leadrun.AttentionSenderMismatch, ClientID: r.client, Since: &first}
			byClient[r.client] = it
			out = append(out, it)
		} else if r.first.Before(*it.Since) {
			first := r.first.UTC()
			it.Since = &first
		}
		it.Count += r.items
		if senders[r.client] != "" {
			senders[r.client] += ", "
		}
		senders[r.client] += r.sender
	}
	for _, it := range out {
		it.Describe(senders[it.ClientID])
	}
	return out, nil
}

// attentionQuiet: active clients with nothing scored for leadrun.QuietAfter, by the
// domain's rule (leadrun.Client.QuietSince). Only clients older than the period can be
// quiet, and a client with a lead scored since is ruled out by the first such lead, so
// the usual case reads few leads; the last scoring time is read for quiet clients only.
func (db *DB) attentionQuiet(ctx context.Context, clients map[string]*leadrun.Client, now time.Time, _ int) ([]*leadrun.AttentionItem, error) {
	since := now.Add(-leadrun.QuietAfter)
	type row struct {
		id   string
		last *time.Time
	}
	rows, err := collect(ctx, db.db, func(s scanner) (row, error) {
		var r row
		var last any
		err := s.Scan(&r.id, &last)
		r.last = parseMaybeTime(last)
		return r, err
	}, `SELECT c.id, (SELECT MAX(l.scored_at) FROM leads l WHERE l.client_id = c.id) FROM clients c
		WHERE c.status = 'active' AND c.created_at < $1
		AND NOT EXISTS (SELECT 1 FROM leads l WHERE l.client_id = c.id AND l.scored_at >= $1) ORDER BY c.id`, db.ts(since))
	if err != nil {
		return nil, err
	}
	var out []*leadrun.AttentionItem
	for _, r := range rows {
		c := clients[r.id]
		if c == nil || !c.QuietSince(since, r.last) {
			continue
		}
		it := &leadrun.AttentionItem{Kind: leadrun.AttentionQuiet, ClientID: r.id, Since: r.last}
		if it.Since == nil {
			created := c.CreatedAt
			it.Since = &created
		}
		it.Describe("")
		out = append(out, it)
	}
	return out, nil
}

// attentionMirror lists Airtable bases the mirror cannot write to (airtable_state), with
// Airtable's own message and since when.
func (db *DB) attentionMirror(ctx context.Context, _ map[string]*leadrun.Client, _ time.Time, _ int) ([]*leadrun.AttentionItem, error) {
	type row struct {
		base, msg string
		since     *time.Time
	}
	rows, err := collect(ctx, db.db, func(s scanner) (row, error) {
		var r row
		var since any
		err := s.Scan(&r.base, &r.msg, &since)
		r.since = parseMaybeTime(since)
		return r, err
	}, `SELECT base, failing_message, failing_since FROM airtable_state WHERE failing_since IS NOT NULL ORDER BY base`)
	if err != nil {
		return nil, err
	}
	var out []*leadrun.AttentionItem
	for _, r := range rows {
		it := &leadrun.AttentionItem{Kind: leadrun.AttentionMirrorFailing, Count: 1, Since: r.since}
		it.Describe(fmt.Sprintf("base %s: %s", r.base, r.msg))
		out = append(out, it)
	}
	return out, nil
}

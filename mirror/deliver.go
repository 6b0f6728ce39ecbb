package mirror

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/airtable"
	"github.com/leadrun/leadrun/sqldb"
)

// Pass is what one delivery pass did.
type Pass struct {
	Delivered int       // records written
	RetryAt   time.Time // set when the mirror must wait (failing, back-off, or another deliverer)
	Busy      bool      // another process is delivering
	Failure   string    // the failure that stopped the pass
	Permanent bool      // the failure needs a fix (token, base, tables, fields), not time
}

// Deliver works the outbox — run rows first, so client rows can link to them — until it is
// empty, ctx ends, PassFor elapses or a failure makes the mirror wait. Only one process
// delivers at a time (a lease in the database); progress, if set, is called after each
// request.
func (m *Mirror) Deliver(ctx context.Context, progress func(Pass)) (Pass, error) {
	var p Pass
	leaseTTL := m.cfg.PassFor + time.Minute
	ok, err := m.db.AcquireAirtableLease(ctx, m.cfg.Base, m.owner, leaseTTL)
	if err != nil || !ok {
		p.Busy, p.RetryAt = !ok, time.Now().Add(2*time.Second)
		return p, err
	}
	m.inPass.Store(true)
	defer func() {
		m.inPass.Store(false)
		m.flushSlot(context.WithoutCancel(ctx))
		_ = m.db.ReleaseAirtableLease(context.WithoutCancel(ctx), m.cfg.Base, m.owner)
	}()
	wasFailing, err := m.ready(ctx, &p)
	if err != nil || !p.RetryAt.IsZero() {
		return p, err
	}
	deadline := time.Now().Add(m.cfg.PassFor)
	for time.Now().Before(deadline) && ctx.Err() == nil && m.working() {
		changes, runs, err := m.nextBatch(ctx)
		if err != nil || len(changes) == 0 {
			return p, err
		}
		n, err := m.deliverBatch(ctx, changes, runs)
		if err != nil {
			if ctx.Err() != nil {
				return p, ctx.Err()
			}
			p.Permanent = airtable.KindOf(err) == airtable.KindFailing
			if p.RetryAt, p.Failure, err = m.onFailure(ctx, err); err != nil || !p.RetryAt.IsZero() {
				return p, err
			}
			continue
		}
		m.failures.Store(0)
		p.Delivered += n
		if wasFailing {
			wasFailing = false
			if m.runner != nil {
				_ = m.runner.ClearAlerts(ctx, alertKey(m.cfg.Base))
			}
		}
		if progress != nil {
			progress(p)
		}
		if _, err := m.db.AcquireAirtableLease(ctx, m.cfg.Base, m.owner, leaseTTL); err != nil {
			return p, err
		}
	}
	return p, ctx.Err()
}

// ready says whether a pass may start: not while a failing mirror waits to try again (then
// p says until when and why). It runs the sweep and reports whether the mirror was failing.
func (m *Mirror) ready(ctx context.Context, p *Pass) (wasFailing bool, err error) {
	st, err := m.db.AirtableStatus(ctx, m.cfg.Base)
	if err != nil {
		return false, err
	}
	if st.RetryAt != nil && st.RetryAt.After(time.Now()) {
		p.RetryAt, p.Failure = *st.RetryAt, st.FailingMessage
		return true, nil
	}
	return st.FailingSince != nil, m.sweep(ctx)
}

// working is false once this process's runner shuts down: a pass then hands over at the
// next batch instead of holding the shutdown up.
func (m *Mirror) working() bool { return m.runner == nil || m.runner.Working() }

func alertKey(base string) string { return "airtable_failing:" + base }

// nextBatch returns up to 10 changes of one table: runs first.
func (m *Mirror) nextBatch(ctx context.Context) ([]sqldb.AirtableChange, bool, error) {
	changes, err := m.db.DueAirtableChanges(ctx, true, airtable.MaxRecordsPerWrite)
	if err != nil || len(changes) > 0 {
		return changes, true, err
	}
	changes, err = m.db.DueAirtableChanges(ctx, false, airtable.MaxRecordsPerWrite)
	return changes, false, err
}

// onFailure records a failed request and says when to try again (zero: at once, after a
// 429's penalty, which the rate limiter enforces). Errors that are not Airtable's or the
// network's are returned.
func (m *Mirror) onFailure(ctx context.Context, err error) (time.Time, string, error) {
	if airtable.KindOf(err) == airtable.KindRateLimited {
		m.log.Warn("airtable rate limit hit: every process waits", "base", m.cfg.Base, "wait", m.cfg.Penalty)
		return time.Time{}, "", m.db.PenalizeAirtable(ctx, m.cfg.Base, time.Now().Add(m.cfg.Penalty))
	}
	var retry time.Time
	switch airtable.KindOf(err) {
	case airtable.KindFailing:
		m.forgetSchema()
		retry = time.Now().Add(m.cfg.RetryAfter)
	default:
		n := min(m.failures.Add(1), 16)
		wait := min(m.cfg.MaxBackoff, time.Duration(1<<n)*250*time.Millisecond)
		retry = time.Now().Add(wait/2 + rand.N(wait/2+1))
	}
	msg := err.Error()
	since, dbErr := m.db.AirtableFailed(ctx, m.cfg.Base, msg, retry)
	if dbErr != nil {
		return retry, msg, dbErr
	}
	m.log.Warn("airtable mirror failing", "base", m.cfg.Base, "error", msg, "since", since, "retry_at", retry)
	if m.runner != nil && time.Since(since) >= m.cfg.AlertAfter {
		alert := fmt.Sprintf("the Airtable mirror of base %s has been failing since %s UTC: %s",
			m.cfg.Base, since.Format("2006-01-02 15:04"), msg)
		if err := m.runner.RaiseAlert(ctx, alertKey(m.cfg.Base), alert); err != nil {
			return retry, msg, err
		}
	}
	return retry, msg, nil
}

// deliverBatch upserts the current state of a batch of changes and clears them.
func (m *Mirror) deliverBatch(ctx context.Context, changes []sqldb.AirtableChange, runs bool) (int, error) {
	schema, err := m.tableSchema(ctx)
	if err != nil {
		return 0, err
	}
	name := m.cfg.Tables.Clients
	if runs {
		name = m.cfg.Tables.Runs
	}
	t, ok := schema.Table(name)
	if !ok {
		return 0, &airtable.Error{Kind: airtable.KindFailing, Message: fmt.Sprintf(
			"table %q is not in base %s (run `leadrun airtable check`)", name, m.cfg.Base)}
	}
	if _, ok := t.Field(airtable.KeyField); !ok {
		return 0, &airtable.Error{Kind: airtable.KindFailing, Message: fmt.Sprintf(
			"table %q has no %q field to match records on (run `leadrun airtable check`)", name, airtable.KeyField)}
	}
	readAt := m.db.Now() // before reading: a change from now on is not in this batch
	var records []airtable.Record
	seen := map[string]string{} // key → the run's status when the record was read
	if runs {
		records, err = m.runRecords(ctx, changes, t, seen)
	} else {
		records, err = m.clientRecords(ctx, changes, schema, t, seen)
	}
	if err != nil {
		return 0, err
	}
	ids := map[string]sqldb.AirtableRecord{}
	if len(records) > 0 {
		res, err := m.client.Upsert(ctx, name, []string{airtable.KeyField}, records)
		if err != nil {
			return 0, err
		}
		ids = recordIDs(records, res, seen)
	}
	return len(records), m.db.AirtableDelivered(ctx, m.cfg.Base, name, ids, changes, readAt)
}

// recordIDs maps the keys of the written records to their Airtable record IDs.
func recordIDs(sent []airtable.Record, res *airtable.UpsertResult, seen map[string]string) map[string]sqldb.AirtableRecord {
	ids := map[string]sqldb.AirtableRecord{}
	for i, r := range res.Records {
		key, _ := r.Fields[airtable.KeyField].(string)
		if key == "" && i < len(sent) {
			key, _ = sent[i].Fields[airtable.KeyField].(string)
		}
		if key != "" && r.ID != "" {
			ids[key] = sqldb.AirtableRecord{ID: r.ID, RunStatus: seen[key]}
		}
	}
	return ids
}

// runRecords builds Job Tracking records from the runs' current state; runs that no longer
// exist are dropped.
func (m *Mirror) runRecords(ctx context.Context, changes []sqldb.AirtableChange, t *airtable.Table, seen map[string]string) ([]airtable.Record, error) {
	var out []airtable.Record
	for _, c := range changes {
		run, err := m.db.FindRunByID(ctx, c.RunID)
		if leadrun.ErrorCode(err) == leadrun.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		seen[run.ID] = string(run.Status)
		out = append(out, airtable.Record{Fields: fit(runFields(run), t, nil)})
	}
	return out, nil
}

// clientRecords builds Client Run Results records from the current state, linked to their
// Job Tracking records when the base has a link field.
func (m *Mirror) clientRecords(ctx context.Context, changes []sqldb.AirtableChange, s *airtable.Schema, t *airtable.Table,
	seen map[string]string) ([]airtable.Record, error) {
	link, _ := s.LinkField(m.cfg.Tables.Clients, m.cfg.Tables.Runs)
	byRun := map[string][]string{}
	var runIDs []string
	for _, c := range changes {
		if _, seen := byRun[c.RunID]; !seen {
			runIDs = append(runIDs, c.RunID)
		}
		byRun[c.RunID] = append(byRun[c.RunID], c.ClientID)
	}
	recIDs, err := m.db.AirtableRecordIDs(ctx, m.cfg.Base, m.cfg.Tables.Runs, runIDs)
	if err != nil {
		return nil, err
	}
	var out []airtable.Record
	for _, runID := range runIDs {
		recs, err := m.runClientRecords(ctx, runID, byRun[runID], recIDs[runID], t, link, seen)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

func (m *Mirror) runClientRecords(ctx context.Context, runID string, clients []string, runRecordID string,
	t *airtable.Table, link *airtable.Field, seen map[string]string) ([]airtable.Record, error) {
	// The run's status first: once it has ended, every client result read after is final.
	run, err := m.db.FindRunByID(ctx, runID)
	if leadrun.ErrorCode(err) == leadrun.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	results, err := m.db.FindClientResults(ctx, runID)
	if err != nil {
		return nil, err
	}
	events, err := m.db.FindEvents(ctx, runID, 0, 0)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, c := range clients {
		want[c] = true
	}
	var out []airtable.Record
	for _, cr := range results {
		if !want[cr.ClientID] {
			continue
		}
		var mine []*leadrun.RunEvent
		for _, ev := range events {
			if ev.ClientID == cr.ClientID {
				mine = append(mine, ev)
			}
		}
		seen[cr.DisplayID()] = string(run.Status)
		out = append(out, airtable.Record{Fields: fit(clientFields(cr, mine, runRecordID), t, link)})
	}
	return out, nil
}

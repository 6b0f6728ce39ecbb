package runner

import (
	"context"
	"errors"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// scoreLeads scores the client's due leads chunk by chunk until none are left, the limit
// is reached or the context stops it. A lead that fails in this run is not retried in it:
// the cursor moves past it, and a later run retries it while it has attempts left.
//
// The last batch's transaction also ends the operation (when it ran to its end): one
// transaction fewer for every operation, which is most of what a small one costs.
//
// Chunks that score fast (the rules scorer) are committed together, up to
// LeadsPerCommit leads in one transaction, all or nothing with their count increments:
// each commit rewrites every page it touched (the operation's counters, the B-tree pages
// shared with the previous chunk's rows), and each adds a count update and an event
// check. A slow chunk (an AI call) is committed at once, as are chunks of clients with
// token budgets (checked against committed usage) and chunks separated by a pause.
// Scored chunks are committed even when the context stops the operation; a chunk whose
// scorer call was cut short is not.
func (r *Runner) scoreLeads(ctx context.Context, ex *execution) error {
	var b leadBatch
	var ahead dueReader
	done := false // nothing is left to score: the last commit ends the operation
	for ctx.Err() == nil {
		if ex.cursor > 0 && b.empty() && leadrun.Sleep(ctx, r.cfg.ChunkPause) != nil {
			break
		}
		n := ex.remaining(r.cfg.ChunkSize+len(b.updates)) - len(b.updates)
		if n <= 0 {
			done = true
			break
		}
		if b.empty() {
			if ok, err := r.budgetLeft(ctx, ex); !ok {
				return ignoreCancel(ctx, err)
			}
		}
		leads, err := ahead.next(ctx, r, ex, n)
		if err != nil {
			return errors.Join(ignoreCancel(ctx, err), r.commitLeads(ctx, ex, &b, false))
		}
		if len(leads) == 0 {
			done = true
			break
		}
		start := time.Now()
		updates, usage, err := r.scoreLeadChunk(ctx, ex, leads)
		if pe := leadrun.AsProviderError(err); pe != nil {
			// The provider failed: its leads stay due; the tokens of its paid calls and
			// the chunk's leads skipped for missing data are committed with the batch.
			b.add(updates, usage, 0)
			r.providerStopped(ex, pe)
			break
		}
		if err != nil {
			break // stopped mid-call: nothing of this chunk is written
		}
		ex.cursor = leads[len(leads)-1].ID
		b.add(updates, usage, time.Since(start))
		if ahead.drained() {
			done = true // none is due past the cursor, no need to ask again
			break
		}
		if r.batchMore(ex, &b) {
			continue
		}
		if err := r.commitLeads(ctx, ex, &b, false); err != nil {
			return err
		}
	}
	if done && ctx.Err() == nil && !b.empty() {
		if err := r.at(ctx, "finish"); err != nil {
			return err
		}
		return r.commitLeads(ctx, ex, &b, true)
	}
	return r.commitLeads(ctx, ex, &b, false)
}

// dueReader reads an operation's due leads for scoring, one chunk at a time. A small
// operation (all its planned due leads fit one commit, see batchMore) reads them all in
// its first query, one more than planned to see whether any became due since: a client
// with a few dozen leads costs one read, not two. Leads read ahead are scored a chunk at
// a time all the same; their writes are guarded (ApplyLeadUpdates applies to leads still
// due), so a lead changed meanwhile is not overwritten.
type dueReader struct {
	read      []*leadrun.Lead // read, not yet handed out
	after     int64           // the last lead ID read
	exhausted bool            // the last query returned fewer than asked: none due past after
	started   bool
}

// next returns up to n due leads past the cursor, none when none are left.
func (d *dueReader) next(ctx context.Context, r *Runner, ex *execution, n int) ([]*leadrun.Lead, error) {
	if len(d.read) == 0 {
		if d.exhausted {
			return nil, nil
		}
		want := n
		if planned := ex.op.Planned(); !d.started && planned > 0 && planned <= maxBatchLeads && r.batchMore(ex, &leadBatch{}) {
			want = max(n, ex.remaining(int(planned)+1))
		}
		d.started = true
		after := max(d.after, ex.cursor)
		leads, err := r.db.DueLeads(ctx, ex.client.ID, after, r.cfg.MaxAttempts, want)
		if err != nil {
			return nil, err
		}
		d.read, d.exhausted = leads, len(leads) < want
		if len(leads) > 0 {
			d.after = leads[len(leads)-1].ID
		}
	}
	k := min(n, len(d.read))
	chunk := d.read[:k:k]
	d.read = d.read[k:]
	return chunk, nil
}

// drained reports that every due lead was handed out.
func (d *dueReader) drained() bool { return len(d.read) == 0 && d.exhausted }

// LeadsPerCommit is how many leads of fast chunks of the given size share a transaction.
func LeadsPerCommit(chunkSize int) int {
	return chunkSize * ((maxBatchLeads + chunkSize - 1) / chunkSize)
}

const (
	// maxBatchLeads: chunks are added to a transaction while it holds fewer leads.
	maxBatchLeads = 200
	// maxBatchScoring: chunks are added while scoring them took less time in all, so a
	// slow scorer's chunks are committed one by one.
	maxBatchScoring = 50 * time.Millisecond
)

// leadBatch holds scored chunks not yet committed.
type leadBatch struct {
	updates []leadrun.LeadUpdate
	usage   leadrun.Usage
	scoring time.Duration
}

func (b *leadBatch) empty() bool { return len(b.updates) == 0 && b.usage == (leadrun.Usage{}) }

func (b *leadBatch) add(updates []leadrun.LeadUpdate, usage leadrun.Usage, took time.Duration) {
	b.updates = append(b.updates, updates...)
	b.usage.Add(usage)
	b.scoring += took
}

// batchMore reports whether the next chunk may join the batch's transaction.
func (r *Runner) batchMore(ex *execution, b *leadBatch) bool {
	return r.cfg.ChunkPause <= 0 && ex.client.DailyTokenBudget == 0 && ex.client.MonthlyTokenBudget == 0 &&
		len(b.updates) < maxBatchLeads && b.scoring < maxBatchScoring
}

// commitLeads commits the batch, if any, and empties it; the last one (final) also ends
// the operation.
func (r *Runner) commitLeads(ctx context.Context, ex *execution, b *leadBatch, final bool) error {
	if b.empty() {
		return nil
	}
	updates, usage := b.updates, b.usage
	*b = leadBatch{}
	return r.commitChunk(ctx, ex, final, func(wctx context.Context, tx *sqldb.Tx) (leadrun.OpDelta, error) {
		applied, err := tx.ApplyLeadUpdates(wctx, ex.client.ID, ex.key.RunID, r.cfg.MaxAttempts, updates)
		if err != nil {
			return leadrun.OpDelta{}, err
		}
		return leadDelta(updates, applied, usage), nil
	})
}

// ignoreCancel drops errors caused by the context ending: the caller reads the cause.
func ignoreCancel(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return nil
	}
	return err
}

// scoreLeadChunk skips leads missing critical data and scores the rest. A scorer error
// fails the chunk's leads with its reason, except a provider failure, returned as is
// with the skipped leads and the tokens spent (the scored leads are not at fault); an
// error is otherwise returned only when the context stopped the call, so that nothing
// half-known is written.
func (r *Runner) scoreLeadChunk(ctx context.Context, ex *execution, leads []*leadrun.Lead) ([]leadrun.LeadUpdate, leadrun.Usage, error) {
	updates := make([]leadrun.LeadUpdate, 0, len(leads))
	var scorable []*leadrun.Lead
	for _, l := range leads {
		if why := l.MissingCriticalData(); why != "" {
			updates = append(updates, leadrun.LeadUpdate{LeadID: l.ID, Status: leadrun.StatusSkippedMissingData,
				Reason: leadrun.ReasonMissingCriticalData, Assessment: "Not scored: " + why + "."})
			continue
		}
		scorable = append(scorable, l)
	}
	if len(scorable) == 0 {
		return updates, leadrun.Usage{}, nil
	}
	res, err := r.scorer.ScoreLeads(ctx, leadrun.LeadRequest{ClientID: ex.client.ID, Rubric: ex.rubric, Leads: scorable})
	if err != nil {
		if ctx.Err() != nil {
			return nil, leadrun.Usage{}, ctx.Err()
		}
		if pe := leadrun.AsProviderError(err); pe != nil {
			return updates, pe.Usage, pe
		}
		reason := leadrun.FailureReason(err)
		ex.log.Warn("scorer failed a chunk", "reason", reason, "leads", len(scorable), "error", err)
		for _, l := range scorable {
			updates = append(updates, failedLead(l.ID, reason, err.Error()))
		}
		return updates, spentBefore(err), nil
	}
	updates = append(updates, r.leadOutcomes(ex.rubric, scorable, res)...)
	by := r.info.String()
	for i := range updates {
		updates[i].ScoredBy = by
	}
	return updates, res.Usage, nil
}

// leadOutcomes matches outcomes to leads by ID (never by position) and validates each
// assessment against the rubric before scoring it.
func (r *Runner) leadOutcomes(rubric *leadrun.Rubric, leads []*leadrun.Lead, res *leadrun.LeadResult) []leadrun.LeadUpdate {
	byID := make(map[int64]*leadrun.LeadOutcome, len(res.Outcomes))
	for i := range res.Outcomes {
		byID[res.Outcomes[i].LeadID] = &res.Outcomes[i]
	}
	updates := make([]leadrun.LeadUpdate, 0, len(leads))
	for _, l := range leads {
		o := byID[l.ID]
		switch {
		case o == nil:
			updates = append(updates, failedLead(l.ID, leadrun.ReasonInvalidAIResponse, "the scorer gave no answer for this lead"))
		case o.Assessment == nil:
			updates = append(updates, failedLead(l.ID, o.Reason, o.Detail))
		default:
			if err := rubric.CheckAssessment(o.Assessment); err != nil {
				updates = append(updates, failedLead(l.ID, leadrun.ReasonInvalidAIResponse, leadrun.ErrorMessage(err)))
				continue
			}
			b := rubric.Score(o.Assessment)
			encoded, err := sqldb.EncodeBreakdown(&b)
			if err != nil {
				updates = append(updates, failedLead(l.ID, leadrun.ReasonInvalidAIResponse, "breakdown: "+err.Error()))
				continue
			}
			updates = append(updates, leadrun.LeadUpdate{LeadID: l.ID, Status: leadrun.StatusScored, Score: &b.Score,
				Assessment: o.Assessment.Summary, Breakdown: encoded, Excluded: o.Assessment.Excluded,
				ExcludeDetails: o.Assessment.ExcludeDetails})
		}
	}
	return updates
}

// spentBefore is what a failed scorer call still cost: its tokens count once.
func spentBefore(err error) leadrun.Usage {
	var se *leadrun.ScoreError
	if errors.As(err, &se) {
		return se.Usage
	}
	return leadrun.Usage{}
}

func failedLead(id int64, reason leadrun.Reason, detail string) leadrun.LeadUpdate {
	if reason == "" {
		reason = leadrun.ReasonInvalidAIResponse
	}
	detail, _ = leadrun.CleanText(detail) // it may quote what a scorer was sent back
	return leadrun.LeadUpdate{LeadID: id, Status: leadrun.StatusFailed, Reason: reason, Assessment: "Scoring failed: " + detail}
}

// leadDelta counts the updates that applied.
func leadDelta(updates []leadrun.LeadUpdate, applied []bool, usage leadrun.Usage) leadrun.OpDelta {
	d := leadrun.OpDelta{Usage: usage, SkippedBy: map[string]int64{}, FailedBy: map[string]int64{}}
	for i, u := range updates {
		if !applied[i] {
			continue
		}
		d.Examined++
		switch u.Status {
		case leadrun.StatusScored:
			d.Scored++
		case leadrun.StatusSkippedMissingData:
			d.Skipped++
			d.SkippedBy[string(u.Reason)]++
		case leadrun.StatusFailed:
			d.Failed++
			d.FailedBy[string(u.Reason)]++
		}
	}
	return d
}

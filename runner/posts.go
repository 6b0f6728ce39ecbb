package runner

import (
	"context"
	"unicode/utf8"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// postLeadsPerChunk is how many leads' posts commit together (one scorer call per lead).
const postLeadsPerChunk = 10

// scorePosts scores the due posts of the client's leads, one scorer call per lead, and
// records each lead's top post.
func (r *Runner) scorePosts(ctx context.Context, ex *execution) error {
	if ex.rubric.Post == nil {
		ex.fail(leadrun.Errorf(leadrun.EINVALID, "client %s has no post rubric", ex.client.ID))
		return nil
	}
	for ctx.Err() == nil && ex.remaining(1) > 0 {
		if ok, err := r.budgetLeft(ctx, ex); !ok {
			return ignoreCancel(ctx, err)
		}
		leads, err := r.db.DuePostLeads(ctx, ex.client.ID, ex.cursor, r.cfg.MaxAttempts, postLeadsPerChunk)
		if err != nil || len(leads) == 0 {
			return ignoreCancel(ctx, err)
		}
		var updates []leadrun.PostUpdate
		var usage leadrun.Usage
		budget := ex.remaining(1 << 30)
		for _, l := range leads {
			posts, err := r.db.DuePosts(ctx, ex.client.ID, l.ID, r.cfg.MaxAttempts)
			if err != nil {
				return ignoreCancel(ctx, err)
			}
			if len(posts) > budget {
				posts = posts[:budget]
			}
			if len(posts) == 0 {
				break
			}
			budget -= len(posts)
			u, use, err := r.scoreLeadPosts(ctx, ex, l, posts)
			if pe := leadrun.AsProviderError(err); pe != nil {
				// The provider failed: commit what earlier leads got and the tokens paid;
				// this lead's posts stay due.
				r.providerStopped(ex, pe)
				return r.commitPosts(ctx, ex, updates, addUsage(usage, use))
			}
			if err != nil {
				return nil // stopped mid-call
			}
			updates, usage = append(updates, u...), addUsage(usage, use)
		}
		last := leads[len(leads)-1].ID
		if err := r.commitPosts(ctx, ex, updates, usage); err != nil {
			return err
		}
		ex.cursor = last
		if len(leads) < postLeadsPerChunk {
			return nil // fewer than asked: no lead past the cursor has posts due
		}
	}
	return nil
}

// commitPosts commits the post updates and usage of a chunk.
func (r *Runner) commitPosts(ctx context.Context, ex *execution, updates []leadrun.PostUpdate, usage leadrun.Usage) error {
	if len(updates) == 0 && usage == (leadrun.Usage{}) {
		return nil
	}
	return r.commitChunk(ctx, ex, false, func(wctx context.Context, tx *sqldb.Tx) (leadrun.OpDelta, error) {
		applied, err := tx.ApplyPostUpdates(wctx, ex.client.ID, r.cfg.MaxAttempts, updates)
		if err != nil {
			return leadrun.OpDelta{}, err
		}
		return postDelta(updates, applied, usage), nil
	})
}

func addUsage(u, o leadrun.Usage) leadrun.Usage {
	u.Add(o)
	return u
}

// scoreLeadPosts scores one lead's posts; posts too short to judge are skipped without a call.
func (r *Runner) scoreLeadPosts(ctx context.Context, ex *execution, lead *leadrun.Lead, posts []*leadrun.Post) ([]leadrun.PostUpdate, leadrun.Usage, error) {
	var updates []leadrun.PostUpdate
	var scorable []*leadrun.Post
	for _, p := range posts {
		if utf8.RuneCountInString(p.Content) < leadrun.MinPostContent {
			updates = append(updates, leadrun.PostUpdate{PostID: p.ID, SkipReason: string(leadrun.ReasonNoContent)})
			continue
		}
		scorable = append(scorable, p)
	}
	if len(scorable) == 0 {
		return updates, leadrun.Usage{}, nil
	}
	res, err := r.scorer.ScorePosts(ctx, leadrun.PostRequest{ClientID: ex.client.ID, Rubric: ex.rubric.Post, Lead: lead, Posts: scorable})
	if err != nil {
		if ctx.Err() != nil {
			return nil, leadrun.Usage{}, ctx.Err()
		}
		if pe := leadrun.AsProviderError(err); pe != nil {
			return nil, pe.Usage, pe
		}
		ex.log.Warn("scorer failed a lead's posts", "lead_id", lead.ID, "error", err)
		for _, p := range scorable {
			updates = append(updates, leadrun.PostUpdate{PostID: p.ID, FailReason: leadrun.FailureReason(err), Rationale: "Scoring failed: " + err.Error()})
		}
		return updates, spentBefore(err), nil
	}
	maxScore := float64(ex.rubric.Post.MaxPostScore())
	byID := map[int64]leadrun.PostOutcome{}
	for _, o := range res.Outcomes {
		byID[o.PostID] = o
	}
	for _, p := range scorable {
		o, ok := byID[p.ID]
		switch {
		case !ok || (o.Reason != "" && o.Reason != leadrun.ReasonNoContent):
			updates = append(updates, leadrun.PostUpdate{PostID: p.ID, FailReason: leadrun.ReasonInvalidAIResponse, Rationale: "Scoring failed: no valid answer for this post"})
		case o.Reason == leadrun.ReasonNoContent:
			updates = append(updates, leadrun.PostUpdate{PostID: p.ID, SkipReason: string(o.Reason)})
		case o.Score < 0 || o.Score > maxScore:
			updates = append(updates, leadrun.PostUpdate{PostID: p.ID, FailReason: leadrun.ReasonInvalidAIResponse, Rationale: "Scoring failed: score out of range"})
		default:
			score := o.Score
			updates = append(updates, leadrun.PostUpdate{PostID: p.ID, Score: &score, Rationale: o.Rationale})
		}
	}
	return updates, res.Usage, nil
}

func postDelta(updates []leadrun.PostUpdate, applied []bool, usage leadrun.Usage) leadrun.OpDelta {
	d := leadrun.OpDelta{Usage: usage, SkippedBy: map[string]int64{}, FailedBy: map[string]int64{}}
	for i, u := range updates {
		if !applied[i] {
			continue
		}
		d.Examined++
		switch {
		case u.Score != nil:
			d.Scored++
		case u.SkipReason != "":
			d.Skipped++
			d.SkippedBy[u.SkipReason]++
		default:
			d.Failed++
			d.FailedBy[string(u.FailReason)]++
		}
	}
	return d
}

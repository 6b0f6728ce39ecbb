package web

// A lead's page: its score breakdown, top post and attempt history.

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// leadPageData is a lead's page.
type leadPageData struct {
	Client  *leadrun.Client
	Lead    *leadrun.Lead
	TopPost *leadrun.Post
	Posts   int
	Rows    []breakdownRow
	History []attempt
	Actions []*leadrun.Action // exclusions and inclusions, newest first
}

// attempt is one line of a lead's attempt history.
type attempt struct {
	N      int
	RunID  string
	Status leadrun.ScoringStatus
	Reason leadrun.Reason
	At     *time.Time
}

// breakdownRow is one attribute of a lead's score, with bar widths in percent of the
// breakdown's largest |points| or |max|.
type breakdownRow struct {
	leadrun.BreakdownItem
	Neg             bool
	Width, MaxWidth int
}

func (s *Server) handleLeadPage(w http.ResponseWriter, r *http.Request, p *dashPage) {
	ctx := r.Context()
	clientID := r.PathValue("id")
	leadID, err := strconv.ParseInt(r.PathValue("lead_id"), 10, 64)
	if err != nil {
		s.dashError(w, r, p, leadrun.Errorf(leadrun.ENOTFOUND, "no lead %q", r.PathValue("lead_id")))
		return
	}
	d := &leadPageData{}
	if d.Client, err = s.db.FindClientByID(ctx, clientID); err != nil {
		s.dashError(w, r, p, err)
		return
	}
	if d.Lead, err = s.db.FindLeadByID(ctx, clientID, leadID); err != nil {
		s.dashError(w, r, p, err)
		return
	}
	if b := d.Lead.Breakdown; b != nil {
		if rubric, err := s.db.FindRubric(ctx, clientID); err == nil {
			rubric.Annotate(b)
		}
		largest := 0
		for _, it := range b.Items {
			largest = max(largest, abs(it.Max), abs(it.Points))
		}
		for _, it := range b.Items {
			d.Rows = append(d.Rows, breakdownRow{BreakdownItem: it, Neg: it.Points < 0,
				Width: percentOf(int64(abs(it.Points)), int64(largest)), MaxWidth: percentOf(int64(abs(it.Max)), int64(largest))})
		}
	}
	posts, err := s.db.FindPosts(ctx, clientID, leadID)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	d.Posts = len(posts)
	for _, post := range posts {
		if d.Lead.TopPostID != nil && post.ID == *d.Lead.TopPostID {
			d.TopPost = post
		}
	}
	failures, err := s.db.LeadFailures(ctx, clientID, leadID)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	d.History = leadHistory(d.Lead, failures)
	if d.Actions, err = s.db.FindActions(ctx, clientID, leadID, 20); err != nil {
		s.dashError(w, r, p, err)
		return
	}
	name := d.Lead.FullName()
	if name == "" {
		name = fmt.Sprintf("Lead %d", leadID)
	}
	p.Title, p.Nav, p.Data, p.Flash = name, "clients", d, notices[r.URL.Query().Get("notice")]
	s.render(w, r, "lead", p)
}

// leadHistory lists a lead's attempts: each failure, then its final outcome when that is
// not a failure (a scored or skipped lead is not tried again).
func leadHistory(l *leadrun.Lead, failures []sqldb.LeadFailure) []attempt {
	var out []attempt
	for i, f := range failures {
		at := f.FailedAt
		out = append(out, attempt{N: i + 1, RunID: f.RunID, Status: leadrun.StatusFailed, Reason: f.Reason, At: &at})
	}
	if l.Attempts > len(failures) && l.ScoringStatus != leadrun.StatusFailed && l.ScoringStatus != leadrun.StatusToBeScored {
		at := l.ScoredAt
		if at == nil {
			at = &l.UpdatedAt
		}
		out = append(out, attempt{N: l.Attempts, RunID: l.LastRunID, Status: l.ScoringStatus, Reason: l.LastReason, At: at})
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

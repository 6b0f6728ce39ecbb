package web

// The needs-attention page: the dashboard's landing view.

import (
	"net/http"
	"net/url"

	"github.com/leadrun/leadrun"
)

// attentionRow is one item of the needs-attention page with where to act on it.
type attentionRow struct {
	*leadrun.AttentionItem
	Link      string // the page where it is fixed
	LinkText  string
	RequeueID string // the client whose failed leads the row's button requeues (leads_failed only)
}

// attentionPageData is the needs-attention page.
type attentionPageData struct {
	Rows    []attentionRow
	Clients int // clients concerned
}

// handleAttentionPage lists what needs a person across all clients and streams.
func (s *Server) handleAttentionPage(w http.ResponseWriter, r *http.Request, p *dashPage) {
	items, err := s.db.NeedsAttention(r.Context(), s.now(), s.runner.MaxAttempts())
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	d := &attentionPageData{}
	seen := map[string]bool{}
	for _, it := range items {
		d.Rows = append(d.Rows, attentionAction(it))
		if it.ClientID != "" && !seen[it.ClientID] {
			seen[it.ClientID] = true
			d.Clients++
		}
	}
	p.Title, p.Nav, p.Data, p.Flash = "Needs attention", "attention", d, notices[r.URL.Query().Get("notice")]
	s.render(w, r, "attention", p)
}

// attentionAction says where each kind of item is acted on in the dashboard.
func attentionAction(it *leadrun.AttentionItem) attentionRow {
	row := attentionRow{AttentionItem: it}
	client := "/clients/" + url.PathEscape(it.ClientID)
	switch it.Kind {
	case leadrun.AttentionProviderFailing, leadrun.AttentionMirrorFailing:
		row.Link, row.LinkText = "/runs", "Runs and provider status"
	case leadrun.AttentionNoRubric, leadrun.AttentionRubricWithoutSignals:
		row.Link, row.LinkText = client+"#rubric", "Edit the rubric"
	case leadrun.AttentionBudgetExceeded:
		row.Link, row.LinkText = client+"#settings", "Change the budget"
	case leadrun.AttentionLeadsFailed:
		row.Link, row.LinkText, row.RequeueID = client+"?status=failed#leads", "See the failed leads", it.ClientID
	case leadrun.AttentionScheduleMissed:
		row.Link, row.LinkText = "/runs#schedules", "See the stream's schedule"
		if it.RunID != "" {
			row.Link, row.LinkText = "/runs/"+url.PathEscape(it.RunID), "Open the run that keeps the stream busy"
		}
	case leadrun.AttentionSenderMismatch:
		row.Link, row.LinkText = client+"#legacy-ingest", "See the client's Linked Helper settings"
	default:
		row.Link, row.LinkText = client, "Open the client"
	}
	if it.RunID != "" && it.Kind == leadrun.AttentionBudgetExceeded {
		row.LinkText += " (run " + it.RunID + ")"
	}
	return row
}

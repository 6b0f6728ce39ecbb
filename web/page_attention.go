package web

// The needs-attention page: the dashboard's landing view.

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"

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
	Rows    []attentionRow // this page's
	Total   int            // items in the whole list
	Clients int            // clients concerned
	First   int            // the position of this page's first item (1-based)
	// The queries of the next and previous pages (attentionPageSize items each).
	NextQuery, PrevQuery template.URL
}

// attentionPageSize is how many items a page of the needs-attention list shows. The list
// is computed whole (one query per kind) and bounded by the clients; only its rendering
// is paged.
const attentionPageSize = 50

// handleAttentionPage lists what needs a person across all clients and streams.
func (s *Server) handleAttentionPage(w http.ResponseWriter, r *http.Request, p *dashPage) {
	items, err := s.db.NeedsAttention(r.Context(), s.now(), s.runner.MaxAttempts())
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	d := &attentionPageData{Total: len(items)}
	seen := map[string]bool{}
	for _, it := range items {
		if it.ClientID != "" && !seen[it.ClientID] {
			seen[it.ClientID] = true
			d.Clients++
		}
	}
	start, err := queryInt(r.URL.Query(), "start", 0, 0, 1<<30)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	start = min(start, max(len(items)-1, 0))
	end := min(start+attentionPageSize, len(items))
	for _, it := range items[start:end] {
		d.Rows = append(d.Rows, attentionAction(it))
	}
	d.First = start + 1
	if end < len(items) {
		d.NextQuery = template.URL(url.Values{"start": {strconv.Itoa(end)}}.Encode())
	}
	if start > 0 {
		d.PrevQuery = template.URL(url.Values{"start": {strconv.Itoa(max(start-attentionPageSize, 0))}}.Encode())
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

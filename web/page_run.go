package web

// A run's page, its live part, and cancelling it.

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
	"github.com/leadrun/leadrun/sqldb"
)

// runPageData is a run's detail page.
type runPageData struct {
	Detail    report.RunDetailView
	Active    bool
	Clients   []clientRow
	Errors    []reasonGroup
	Events    []*leadrun.RunEvent // newest first
	Heartbeat string              // "12 s ago", or "" when the run has none
	Airtable  string              // the Airtable mirror's status line, "" when off
	// Pages of client results: the queries of the next and previous pages and of this one
	// (which the live part keeps when it reloads itself).
	NextClients, PrevClients, PageQuery template.URL
}

type clientRow struct {
	report.ClientResultView
	Lead, Post *leadrun.Operation
	Due        int64 // leads due when the run was planned (0 when unknown)
	Duration   string
}

// reasonGroup is one skip or failure reason across a run's clients, with the leads it hit.
type reasonGroup struct {
	Reason  string
	Failed  bool
	Count   int64
	Advice  string
	Clients []reasonClient
	Leads   []sqldb.AffectedLead
	More    bool // more leads than listed
	// Recomputed: some client's operation ended before runs kept their affected leads (an
	// older run), so its leads are read from their current state.
	Recomputed bool
}

type reasonClient struct {
	ClientID, Name string
	Count          int64
}

const affectedLeadsShown = 20

// runPageClients is how many client results a run page shows at once.
const runPageClients = 100

// loadRunPage reads a run's page; with onlyClient set, only that client's result, skips,
// failures and events. Client results come a page at a time (page: after or before a
// client ID); skips and failures are grouped over all the run's clients.
func (s *Server) loadRunPage(ctx context.Context, id, onlyClient string, q url.Values) (*runPageData, error) {
	now := s.now()
	run, err := s.db.FindRunByID(ctx, id)
	if err != nil {
		return nil, err
	}
	page := sqldb.ClientResultPage{ClientID: onlyClient, After: q.Get("after"), Before: q.Get("before"), Limit: runPageClients + 1}
	if page.After != "" {
		page.Before = ""
	}
	results, err := s.db.FindClientResultsPage(ctx, id, page)
	if err != nil {
		return nil, err
	}
	more := len(results) > runPageClients
	if more && page.Before != "" {
		results = results[1:]
	} else if more {
		results = results[:runPageClients]
	}
	events, err := s.db.FindEvents(ctx, id, 0, 0)
	if err != nil {
		return nil, err
	}
	detail := report.NewRunDetailView(run, results, events, now)
	d := &runPageData{Detail: detail, Active: !run.Status.Terminal(), Airtable: s.airtableLine(ctx, id)}
	d.setPager(results, page, more)
	for _, cr := range detail.ClientResults {
		d.Clients = append(d.Clients, newClientRow(cr, now))
	}
	if d.Errors, err = s.reasonGroups(ctx, id, onlyClient); err != nil {
		return nil, err
	}
	for i := len(detail.Events) - 1; i >= 0; i-- {
		if ev := detail.Events[i]; onlyClient == "" || ev.ClientID == onlyClient {
			d.Events = append(d.Events, ev)
		}
	}
	if hb := run.HeartbeatAt; hb != nil && d.Active {
		d.Heartbeat = ago(hb, now)
	}
	return d, nil
}

// setPager sets the queries of the next and previous pages of client results.
func (d *runPageData) setPager(results []*leadrun.ClientResult, page sqldb.ClientResultPage, more bool) {
	if len(results) == 0 || page.ClientID != "" {
		return
	}
	if more || page.Before != "" {
		d.NextClients = template.URL(url.Values{"after": {results[len(results)-1].ClientID}}.Encode())
	}
	if page.After != "" || (page.Before != "" && more) {
		d.PrevClients = template.URL(url.Values{"before": {results[0].ClientID}}.Encode())
	}
	switch {
	case page.After != "":
		d.PageQuery = template.URL(url.Values{"after": {page.After}}.Encode())
	case page.Before != "":
		d.PageQuery = template.URL(url.Values{"before": {page.Before}}.Encode())
	}
}

// newClientRow is a client result's row: its operations, leads due, duration.
func newClientRow(cr report.ClientResultView, now time.Time) clientRow {
	row := clientRow{ClientResultView: cr}
	var start, end *time.Time
	finished := true
	for _, op := range cr.Operations {
		if op.Status != leadrun.OpSkipped && op.FinishedAt == nil {
			finished = false
		}
		switch op.Kind {
		case leadrun.OpLeadScoring:
			row.Lead = op
			if op.Status != leadrun.OpSkipped {
				row.Due = op.Due // stored when the run was planned
			}
			if op.Limit > 0 && int64(op.Limit) < row.Due {
				row.Due = int64(op.Limit)
			}
		case leadrun.OpPostScoring:
			row.Post = op
		}
		if op.StartedAt != nil && (start == nil || op.StartedAt.Before(*start)) {
			start = op.StartedAt
		}
		if op.StartedAt != nil && op.FinishedAt != nil && (end == nil || op.FinishedAt.After(*end)) {
			end = op.FinishedAt
		}
	}
	switch {
	case start != nil && end != nil && finished:
		row.Duration = fmtDuration(end.Sub(*start))
	case start != nil && !finished:
		row.Duration = fmtDuration(now.Sub(*start).Truncate(100*time.Millisecond)) + " so far"
	}
	return row
}

// reasonGroups groups the run's skips and failures by reason over all its clients (or
// only onlyClient's), with the leads each hit, failures first, then by count.
func (s *Server) reasonGroups(ctx context.Context, runID, onlyClient string) ([]reasonGroup, error) {
	counts, err := s.db.RunReasonCounts(ctx, runID)
	if err != nil {
		return nil, err
	}
	groups := map[string]*reasonGroup{}
	for _, c := range counts {
		if onlyClient != "" && c.ClientID != onlyClient {
			continue
		}
		cr := report.ClientResultView{ClientID: c.ClientID, ClientName: c.ClientName}
		addReasons(groups, cr, map[string]int64{c.Reason: c.Count}, c.Failed)
	}
	var out []reasonGroup
	for _, g := range groups {
		if err := s.fillAffected(ctx, runID, g); err != nil {
			return nil, err
		}
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Failed != b.Failed {
			return a.Failed
		}
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Reason < b.Reason
	})
	return out, nil
}

func addReasons(groups map[string]*reasonGroup, cr report.ClientResultView, by map[string]int64, failed bool) {
	for reason, n := range by {
		key := fmt.Sprintf("%t/%s", failed, reason)
		g := groups[key]
		if g == nil {
			g = &reasonGroup{Reason: reason, Failed: failed, Advice: reasonAdvice(reason)}
			groups[key] = g
		}
		g.Count += n
		g.Clients = append(g.Clients, reasonClient{ClientID: cr.ClientID, Name: cr.ClientName, Count: n})
	}
}

// fillAffected lists the leads a reason hit, for lead-level reasons: as the run left them
// (kept when each operation ended), or, for older runs, from their current state.
func (s *Server) fillAffected(ctx context.Context, runID string, g *reasonGroup) error {
	for _, c := range g.Clients {
		if c.Count == 0 || len(g.Leads) >= affectedLeadsShown {
			g.More = g.More || (c.Count > 0 && len(g.Leads) >= affectedLeadsShown)
			continue
		}
		want := affectedLeadsShown + 1 - len(g.Leads)
		leads, kept, err := s.db.KeptAffectedLeads(ctx, runID, c.ClientID, leadrun.Reason(g.Reason), want)
		if err == nil && !kept {
			g.Recomputed = true
			leads, err = s.db.AffectedLeads(ctx, runID, c.ClientID, leadrun.Reason(g.Reason), want)
		}
		if err != nil {
			return err
		}
		for _, l := range leads {
			if len(g.Leads) == affectedLeadsShown {
				g.More = true
				break
			}
			g.Leads = append(g.Leads, l)
		}
	}
	return nil
}

func (s *Server) handleRunPage(w http.ResponseWriter, r *http.Request, p *dashPage) {
	d, err := s.loadRunPage(r.Context(), r.PathValue("id"), "", r.URL.Query())
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	p.Title, p.Nav, p.Data, p.Flash = d.Detail.Run.RunID, "runs", d, notices[r.URL.Query().Get("notice")]
	s.render(w, r, "run", p)
}

// handleRunLive renders the live part of a run page, which htmx swaps in every few
// seconds while the run is active; once it ends, the fragment stops asking.
func (s *Server) handleRunLive(w http.ResponseWriter, r *http.Request, p *dashPage) {
	d, err := s.loadRunPage(r.Context(), r.PathValue("id"), "", r.URL.Query())
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	p.Data = d
	s.render(w, r, "run_live", p)
}

func (s *Server) handleRunCancelForm(w http.ResponseWriter, r *http.Request, p *dashPage) {
	id := r.PathValue("id")
	if _, err := s.runner.Cancel(r.Context(), id, "cancelled from the dashboard", "dashboard"); err != nil {
		s.runActionRefused(w, r, p, id, err)
		return
	}
	http.Redirect(w, r, "/runs/"+url.PathEscape(id)+"?notice=cancelled", http.StatusSeeOther)
}

// runActionRefused answers a run page's button that the runner refused: the run page
// again with the reason (a busy stream, a finished run, nothing failed), or the error page
// when the run is missing or the store failed.
func (s *Server) runActionRefused(w http.ResponseWriter, r *http.Request, p *dashPage, id string, err error) {
	if code := leadrun.ErrorCode(err); code == leadrun.EINTERNAL || code == leadrun.ENOTFOUND {
		s.dashError(w, r, p, err)
		return
	}
	d, lerr := s.loadRunPage(r.Context(), id, "", r.URL.Query())
	if lerr != nil {
		s.dashError(w, r, p, lerr)
		return
	}
	p.Title, p.Nav, p.Data = id, "runs", d
	s.failPage(r, p, err)
	s.render(w, r, "run", p)
}

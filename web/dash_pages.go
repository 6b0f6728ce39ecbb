package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/ingest"
	"github.com/leadrun/leadrun/sqldb"
)

// runsPageSize is how many runs a page of the runs list shows.
const runsPageSize = 25

// notices are the one-line messages a redirect may ask a page to show (by code, so no
// user-supplied text is ever echoed).
var notices = map[string]string{
	"started":   "Run started. This page follows it live.",
	"cancelled": "Run cancelled. Finished chunks stay committed; the next run resumes the rest.",
	"rubric":    "Rubric saved. The next run scores with it.",
}

// runsFilter is the runs list's filter form, as typed.
type runsFilter struct {
	Stream, Status, Since, Until, Before string
}

type runsPageData struct {
	Filter    runsFilter
	Streams   []int
	Statuses  []leadrun.RunStatus
	Runs      []RunView
	NextQuery string // the query of the next (older) page; empty on the last page
	Charts    []streamCharts
	Active    []RunView // the active run of each stream
	Busy      *leadrun.StreamBusyError
}

type streamCharts struct {
	Stream   int
	Leads    chart
	Duration chart
}

var allRunStatuses = []leadrun.RunStatus{leadrun.RunQueued, leadrun.RunRunning, leadrun.RunCompleted,
	leadrun.RunCompletedWithErrors, leadrun.RunFailed, leadrun.RunCancelled, leadrun.RunAbandoned}

func (s *Server) handleRunsPage(w http.ResponseWriter, r *http.Request, p *dashPage) {
	s.renderRuns(w, r, p, nil)
}

// parseRunsFilter reads the filter form; dates are days (YYYY-MM-DD, UTC), until inclusive.
func parseRunsFilter(q url.Values) (runsFilter, leadrun.RunFilter, error) {
	in := runsFilter{Stream: q.Get("stream"), Status: q.Get("status"), Since: q.Get("since"), Until: q.Get("until"), Before: q.Get("before")}
	f := leadrun.RunFilter{Limit: runsPageSize}
	if in.Stream != "" {
		n, err := strconv.Atoi(in.Stream)
		if err != nil || n < 1 {
			return in, f, leadrun.Errorf(leadrun.EINVALID, "stream must be a number from 1, got %q", in.Stream)
		}
		f.Stream = &n
	}
	if in.Status != "" {
		st := leadrun.RunStatus(in.Status)
		if !st.Valid() {
			return in, f, leadrun.Errorf(leadrun.EINVALID, "unknown status %q", in.Status)
		}
		f.Status = &st
	}
	for _, d := range []struct {
		text  string
		into  **time.Time
		shift int
	}{{in.Since, &f.Since, 0}, {in.Until, &f.Until, 1}} {
		if d.text == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.text)
		if err != nil {
			return in, f, leadrun.Errorf(leadrun.EINVALID, "dates are YYYY-MM-DD, got %q", d.text)
		}
		t = t.AddDate(0, 0, d.shift)
		*d.into = &t
	}
	if in.Before != "" {
		f.BeforeID = &in.Before
	}
	return in, f, nil
}

func (s *Server) renderRuns(w http.ResponseWriter, r *http.Request, p *dashPage, busy *leadrun.StreamBusyError) {
	ctx := r.Context()
	in, f, err := parseRunsFilter(r.URL.Query())
	data := &runsPageData{Filter: in, Statuses: allRunStatuses, Busy: busy}
	p.Title, p.Nav, p.Data = "Runs", "runs", data
	if busy != nil {
		p.Status = http.StatusConflict
	}
	if err != nil {
		p.Error, p.Status = leadrun.ErrorMessage(err), http.StatusBadRequest
		f = leadrun.RunFilter{Limit: runsPageSize}
	}
	if f.BeforeID != nil {
		if _, err := s.db.FindRunByID(ctx, *f.BeforeID); err != nil {
			p.Error, p.Status, f.BeforeID = "That page of runs no longer exists; showing the newest.", http.StatusBadRequest, nil
		}
	}
	if data.Streams, err = s.db.Streams(ctx); err != nil {
		s.dashError(w, r, p, err)
		return
	}
	runs, err := s.db.FindRuns(ctx, f)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	for _, run := range runs {
		data.Runs = append(data.Runs, NewRunView(run))
	}
	if len(runs) == f.Limit {
		q := r.URL.Query()
		q.Set("before", runs[len(runs)-1].ID)
		data.NextQuery = q.Encode()
	}
	for _, stream := range data.Streams {
		if f.Stream != nil && *f.Stream != stream {
			continue
		}
		st := stream
		recent, err := s.db.FindRuns(ctx, leadrun.RunFilter{Stream: &st, Limit: 30})
		if err != nil {
			s.dashError(w, r, p, err)
			return
		}
		data.Charts = append(data.Charts, runCharts(stream, recent))
	}
	if data.Active, err = s.activeRuns(ctx); err != nil {
		s.dashError(w, r, p, err)
		return
	}
	p.Flash = notices[r.URL.Query().Get("notice")]
	s.render(w, r, "runs", p)
}

// activeRuns are the queued and running runs, newest first (one per stream at most).
func (s *Server) activeRuns(ctx context.Context) ([]RunView, error) {
	var out []RunView
	for _, st := range []leadrun.RunStatus{leadrun.RunRunning, leadrun.RunQueued} {
		status := st
		runs, err := s.db.FindRuns(ctx, leadrun.RunFilter{Status: &status, Limit: 50})
		if err != nil {
			return nil, err
		}
		for _, run := range runs {
			out = append(out, NewRunView(run))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// handleActiveRuns renders the runs page's "active now" strip, which polls itself, so a
// run started by cron or the API shows up without a reload.
func (s *Server) handleActiveRuns(w http.ResponseWriter, r *http.Request, p *dashPage) {
	active, err := s.activeRuns(r.Context())
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	p.Data = &runsPageData{Active: active}
	s.render(w, r, "active_runs", p)
}

// runCharts draws a stream's recent runs (newest first in runs), oldest on the left.
func runCharts(stream int, runs []*leadrun.Run) streamCharts {
	var leads, durations []chartSlot
	for i := len(runs) - 1; i >= 0; i-- {
		run := runs[i]
		t := run.Totals
		label := run.CreatedAt.UTC().Format("Jan 2")
		leads = append(leads, chartSlot{Label: label, Values: []float64{float64(t.LeadsScored), float64(t.LeadsFailed)},
			Title: fmt.Sprintf("%s: %s scored, %s failed", run.ID, fmtInt(t.LeadsScored), fmtInt(t.LeadsFailed))})
		if run.FinishedAt != nil {
			d := run.Duration(time.Now())
			durations = append(durations, chartSlot{Label: label, Values: []float64{d.Seconds()},
				Title: fmt.Sprintf("%s: %s (%s)", run.ID, fmtDuration(d), run.Status)})
		}
	}
	legend := []chartLegend{{"ok", "scored"}, {"bad", "failed"}}
	return streamCharts{Stream: stream,
		Leads:    stackedBars("Leads scored and failed per run", 560, 180, legend, leads, "No leads scored on this stream yet."),
		Duration: line("Run duration", 560, 180, durations, secondsUnit, "No finished runs on this stream yet."),
	}
}

// handleRunsTrigger starts a run from the dashboard; a busy stream answers 409 and names
// the active run.
func (s *Server) handleRunsTrigger(w http.ResponseWriter, r *http.Request, p *dashPage) {
	stream, err := strconv.Atoi(r.PostFormValue("stream"))
	if err != nil || stream < 1 {
		p.Error, p.Status = "Choose a stream to start a run for.", http.StatusBadRequest
		s.renderRuns(w, r, p, nil)
		return
	}
	limit := 0
	if v := strings.TrimSpace(r.PostFormValue("lead_limit")); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 0 {
			p.Error, p.Status = "The lead limit must be a whole number, 0 or more.", http.StatusBadRequest
			s.renderRuns(w, r, p, nil)
			return
		}
	}
	run, err := s.runner.Trigger(r.Context(), leadrun.TriggerRequest{Stream: stream, Trigger: leadrun.TriggerAPI,
		RequestedBy: "dashboard", Params: leadrun.RunParams{LeadLimit: limit}})
	var busy *leadrun.StreamBusyError
	switch {
	case errors.As(err, &busy):
		s.renderRuns(w, r, p, busy)
	case err != nil && leadrun.ErrorCode(err) != leadrun.EINTERNAL:
		p.Error, p.Status = leadrun.ErrorMessage(err), http.StatusBadRequest
		s.renderRuns(w, r, p, nil)
	case err != nil:
		s.dashError(w, r, p, err)
	default:
		http.Redirect(w, r, "/runs/"+url.PathEscape(run.ID)+"?notice=started", http.StatusSeeOther)
	}
}

// runPageData is a run's detail page.
type runPageData struct {
	Detail    RunDetailView
	Active    bool
	Clients   []clientRow
	Errors    []reasonGroup
	Events    []*leadrun.RunEvent // newest first
	Heartbeat string              // "12 s ago", or "" when the run has none
	Airtable  string              // the Airtable mirror's status line, "" when off
}

type clientRow struct {
	ClientResultView
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
}

type reasonClient struct {
	ClientID, Name string
	Count          int64
}

const affectedLeadsShown = 20

// loadRunPage reads a run's page; with onlyClient set, only that client's result, skips,
// failures and events.
func (s *Server) loadRunPage(ctx context.Context, id, onlyClient string) (*runPageData, error) {
	detail, err := LoadRunDetail(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	d := &runPageData{Detail: detail, Active: !detail.Run.Status.Terminal(), Airtable: s.airtableLine(ctx, id)}
	due := map[string]int64{}
	for _, ev := range detail.Events {
		if ev.Operation == leadrun.OpLeadScoring && ev.Counts["due"] > 0 {
			due[ev.ClientID] = ev.Counts["due"]
		}
	}
	groups := map[string]*reasonGroup{}
	for _, cr := range detail.ClientResults {
		if onlyClient != "" && cr.ClientID != onlyClient {
			continue
		}
		row := clientRow{ClientResultView: cr, Due: due[cr.ClientID]}
		var start, end *time.Time
		finished := true
		for _, op := range cr.Operations {
			if op.Status != leadrun.OpSkipped && op.FinishedAt == nil {
				finished = false
			}
			switch op.Kind {
			case leadrun.OpLeadScoring:
				row.Lead = op
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
			addReasons(groups, cr, op.FailedBy, true)
			addReasons(groups, cr, op.SkippedBy, false)
			if op.SkipReason != "" && op.SkipReason != leadrun.SkipNoLeadsToScore && op.SkipReason != leadrun.SkipNoPostsToScore &&
				op.SkipReason != leadrun.SkipServiceLevel {
				addReasons(groups, cr, map[string]int64{op.SkipReason: 0}, false)
			}
		}
		switch {
		case start != nil && end != nil && finished:
			row.Duration = fmtDuration(end.Sub(*start))
		case start != nil && !finished:
			row.Duration = fmtDuration(time.Since(*start).Truncate(100*time.Millisecond)) + " so far"
		}
		d.Clients = append(d.Clients, row)
	}
	for _, g := range groups {
		if err := s.fillAffected(ctx, id, g); err != nil {
			return nil, err
		}
		d.Errors = append(d.Errors, *g)
	}
	sort.Slice(d.Errors, func(i, j int) bool {
		a, b := d.Errors[i], d.Errors[j]
		if a.Failed != b.Failed {
			return a.Failed
		}
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Reason < b.Reason
	})
	for i := len(detail.Events) - 1; i >= 0; i-- {
		if ev := detail.Events[i]; onlyClient == "" || ev.ClientID == onlyClient {
			d.Events = append(d.Events, ev)
		}
	}
	if hb := detail.Run.HeartbeatAt; hb != nil && d.Active {
		d.Heartbeat = ago(hb, time.Now())
	}
	return d, nil
}

func addReasons(groups map[string]*reasonGroup, cr ClientResultView, by map[string]int64, failed bool) {
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

// fillAffected lists the leads a reason hit, for lead-level reasons.
func (s *Server) fillAffected(ctx context.Context, runID string, g *reasonGroup) error {
	for _, c := range g.Clients {
		if c.Count == 0 || len(g.Leads) >= affectedLeadsShown {
			g.More = g.More || (c.Count > 0 && len(g.Leads) >= affectedLeadsShown)
			continue
		}
		leads, err := s.db.AffectedLeads(ctx, runID, c.ClientID, leadrun.Reason(g.Reason), affectedLeadsShown+1-len(g.Leads))
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
	d, err := s.loadRunPage(r.Context(), r.PathValue("id"), "")
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
	d, err := s.loadRunPage(r.Context(), r.PathValue("id"), "")
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	p.Data = d
	s.render(w, r, "run_live", p)
}

// clientResultData is one client's result in a run.
type clientResultData struct {
	Run    RunView
	Row    clientRow
	Ops    []*leadrun.Operation
	Errors []reasonGroup
	Events []*leadrun.RunEvent // the client's, newest first
	Active bool
}

// handleClientResultPage shows one client result (SR-…-CClient): its operations, skips and
// failures with the leads they hit, and the client's part of the progress log.
func (s *Server) handleClientResultPage(w http.ResponseWriter, r *http.Request, p *dashPage) {
	clientID := r.PathValue("client")
	d, err := s.loadRunPage(r.Context(), r.PathValue("id"), clientID)
	if err == nil && len(d.Clients) == 0 {
		err = leadrun.Errorf(leadrun.ENOTFOUND, "run %s has no result for client %s", d.Detail.Run.RunID, clientID)
	}
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	out := &clientResultData{Run: d.Detail.Run, Row: d.Clients[0], Ops: d.Clients[0].Operations, Errors: d.Errors,
		Events: d.Events, Active: d.Active}
	p.Title, p.Nav, p.Data = out.Row.ClientRunID, "runs", out
	s.render(w, r, "client_result", p)
}

func (s *Server) handleRunCancelForm(w http.ResponseWriter, r *http.Request, p *dashPage) {
	id := r.PathValue("id")
	if _, err := s.runner.Cancel(r.Context(), id, "cancelled from the dashboard"); err != nil {
		if leadrun.ErrorCode(err) == leadrun.EINTERNAL || leadrun.ErrorCode(err) == leadrun.ENOTFOUND {
			s.dashError(w, r, p, err)
			return
		}
		d, lerr := s.loadRunPage(r.Context(), id, "")
		if lerr != nil {
			s.dashError(w, r, p, lerr)
			return
		}
		p.Title, p.Nav, p.Data, p.Status, p.Error = id, "runs", d, http.StatusConflict, leadrun.ErrorMessage(err)
		s.render(w, r, "run", p)
		return
	}
	http.Redirect(w, r, "/runs/"+url.PathEscape(id)+"?notice=cancelled", http.StatusSeeOther)
}

// clientHealthRow is a client's line on the clients page.
type clientHealthRow struct {
	*sqldb.ClientHealth
	Quiet      bool // active, older than 72 h, nothing scored for 72 h
	LastStatus leadrun.OpStatus
	DayPct     int // share of the daily token budget spent (0 when unlimited)
	MonthPct   int
	TotalLeads int64
	Tokens     chart // tokens per day, last 14 days
}

const quietAfter = 72 * time.Hour

func healthRow(h *sqldb.ClientHealth, now time.Time, days []sqldb.DayTokens, since time.Time, n int) clientHealthRow {
	row := clientHealthRow{ClientHealth: h}
	c := h.Client
	row.Quiet = c.Status == leadrun.ClientActive && now.Sub(c.CreatedAt) > quietAfter &&
		(h.LastScoredAt == nil || now.Sub(*h.LastScoredAt) > quietAfter)
	if h.LastResult != nil {
		row.LastStatus = h.LastResult.Status()
	}
	row.DayPct = int(percentOf(h.TokensToday, c.DailyTokenBudget))
	row.MonthPct = int(percentOf(h.TokensMonth, c.MonthlyTokenBudget))
	row.TotalLeads = h.LeadsTotal
	row.Tokens = tokenChart(c.ID, days, since, n, 140, 36)
	return row
}

// tokenChart draws a client's tokens per UTC day for n days from since.
func tokenChart(clientID string, days []sqldb.DayTokens, since time.Time, n, w, h int) chart {
	byDay := map[string]int64{}
	for _, d := range days {
		if d.ClientID == clientID {
			byDay[d.Day.Format(time.DateOnly)] += d.Tokens
		}
	}
	var slots []chartSlot
	for i := 0; i < n; i++ {
		day := since.AddDate(0, 0, i)
		v := byDay[day.Format(time.DateOnly)]
		slots = append(slots, chartSlot{Label: day.Format("Jan 2"), Values: []float64{float64(v)},
			Title: fmt.Sprintf("%s: %s tokens", day.Format("Mon Jan 2"), fmtInt(v))})
	}
	return stackedBars("Tokens per day", w, h, []chartLegend{{"tokens", "tokens"}}, slots, "No AI tokens spent in this period.")
}

func (s *Server) handleClientsPage(w http.ResponseWriter, r *http.Request, p *dashPage) {
	ctx := r.Context()
	now := time.Now().UTC()
	health, err := s.db.FindClientHealth(ctx, "", now)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	since := now.Truncate(24*time.Hour).AddDate(0, 0, -13)
	days, err := s.db.TokensPerDay(ctx, "", since)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	var rows []clientHealthRow
	for _, h := range health {
		rows = append(rows, healthRow(h, now, days, since, 14))
	}
	p.Title, p.Nav, p.Data = "Clients", "clients", rows
	s.render(w, r, "clients", p)
}

// clientPageData is a client's page.
type clientPageData struct {
	Health      clientHealthRow
	Rubric      *leadrun.Rubric
	RubricText  string
	RubricError string
	Runs        []RunView
	TopLeads    []*leadrun.Lead
	Leads       []*leadrun.Lead
	LeadStatus  string
	NextLeads   string // query of the next page of leads
	Statuses    []leadrun.ScoringStatus
	Tokens      chart
}

var allScoringStatuses = []leadrun.ScoringStatus{leadrun.StatusToBeScored, leadrun.StatusScored,
	leadrun.StatusSkippedMissingData, leadrun.StatusFailed, leadrun.StatusExcluded}

const leadsPageSize = 50

func (s *Server) loadClientPage(ctx context.Context, r *http.Request, id string) (*clientPageData, error) {
	now := time.Now().UTC()
	health, err := s.db.FindClientHealth(ctx, id, now)
	if err != nil {
		return nil, err
	}
	since := now.Truncate(24*time.Hour).AddDate(0, 0, -29)
	days, err := s.db.TokensPerDay(ctx, id, since)
	if err != nil {
		return nil, err
	}
	d := &clientPageData{Health: healthRow(health[0], now, days, since, 30), Statuses: allScoringStatuses}
	d.Tokens = tokenChart(id, days, since, 30, 560, 160)
	d.Rubric, err = s.db.FindRubric(ctx, id)
	switch {
	case leadrun.ErrorCode(err) == leadrun.ENOTFOUND:
		d.Rubric = nil
	case err != nil:
		return nil, err
	default:
		var buf bytes.Buffer
		if err := ingest.EncodeRubric(&buf, d.Rubric, ingest.FormatYAML); err != nil {
			return nil, err
		}
		d.RubricText = buf.String()
	}
	runs, err := s.db.FindRuns(ctx, leadrun.RunFilter{ClientID: &id, Limit: 10})
	if err != nil {
		return nil, err
	}
	for _, run := range runs {
		d.Runs = append(d.Runs, NewRunView(run))
	}
	if d.TopLeads, err = s.db.TopLeads(ctx, id, 25, false); err != nil {
		return nil, err
	}
	f := leadrun.LeadFilter{ClientID: id, Limit: leadsPageSize}
	q := r.URL.Query()
	if st := q.Get("status"); st != "" {
		status := leadrun.ScoringStatus(st)
		if !validScoringStatus(status) {
			return nil, leadrun.Errorf(leadrun.EINVALID, "unknown lead status %q", st)
		}
		f.ScoringStatus, d.LeadStatus = &status, st
	}
	if after := q.Get("after"); after != "" {
		if f.AfterID, err = strconv.ParseInt(after, 10, 64); err != nil || f.AfterID < 0 {
			return nil, leadrun.Errorf(leadrun.EINVALID, "after must be a lead ID")
		}
	}
	if d.Leads, err = s.db.FindLeads(ctx, f); err != nil {
		return nil, err
	}
	if len(d.Leads) == leadsPageSize {
		next := url.Values{"after": {strconv.FormatInt(d.Leads[len(d.Leads)-1].ID, 10)}}
		if d.LeadStatus != "" {
			next.Set("status", d.LeadStatus)
		}
		d.NextLeads = next.Encode()
	}
	return d, nil
}

func (s *Server) handleClientPage(w http.ResponseWriter, r *http.Request, p *dashPage) {
	d, err := s.loadClientPage(r.Context(), r, r.PathValue("id"))
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	p.Title, p.Nav, p.Data, p.Flash = d.Health.Client.Name, "clients", d, notices[r.URL.Query().Get("notice")]
	s.render(w, r, "client", p)
}

// handleRubricForm replaces a client's rubric from the YAML (or JSON) in the form; an
// invalid rubric is shown again with the error, and nothing is saved.
func (s *Server) handleRubricForm(w http.ResponseWriter, r *http.Request, p *dashPage) {
	id := r.PathValue("id")
	text := r.PostFormValue("rubric")
	format := ingest.FormatYAML
	if strings.HasPrefix(strings.TrimSpace(text), "{") {
		format = ingest.FormatJSON
	}
	rubric, err := ingest.DecodeRubric(strings.NewReader(text), format)
	if err == nil {
		err = s.db.SetRubric(r.Context(), id, rubric)
	}
	if err == nil {
		http.Redirect(w, r, "/clients/"+url.PathEscape(id)+"?notice=rubric#rubric", http.StatusSeeOther)
		return
	}
	if code := leadrun.ErrorCode(err); code != leadrun.EINVALID {
		s.dashError(w, r, p, err)
		return
	}
	d, lerr := s.loadClientPage(r.Context(), r, id)
	if lerr != nil {
		s.dashError(w, r, p, lerr)
		return
	}
	d.RubricText, d.RubricError = text, leadrun.ErrorMessage(err)
	p.Title, p.Nav, p.Data, p.Status = d.Health.Client.Name, "clients", d, http.StatusUnprocessableEntity
	p.Error = "The rubric was not saved: fix the error below."
	s.render(w, r, "client", p)
}

// handleExportForm downloads the client's top leads as a CSV for a Linked Helper
// campaign and marks them exported (a POST, as it changes them).
func (s *Server) handleExportForm(w http.ResponseWriter, r *http.Request, p *dashPage) {
	id := r.PathValue("id")
	leads, err := s.db.TopLeads(r.Context(), id, 0, true)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	writeTopLeadsCSV(w, id, leads)
}

// leadPageData is a lead's page.
type leadPageData struct {
	Client  *leadrun.Client
	Lead    *leadrun.Lead
	TopPost *leadrun.Post
	Posts   int
	Rows    []breakdownRow
	History []attempt
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
	name := d.Lead.FullName()
	if name == "" {
		name = fmt.Sprintf("Lead %d", leadID)
	}
	p.Title, p.Nav, p.Data = name, "clients", d
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

func validScoringStatus(s leadrun.ScoringStatus) bool {
	for _, v := range allScoringStatuses {
		if v == s {
			return true
		}
	}
	return false
}

package web

// The runs page: the list with its filter and charts, the "active now" strip, and
// starting a run.

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
)

// runsPageSize is how many runs a page of the runs list shows.
const runsPageSize = 25

// runsFilter is the runs list's filter form, as typed.
type runsFilter struct {
	Stream, Status, Since, Until, Before string
	After                                string // the page of newer runs than this one
	Q                                    string // a run ID (or its start) or a client's ID or name
}

type runsPageData struct {
	Filter    runsFilter
	Streams   []int
	Statuses  []leadrun.RunStatus
	Runs      []report.RunView
	NextQuery template.URL // the query of the next (older) page (encoded by url.Values); empty on the last page
	PrevQuery template.URL // the query of the newer page; empty on the newest
	Charts    []streamCharts
	Active    []report.RunView // the active run of each stream
	Busy      *leadrun.StreamBusyError
	Schedules []*leadrun.StreamSchedule // per stream, as processes declared them
	Form      triggerForm               // the "Start a run…" form as typed; Open after a refusal
}

type streamCharts struct {
	Stream   int
	Leads    chart
	Duration chart
}

var allRunStatuses = []leadrun.RunStatus{leadrun.RunQueued, leadrun.RunRunning, leadrun.RunCompleted,
	leadrun.RunCompletedWithErrors, leadrun.RunFailed, leadrun.RunCancelled, leadrun.RunAbandoned}

func (s *Server) handleRunsPage(w http.ResponseWriter, r *http.Request, p *dashPage) {
	s.renderRuns(w, r, p, nil, triggerForm{})
}

// parseRunsFilter reads the filter form; dates are days (YYYY-MM-DD, UTC), until inclusive.
func parseRunsFilter(q url.Values) (runsFilter, leadrun.RunFilter, error) {
	in := runsFilter{Stream: q.Get("stream"), Status: q.Get("status"), Since: q.Get("since"), Until: q.Get("until"), Before: q.Get("before"),
		Q: strings.TrimSpace(q.Get("q")), After: q.Get("after")}
	f := leadrun.RunFilter{Limit: runsPageSize}
	if in.Q != "" {
		f.Search = &in.Q
	}
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
	if in.After != "" {
		f.AfterID = &in.After
	} else if in.Before != "" {
		f.BeforeID = &in.Before
	}
	return in, f, nil
}

func (s *Server) renderRuns(w http.ResponseWriter, r *http.Request, p *dashPage, busy *leadrun.StreamBusyError, form triggerForm) {
	ctx := r.Context()
	in, f, err := parseRunsFilter(r.URL.Query())
	data := &runsPageData{Filter: in, Statuses: allRunStatuses, Busy: busy, Form: form}
	p.Title, p.Nav, p.Data = "Runs", "runs", data
	if busy != nil {
		p.Status, _, _ = s.describe(r, busy)
	}
	if err != nil {
		s.failPage(r, p, err)
		f = leadrun.RunFilter{Limit: runsPageSize}
	}
	if cursor := cmp.Or(f.BeforeID, f.AfterID); cursor != nil {
		_, err := s.db.FindRunByID(ctx, *cursor)
		switch {
		case leadrun.ErrorCode(err) == leadrun.ENOTFOUND:
			s.failPage(r, p, leadrun.Errorf(leadrun.EINVALID, "That page of runs no longer exists; showing the newest."))
			f.BeforeID, f.AfterID = nil, nil
		case err != nil:
			s.dashError(w, r, p, err)
			return
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
		data.Runs = append(data.Runs, report.NewRunView(run, p.Now))
	}
	data.setPager(r.URL.Query(), runs, f)
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
		data.Charts = append(data.Charts, runCharts(stream, recent, p.Now))
	}
	if data.Active, err = s.activeRuns(ctx); err != nil {
		s.dashError(w, r, p, err)
		return
	}
	if data.Schedules, err = s.db.StreamSchedules(ctx, p.Now, p.Now.Add(-leadrun.ProcessLiveWithin)); err != nil {
		s.dashError(w, r, p, err)
		return
	}
	p.Flash = notices[r.URL.Query().Get("notice")]
	s.render(w, r, "runs", p)
}

// setPager sets the links to the older and newer pages of the runs list.
func (d *runsPageData) setPager(q url.Values, runs []*leadrun.Run, f leadrun.RunFilter) {
	if len(runs) == 0 {
		return
	}
	full := len(runs) == f.Limit
	q.Del("before")
	q.Del("after")
	if full || f.AfterID != nil {
		q.Set("before", runs[len(runs)-1].ID)
		d.NextQuery = template.URL(q.Encode())
		q.Del("before")
	}
	if f.BeforeID != nil || (f.AfterID != nil && full) {
		q.Set("after", runs[0].ID)
		d.PrevQuery = template.URL(q.Encode())
	}
}

// activeRuns are the queued and running runs, newest first (one per stream at most).
func (s *Server) activeRuns(ctx context.Context) ([]report.RunView, error) {
	var out []report.RunView
	for _, st := range []leadrun.RunStatus{leadrun.RunRunning, leadrun.RunQueued} {
		status := st
		runs, err := s.db.FindRuns(ctx, leadrun.RunFilter{Status: &status, Limit: 50})
		if err != nil {
			return nil, err
		}
		for _, run := range runs {
			out = append(out, report.NewRunView(run, s.now()))
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

// runCharts draws a stream's recent runs (newest first in runs), oldest on the left;
// now is what an unfinished run's duration is measured to.
func runCharts(stream int, runs []*leadrun.Run, now time.Time) streamCharts {
	var leads, durations []chartSlot
	for i := len(runs) - 1; i >= 0; i-- {
		run := runs[i]
		t := run.Totals
		label := run.CreatedAt.UTC().Format("Jan 2")
		leads = append(leads, chartSlot{Label: label, At: run.CreatedAt, Values: []float64{float64(t.LeadsScored), float64(t.LeadsFailed)},
			Title: fmt.Sprintf("%s: %s scored, %s failed", run.ID, fmtInt(t.LeadsScored), fmtInt(t.LeadsFailed))})
		if run.FinishedAt != nil {
			d := run.Duration(now)
			durations = append(durations, chartSlot{Label: label, At: run.CreatedAt, Values: []float64{d.Seconds()},
				Title: fmt.Sprintf("%s: %s (%s)", run.ID, fmtDuration(d), run.Status)})
		}
	}
	legend := []chartLegend{{"ok", "scored"}, {"bad", "failed"}}
	return streamCharts{Stream: stream,
		Leads:    stackedBars("Leads scored and failed per run", 560, 180, legend, leads, "No leads scored on this stream yet."),
		Duration: line("Run duration", 560, 180, durations, secondsUnit, "No finished runs on this stream yet."),
	}
}

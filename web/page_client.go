package web

// A client's page: its health, rubric, runs and leads; replacing the rubric; exporting
// top leads.

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/ingest"
	"github.com/leadrun/leadrun/report"
)

// clientPageData is a client's page.
type clientPageData struct {
	Health      clientHealthRow
	Rubric      *leadrun.Rubric
	RubricText  string
	RubricError string
	Runs        []report.RunView
	TopLeads    []*leadrun.Lead
	Leads       []*leadrun.Lead
	LeadStatus  string
	NextLeads   template.URL // query of the next page of leads
	PrevLeads   template.URL // query of the previous page of leads
	Statuses    []leadrun.ScoringStatus
	Tokens      chart
	Legacy      *LegacyIngestView // the token-less Linked Helper window, nil when none
	Actions     []*leadrun.Action // what people did to the client and its leads, newest first
}

var allScoringStatuses = []leadrun.ScoringStatus{leadrun.StatusToBeScored, leadrun.StatusScored,
	leadrun.StatusSkippedMissingData, leadrun.StatusFailed, leadrun.StatusExcluded}

const leadsPageSize = 50

func (s *Server) loadClientPage(ctx context.Context, r *http.Request, id string) (*clientPageData, error) {
	now := s.now()
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
	if d.Legacy, err = s.loadLegacyView(ctx, id); err != nil {
		return nil, err
	}
	if d.Actions, err = s.db.FindActions(ctx, id, 0, 20); err != nil {
		return nil, err
	}
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
		d.Runs = append(d.Runs, report.NewRunView(run, now))
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
	} else if before := q.Get("before"); before != "" {
		if f.BeforeID, err = strconv.ParseInt(before, 10, 64); err != nil || f.BeforeID < 1 {
			return nil, leadrun.Errorf(leadrun.EINVALID, "before must be a lead ID")
		}
	}
	f.Limit = leadsPageSize + 1 // one more tells whether another page follows
	if d.Leads, err = s.db.FindLeads(ctx, f); err != nil {
		return nil, err
	}
	d.pageLeads(f)
	return d, nil
}

// pageLeads trims the extra lead read and sets the next and previous pages' queries.
func (d *clientPageData) pageLeads(f leadrun.LeadFilter) {
	more := len(d.Leads) > leadsPageSize
	if more && f.BeforeID > 0 {
		d.Leads = d.Leads[1:]
	} else if more {
		d.Leads = d.Leads[:leadsPageSize]
	}
	if len(d.Leads) == 0 {
		return
	}
	page := func(key string, id int64) template.URL {
		v := url.Values{key: {strconv.FormatInt(id, 10)}}
		if d.LeadStatus != "" {
			v.Set("status", d.LeadStatus)
		}
		return template.URL(v.Encode())
	}
	if more || f.BeforeID > 0 {
		d.NextLeads = page("after", d.Leads[len(d.Leads)-1].ID)
	}
	if f.AfterID > 0 || (f.BeforeID > 0 && more) {
		d.PrevLeads = page("before", d.Leads[0].ID)
	}
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
	p.Title, p.Nav, p.Data = d.Health.Client.Name, "clients", d
	s.failPage(r, p, leadrun.Errorf(codeUnprocessable, "The rubric was not saved: fix the error below."))
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

func validScoringStatus(s leadrun.ScoringStatus) bool {
	for _, v := range allScoringStatuses {
		if v == s {
			return true
		}
	}
	return false
}

package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
)

// triggerBody is the body of the cron webhook, field names as the existing cron sends them
// (POST /api/v1/runs reads runCreateBody, which resolves to it). Every field is optional;
// stream defaults to 1.
type triggerBody struct {
	Stream           *int     `json:"stream"`
	LeadScoringLimit int      `json:"leadScoringLimit"`
	PostScoringLimit int      `json:"postScoringLimit"`
	ClientFilter     []string `json:"clientFilter"`
}

func (b triggerBody) request(trigger leadrun.Trigger, by string) leadrun.TriggerRequest {
	stream := 1
	if b.Stream != nil {
		stream = *b.Stream
	}
	return leadrun.TriggerRequest{Stream: stream, Trigger: trigger, RequestedBy: by,
		Params: leadrun.RunParams{LeadLimit: b.LeadScoringLimit, PostLimit: b.PostScoringLimit, ClientFilter: b.ClientFilter}}
}

// handleWebhookTrigger is the endpoint the existing cron calls (SPEC §3.1). Its answers
// keep the original's plain shapes: 202 with the run, 401, 409 naming the active run, 400.
func (s *Server) handleWebhookTrigger(w http.ResponseWriter, r *http.Request) {
	if s.cfg.WebhookSecret == "" {
		s.plainError(w, r, leadrun.Errorf(codeUnavailable, "the webhook is disabled: set LEADRUN_WEBHOOK_SECRET (or LEADRUN_WEBHOOK_SECRET_FILE)"))
		return
	}
	if !secretMatches(r.Header.Get("x-webhook-secret"), s.cfg.WebhookSecret) {
		s.plainError(w, r, leadrun.Errorf(leadrun.EUNAUTHORIZED, "missing or wrong x-webhook-secret header"))
		return
	}
	var body triggerBody
	if err := s.decodeStrict(w, r, &body); err != nil {
		s.plainError(w, r, err)
		return
	}
	run, err := s.runner.Trigger(r.Context(), body.request(leadrun.TriggerWebhook, "cron webhook"))
	var busy *leadrun.StreamBusyError
	switch {
	case errors.As(err, &busy):
		status, _, _ := s.describe(r, busy)
		writeJSON(w, status, map[string]string{"error": busy.Error(), "running_run_id": busy.RunID,
			"started_at": busy.StartedAt.UTC().Format(time.RFC3339)})
	case err != nil:
		s.plainError(w, r, err)
	default:
		writeJSON(w, http.StatusAccepted, map[string]string{"run_id": run.ID, "status": string(run.Status),
			"status_url": "/api/v1/runs/" + run.ID})
	}
}

// handleRunCreate starts a run through the API: 202, or 409 naming the active run.
func (s *Server) handleRunCreate(w http.ResponseWriter, r *http.Request) {
	var in runCreateBody
	if err := s.decodeStrict(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	body, err := in.triggerBody()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	run, err := s.runner.Trigger(r.Context(), body.request(leadrun.TriggerAPI, actorOf(r)))
	var busy *leadrun.StreamBusyError
	if errors.As(err, &busy) {
		status, code, _ := s.describe(r, busy)
		writeJSON(w, status, map[string]any{"error": map[string]string{"code": code,
			"message": busy.Error()}, "running_run_id": busy.RunID, "started_at": busy.StartedAt.UTC().Format(time.RFC3339)})
		return
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, report.NewRunView(run, s.now()))
}

// handleRunList lists runs newest first: filters stream, status, client, since, until
// (RFC 3339), cursor before (a run ID) and limit (≤ 200).
func (s *Server) handleRunList(w http.ResponseWriter, r *http.Request) {
	f, err := runFilter(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	runs, err := s.db.FindRuns(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// An unknown cursor selects nothing: only an empty page needs to tell it from the end.
	if f.BeforeID != nil && len(runs) == 0 {
		if _, err := s.db.FindRunByID(r.Context(), *f.BeforeID); err != nil {
			s.Error(w, r, leadrun.Errorf(leadrun.EINVALID, "cursor before=%s is not a run", *f.BeforeID))
			return
		}
	}
	out := struct {
		Runs       []report.RunView `json:"runs"`
		NextCursor string           `json:"next_cursor,omitempty"`
	}{Runs: make([]report.RunView, len(runs))}
	for i, run := range runs {
		out.Runs[i] = report.NewRunView(run, s.now())
	}
	if len(runs) == f.Limit {
		out.NextCursor = runs[len(runs)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

func runFilter(r *http.Request) (leadrun.RunFilter, error) {
	q := r.URL.Query()
	f := leadrun.RunFilter{Limit: 20}
	var err error
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 200 {
			return f, leadrun.Errorf(leadrun.EINVALID, "limit must be 1-200")
		}
	}
	if v := q.Get("stream"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return f, leadrun.Errorf(leadrun.EINVALID, "stream must be a positive integer")
		}
		f.Stream = &n
	}
	if v := q.Get("status"); v != "" {
		st := leadrun.RunStatus(v)
		if !st.Valid() {
			return f, leadrun.Errorf(leadrun.EINVALID, "unknown status %q", v)
		}
		f.Status = &st
	}
	for name, dst := range map[string]**time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, leadrun.Errorf(leadrun.EINVALID, "%s must be an RFC 3339 time, e.g. 2025-09-23T00:00:00Z", name)
			}
			*dst = &t
		}
	}
	if v := q.Get("client"); v != "" {
		f.ClientID = &v
	}
	if v := q.Get("before"); v != "" {
		f.BeforeID = &v
	}
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		f.Search = &v
	}
	return f, nil
}

// runDetailClients is how many client results GET /api/v1/runs/{id} answers unless limit
// says; next_cursor (a client ID, for ?after=) leads on.
const runDetailClients = 500

// handleRunView shows a run with its client results (a page, by client ID) and progress log.
func (s *Server) handleRunView(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := queryInt(q, "limit", runDetailClients, 1, 1000)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	detail, err := report.LoadRunDetailPage(r.Context(), s.db, r.PathValue("id"), q.Get("after"), limit, s.now())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, detail)
}

// handleRunEvents returns a run's progress log after ?after=EVENT_ID, for polling.
func (s *Server) handleRunEvents(w http.ResponseWriter, r *http.Request) {
	after, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if r.URL.Query().Get("after") == "" {
		after, err = 0, nil
	}
	if err != nil || after < 0 {
		s.Error(w, r, leadrun.Errorf(leadrun.EINVALID, "after must be an event ID"))
		return
	}
	id := r.PathValue("id")
	if _, err := s.db.FindRunByID(r.Context(), id); err != nil {
		s.Error(w, r, err)
		return
	}
	events, err := s.db.FindEvents(r.Context(), id, after, 0)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if events == nil {
		events = []*leadrun.RunEvent{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events})
}

// handleRunCancel cancels an active run.
func (s *Server) handleRunCancel(w http.ResponseWriter, r *http.Request) {
	run, err := s.runner.Cancel(r.Context(), r.PathValue("id"), "cancelled through the API ("+actorOf(r)+")", actorOf(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, report.NewRunView(run, s.now()))
}

package web

// Rerunning a finished run's failed clients: the API route and the run page's button.

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
)

// runRerunResponse is POST /api/v1/runs/{id}/rerun's answer (202): the new run, queued on
// the same stream with a client filter of the failed and abandoned clients of rerun_of.
type runRerunResponse struct {
	report.RunView
	RerunOf string `json:"rerun_of"`
}

// runBusyResponse is the 409 of a rerun while the stream has an active run.
type runBusyResponse struct {
	Error        errorBody `json:"error"`
	RunningRunID string    `json:"running_run_id"`
	StartedAt    string    `json:"started_at"`
}

// errorBody is an error's code and message.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// handleRunRerun starts a new run of a finished run's failed clients: 202 with the new
// run; 409 naming the active run when the stream is busy (or the run is still active);
// 400 when nothing failed; 404 for an unknown run.
func (s *Server) handleRunRerun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	run, err := s.runner.Rerun(r.Context(), id, leadrun.TriggerAPI, actorOf(r))
	var busy *leadrun.StreamBusyError
	if errors.As(err, &busy) {
		status, code, _ := s.describe(r, busy)
		writeJSON(w, status, runBusyResponse{Error: errorBody{Code: code, Message: busy.Error()}, RunningRunID: busy.RunID,
			StartedAt: busy.StartedAt.UTC().Format(time.RFC3339)})
		return
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, runRerunResponse{RunView: report.NewRunView(run, s.now()), RerunOf: id})
}

// handleRunRerunForm is the run page's "Rerun failed clients" button: on success the new
// run's page; a refusal (busy stream, nothing failed) shows on the run page.
func (s *Server) handleRunRerunForm(w http.ResponseWriter, r *http.Request, p *dashPage) {
	id := r.PathValue("id")
	run, err := s.runner.Rerun(r.Context(), id, leadrun.TriggerDashboard, "dashboard")
	if err != nil {
		s.runActionRefused(w, r, p, id, err)
		return
	}
	http.Redirect(w, r, "/runs/"+url.PathEscape(run.ID)+"?notice=rerun", http.StatusSeeOther)
}

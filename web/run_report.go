package web

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
)

// handleRunReport answers GET /api/v1/runs/{id}/report: the run's report as JSON, or with
// ?format=csv as a CSV attachment (one row per client × operation).
func (s *Server) handleRunReport(w http.ResponseWriter, r *http.Request) {
	if err := s.writeRunReport(w, r, false); err != nil {
		s.Error(w, r, err)
	}
}

// handleRunReportDownload is the dashboard's download of the same report (always an
// attachment, JSON or CSV).
func (s *Server) handleRunReportDownload(w http.ResponseWriter, r *http.Request, p *dashPage) {
	if err := s.writeRunReport(w, r, true); err != nil {
		s.dashError(w, r, p, err)
	}
}

// writeRunReport writes the report in the format the query asks for, JSON as an
// attachment when attach is set; an error means nothing was written yet.
func (s *Server) writeRunReport(w http.ResponseWriter, r *http.Request, attach bool) error {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return leadrun.Errorf(leadrun.EINVALID, "format must be json or csv, got %q", leadrun.Truncate(format, 40))
	}
	rep, err := report.LoadRunReport(r.Context(), s.db, r.PathValue("id"), s.now())
	if err != nil {
		return err
	}
	if format != "csv" {
		if attach {
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-report.json"`, rep.Run.RunID))
		}
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-report.csv"`, rep.Run.RunID))
	_, err = w.Write(buf.Bytes())
	if err != nil {
		s.log.Warn("run report: client went away", "run_id", rep.Run.RunID)
	}
	return nil
}

// startedBy says in words what started a run, for its page: "started from the
// dashboard", "started by the cron webhook", …, with who asked when it adds something.
func startedBy(run report.RunView) string {
	var s string
	switch run.Trigger {
	case leadrun.TriggerDashboard:
		s = "started from the dashboard"
	case leadrun.TriggerWebhook:
		s = "started by the cron webhook"
	case leadrun.TriggerAPI:
		s = "started through the API"
	case leadrun.TriggerCLI:
		s = "started from the command line"
	case leadrun.TriggerSchedule:
		s = "started by the schedule"
	default:
		s = "started by " + string(run.Trigger)
	}
	switch run.RequestedBy {
	case "", "dashboard", "api", "cron webhook":
		return s
	}
	return s + " (" + run.RequestedBy + ")"
}

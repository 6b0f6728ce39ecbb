package web

// One client's result in a run.

import (
	"net/http"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
)

// clientResultData is one client's result in a run.
type clientResultData struct {
	Run    report.RunView
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
	d, err := s.loadRunPage(r.Context(), r.PathValue("id"), clientID, nil)
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

package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// Provider status and lead recovery (issue 10): the last known state of each AI provider
// (pre-flight checks and provider failures of runs), in JSON and as a dashboard fragment;
// and retrying failed leads, through the API and the dashboard's failure groups.

// requeueRequest is the body of POST /api/v1/clients/{id}/leads/requeue.
type requeueRequest struct {
	Reason    string `json:"reason"`     // only failed leads whose last reason is this
	AllFailed bool   `json:"all_failed"` // every failed lead
}

// requeueFilter validates a requeue request.
func requeueFilter(reason string, all bool) (leadrun.RequeueFilter, error) {
	f := leadrun.RequeueFilter{AllFailed: all}
	if reason != "" {
		if !leadrun.ValidFailReason(leadrun.Reason(reason)) {
			return f, leadrun.Errorf(leadrun.EINVALID, "unknown failure reason %q", reason)
		}
		r := leadrun.Reason(reason)
		f.Reason = &r
	}
	if f.Reason == nil && !all {
		return f, leadrun.Errorf(leadrun.EINVALID, `say which failed leads to retry: {"reason": "api_error"} or {"all_failed": true}`)
	}
	return f, nil
}

// handleLeadRequeue resets the attempts of a client's failed leads so the next run
// scores them again.
func (s *Server) handleLeadRequeue(w http.ResponseWriter, r *http.Request) {
	var req requeueRequest
	if err := s.decodeStrict(w, r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	f, err := requeueFilter(req.Reason, req.AllFailed)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f.By = actorOf(r)
	n, err := s.db.RequeueLeads(r.Context(), r.PathValue("id"), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.log.Info("failed leads requeued", "client_id", r.PathValue("id"), "reason", req.Reason, "leads", n, "who", f.By)
	writeJSON(w, http.StatusOK, map[string]any{"client_id": r.PathValue("id"), "requeued": n})
}

// handleProviderStatus answers the last known status of each AI provider.
func (s *Server) handleProviderStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.db.ProviderStatuses(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if st == nil {
		st = []*leadrun.ProviderStatus{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"providers": st, "scorer": s.runner.ScorerInfo()})
}

// providerFragment is the data of the dashboard's provider status fragment.
type providerFragment struct {
	Scorer    leadrun.ScorerInfo
	Providers []*leadrun.ProviderStatus
}

// handleProviderFragment renders the provider status for the runs page.
func (s *Server) handleProviderFragment(w http.ResponseWriter, r *http.Request, p *dashPage) {
	st, err := s.db.ProviderStatuses(r.Context())
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	p.Data = &providerFragment{Scorer: s.runner.ScorerInfo(), Providers: st}
	s.render(w, r, "provider_status", p)
}

// handleRequeueForm is the dashboard's "Retry these leads" button: it resets the attempts
// of the client's leads failed with the group's reason and goes back to the page.
func (s *Server) handleRequeueForm(w http.ResponseWriter, r *http.Request, p *dashPage) {
	clientID := r.PathValue("id")
	f, err := requeueFilter(r.PostFormValue("reason"), r.PostFormValue("all_failed") == "1")
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	f.By = actorDashboard
	n, err := s.db.RequeueLeads(r.Context(), clientID, f)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	s.log.Info("failed leads requeued from the dashboard", "client_id", clientID, "reason", r.PostFormValue("reason"), "leads", n)
	// Back to the page the button was on: a local path only, never another site.
	u, err := url.Parse(r.PostFormValue("back"))
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		u = &url.URL{Path: "/clients/" + url.PathEscape(clientID)}
	}
	q := u.Query()
	q.Set("notice", "requeued")
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// attemptsLeft is how many attempts a lead has left under the default maximum.
func attemptsLeft(attempts int) int { return max(0, leadrun.DefaultMaxAttempts-attempts) }

// outOfAttempts counts the listed leads that have used all their attempts: no run retries
// them unless a person does.
func outOfAttempts(leads []sqldb.AffectedLead) int {
	n := 0
	for _, l := range leads {
		if l.Status == leadrun.StatusFailed && l.Attempts >= leadrun.DefaultMaxAttempts {
			n++
		}
	}
	return n
}

// reasonsData is what the "reasons" template gets: the groups and the CSRF token for
// their buttons.
type reasonsData struct {
	Groups []reasonGroup
	CSRF   string
}

// requeueData is what the "requeue" template gets.
type requeueData struct {
	Group reasonGroup
	CSRF  string
}

package web

// Dashboard actions: edit, pause and resume a client; exclude and include a lead. Each is
// recorded in the client's or lead's history as "dashboard".

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/leadrun/leadrun"
)

// handleClientSettingsForm saves the client page's settings form, or pauses/resumes the
// client (action=pause|resume), with the API's validation: an invalid value changes nothing.
func (s *Server) handleClientSettingsForm(w http.ResponseWriter, r *http.Request, p *dashPage) {
	id := r.PathValue("id")
	u, err := clientFormUpdate(r)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	before, err := s.db.FindClientByID(r.Context(), id)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	after, err := s.db.ChangeClient(r.Context(), id, u, actorDashboard)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	notice := "changed"
	if _, changes := leadrun.ClientChanges(before, after); len(changes) == 0 {
		notice = "unchanged"
	}
	http.Redirect(w, r, "/clients/"+url.PathEscape(id)+"?notice="+notice+"#settings", http.StatusSeeOther)
}

// clientFormUpdate reads the settings form: the fields present are set; pause and resume
// buttons only change the status.
func clientFormUpdate(r *http.Request) (leadrun.ClientUpdate, error) {
	var u leadrun.ClientUpdate
	switch r.PostFormValue("action") {
	case "pause":
		st := leadrun.ClientPaused
		u.Status = &st
		return u, nil
	case "resume":
		st := leadrun.ClientActive
		u.Status = &st
		return u, nil
	case "save":
	default:
		return u, leadrun.Errorf(leadrun.EINVALID, "unknown action %q", leadrun.Truncate(r.PostFormValue("action"), 40))
	}
	var errs []string
	intField := func(name string, dst **int) {
		if v := strings.TrimSpace(r.PostFormValue(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, name+" must be a whole number")
				return
			}
			*dst = &n
		}
	}
	int64Field := func(name string, dst **int64) {
		if v := strings.TrimSpace(r.PostFormValue(name)); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				errs = append(errs, name+" must be a whole number")
				return
			}
			*dst = &n
		}
	}
	intField("stream", &u.Stream)
	intField("service_level", &u.ServiceLevel)
	intField("lead_scoring_limit", &u.LeadScoringLimit)
	intField("post_scoring_limit", &u.PostScoringLimit)
	int64Field("daily_token_budget", &u.DailyTokenBudget)
	int64Field("monthly_token_budget", &u.MonthlyTokenBudget)
	if v := strings.TrimSpace(r.PostFormValue("score_threshold")); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			errs = append(errs, "score_threshold must be a number")
		} else {
			u.ScoreThreshold = &f
		}
	}
	if len(errs) > 0 {
		return u, leadrun.Errorf(leadrun.EINVALID, "%s", strings.Join(errs, "; "))
	}
	return u, nil
}

// handleLeadExcludeForm and handleLeadIncludeForm are the lead page's buttons.
func (s *Server) handleLeadExcludeForm(w http.ResponseWriter, r *http.Request, p *dashPage) {
	s.leadExcludeForm(w, r, p, true)
}

func (s *Server) handleLeadIncludeForm(w http.ResponseWriter, r *http.Request, p *dashPage) {
	s.leadExcludeForm(w, r, p, false)
}

func (s *Server) leadExcludeForm(w http.ResponseWriter, r *http.Request, p *dashPage, exclude bool) {
	id, err := leadIDParam(r)
	if err != nil {
		s.dashError(w, r, p, leadrun.Errorf(leadrun.ENOTFOUND, "no lead %q", leadrun.Truncate(r.PathValue("lead_id"), 40)))
		return
	}
	clientID := r.PathValue("id")
	if _, err := s.db.SetLeadExcluded(r.Context(), clientID, id, exclude, actorDashboard); err != nil {
		s.dashError(w, r, p, err)
		return
	}
	notice := "included"
	if exclude {
		notice = "excluded"
	}
	http.Redirect(w, r, "/clients/"+url.PathEscape(clientID)+"/leads/"+strconv.FormatInt(id, 10)+"?notice="+notice, http.StatusSeeOther)
}

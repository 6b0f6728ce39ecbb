package web

import (
	"net/http"
	"strconv"

	"github.com/leadrun/leadrun"
)

// Who an action is recorded for, by where it came from: the dashboard has one password,
// so "dashboard" names it; an API request acts as its token, "api:NAME" (actorOf).
const actorDashboard = "dashboard"

// handleLeadExclude takes a lead out of scoring.
func (s *Server) handleLeadExclude(w http.ResponseWriter, r *http.Request) {
	s.setLeadExcluded(w, r, true)
}

// handleLeadInclude puts an excluded lead back in scoring.
func (s *Server) handleLeadInclude(w http.ResponseWriter, r *http.Request) {
	s.setLeadExcluded(w, r, false)
}

func (s *Server) setLeadExcluded(w http.ResponseWriter, r *http.Request, exclude bool) {
	id, err := leadIDParam(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	l, err := s.db.SetLeadExcluded(r.Context(), r.PathValue("id"), id, exclude, actorOf(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

// leadIDParam reads the {lead_id} path value: a positive number.
func leadIDParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("lead_id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, leadrun.Errorf(leadrun.EINVALID, "lead ID %q is not a positive number", r.PathValue("lead_id"))
	}
	return id, nil
}

// handleClientHistory lists what people did to a client and its leads.
func (s *Server) handleClientHistory(w http.ResponseWriter, r *http.Request) {
	clientID := r.PathValue("id")
	if _, err := s.db.FindClientByID(r.Context(), clientID); err != nil {
		s.Error(w, r, err)
		return
	}
	var leadID int64
	if v := r.URL.Query().Get("lead_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.Error(w, r, leadrun.Errorf(leadrun.EINVALID, "lead_id %q is not a positive number", v))
			return
		}
		leadID = id
	}
	actions, err := s.db.FindActions(r.Context(), clientID, leadID, 200)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if actions == nil {
		actions = []*leadrun.Action{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"client_id": clientID, "history": actions})
}

// handleNeedsAttention answers the needs-attention list.
func (s *Server) handleNeedsAttention(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := queryInt(q, "limit", attentionAPILimit, 1, 1000)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	start, err := queryInt(q, "start", 0, 0, 1<<30)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	items, err := s.db.NeedsAttention(r.Context(), s.now(), s.runner.MaxAttempts())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := attentionList{NeedsAttention: []*leadrun.AttentionItem{}, Total: len(items)}
	if start < len(items) {
		end := min(start+limit, len(items))
		out.NeedsAttention = append(out.NeedsAttention, items[start:end]...)
		if end < len(items) {
			out.NextStart = end
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// attentionAPILimit is how many items GET /api/v1/needs-attention answers unless limit says.
const attentionAPILimit = 200

// attentionList is GET /api/v1/needs-attention: a page of the list (most urgent first),
// the list's total, and next_start (for ?start=) while more follow.
type attentionList struct {
	NeedsAttention []*leadrun.AttentionItem `json:"needs_attention"`
	Total          int                      `json:"total"`
	NextStart      int                      `json:"next_start,omitempty"`
}

package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/ingest"
)

// handleClientList lists clients, optionally of one stream.
func (s *Server) handleClientList(w http.ResponseWriter, r *http.Request) {
	f := leadrun.ClientFilter{}
	q := r.URL.Query()
	limit, err := queryInt(q, "limit", clientsPageLimit, 1, 500)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f.Limit = limit
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		f.Search = &v
	}
	if v := q.Get("after"); v != "" {
		f.AfterID = &v
	}
	if v := r.URL.Query().Get("stream"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.Error(w, r, leadrun.Errorf(leadrun.EINVALID, "stream must be a positive integer"))
			return
		}
		f.Stream = &n
	}
	if v := r.URL.Query().Get("status"); v != "" {
		st := leadrun.ClientStatus(v)
		if st != leadrun.ClientActive && st != leadrun.ClientPaused && st != leadrun.ClientInactive {
			s.Error(w, r, leadrun.Errorf(leadrun.EINVALID, "status must be active, paused or inactive"))
			return
		}
		f.Status = &st
	}
	clients, err := s.db.FindClients(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := clientListResponse{Clients: clients}
	if out.Clients == nil {
		out.Clients = []*leadrun.Client{}
	}
	if len(clients) == f.Limit {
		out.NextCursor = clients[len(clients)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

// clientsPageLimit is how many clients GET /api/v1/clients answers unless limit says.
const clientsPageLimit = 100

// clientListResponse is GET /api/v1/clients: a page of clients by ID; next_cursor (the
// last ID) goes in ?after= for the next page, absent on the last page.
type clientListResponse struct {
	Clients    []*leadrun.Client `json:"clients"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

// handleClientCreate adds a client (fields as in the client JSON; defaults filled).
func (s *Server) handleClientCreate(w http.ResponseWriter, r *http.Request) {
	c, err := s.decodeClient(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.db.CreateClient(r.Context(), c); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// ClientView is a client with its Linked Helper sender guard counts.
type ClientView struct {
	*leadrun.Client
	SenderMismatches []leadrun.SenderMismatch `json:"sender_mismatches"` // most recent first
}

// handleClientView shows a client.
func (s *Server) handleClientView(w http.ResponseWriter, r *http.Request) {
	c, err := s.db.FindClientByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	view := ClientView{Client: c}
	if view.SenderMismatches, err = s.db.FindSenderMismatches(r.Context(), c.ID); err != nil {
		s.Error(w, r, err)
		return
	}
	if view.SenderMismatches == nil {
		view.SenderMismatches = []leadrun.SenderMismatch{}
	}
	writeJSON(w, http.StatusOK, view)
}

// clientPatch is the body of PATCH /api/v1/clients/{id}: every field optional.
type clientPatch struct {
	Name               *string               `json:"name"`
	Status             *leadrun.ClientStatus `json:"status"`
	ServiceLevel       *int                  `json:"service_level"`
	Stream             *int                  `json:"stream"`
	ScoreThreshold     *float64              `json:"score_threshold"`
	LeadScoringLimit   *int                  `json:"lead_scoring_limit"`
	PostScoringLimit   *int                  `json:"post_scoring_limit"`
	DailyTokenBudget   *int64                `json:"daily_token_budget"`
	MonthlyTokenBudget *int64                `json:"monthly_token_budget"`
	Timezone           *string               `json:"timezone"`
	LHSenderEmail      *string               `json:"lh_sender_email"` // "" removes the sender guard
}

// handleClientUpdate changes a client (pausing is {"status": "paused"}).
func (s *Server) handleClientUpdate(w http.ResponseWriter, r *http.Request) {
	var p clientPatch
	if err := s.decodeStrict(w, r, &p); err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := s.db.ChangeClient(r.Context(), r.PathValue("id"), leadrun.ClientUpdate(p), actorOf(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// handleRubricView returns a client's rubric.
func (s *Server) handleRubricView(w http.ResponseWriter, r *http.Request) {
	rubric, err := s.db.FindRubric(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rubric)
}

// handleRubricReplace validates and replaces a client's rubric (JSON).
func (s *Server) handleRubricReplace(w http.ResponseWriter, r *http.Request) {
	format := ingest.FormatJSON
	if ct := r.Header.Get("Content-Type"); strings.Contains(ct, "yaml") {
		format = ingest.FormatYAML
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	rubric, err := ingest.DecodeRubric(body, format)
	if err != nil {
		if leadrun.ErrorCode(err) == leadrun.ETOOLARGE {
			_, _ = io.Copy(io.Discard, body) // read the rest (bounded), so the client hears the 413
		}
		s.Error(w, r, err)
		return
	}
	if err := s.db.SetRubric(r.Context(), r.PathValue("id"), rubric); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rubric)
}

// handleLeadList lists a client's leads: status, min_score, after (cursor), limit ≤ 500.
func (s *Server) handleLeadList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := leadrun.LeadFilter{ClientID: r.PathValue("id"), Limit: 100}
	if _, err := s.db.FindClientByID(r.Context(), f.ClientID); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := leadFilter(q.Get, &f); err != nil {
		s.Error(w, r, err)
		return
	}
	leads, err := s.db.FindLeads(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := map[string]any{"leads": leads}
	if leads == nil {
		out["leads"] = []*leadrun.Lead{}
	}
	if len(leads) == f.Limit {
		out["next_cursor"] = leads[len(leads)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

func leadFilter(get func(string) string, f *leadrun.LeadFilter) error {
	var err error
	if v := get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 500 {
			return leadrun.Errorf(leadrun.EINVALID, "limit must be 1-500")
		}
	}
	if v := get("after"); v != "" {
		if f.AfterID, err = strconv.ParseInt(v, 10, 64); err != nil || f.AfterID < 0 {
			return leadrun.Errorf(leadrun.EINVALID, "after must be a lead ID")
		}
	}
	if v := get("status"); v != "" {
		st := leadrun.ScoringStatus(v)
		switch st {
		case leadrun.StatusToBeScored, leadrun.StatusScored, leadrun.StatusSkippedMissingData, leadrun.StatusFailed, leadrun.StatusExcluded:
		default:
			return leadrun.Errorf(leadrun.EINVALID, "status must be to_be_scored, scored, skipped_missing_data, failed or excluded")
		}
		f.ScoringStatus = &st
	}
	if v := get("min_score"); v != "" {
		min, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return leadrun.Errorf(leadrun.EINVALID, "min_score must be a number")
		}
		f.MinScore = &min
	}
	return nil
}

// handleLeadView shows one of a client's leads.
func (s *Server) handleLeadView(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("lead_id"), 10, 64)
	if err != nil {
		s.Error(w, r, leadrun.Errorf(leadrun.EINVALID, "lead ID must be a number"))
		return
	}
	lead, err := s.db.FindLeadByID(r.Context(), r.PathValue("id"), id)
	if err == nil {
		err = s.db.LoadLeadExtras(r.Context(), lead) // Sales Navigator link, Date Connected, messages
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, lead)
}

// handleLeadImport upserts leads sent as a JSON array (our lead objects or Linked Helper
// person objects). A bad item is reported and never blocks the others.
func (s *Server) handleLeadImport(w http.ResponseWriter, r *http.Request) {
	clientID := r.PathValue("id")
	if _, err := s.db.FindClientByID(r.Context(), clientID); err != nil {
		s.Error(w, r, err)
		return
	}
	format := ingest.FormatJSON
	if strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		format = ingest.FormatCSV
	}
	res, batch, err := s.importLeads(w, r, clientID, format, nil)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeBatchResult(w, res, batch)
}

package web

import (
	"net/http"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/ingest"
)

// handleLinkedHelper is Linked Helper's "send person to webhook" target (SPEC §3.9). Its
// URL is all Linked Helper can configure, so the client's ingest token rides in the query
// (request logs never print the query). Unknown client or wrong token: 401; a client that
// is not active: 403; a bad item never blocks the others.
func (s *Server) handleLinkedHelper(w http.ResponseWriter, r *http.Request) {
	clientID, token := r.URL.Query().Get("client"), r.URL.Query().Get("token")
	client, err := s.db.FindClientByID(r.Context(), clientID)
	valid := false
	if err == nil {
		valid, err = s.db.IngestTokenValid(r.Context(), clientID, token)
	}
	switch {
	case err != nil && leadrun.ErrorCode(err) != leadrun.ENOTFOUND:
		s.Error(w, r, err)
		return
	case err != nil || !valid:
		s.Error(w, r, leadrun.Errorf(leadrun.EUNAUTHORIZED, "unknown client or wrong ingest token"))
		return
	case client.Status != leadrun.ClientActive:
		s.Error(w, r, leadrun.Errorf(leadrun.EFORBIDDEN, "client %s is %s: it takes no leads", clientID, client.Status))
		return
	}
	batch, err := ingest.ReadLeads(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes), ingest.FormatJSON, clientID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.upsertBatch(w, r, clientID, batch)
}

// upsertBatch stores a batch's valid leads and answers {created, updated, failed}.
func (s *Server) upsertBatch(w http.ResponseWriter, r *http.Request, clientID string, batch *ingest.LeadBatch) {
	res, err := s.db.UpsertLeads(r.Context(), clientID, batch.Leads)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	failed := batch.Errors
	if failed == nil {
		failed = []ingest.ItemError{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"created": res.Created, "updated": res.Updated, "failed": failed})
}

// handleIngestTokenRotate makes a new ingest token for a client and shows it once.
func (s *Server) handleIngestTokenRotate(w http.ResponseWriter, r *http.Request) {
	token, err := s.db.RotateIngestToken(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"client_id": r.PathValue("id"), "ingest_token": token,
		"webhook_path": "/lh-webhook/upsertLeadOnly?client=" + r.PathValue("id") + "&token=" + token})
}

// handleIngestTokenRevoke removes a client's ingest token.
func (s *Server) handleIngestTokenRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.db.RevokeIngestToken(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

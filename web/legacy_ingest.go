package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/ingest"
)

// legacyIngestOpen reports whether a token-less Linked Helper request for the client is
// inside the client's window: the window is open by the database's clock and the client
// still has an expected sender. An unknown client has no window.
func (s *Server) legacyIngestOpen(ctx context.Context, clientID string) (bool, error) {
	if !leadrun.ValidClientID(clientID) {
		return false, nil
	}
	l, err := s.db.FindLegacyIngest(ctx, clientID)
	if leadrun.ErrorCode(err) == leadrun.ENOTFOUND {
		return false, nil
	}
	if err != nil || !l.Open(s.db.Now()) {
		return false, err
	}
	c, err := s.db.FindClientByID(ctx, clientID)
	if err != nil {
		return false, err
	}
	return c.LHSenderEmail != "", nil
}

// recordLegacyRequest counts a token-less request with its items and refusals, and logs
// it (the URL carries no secret to redact).
func (s *Server) recordLegacyRequest(ctx context.Context, clientID string, batch *ingest.LeadBatch, g *senderGuard) {
	items, blocked := 0, g.missing
	for _, m := range g.mismatches() {
		blocked += int(m.Blocked)
	}
	if batch != nil {
		items = batch.Items
	}
	if err := s.db.RecordLegacyRequest(ctx, clientID, items, blocked); err != nil {
		s.log.Error("count token-less linked helper request", "client_id", clientID, "error", err)
	}
	s.log.Info("token-less linked helper request", "client_id", clientID, "items", items, "blocked", blocked)
}

// legacyIngestBody is the body of PUT /api/v1/clients/{id}/legacy-ingest.
type legacyIngestBody struct {
	Until string `json:"until"` // RFC 3339 time or YYYY-MM-DD (the end of that day, UTC)
}

// handleLegacyIngestSet opens or moves a client's token-less window.
func (s *Server) handleLegacyIngestSet(w http.ResponseWriter, r *http.Request) {
	var body legacyIngestBody
	if err := s.decodeStrict(w, r, &body); err != nil {
		s.Error(w, r, err)
		return
	}
	until, err := leadrun.ParseLegacyUntil(body.Until)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	l, err := s.db.SetLegacyIngest(r.Context(), r.PathValue("id"), &until)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.legacyView(l))
}

// handleLegacyIngestView shows a client's window with its counts and days left.
func (s *Server) handleLegacyIngestView(w http.ResponseWriter, r *http.Request) {
	if _, err := s.db.FindClientByID(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	l, err := s.db.FindLegacyIngest(r.Context(), r.PathValue("id"))
	if leadrun.ErrorCode(err) == leadrun.ENOTFOUND {
		writeJSON(w, http.StatusOK, map[string]any{"client_id": r.PathValue("id"), "open": false})
		return
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.legacyView(l))
}

// handleLegacyIngestClose ends a client's window now: it is token-only again.
func (s *Server) handleLegacyIngestClose(w http.ResponseWriter, r *http.Request) {
	if _, err := s.db.SetLegacyIngest(r.Context(), r.PathValue("id"), nil); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// LegacyIngestView is a client's token-less window as the API and dashboard show it.
type LegacyIngestView struct {
	*leadrun.LegacyIngest
	Open     bool `json:"open"`
	DaysLeft int  `json:"days_left"`
}

func (s *Server) legacyView(l *leadrun.LegacyIngest) LegacyIngestView {
	now := s.db.Now()
	return LegacyIngestView{LegacyIngest: l, Open: l.Open(now), DaysLeft: l.DaysLeft(now)}
}

// loadLegacyView is the client's window for its dashboard page (nil when none).
func (s *Server) loadLegacyView(ctx context.Context, clientID string) (*LegacyIngestView, error) {
	l, err := s.db.FindLegacyIngest(ctx, clientID)
	if leadrun.ErrorCode(err) == leadrun.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := s.legacyView(l)
	return &v, nil
}

// handleLegacyIngestForm opens, moves or ends a client's token-less window from its
// dashboard page; a refused date shows the page again with the reason.
func (s *Server) handleLegacyIngestForm(w http.ResponseWriter, r *http.Request, p *dashPage) {
	id := r.PathValue("id")
	var err error
	if r.PostFormValue("action") == "close" {
		_, err = s.db.SetLegacyIngest(r.Context(), id, nil)
	} else {
		var until time.Time
		if until, err = leadrun.ParseLegacyUntil(r.PostFormValue("until")); err == nil {
			_, err = s.db.SetLegacyIngest(r.Context(), id, &until)
		}
	}
	if err == nil {
		http.Redirect(w, r, "/clients/"+url.PathEscape(id)+"?notice=legacy#legacy-ingest", http.StatusSeeOther)
		return
	}
	if leadrun.ErrorCode(err) != leadrun.EINVALID {
		s.dashError(w, r, p, err)
		return
	}
	d, lerr := s.loadClientPage(r.Context(), r, id)
	if lerr != nil {
		s.dashError(w, r, p, lerr)
		return
	}
	p.Title, p.Nav, p.Data = d.Health.Client.Name, "clients", d
	s.failPage(r, p, leadrun.Errorf(codeUnprocessable, "The token-less window was not saved: %s", leadrun.ErrorMessage(err)))
	s.render(w, r, "client", p)
}

package web

import (
	"log/slog"
	"net/http"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/ingest"
)

// Linked Helper sender guard modes (Config.SenderGuard, LEADRUN_LH_SENDER_GUARD). The
// guard compares each item's my_email with the client's LHSenderEmail, when both are set.
const (
	SenderGuardWarn  = "warn"  // store the item, count it and log a warning (the default)
	SenderGuardBlock = "block" // drop the item, count it and report it in "failed"
	SenderGuardOff   = "off"   // no check
)

// ValidSenderGuard reports whether mode is a sender guard mode ("" means warn).
func ValidSenderGuard(mode string) bool {
	switch mode {
	case "", SenderGuardWarn, SenderGuardBlock, SenderGuardOff:
		return true
	}
	return false
}

// handleLinkedHelper is Linked Helper's "send person to webhook" target (SPEC §3.9). Its
// URL is all Linked Helper can configure, so the client's ingest token rides in the query
// (request logs never print the query). The token is checked before the client is looked
// up, so an unknown client and a wrong token both get the same 401; a client that is not
// active: 403; a bad item never blocks the others. Items from another Linked Helper
// account than the client's expected sender go through the sender guard. A request
// without a token is taken only inside the client's token-less window (legacy_ingest.go),
// and then only the items its expected sender sent.
func (s *Server) handleLinkedHelper(w http.ResponseWriter, r *http.Request) {
	clientID, token := r.URL.Query().Get("client"), r.URL.Query().Get("token")
	valid, err := s.db.IngestTokenValid(r.Context(), clientID, token)
	legacy := false
	if err == nil && !valid && token == "" {
		legacy, err = s.legacyIngestOpen(r.Context(), clientID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if !valid && !legacy {
		s.Error(w, r, leadrun.Errorf(leadrun.EUNAUTHORIZED, "unknown client or wrong ingest token"))
		return
	}
	client, err := s.db.FindClientByID(r.Context(), clientID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if client.Status != leadrun.ClientActive {
		s.Error(w, r, leadrun.Errorf(leadrun.EFORBIDDEN, "client %s is %s: it takes no leads", clientID, client.Status))
		return
	}
	guard := newSenderGuard(client, s.cfg.SenderGuard)
	if legacy {
		guard.mode, guard.requireSender = SenderGuardBlock, true // the sender is the only proof
	}
	res, batch, err := s.importLeads(w, r, clientID, ingest.FormatJSON, guard.check)
	if legacy && batch != nil {
		s.recordLegacyRequest(r.Context(), clientID, batch, guard)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	guard.log(s.log)
	// Counted after the leads are stored, so a failed request that Linked Helper sends
	// again is not counted twice; a failure to count does not undo the stored leads.
	if err := s.db.RecordSenderMismatches(r.Context(), clientID, guard.mismatches()); err != nil {
		s.log.Error("record linked helper sender mismatches", "client_id", clientID, "error", err)
	}
	for _, m := range guard.mismatches() {
		if err := s.runner.AlertSenderMismatch(r.Context(), client, m, guard.mode); err != nil {
			s.log.Error("alert linked helper sender mismatch", "client_id", clientID, "error", err)
		}
	}
	writeBatchResult(w, res, batch)
}

// senderGuard applies the sender guard to one webhook request and tallies its
// mismatches by normalized sender.
type senderGuard struct {
	client *leadrun.Client
	mode   string
	seen   map[string]*leadrun.SenderMismatch
	order  []string // senders in first-seen order, for stable logs
	// requireSender refuses items naming no sender (token-less legacy requests).
	requireSender bool
	missing       int
}

func newSenderGuard(client *leadrun.Client, mode string) *senderGuard {
	if mode != SenderGuardBlock && mode != SenderGuardOff {
		mode = SenderGuardWarn // the default; serve refuses any other value
	}
	return &senderGuard{client: client, mode: mode, seen: map[string]*leadrun.SenderMismatch{}}
}

// check is the ingest.SenderCheck: it counts an item from a wrong sender and, in block
// mode, rejects it with a reason starting "sender_mismatch".
func (g *senderGuard) check(sender string) error {
	if g.requireSender && leadrun.NormalizeSender(sender) == "" {
		g.missing++
		return leadrun.Errorf(leadrun.EFORBIDDEN, "sender_missing: a request without the ingest token must name its Linked Helper account in my_email")
	}
	if g.mode == SenderGuardOff || !g.client.WrongSender(sender) {
		return nil
	}
	key := leadrun.NormalizeSender(sender)
	m := g.seen[key]
	if m == nil {
		m = &leadrun.SenderMismatch{Sender: key}
		g.seen[key], g.order = m, append(g.order, key)
	}
	m.Items++
	if g.mode != SenderGuardBlock {
		return nil
	}
	m.Blocked++
	return leadrun.Errorf(leadrun.EFORBIDDEN, "sender_mismatch: sent by Linked Helper account %s, not the one client %s expects", key, g.client.ID)
}

// mismatches returns the tally, one entry per sender.
func (g *senderGuard) mismatches() []leadrun.SenderMismatch {
	out := make([]leadrun.SenderMismatch, 0, len(g.order))
	for _, k := range g.order {
		out = append(out, *g.seen[k])
	}
	return out
}

// log warns once per request and sender (never with the token).
func (g *senderGuard) log(logger *slog.Logger) {
	for _, m := range g.mismatches() {
		logger.Warn("linked helper sender mismatch", "client_id", g.client.ID, "sender", m.Sender,
			"expected_sender", leadrun.NormalizeSender(g.client.LHSenderEmail), "mode", g.mode,
			"items", m.Items, "blocked", m.Blocked)
	}
}

// writeBatchResult answers {created, updated, failed, repaired} for a stored batch:
// repaired lists the accepted items whose text was repaired (NUL, invalid UTF-8).
func writeBatchResult(w http.ResponseWriter, res leadrun.UpsertResult, batch *ingest.LeadBatch) {
	failed, repaired := batch.Errors, batch.Repaired
	if failed == nil {
		failed = []leadrun.ItemError{}
	}
	if repaired == nil {
		repaired = []ingest.ItemNote{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"created": res.Created, "updated": res.Updated, "failed": failed,
		"repaired": repaired})
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

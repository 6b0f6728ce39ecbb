package web

import (
	"bytes"
	"io"
	"net/http"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/ingest"
)

// importLeads stores the valid leads of a request body (format csv or json) group by
// group as they are decoded, all in one transaction, and returns what was stored and the
// per-item results. The body, at most MaxBodyBytes, is read whole first so that a slow
// upload never holds the write transaction; the decoded leads are never all in memory.
func (s *Server) importLeads(w http.ResponseWriter, r *http.Request, clientID, format string, check ingest.SenderCheck) (leadrun.UpsertResult, *ingest.LeadBatch, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		return leadrun.UpsertResult{}, nil, err
	}
	var batch *ingest.LeadBatch
	res, err := s.db.UpsertLeadStream(r.Context(), clientID, func(put func([]*leadrun.Lead) error) error {
		var err error
		batch, err = ingest.StreamLeads(bytes.NewReader(body), format, clientID, ingest.StreamOptions{Check: check, Flush: put})
		return err
	})
	return res, batch, err
}

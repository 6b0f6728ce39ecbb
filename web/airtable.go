package web

import (
	"context"
)

// airtableLine is the run's Airtable mirror status for the run page, or "" when the mirror
// is off. A failure to read it is logged, never shown as a page error.
func (s *Server) airtableLine(ctx context.Context, runID string) string {
	if s.cfg.AirtableStatusFunc == nil {
		return ""
	}
	line, err := s.cfg.AirtableStatusFunc(ctx, runID)
	if err != nil {
		s.log.Warn("airtable status", "run_id", runID, "error", err)
		return ""
	}
	return line
}

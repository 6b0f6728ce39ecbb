package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/ingest"
	"github.com/leadrun/leadrun/report"
)

// handleTopLeads returns a client's top leads (score ≥ threshold, not yet exported), best
// first, as JSON or — with ?format=csv — as a CSV for a Linked Helper campaign. Only the
// CSV export (or ?mark=true) marks them exported.
func (s *Server) handleTopLeads(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := queryInt(q, "limit", 500, 1, 5000)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	mark, err := queryBool(q, "mark")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if f := q.Get("format"); f != "" && f != "csv" && f != "json" {
		s.Error(w, r, leadrun.Errorf(leadrun.EINVALID, "format must be json or csv"))
		return
	}
	asCSV := q.Get("format") == "csv"
	leads, err := s.db.TopLeads(r.Context(), r.PathValue("id"), limit, asCSV || mark)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if !asCSV {
		if leads == nil {
			leads = []*leadrun.Lead{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"leads": leads})
		return
	}
	writeTopLeadsCSV(w, r.PathValue("id"), leads)
}

// writeTopLeadsCSV sends top leads as a CSV attachment for a Linked Helper campaign.
func writeTopLeadsCSV(w http.ResponseWriter, clientID string, leads []*leadrun.Lead) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-top-leads.csv"`, clientID))
	cw := csv.NewWriter(w)
	cw.Write([]string{"profile_url", "first_name", "last_name", "headline", "company", "score"})
	for _, l := range leads {
		cw.Write([]string{csvCell(l.ExportURL()), csvCell(l.FirstName), csvCell(l.LastName), csvCell(l.Headline),
			csvCell(l.Company), strconv.FormatFloat(*l.Score, 'f', 2, 64)})
	}
	cw.Flush()
}

// csvCell neutralises a cell a spreadsheet would run as a formula (report.CSVCell: the
// run report's CSV uses the same rule).
func csvCell(s string) string { return report.CSVCell(s) }

// validIndexes maps the position of each accepted item back to its index in the request:
// the decoder keeps input order and reports each rejected item once by index.
func validIndexes(accepted int, rejected []leadrun.ItemError) []int {
	skip := map[int]bool{}
	for _, e := range rejected {
		skip[e.Index] = true
	}
	out := make([]int, 0, accepted)
	for i := 0; len(out) < accepted; i++ {
		if !skip[i] {
			out = append(out, i)
		}
	}
	return out
}

// handlePostIngest stores posts (JSON array of {profile_url, post_url, content, posted_at,
// is_repost, original_author}), deduplicated by post URL per lead.
func (s *Server) handlePostIngest(w http.ResponseWriter, r *http.Request) {
	clientID := r.PathValue("id")
	if _, err := s.db.FindClientByID(r.Context(), clientID); err != nil {
		s.Error(w, r, err)
		return
	}
	posts, bad, err := ingest.DecodePosts(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes), ingest.FormatJSON, clientID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	in := make([]leadrun.PostInput, len(posts))
	for i, p := range posts {
		in[i] = leadrun.PostInput{ProfileKey: p.ProfileKey, Post: p.Post}
	}
	res, unknown, err := s.db.UpsertPosts(r.Context(), clientID, in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	failed := append([]leadrun.ItemError{}, bad...)
	original := validIndexes(len(posts), bad)
	for _, u := range unknown {
		failed = append(failed, leadrun.ItemError{Index: original[u.Index], Reason: u.Reason})
	}
	sort.Slice(failed, func(i, j int) bool { return failed[i].Index < failed[j].Index })
	repaired := []ingest.ItemNote{}
	for i, p := range posts {
		if len(p.Repairs) > 0 {
			repaired = append(repaired, ingest.ItemNote{Index: original[i], Note: strings.Join(p.Repairs, "; ")})
		}
	}
	writeJSON(w, http.StatusOK, struct {
		leadrun.UpsertResult
		Failed   []leadrun.ItemError `json:"failed"`
		Repaired []ingest.ItemNote   `json:"repaired"`
	}{res, failed, repaired})
}

package airtabletest

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/leadrun/leadrun/airtable"
)

// serveMeta answers /v0/meta/bases/{base}/tables[/{table}/fields].
func (s *Server) serveMeta(w http.ResponseWriter, r *http.Request, b *base, rest []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case len(rest) == 1 && rest[0] == "tables" && r.Method == http.MethodGet:
		out := airtable.Schema{Tables: []airtable.Table{}}
		for _, t := range b.tables {
			out.Tables = append(out.Tables, t.Table)
		}
		writeJSON(w, out)
	case len(rest) == 1 && rest[0] == "tables" && r.Method == http.MethodPost:
		if !s.schemaWritable(w) {
			return
		}
		var t airtable.Table
		if err := json.NewDecoder(r.Body).Decode(&t); err != nil || t.Name == "" || len(t.Fields) == 0 {
			writeError(w, http.StatusUnprocessableEntity, "INVALID_REQUEST_UNKNOWN", "A table needs a name and fields")
			return
		}
		if s.table(b, t.Name) != nil {
			writeError(w, http.StatusUnprocessableEntity, "DUPLICATE_TABLE_NAME", fmt.Sprintf("Table name %q already exists", t.Name))
			return
		}
		writeJSON(w, s.addTable(b, t).Table)
	case len(rest) == 3 && rest[0] == "tables" && rest[2] == "fields" && r.Method == http.MethodPost:
		if !s.schemaWritable(w) {
			return
		}
		t := s.table(b, rest[1])
		var f airtable.Field
		if t == nil || json.NewDecoder(r.Body).Decode(&f) != nil || f.Name == "" {
			writeError(w, http.StatusUnprocessableEntity, "INVALID_REQUEST_UNKNOWN", "A field needs a table, a name and a type")
			return
		}
		if _, dup := t.Field(f.Name); dup {
			writeError(w, http.StatusUnprocessableEntity, "DUPLICATE_OR_EMPTY_FIELD_NAME", fmt.Sprintf("Field name %q already exists", f.Name))
			return
		}
		f.ID = s.newID("fld")
		t.Fields = append(t.Fields, f)
		writeJSON(w, f)
	default:
		writeError(w, http.StatusNotFound, "NOT_FOUND", "Could not find what you are looking for")
	}
}

func (s *Server) schemaWritable(w http.ResponseWriter) bool {
	if s.opts.SchemaReadOnly {
		writeError(w, http.StatusForbidden, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
			"Invalid permissions, or the requested model was not found. Check that both your user and your token have the required permissions, and that the model names and/or ids are correct.")
		return false
	}
	return true
}

package airtabletest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/leadrun/leadrun/airtable"
)

// serveRecords answers /v0/{base}/{table}: GET lists, PATCH updates or upserts.
func (s *Server) serveRecords(w http.ResponseWriter, r *http.Request, b *base, rest []string) {
	if len(rest) != 1 {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "Could not find what you are looking for")
		return
	}
	name, _ := url.PathUnescape(rest[0])
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(b, name)
	if t == nil {
		writeError(w, http.StatusForbidden, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
			"Invalid permissions, or the requested model was not found. Check that both your user and your token have the required permissions, and that the model names and/or ids are correct.")
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.list(w, r, t)
	case http.MethodPatch:
		s.upsert(w, r, b, t)
	default:
		writeError(w, http.StatusNotFound, "NOT_FOUND", "Could not find what you are looking for")
	}
}

// formulaEq is the one filterByFormula shape the fake understands: {Field}="value".
var formulaEq = regexp.MustCompile(`^\{([^}]+)\}\s*=\s*"((?:[^"\\]|\\.)*)"$`)

func (s *Server) list(w http.ResponseWriter, r *http.Request, t *table) {
	q := r.URL.Query()
	size := 100
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusUnprocessableEntity, "INVALID_REQUEST_UNKNOWN", "pageSize must be 1 to 100")
			return
		}
		size = n
	}
	recs := t.records
	if f := q.Get("filterByFormula"); f != "" {
		m := formulaEq.FindStringSubmatch(f)
		if m == nil {
			writeError(w, http.StatusUnprocessableEntity, "INVALID_FILTER_BY_FORMULA", "The formula for filtering records is invalid: "+f)
			return
		}
		var want string
		_ = json.Unmarshal([]byte(`"`+m[2]+`"`), &want)
		recs = nil
		for _, rec := range t.records {
			if v, _ := rec.Fields[m[1]].(string); v == want {
				recs = append(recs, rec)
			}
		}
	}
	start := 0
	if off := q.Get("offset"); off != "" {
		s.offsets++
		if n := s.faults.ExpireOffsetAfter; n > 0 && !s.expired && s.offsets > n {
			s.expired = true
			writeError(w, http.StatusUnprocessableEntity, "LIST_RECORDS_ITERATOR_NOT_AVAILABLE", "The list records iterator is no longer available. Please start from the first page.")
			return
		}
		n, err := strconv.Atoi(off)
		if err != nil || n < 0 || n > len(recs) {
			writeError(w, http.StatusUnprocessableEntity, "LIST_RECORDS_ITERATOR_NOT_AVAILABLE", "offset is invalid")
			return
		}
		start = n
	}
	end := min(start+size, len(recs))
	page := map[string]any{"records": project(recs[start:end], q["fields[]"])}
	if end < len(recs) {
		page["offset"] = strconv.Itoa(end)
	}
	writeJSON(w, page)
}

func project(recs []*airtable.Record, fields []string) []airtable.Record {
	out := make([]airtable.Record, len(recs))
	for i, r := range recs {
		f := copyFields(r.Fields)
		if len(fields) > 0 {
			for k := range f {
				if !slices.Contains(fields, k) {
					delete(f, k)
				}
			}
		}
		out[i] = airtable.Record{ID: r.ID, CreatedTime: r.CreatedTime, Fields: f}
	}
	return out
}

type upsertRequest struct {
	Records       []airtable.Record `json:"records"`
	PerformUpsert *struct {
		FieldsToMergeOn []string `json:"fieldsToMergeOn"`
	} `json:"performUpsert"`
}

// upsert validates the whole request before changing anything, as Airtable does.
func (s *Server) upsert(w http.ResponseWriter, r *http.Request, b *base, t *table) {
	var req upsertRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "INVALID_REQUEST_UNKNOWN", "Invalid request: parameter validation failed")
		return
	}
	if len(req.Records) == 0 || len(req.Records) > 10 {
		writeError(w, http.StatusUnprocessableEntity, "INVALID_RECORDS",
			fmt.Sprintf("You must provide an array of up to 10 record objects, got %d", len(req.Records)))
		return
	}
	targets := make([]*airtable.Record, len(req.Records))
	for i, rec := range req.Records {
		if typ, msg := s.validate(b, t, rec.Fields); typ != "" {
			writeError(w, http.StatusUnprocessableEntity, typ, msg)
			return
		}
		target, typ, msg := s.match(t, rec, req.PerformUpsert)
		if typ != "" {
			writeError(w, http.StatusUnprocessableEntity, typ, msg)
			return
		}
		targets[i] = target
	}
	var res airtable.UpsertResult
	now := time.Now().UTC().Format(time.RFC3339)
	for i, rec := range req.Records {
		target := targets[i]
		if target == nil {
			target = &airtable.Record{ID: s.newID("rec"), CreatedTime: now, Fields: map[string]any{}}
			t.records = append(t.records, target)
			res.CreatedRecords = append(res.CreatedRecords, target.ID)
		} else {
			res.UpdatedRecords = append(res.UpdatedRecords, target.ID)
		}
		for k, v := range rec.Fields {
			if v == nil {
				delete(target.Fields, k)
			} else {
				target.Fields[k] = v
			}
		}
		res.Records = append(res.Records, airtable.Record{ID: target.ID, CreatedTime: target.CreatedTime, Fields: copyFields(target.Fields)})
	}
	b.writes++
	writeJSON(w, res)
}

// match finds the record a request record updates: by ID, or by the merge fields.
func (s *Server) match(t *table, rec airtable.Record, up *struct {
	FieldsToMergeOn []string `json:"fieldsToMergeOn"`
}) (*airtable.Record, string, string) {
	if rec.ID != "" {
		for _, x := range t.records {
			if x.ID == rec.ID {
				return x, "", ""
			}
		}
		return nil, "ROW_DOES_NOT_EXIST", "Record ID " + rec.ID + " does not exist in this table"
	}
	if up == nil {
		return nil, "INVALID_RECORDS", "Records without an ID need performUpsert"
	}
	if len(up.FieldsToMergeOn) == 0 || len(up.FieldsToMergeOn) > 3 {
		return nil, "INVALID_REQUEST_UNKNOWN", "fieldsToMergeOn must name 1 to 3 fields"
	}
	var found []*airtable.Record
	for _, x := range t.records {
		same := true
		for _, f := range up.FieldsToMergeOn {
			v, ok := rec.Fields[f]
			if !ok {
				return nil, "INVALID_REQUEST_UNKNOWN", fmt.Sprintf("Field %q is in fieldsToMergeOn but not in the record", f)
			}
			same = same && fmt.Sprint(x.Fields[f]) == fmt.Sprint(v)
		}
		if same {
			found = append(found, x)
		}
	}
	if len(found) > 1 {
		return nil, "INVALID_VALUE_FOR_COLUMN", "More than one record matches the fields to merge on"
	}
	if len(found) == 1 {
		return found[0], "", ""
	}
	return nil, "", ""
}

// validate checks every value against its field, as Airtable does without typecast.
func (s *Server) validate(b *base, t *table, fields map[string]any) (string, string) {
	for _, name := range sortedNames(fields) {
		v := fields[name]
		f, ok := t.Field(name)
		if !ok {
			return "UNKNOWN_FIELD_NAME", fmt.Sprintf("Unknown field name: %q", name)
		}
		if f.Computed() {
			return "INVALID_VALUE_FOR_COLUMN", fmt.Sprintf("Field %q cannot accept a value because the field is computed", name)
		}
		if v == nil {
			continue
		}
		if msg := checkValue(b, s, f, v); msg != "" {
			if f.Type == "singleSelect" {
				return "INVALID_MULTIPLE_CHOICE_OPTIONS", msg
			}
			return "INVALID_VALUE_FOR_COLUMN", msg
		}
	}
	return "", ""
}

func checkValue(b *base, s *Server, f *airtable.Field, v any) string {
	bad := fmt.Sprintf("Field %q cannot accept the provided value", f.Name)
	switch f.Type {
	case "singleLineText", "multilineText", "richText":
		if _, ok := v.(string); !ok {
			return bad
		}
	case "number", "currency", "percent":
		if _, ok := v.(float64); !ok {
			return bad
		}
	case "dateTime":
		str, ok := v.(string)
		if _, err := time.Parse(time.RFC3339, str); !ok || err != nil {
			return bad
		}
	case "singleSelect":
		str, _ := v.(string)
		if !slices.Contains(f.Choices(), str) {
			return fmt.Sprintf("Insufficient permissions to create new select option %q", str)
		}
	case "multipleRecordLinks":
		ids, ok := v.([]any)
		linked := s.table(b, f.LinkedTableID())
		if !ok || linked == nil {
			return bad
		}
		for _, id := range ids {
			if !slices.ContainsFunc(linked.records, func(r *airtable.Record) bool { return r.ID == id }) {
				return fmt.Sprintf("Record ID %v does not exist in table %s", id, linked.Name)
			}
		}
	}
	return ""
}

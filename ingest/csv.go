package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/leadrun/leadrun"
)

// csvColumns maps a normalised CSV header (lower case, '_' for spaces and '-') to a lead
// field: leadrun's names and the original platform's Airtable column names.
var csvColumns = map[string]string{
	"profile_url": "profile_url", "linkedin_profile_url": "profile_url", "linkedin_url": "profile_url",
	"profileurl": "profile_url",
	"first_name": "first_name", "firstname": "first_name",
	"last_name": "last_name", "lastname": "last_name",
	"headline":  "headline",
	"job_title": "job_title", "position": "job_title",
	"company": "company", "company_name": "company",
	"about": "about", "summary": "about",
	"location":   "location",
	"email":      "email",
	"phone":      "phone",
	"experience": "experience", "job_history": "experience",
	"connection_status": "connection_status", "linkedin_connection_status": "connection_status",
}

// csvHeader maps each field to its column index.
type csvHeader map[string]int

func parseCSVHeader(record []string) (csvHeader, error) {
	h := csvHeader{}
	for i, name := range record {
		norm := strings.ToLower(strings.TrimSpace(name))
		norm = strings.NewReplacer(" ", "_", "-", "_").Replace(norm)
		field, ok := csvColumns[norm]
		if !ok {
			continue // extra columns of an export are ignored
		}
		if j, dup := h[field]; dup {
			return nil, invalidf("CSV header: columns %d and %d both hold %s: keep one", j+1, i+1, field)
		}
		h[field] = i
	}
	if _, ok := h["profile_url"]; !ok {
		return nil, invalidf("CSV header has no profile_url (or \"LinkedIn Profile URL\") column: the first row must name the columns")
	}
	return h, nil
}

func (h csvHeader) get(record []string, field string) string {
	if i, ok := h[field]; ok && i < len(record) {
		return record[i]
	}
	return ""
}

// readCSVLeads reads a CSV file with a header row; add receives each row with its line,
// repaired each row whose cells needed leadrun.CleanText (NUL removed, invalid UTF-8
// replaced), before add. The file is UTF-8 with or without a byte-order mark, or UTF-16
// with one.
func readCSVLeads(r io.Reader, clientID string, add func(line int, l *leadrun.Lead, err error), repaired func(line int, note string)) error {
	text, err := decodeText(r)
	if err != nil {
		return fmt.Errorf("read CSV: %w", err)
	}
	cr := newCSVRecordReader(text)
	_, header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return invalidf("CSV is empty: want a header row such as profile_url,first_name,last_name,headline")
	}
	if err != nil {
		return csvError(err)
	}
	header, _ = cleanCells(header)
	h, err := parseCSVHeader(header)
	if err != nil {
		return err
	}
	cr.fields = len(header)
	for items := 0; ; {
		line, record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil && !errors.Is(err, errUnclosedQuote) {
			return fmt.Errorf("read CSV: %w", err)
		}
		if err == nil && blank(record) {
			continue
		}
		if items++; items > MaxItems {
			return invalidf("CSV holds more than %d rows: split the file", MaxItems)
		}
		if err != nil {
			add(line, nil, invalidf("line %d: %s", line, err.Error()))
			continue
		}
		if len(record) > len(header) {
			add(line, nil, invalidf("row has %d fields but the header has %d", len(record), len(header)))
			continue
		}
		record, note := cleanCells(record)
		l, err := csvLead(h, record, clientID)
		if note != "" && err == nil {
			repaired(line, note)
		}
		add(line, l, err)
	}
}

// cleanCells applies leadrun.CleanText to every cell and says what it repaired ("" for
// nothing).
func cleanCells(record []string) ([]string, string) {
	var nul, invalid bool
	for i, f := range record {
		if _, changed := leadrun.CleanText(f); !changed {
			continue
		}
		nul = nul || strings.IndexByte(f, 0) >= 0
		invalid = invalid || !utf8.ValidString(f)
		record[i], _ = leadrun.CleanText(f)
	}
	var done []string
	if nul {
		done = append(done, "NUL bytes removed")
	}
	if invalid {
		done = append(done, "invalid UTF-8 (e.g. Latin-1 text) replaced by U+FFFD")
	}
	if len(done) == 0 {
		return record, ""
	}
	return record, "repaired: " + strings.Join(done, ", ")
}

func csvError(err error) error {
	if errors.Is(err, errUnclosedQuote) {
		return invalidf("CSV header (line 1): %s", err.Error())
	}
	return fmt.Errorf("read CSV: %w", err)
}

func blank(record []string) bool {
	for _, f := range record {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// csvLead turns one row into a validated lead.
func csvLead(h csvHeader, record []string, clientID string) (*leadrun.Lead, error) {
	rec := leadRecord{
		ProfileURL: h.get(record, "profile_url"),
		FirstName:  h.get(record, "first_name"), LastName: h.get(record, "last_name"),
		Headline: h.get(record, "headline"), JobTitle: h.get(record, "job_title"),
		Company: h.get(record, "company"), About: h.get(record, "about"),
		Location: h.get(record, "location"), Email: h.get(record, "email"), Phone: h.get(record, "phone"),
		ConnectionStatus: h.get(record, "connection_status"),
	}
	if exp := strings.TrimSpace(h.get(record, "experience")); exp != "" {
		rec.Experience = ParseJobHistory(exp) // JSON or the original's plain text; never rejects a row
	}
	return rec.lead(clientID)
}

// parseJobsJSON reads an experience cell: a JSON list of jobs (leadrun's or Linked
// Helper's shape) or one job object.
func parseJobsJSON(s string) ([]leadrun.Job, error) {
	if strings.HasPrefix(s, "{") {
		s = "[" + s + "]"
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, invalidf(`experience must be a JSON list of jobs like [{"title": "…", "company": "…"}]`)
	}
	jobs := make([]leadrun.Job, 0, len(list))
	for _, m := range list {
		jobs = append(jobs, lhJob(m))
	}
	return jobs, nil
}

package migrate

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/ingest"
)

// MappedLead is a lead of the original platform, with its score, status and assessment.
type MappedLead struct {
	Lead *leadrun.Lead
	// Original is the original's AI Score (unclamped, as it was shown); nil when none.
	Original *float64
	// Notes say what was read differently, for the report (e.g. an unknown status).
	Notes []string
}

// statuses maps the original's Scoring Status values (dash-insensitive) to leadrun's.
var statuses = map[string]leadrun.ScoringStatus{
	"to be scored": leadrun.StatusToBeScored, "scored": leadrun.StatusScored,
	"skipped missing critical data":  leadrun.StatusSkippedMissingData,
	"skipped profile json missing":   leadrun.StatusSkippedMissingData,
	"skipped profile json too small": leadrun.StatusSkippedMissingData,
	"manually excluded":              leadrun.StatusExcluded, "excluded": leadrun.StatusExcluded,
}

// failures maps the original's "Failed – …" values to reason codes.
var failures = map[string]leadrun.Reason{
	"api error": leadrun.ReasonAPIError, "empty ai response": leadrun.ReasonEmptyAIResponse,
	"parse error": leadrun.ReasonParseError, "attribute load error": leadrun.ReasonRubricError,
	"scoring logic error": leadrun.ReasonInvalidAIResponse, "client init error": leadrun.ReasonAPIError,
}

// MapLead reads one record of a client's Leads table (or a row of the portal's export).
// Only a missing or unusable LinkedIn Profile URL rejects it: Job History text becomes
// experience (Profile Full JSON's experience when it parses), an unknown Scoring Status
// is read as To Be Scored with a note, and the whole record is kept as the lead's raw
// payload.
func MapLead(r Record, clientID string) (*MappedLead, error) {
	f := newFields(r)
	first, last := ingest.RepairNames(f.text("First Name"), f.text("Last Name"), f.text("Full Name", "Name"))
	l := &leadrun.Lead{ClientID: clientID, ProfileURL: f.text("LinkedIn Profile URL", "LinkedIn URL", "Profile URL", "profile_url"),
		FirstName: first, LastName: last, Headline: f.text("Headline"), JobTitle: f.text("Job Title"),
		Company: f.text("Company Name", "Company"), About: f.text("About"), Location: f.text("Location"),
		Email: f.text("Email"), Phone: f.text("Phone"), SalesNavigatorURL: f.text("View In Sales Navigator"),
		ConnectedAt: ingest.ParseDate(f.text("Date Connected")), ExportedAt: ingest.ParseDate(f.text("Date Added to LH Campaign"))}
	if l.ProfileURL == "" {
		return nil, leadrun.Errorf(leadrun.EINVALID, "no LinkedIn Profile URL")
	}
	readProfile(f, l)
	l.ConnectionStatus = connection(f.text("LinkedIn Connection Status", "Connection Status"))
	for _, note := range []string{f.text("Notes"), f.text("LH Message", "Last LH Message", "Message")} {
		if note != "" {
			l.Messages = append(l.Messages, note)
		}
	}
	m := &MappedLead{Lead: l}
	m.readScoring(f)
	l.Raw = encodeRecord(r)
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// readProfile fills headline, about and experience from Profile Full JSON (the original's
// slim profile) where the columns are empty, else experience from Job History text.
func readProfile(f fields, l *leadrun.Lead) {
	var slim struct {
		Headline   string          `json:"headline"`
		About      string          `json:"about"`
		Experience json.RawMessage `json:"experience"`
	}
	if s := f.text("Profile Full JSON"); s != "" && json.Unmarshal([]byte(s), &slim) == nil {
		l.Headline, l.About = cmp.Or(l.Headline, strings.TrimSpace(slim.Headline)), cmp.Or(l.About, strings.TrimSpace(slim.About))
		if len(slim.Experience) > 0 {
			l.Experience = ingest.ParseJobHistory(string(slim.Experience))
		}
	}
	if len(l.Experience) == 0 {
		l.Experience = ingest.ParseJobHistory(f.text("Job History", "Experience"))
	}
	if len(l.Experience) > 0 {
		l.JobTitle, l.Company = cmp.Or(l.JobTitle, l.Experience[0].Title), cmp.Or(l.Company, l.Experience[0].Company)
	} else if l.JobTitle != "" || l.Company != "" {
		l.Experience = []leadrun.Job{{Title: l.JobTitle, Company: l.Company}}
	}
}

func connection(s string) string {
	switch strings.ToLower(s) {
	case "connected", "1st":
		return leadrun.ConnectionConnected
	case "pending", "invited":
		return leadrun.ConnectionPending
	}
	return leadrun.ConnectionCandidate
}

// readScoring reads Scoring Status, AI Score, the assessment, the breakdown, Date Scored
// and the exclusion flag. The stored score is the original's, clamped to 0–100.
func (m *MappedLead) readScoring(f fields) {
	l := m.Lead
	raw := f.text("Scoring Status", "Lead Scoring Status") // "Status" is the original's "In Process" flag
	status, reason, known := scoringStatus(raw)
	score, hasScore := f.number("AI Score", "Score")
	switch {
	case raw == "" && hasScore:
		status, known = leadrun.StatusScored, true
	case !known && raw != "":
		m.Notes = append(m.Notes, fmt.Sprintf("unknown Scoring Status %q read as to be scored", raw))
	}
	l.ScoringStatus, l.LastReason = status, reason
	if status == leadrun.StatusFailed {
		l.Attempts = 1
	}
	l.Assessment = f.text("AI Profile Assessment")
	l.AIExcluded, _ = f.flag("AI_Excluded", "AI Excluded")
	l.ExcludeDetails = f.text("Exclude Details")
	l.ScoredAt = ingest.ParseDate(f.text("Date Scored"))
	if status == leadrun.StatusScored && !hasScore {
		l.ScoringStatus = leadrun.StatusToBeScored
		m.Notes = append(m.Notes, "Scored without an AI Score: read as to be scored")
		return
	}
	if hasScore && status == leadrun.StatusScored {
		orig := score
		m.Original = &orig
		kept := math.Round(min(max(score, 0), 100)*100) / 100
		l.Score = &kept
	}
	if b, ok := ParseBreakdown(f.text("AI Attribute Breakdown", "AI Attributes Detail")); ok {
		if l.Score != nil {
			b.Score = *l.Score
		}
		l.Breakdown = &b
	}
}

// scoringStatus reads a Scoring Status value: "Failed – API Error" (any dash) is failed
// with reason api_error.
func scoringStatus(s string) (leadrun.ScoringStatus, leadrun.Reason, bool) {
	norm := strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r == ' ' || r == '-' || r == '–' || r == '—' || r == '_' || r == ':'
	}), " ")
	if st, ok := statuses[norm]; ok {
		return st, "", true
	}
	if rest, ok := strings.CutPrefix(norm, "failed"); ok {
		reason, known := failures[strings.TrimSpace(rest)]
		if !known {
			reason = leadrun.ReasonAPIError
		}
		return leadrun.StatusFailed, reason, true
	}
	return leadrun.StatusToBeScored, "", norm == ""
}

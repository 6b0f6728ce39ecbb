package migrate

import (
	"slices"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
)

func TestMapClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rec    Record
		status leadrun.ClientStatus
		level  int
		stream int
		sender string
		note   string
	}{
		{Record{"Client ID": "A-1", "Status": "Active", "Service Level": "2-Lead Scoring + Post Scoring", "Processing Stream": "3"},
			leadrun.ClientActive, 2, 3, "", ""},
		{Record{"Client ID": "A-1", "Status": "Suspended", "Service Level": float64(1), "Processing Stream": float64(2)},
			leadrun.ClientPaused, 1, 2, "", ""},
		{Record{"Client ID": "A-1", "Status": "Expired", "Client Email Address": "Me@X.example"},
			leadrun.ClientInactive, 1, 1, "me@x.example", `status "Expired" read as inactive`},
		{Record{"client id": "A-1", "status": "active", "lh account email": "not an email", "Timezone": "Mars/Base"},
			leadrun.ClientActive, 1, 1, "", "no sender guard"},
	}
	for i, tt := range tests {
		m, err := MapClient(tt.rec)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		c := m.Client
		if c.Status != tt.status || c.ServiceLevel != tt.level || c.Stream != tt.stream || c.LHSenderEmail != tt.sender ||
			(tt.note != "" && !strings.Contains(strings.Join(m.Notes, ";"), tt.note)) {
			t.Errorf("%d: %+v notes %q", i, c, m.Notes)
		}
	}
	if _, err := MapClient(Record{"Client ID": "has space"}); leadrun.ErrorCode(err) != leadrun.EINVALID {
		t.Errorf("bad ID: %v", err)
	}
}

// Negatives get a negative penalty whichever column held the number and whatever its
// sign; a penalty criterion's indicators are read for what they mean.
func TestRubricSigns(t *testing.T) {
	t.Parallel()
	var b RubricBuilder
	b.AddAttribute(Record{"Attribute Id": "A", "Category": "Positive", "Heading": "H", "Max Points": "10 pts", "Active": "checked", "Signals": "founder; owner\ncoach"})
	b.AddAttribute(Record{"Attribute Id": "N1", "Category": "Negative", "Heading": "H", "Penalty": "10", "Active": "checked"})
	b.AddAttribute(Record{"Attribute Id": "N2", "Category": "Negative", "Heading": "H", "Penalty": "-5", "Active": "checked"})
	b.AddAttribute(Record{"Attribute Id": "N3", "Category": "Negative", "Heading": "H", "Max Points": "15", "Active": true})
	b.AddAttribute(Record{"Attribute Id": "X", "Category": "Weird", "Heading": "H"})
	b.AddAttribute(Record{"Attribute Id": "this id has spaces", "Category": "Positive", "Heading": "H", "Max Points": "3"})
	b.AddPostCriterion(Record{"Attribute ID": "POST_X", "Category": "Positive Scoring Factor", "Criterion Name": "X", "Max Score / Point Value": "-20",
		"Keywords/Positive Indicators": "buy now", "Keywords/Negative Indicators": "lessons learned"})
	b.AddPostCriterion(Record{"Attribute ID": "POST_Y", "Active": "false", "Category": "Positive Scoring Factor", "Criterion Name": "Y", "Max Score / Point Value": "20"})
	m, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	r := m.Rubric
	for id, want := range map[string]int{"N1": -10, "N2": -5, "N3": -15} {
		if a, _ := r.Attribute(id); a.Penalty != want {
			t.Errorf("%s penalty %d, want %d", id, a.Penalty, want)
		}
	}
	if a, _ := r.Attribute("A"); a.MaxPoints != 10 || !slices.Equal(a.Signals, []string{"founder", "owner", "coach"}) {
		t.Errorf("A = %+v", a)
	}
	if len(m.Rejected) != 2 {
		t.Errorf("rejected %+v, want the Weird category and the bad ID", m.Rejected)
	}
	x, y := r.Post.Criteria[0], r.Post.Criteria[1]
	if x.Category != leadrun.CategoryNegative || x.Penalty != -20 || !slices.Equal(x.NegativeKeywords, []string{"buy now"}) {
		t.Errorf("POST_X = %+v", x)
	}
	if y.IsActive() {
		t.Error("POST_Y Active=false, want inactive")
	}
	var empty RubricBuilder
	empty.AddAttribute(Record{"Attribute Id": "PREAMBLE", "Category": "Meta", "Instructions": "Hello"})
	if _, err := empty.Build(); err == nil {
		t.Error("a preamble alone is not a rubric")
	}
}

func TestParseBreakdownAndFormula(t *testing.T) {
	t.Parallel()
	md := "**Positive Attributes**:\n- **A (Founder)**: 10 / 10\n  ↳ Founder.\n- **I (Ready)**: 5 / 5\n  ↳ _GPT could not score this attribute_\n\n" +
		"**Negative Attributes**:\n- **N1 (Seller)**: -5 / -5\n  ↳ Pitch.\n\n_Unscored attributes:_ **B**, **C**\n\n**Total:** 10 / 20 ⇒ 50.0 %"
	b, ok := ParseBreakdown(md)
	if !ok || len(b.Items) != 3 || b.Raw != 10 || !slices.Equal(b.Unscored, []string{"B", "C"}) || b.Items[0].Reason != "Founder." {
		t.Fatalf("breakdown = %+v", b)
	}
	r := &leadrun.Rubric{Attributes: []leadrun.Attribute{
		{ID: "A", Category: "positive", Heading: "A", MaxPoints: 10},
		{ID: "B", Category: "positive", Heading: "B", MaxPoints: 5},
		{ID: "I", Category: "positive", Heading: "I", MaxPoints: 5},
		{ID: "N1", Category: "negative", Heading: "N1", Penalty: -5},
	}}
	if got := LeadrunScore(r, &b); got != 25 {
		t.Errorf("leadrun score %v, want 25: (10 − 5) ÷ 20, I not auto-awarded", got)
	}
	r.Attributes[3].Disqualifying = true
	if got := LeadrunScore(r, &b); got != 0 {
		t.Errorf("disqualified: %v, want 0", got)
	}
	if _, ok := ParseBreakdown("Great lead."); ok {
		t.Error("prose parsed as a breakdown")
	}
}

func TestMapLeadStatuses(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]leadrun.ScoringStatus{
		"Failed — Empty AI Response": leadrun.StatusFailed, "Skipped - Profile JSON too small": leadrun.StatusSkippedMissingData,
		"to be scored": leadrun.StatusToBeScored, "Manually Excluded": leadrun.StatusExcluded, "Gibberish": leadrun.StatusToBeScored,
	} {
		m, err := MapLead(Record{"LinkedIn Profile URL": "linkedin.com/in/x", "Scoring Status": raw}, "A-1")
		if err != nil || m.Lead.ScoringStatus != want {
			t.Errorf("%q: %v %v, want %s", raw, m, err, want)
		}
	}
	m, _ := MapLead(Record{"LinkedIn Profile URL": "linkedin.com/in/x", "Scoring Status": "Failed – Empty AI Response"}, "A-1")
	if m.Lead.LastReason != leadrun.ReasonEmptyAIResponse {
		t.Errorf("reason %s", m.Lead.LastReason)
	}
	m, _ = MapLead(Record{"LinkedIn Profile URL": "linkedin.com/in/x", "AI Score": float64(-3.5)}, "A-1")
	if m.Lead.ScoringStatus != leadrun.StatusScored || *m.Lead.Score != 0 || *m.Original != -3.5 {
		t.Errorf("blank status with a score: %+v", m.Lead)
	}
	if _, err := MapLead(Record{"First Name": "No URL"}, "A-1"); leadrun.ErrorCode(err) != leadrun.EINVALID {
		t.Errorf("no URL: %v", err)
	}
}

// Records as Airtable's API returns them (numbers, booleans, lists) map like CSV rows.
func TestMapLeadAirtableTypes(t *testing.T) {
	t.Parallel()
	m, err := MapLead(Record{"LinkedIn Profile URL": "https://www.linkedin.com/in/api", "First Name": "Ann",
		"Scoring Status": "Scored", "AI Score": float64(81.256), "AI_Excluded": true, "Exclude Details": "Competitor",
		"Date Scored": "2025-09-23T10:00:00.000Z", "Job History": "Coach at Self (2020 – Present)",
		"Tags": []any{"vip", "2025"}}, "A-1")
	if err != nil {
		t.Fatal(err)
	}
	l := m.Lead
	if *l.Score != 81.26 || !l.AIExcluded || l.ExcludeDetails != "Competitor" || l.ScoredAt == nil || l.Company != "Self" ||
		!strings.Contains(string(l.Raw), `"Tags":["vip","2025"]`) {
		t.Errorf("lead = %+v raw %s", l, l.Raw)
	}
	var b RubricBuilder
	b.AddAttribute(Record{"Attribute Id": "A", "Category": "Positive", "Heading": "H", "Max Points": float64(10), "Active": true, "Bonus Points": true})
	b.AddAttribute(Record{"Attribute Id": "B", "Category": "Positive", "Heading": "H", "Max Points": float64(5)}) // unticked: absent
	rm, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := rm.Rubric.Attribute("A"); !a.Bonus || !a.IsActive() {
		t.Errorf("A = %+v", a)
	}
	if a, _ := rm.Rubric.Attribute("B"); a.IsActive() {
		t.Error("B without Active (an unticked box is absent from the API): want inactive")
	}
}

// A lead record as Airtable's API returns it — numbers, a ticked checkbox as true, lists
// (multiple selects, lookups, linked records), a collaborator, attachments, a formula's
// error — maps as its CSV text would.
func TestMapLeadAPIValues(t *testing.T) {
	t.Parallel()
	rec := Record{"LinkedIn Profile URL": "https://www.linkedin.com/in/api-x", "First Name": "Ana", "Last Name": "X",
		"Headline": "Founder", "Job Title": []any{"Founder"}, "Company Name": []any{"Acme", " "}, "Phone": float64(61412345678),
		"Scoring Status": "Scored", "AI Score": float64(72.5), "AI_Excluded": true, "Date Scored": "2025-09-23T10:00:00.000Z",
		"Location":      map[string]any{"id": "usr1", "email": "a@x.example", "name": "Sydney"},
		"Profile Photo": []any{map[string]any{"id": "att1", "url": "https://dl.airtable.com/x.jpg", "filename": "x.jpg"}},
		"Email":         map[string]any{"specialValue": "NaN"}, "Client": []any{"recAAAAAAAAAAAAAA"}}
	m, err := MapLead(rec, "Guy-Wilson")
	if err != nil {
		t.Fatal(err)
	}
	l := m.Lead
	if l.JobTitle != "Founder" || l.Company != "Acme" || l.Phone != "61412345678" || l.Location != "Sydney" || l.Email != "" ||
		l.ScoringStatus != leadrun.StatusScored || l.Score == nil || *l.Score != 72.5 || !l.AIExcluded || l.ScoredAt == nil {
		t.Errorf("lead = %+v", l)
	}
	for v, want := range map[any]string{true: "true", float64(3): "3"} {
		if got := valueText(v); got != want {
			t.Errorf("valueText(%v) = %q, want %q", v, got, want)
		}
	}
	if got := valueText([]any{map[string]any{"label": "Open", "url": "https://x"}, map[string]any{"error": "#ERROR!"}}); got != "Open" {
		t.Errorf("button and formula error read as %q", got)
	}
	c, err := MapClient(Record{"Client ID": "A-1", "Status": "Active", "Service Level": "2-Lead Scoring + Post Scoring", "Processing Stream": float64(2)})
	if err != nil || c.Client.Stream != 2 || c.Client.ServiceLevel != 2 {
		t.Errorf("client = %+v, %v", c, err)
	}
}

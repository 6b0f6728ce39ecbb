package migrate_test

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// agency describes the fake agency a test migrates, and what the import must find.
type agency struct {
	dir string
	// per client: generated rows, and of them scored, to be scored, failed
	generated map[string]int
	scored    map[string]int
	// would change under leadrun's formula / cross the threshold up / down (Guy-Wilson
	// and Dean-Hobin have a rubric; Sarah-Chen has none)
	wouldChange, crossUp, crossDown map[string]int
}

// Denominator of the fixture rubric under both formulas: A15 + B20 + C10 + D5 + E8×0.25 + I5.
const fixtureDenominator = 57.0

// mustAgency copies testdata/original to a temporary folder and generates n leads per
// client in Airtable's "Download CSV" shape: 60 % scored (with the original's Markdown
// breakdown and score, including attribute I's auto-award, scores above 100 and a
// disqualifying penalty), 20 % to be scored, 10 % failed, 10 % skipped; Job History as text.
func mustAgency(t testing.TB, n int) *agency {
	t.Helper()
	a := &agency{dir: t.TempDir(), generated: map[string]int{}, scored: map[string]int{},
		wouldChange: map[string]int{}, crossUp: map[string]int{}, crossDown: map[string]int{}}
	mustCopyDir(t, "testdata/original", a.dir)
	mustCopyFile(t, filepath.Join("testdata/original/Guy-Wilson", "Scoring Attributes-Grid view.csv"),
		filepath.Join(a.dir, "Dean-Hobin", "Scoring Attributes-Grid view.csv"))
	for _, client := range []string{"Guy-Wilson", "Dean-Hobin", "Sarah-Chen"} {
		if err := os.MkdirAll(filepath.Join(a.dir, client), 0o755); err != nil {
			t.Fatal(err)
		}
		a.writeLeads(t, client, n)
	}
	return a
}

var leadHeader = []string{"LinkedIn Profile URL", "First Name", "Last Name", "Headline", "Job Title", "Company Name",
	"About", "Location", "Email", "Job History", "LinkedIn Connection Status", "Status", "Scoring Status", "AI Score",
	"AI Profile Assessment", "AI Attribute Breakdown", "Date Scored", "Date Added to LH Campaign"}

func (a *agency) writeLeads(t testing.TB, client string, n int) {
	f, err := os.Create(filepath.Join(a.dir, client, "Leads-Grid view.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := csv.NewWriter(f)
	w.Write(leadHeader)
	for i := range n {
		w.Write(a.leadRow(client, i))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	a.generated[client] = n
}

func (a *agency) leadRow(client string, i int) []string {
	row := []string{fmt.Sprintf("https://www.linkedin.com/in/%s-lead-%d/", client, i), "Lead", fmt.Sprintf("Number%d", i),
		"Founder and AI coach", "Founder", fmt.Sprintf("Co %d", i), "Builds things.", "Sydney",
		fmt.Sprintf("lead%d@example.com", i), fmt.Sprintf("Founder at Co %d (2019 – Present)\nManager at Big Bank (2012 – 2019)", i),
		"Candidate", "In Process", "", "", "", "", "", ""}
	switch k := i % 10; {
	case k < 6:
		row[12] = "Scored"
		score, md := a.scoredLead(client, i)
		row[13], row[14], row[15] = fmt.Sprintf("%.2f", score), "A strong fit for coaching.", md
		row[16] = "2025-09-23T10:00:00.000Z"
		if i%7 == 0 {
			row[17] = "2025-10-01"
		}
		a.scored[client]++
	case k < 8:
		row[12] = "To Be Scored"
	case k == 8:
		row[12] = "Failed – API Error"
	default:
		row[12], row[3], row[9] = "Skipped – Missing Critical Data", "", ""
	}
	return row
}

// scoredLead makes the original's breakdown and score for lead i, and counts how the
// score moves under leadrun's formula, computed here independently of the package.
func (a *agency) scoredLead(client string, i int) (float64, string) {
	pts := map[string]int{"A": i % 16, "B": (i * 7) % 21, "C": (i * 3) % 11, "D": i % 6, "E": (i % 3) * 4}
	auto := i%5 == 0 // the model left I unscored and the lead is contact-ready: the original gives 5
	n2 := i%11 == 0  // the disqualifying hard-seller penalty applies
	md := "**Positive Attributes**:\n"
	raw := 0
	for _, id := range []string{"A", "B", "C", "D", "E"} {
		raw += pts[id]
		if pts[id] != 0 {
			md += fmt.Sprintf("- **%s (Attribute %s)**: %d / %d\n  ↳ Reason for %s.\n", id, id, pts[id], map[string]int{"A": 15, "B": 20, "C": 10, "D": 5, "E": 8}[id], id)
		}
	}
	if auto {
		raw += 5
		md += "- **I (Contact readiness)**: 5 / 5\n  ↳ _GPT could not score this attribute_\n"
	}
	md += "\n**Negative Attributes**:\n"
	if n2 {
		raw -= 5
		md += "- **N2 (Hard seller)**: -5 / -5\n  ↳ Sales pitch.\n"
	}
	orig := math.Round(float64(raw)/fixtureDenominator*100*100) / 100
	md += fmt.Sprintf("\n**Total:** %d / 57 ⇒ %.1f %% — Not Disqualified", raw, orig)
	if client != "Sarah-Chen" {
		lr := raw
		if auto {
			lr -= 5
		}
		next := math.Min(100, math.Max(0, math.Round(float64(lr)/fixtureDenominator*100*100)/100))
		if n2 {
			next = 0
		}
		if math.Abs(next-orig) >= 0.005 {
			a.wouldChange[client]++
		}
		switch {
		case orig < 50 && next >= 50:
			a.crossUp[client]++
		case orig >= 50 && next < 50:
			a.crossDown[client]++
		}
	}
	return orig, md
}

func mustCopyDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		mustCopyFile(t, p, filepath.Join(to, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustCopyFile(t testing.TB, from, to string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
}

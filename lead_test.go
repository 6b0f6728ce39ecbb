package leadrun_test

import (
	"testing"

	"github.com/leadrun/leadrun"
)

func TestProfileKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"https://www.linkedin.com/in/jane-doe", "linkedin.com/in/jane-doe"},
		{"http://linkedin.com/in/jane-doe/", "linkedin.com/in/jane-doe"},
		{"HTTPS://WWW.LinkedIn.com/in/Jane-Doe", "linkedin.com/in/jane-doe"},
		{"linkedin.com/in/jane-doe", "linkedin.com/in/jane-doe"},
		{"www.linkedin.com/in/jane-doe//", "linkedin.com/in/jane-doe"},
		{"  https://www.linkedin.com/in/jane-doe?utm_source=x&trk=y  ", "linkedin.com/in/jane-doe"},
		{"https://www.linkedin.com/in/jane-doe/#experience", "linkedin.com/in/jane-doe"},
		{"https://uk.linkedin.com/in/jane-doe", "linkedin.com/in/jane-doe"},
		{"https://au.linkedin.com/in/x/", "linkedin.com/in/x"},
		{"https://m.linkedin.com/in/x", "linkedin.com/in/x"},
		{"https://www.linkedin.com/in/JOSÉ-x", "linkedin.com/in/jos%c3%a9-x"},
		{"https://www.linkedin.com/in/josé-x/", "linkedin.com/in/jos%c3%a9-x"},
		{"https://www.linkedin.com/in/JOS%C3%89-x", "linkedin.com/in/jos%c3%a9-x"},
		{"https://www.linkedin.com/in/jos%c3%a9-x", "linkedin.com/in/jos%c3%a9-x"},
		{"https://www.linkedin.com/profile/view?id=AbC123&trk=nav", "linkedin.com/profile/view?id=abc123"},
		{"https://www.linkedin.com/Profile/View/?id=42", "linkedin.com/profile/view?id=42"},
		{"https://www.linkedin.com/profile/view", "linkedin.com/profile/view"},
	}
	for _, tt := range tests {
		got, err := leadrun.ProfileKey(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ProfileKey(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestProfileKeyInvalid(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "   ", "https://", "https://www.linkedin.com", "https://www.linkedin.com/", "not a url", "http://[::1", "?id=1",
		"https://example.com/in/x", "javascript:alert(1)//linkedin.com/in/x"} {
		key, err := leadrun.ProfileKey(in)
		if leadrun.ErrorCode(err) != leadrun.EINVALID {
			t.Errorf("ProfileKey(%q) = %q, %v; want EINVALID", in, key, err)
		}
	}
}

func TestMissingCriticalData(t *testing.T) {
	t.Parallel()
	job := []leadrun.Job{{Title: "Founder"}}
	tests := []struct {
		name string
		lead leadrun.Lead
		want string
	}{
		{"complete", leadrun.Lead{Headline: "Founder", Experience: job}, ""},
		{"job title stands in for headline", leadrun.Lead{JobTitle: "CEO", Experience: job}, ""},
		{"company-only job counts", leadrun.Lead{Headline: "x", Experience: []leadrun.Job{{Company: "Acme"}}}, ""},
		{"about is optional", leadrun.Lead{Headline: "x", Experience: job, About: ""}, ""},
		{"no headline", leadrun.Lead{Headline: "  ", Experience: job}, "no headline"},
		{"no job", leadrun.Lead{Headline: "x"}, "no job history"},
		{"blank jobs only", leadrun.Lead{Headline: "x", Experience: []leadrun.Job{{Description: "did things"}, {Title: " "}}}, "no job history"},
		{"nothing", leadrun.Lead{}, "no headline and no job history"},
	}
	for _, tt := range tests {
		if got := tt.lead.MissingCriticalData(); got != tt.want {
			t.Errorf("%s: MissingCriticalData() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestScorerExperience(t *testing.T) {
	t.Parallel()
	l := leadrun.Lead{Experience: make([]leadrun.Job, 7)}
	if got := len(l.ScorerExperience()); got != leadrun.ExperienceShownToScorer {
		t.Errorf("ScorerExperience() has %d jobs, want %d", got, leadrun.ExperienceShownToScorer)
	}
	l.Experience = l.Experience[:2]
	if got := len(l.ScorerExperience()); got != 2 {
		t.Errorf("ScorerExperience() has %d jobs, want 2", got)
	}
}

func TestLeadValidate(t *testing.T) {
	t.Parallel()
	l := leadrun.Lead{ClientID: "Guy-Wilson", ProfileURL: "https://www.linkedin.com/in/Jane/"}
	if err := l.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	if l.ProfileKey != "linkedin.com/in/jane" || l.ConnectionStatus != leadrun.ConnectionCandidate {
		t.Errorf("after Validate: key %q, connection %q", l.ProfileKey, l.ConnectionStatus)
	}
	for name, bad := range map[string]leadrun.Lead{
		"bad client":     {ClientID: "a b", ProfileURL: "linkedin.com/in/x"},
		"bad url":        {ClientID: "c1", ProfileURL: ""},
		"bad connection": {ClientID: "c1", ProfileURL: "linkedin.com/in/x", ConnectionStatus: "friend"},
	} {
		if err := bad.Validate(); leadrun.ErrorCode(err) != leadrun.EINVALID {
			t.Errorf("%s: Validate() = %v, want EINVALID", name, err)
		}
	}
}

func TestFullName(t *testing.T) {
	t.Parallel()
	if got := (&leadrun.Lead{FirstName: "Jane", LastName: "Doe"}).FullName(); got != "Jane Doe" {
		t.Errorf("FullName() = %q", got)
	}
	if got := (&leadrun.Lead{LastName: "Doe"}).FullName(); got != "Doe" {
		t.Errorf("FullName() = %q", got)
	}
}

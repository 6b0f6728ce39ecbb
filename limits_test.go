package leadrun

import (
	"strings"
	"testing"
)

// Validate is the lead's text boundary: harmless damage is repaired and noted, text over
// its limit and non-LinkedIn URLs are refused with the field named.
func TestLeadTextBoundary(t *testing.T) {
	t.Parallel()
	l := &Lead{ClientID: "c1", ProfileURL: "https://linkedin.com/in/a", FirstName: "a\x00b", About: "caf\xe9",
		Experience: []Job{{Title: "CEO\x00", Company: "X"}}, Raw: []byte(`{"a":"` + "\xff" + `"}`)}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if l.FirstName != "ab" || l.About != "caf\uFFFD" || l.Experience[0].Title != "CEO" || string(l.Raw) != `{"a":"`+"\uFFFD"+`"}` {
		t.Errorf("not repaired: %+v raw %q", l, l.Raw)
	}
	if got := strings.Join(l.Repairs, "; "); !strings.Contains(got, "first_name") || !strings.Contains(got, "about") ||
		!strings.Contains(got, "experience[0].title") || !strings.Contains(got, "raw") {
		t.Errorf("repairs %q", got)
	}
	refused := map[string]*Lead{
		"about is 20,481 bytes long, over the limit of 20,480": {About: strings.Repeat("a", MaxAboutLen+1)},
		"first_name is 201 bytes long":                         {FirstName: strings.Repeat("a", 201)},
		"email is 255 bytes long":                              {Email: strings.Repeat("e", 255)},
		"experience holds 101 jobs":                            {Experience: make([]Job, 101)},
		"experience[3].description":                            {Experience: []Job{3: {Description: strings.Repeat("d", MaxAboutLen+1)}}},
		"must start with https://":                             {ProfileURL: "javascript://linkedin.com/in/a"},
		"not on linkedin.com":                                  {ProfileURL: "https://linkedin.com.evil.example/in/a"},
	}
	for want, l := range refused {
		l.ClientID = "c1"
		if l.ProfileURL == "" {
			l.ProfileURL = "https://linkedin.com/in/a"
		}
		if err := l.Validate(); ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), want) {
			t.Errorf("want %q, got %v", want, err)
		}
	}
	big := &Lead{ClientID: "c1", ProfileURL: "https://linkedin.com/in/a", Raw: make([]byte, MaxRawLen+1)}
	if err := big.Validate(); err != nil || big.Raw != nil || len(big.Repairs) != 1 {
		t.Errorf("an oversized raw object is dropped with a note: %v %d %v", err, len(big.Raw), big.Repairs)
	}
}

// Only http(s) LinkedIn URLs leave through exports, whatever was stored.
func TestExportURL(t *testing.T) {
	t.Parallel()
	cases := map[[2]string]string{
		{"https://www.linkedin.com/in/Jane/", "linkedin.com/in/jane"}: "https://www.linkedin.com/in/Jane/",
		{"linkedin.com/in/jane", "linkedin.com/in/jane"}:              "https://linkedin.com/in/jane",
		{"javascript:alert(1)", "linkedin.com/in/jane"}:               "https://linkedin.com/in/jane",
		{"javascript:alert(1)", "javascript:alert(1)"}:                "",
		{"https://evil.example/in/x", ""}:                             "",
	}
	for in, want := range cases {
		l := &Lead{ProfileURL: in[0], ProfileKey: in[1]}
		if got := l.ExportURL(); got != want {
			t.Errorf("ExportURL(%q, key %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}

// Client names and timezones typed by an administrator are refused, not repaired.
func TestClientTextLimits(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		strings.Repeat("n", 1<<20): "name is 1,048,576 bytes long, over the limit of 200",
		"a\x00b":                   "without NUL",
		"caf\xe9":                  "valid UTF-8",
	} {
		c := &Client{ID: "c1", Name: name}
		c.SetDefaults()
		if err := c.Validate(); ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), want) {
			t.Errorf("name %.20q: %v, want %q", name, err, want)
		}
	}
}

// AI answers are cut to their limit without splitting a character.
func TestCleanAssessment(t *testing.T) {
	t.Parallel()
	a := &Assessment{Summary: strings.Repeat("é", MaxReasonLen), Reasons: map[string]string{"A": "x\x00y"}}
	CleanAssessment(a)
	if len(a.Summary) > MaxReasonLen || !strings.HasSuffix(a.Summary, "…") || a.Reasons["A"] != "xy" {
		t.Errorf("summary %d bytes, reason %q", len(a.Summary), a.Reasons["A"])
	}
}

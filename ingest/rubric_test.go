package ingest

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
)

func testRubric() *leadrun.Rubric {
	off := false
	return &leadrun.Rubric{
		Preamble: "Score LinkedIn profiles for a business coach.\nBe strict.",
		Attributes: []leadrun.Attribute{
			{ID: "A", Category: "positive", Heading: "Founder", Instructions: "0–5 pts = none\n6–20 pts = founder",
				MaxPoints: 20, MinToQualify: 5, Signals: []string{"founder", "owner"}, Examples: "Founder at Acme"},
			{ID: "B", Category: "positive", Heading: "AI curious", Instructions: "0–3 pts", MaxPoints: 3, Bonus: true},
			{ID: "C", Category: "positive", Heading: "Old", Instructions: "unused", MaxPoints: 5, Active: &off},
			{ID: "N1", Category: "negative", Heading: "Recruiter", Instructions: "Disqualify recruiters.",
				Penalty: -10, Disqualifying: true, Signals: []string{"recruiter"}},
		},
		Post: &leadrun.PostRubric{
			Preamble: "Score posts.",
			Criteria: []leadrun.PostCriterion{
				{ID: "POST_AI", Category: "positive", Name: "AI insight", Instructions: "…", MaxScore: 20,
					PositiveKeywords: []string{"ai"}, NegativeKeywords: []string{"crypto"}},
				{ID: "POST_PROMO", Category: "negative", Name: "Self-promotion", Instructions: "…", Penalty: -10},
			},
		},
	}
}

func TestRubricRoundTrip(t *testing.T) {
	t.Parallel()
	for _, format := range []string{FormatYAML, FormatJSON} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			want := testRubric()
			buf := bytes.NewBufferString("\ufeff") // a byte-order mark is tolerated
			if err := EncodeRubric(buf, want, format); err != nil {
				t.Fatalf("EncodeRubric: %v", err)
			}
			got, err := DecodeRubric(bytes.NewReader(buf.Bytes()), format)
			if err != nil {
				t.Fatalf("DecodeRubric: %v\n%s", err, buf.String())
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the rubric:\n got %+v\nwant %+v\n%s", got, want, buf.String())
			}
		})
	}
}

func TestDecodeRubricErrors(t *testing.T) {
	t.Parallel()
	const goodYAML = "attributes:\n  - id: A\n    category: positive\n    heading: Founder\n    max_points: 10\n"
	tests := []struct {
		name, format, in string
		want             []string // substrings of the error message
	}{
		{"unknown format", "toml", goodYAML, []string{`"toml"`, "yaml or json"}},
		{"empty", "yaml", "  \n", []string{"empty"}},
		{"no attributes", "yaml", "preamble: hi\n", []string{"no attributes"}},
		{"yaml unknown field", "yaml", goodYAML + "    maxpoints: 3\n",
			[]string{"line 6", `unknown field "maxpoints"`, "an attribute", "max_points"}},
		{"yaml unknown top field", "yaml", "preambel: x\n" + goodYAML, []string{"line 1", `"preambel"`, "the rubric"}},
		{"yaml wrong type", "yaml", strings.Replace(goodYAML, "10", "ten", 1), []string{"line 5", "text `ten`", "whole number"}},
		{"yaml syntax", "yaml", "attributes: [\n", []string{"rubric YAML"}},
		{"yaml second document", "yaml", goodYAML + "---\npreamble: x\n", []string{"second YAML document"}},
		{"yaml invalid rubric", "yaml", strings.Replace(goodYAML, "max_points: 10", "penalty: -5", 1),
			[]string{"attribute A", "max_points > 0"}},
		{"json unknown field", "json", "{\n\"attributes\": [\n{\"id\": \"A\", \"category\": \"positive\",\n\"heading\": \"H\", \"max_points\": 5, \"colour\": 1}]}",
			[]string{"line 4", `unknown field "colour"`}},
		{"json wrong type", "json", "{\"attributes\": [{\"id\": \"A\",\n\"max_points\": \"5\"}]}",
			[]string{"line 2", `"attributes.max_points"`, "whole number", "string"}},
		{"json syntax", "json", "{\"attributes\": [\n{\"id\": \"A\",}]}", []string{"line 2", "column"}},
		{"json trailing data", "json", `{"attributes": [{"id": "A", "category": "positive", "heading": "H", "max_points": 5}]}` + "\n\n{}",
			[]string{"line 3", "after the rubric"}},
		{"json truncated", "json", `{"attributes": [`, []string{"ends too early"}},
		{"json invalid rubric", "json", `{"attributes": [{"id": "A", "category": "neutral", "heading": "H"}]}`,
			[]string{"attribute A", "category"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodeRubric(strings.NewReader(tt.in), tt.format)
			mustInvalid(t, err, tt.want...)
		})
	}
}

func TestEncodeRubricUnknownFormat(t *testing.T) {
	t.Parallel()
	mustInvalid(t, EncodeRubric(&bytes.Buffer{}, testRubric(), "xml"), "xml")
	mustInvalid(t, EncodeRubric(&bytes.Buffer{}, nil, "json"), "no rubric")
}

func TestFormatFromPath(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, want string }{
		{"rubric.yaml", "yaml"}, {"dir/R.YML", "yaml"}, {"leads.json", "json"},
		{"/tmp/Leads.CSV", "csv"}, {"leads.txt", ""}, {"noext", ""},
	}
	for _, tt := range tests {
		got, err := FormatFromPath(tt.path)
		if tt.want == "" {
			mustInvalid(t, err, tt.path, ".yaml")
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("FormatFromPath(%q) = %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
}

// mustInvalid fails unless err is an EINVALID domain error whose message holds every want.
func mustInvalid(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want EINVALID containing %q", want)
	}
	if code := leadrun.ErrorCode(err); code != leadrun.EINVALID {
		t.Fatalf("code = %q (%v), want EINVALID", code, err)
	}
	msg := leadrun.ErrorMessage(err)
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not contain %q", msg, w)
		}
	}
}

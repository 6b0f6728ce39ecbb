package openai

import (
	"testing"

	"github.com/leadrun/leadrun"
)

func TestStripFences(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"```json\n{\"a\":1}\n```": `{"a":1}`,
		"```\n{\"a\":1}```":       `{"a":1}`,
		"  {\"a\":1}  ":           `{"a":1}`,
		"```json{\"a\":1}```":     `{"a":1}`,
		"```":                     "",
	} {
		if got := stripFences(in); got != want {
			t.Errorf("stripFences(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseLeadAnswer(t *testing.T) {
	t.Parallel()
	idx := indexRubric(testRubric())
	want := map[string]bool{"L1": true, "L2": true}
	tests := []struct {
		name    string
		content string
		errWant leadrun.Reason
		verdict map[string]string // key → "ok" or reason
	}{
		{"null scores are unscored", `{"leads":[{"key":"L1","positive_scores":{"A":null,"B":2},"negative_scores":null,"attribute_reasoning":{"A":null,"B":"x"},"unscored_attributes":["A","A"],"contact_readiness":false,"assessment":"s","ai_excluded":false,"exclude_details":""}]}`,
			"", map[string]string{"L1": "ok"}},
		{"whole numbers", `{"leads":[{"key":"L1","positive_scores":{"A":3.0}}]}`, "", map[string]string{"L1": "ok"}},
		{"inactive attribute", `{"leads":[{"key":"L1","positive_scores":{"X":1}}]}`, "", map[string]string{"L1": "invalid_ai_response"}},
		{"unknown unscored id", `{"leads":[{"key":"L1","unscored_attributes":["Q"]}]}`, "", map[string]string{"L1": "invalid_ai_response"}},
		{"bool as string", `{"leads":[{"key":"L1","contact_readiness":"Yes"}]}`, "", map[string]string{"L1": "invalid_ai_response"}},
		{"duplicate key", `{"leads":[{"key":"L1"},{"key":"L1"}]}`, "", map[string]string{"L1": "invalid_ai_response"}},
		{"huge number", `{"leads":[{"key":"L1","positive_scores":{"A":1e300}}]}`, "", map[string]string{"L1": "invalid_ai_response"}},
		{"trailing text", `{"leads":[]} thanks!`, leadrun.ReasonParseError, nil},
		{"an array", `[{"key":"L1"}]`, leadrun.ReasonParseError, nil},
		{"no leads array", `{"results":[]}`, leadrun.ReasonInvalidAIResponse, nil},
		{"leads not an array", `{"leads":{"L1":{}}}`, leadrun.ReasonInvalidAIResponse, nil},
	}
	for _, tt := range tests {
		p, err := parseLeadAnswer(tt.content, idx, want)
		if tt.errWant != "" {
			if ae, ok := err.(*answerError); !ok || ae.reason != tt.errWant {
				t.Errorf("%s: error = %v, want %s", tt.name, err, tt.errWant)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		for k, w := range tt.verdict {
			got := string(p.byKey[k].reason)
			if got == "" {
				got = "ok"
			}
			if got != w {
				t.Errorf("%s: %s = %s (%s), want %s", tt.name, k, got, p.byKey[k].detail, w)
			}
		}
	}
	p, _ := parseLeadAnswer(tests[0].content, idx, want)
	a := p.byKey["L1"].val
	if _, scored := a.Points["A"]; scored || a.Points["B"] != 2 || len(a.Unscored) != 1 || a.Reasons["B"] != "x" {
		t.Errorf("assessment = %+v", a)
	}
}

func FuzzParseAnswer(f *testing.F) {
	for _, seed := range []string{
		answer(okObj("L1"), okObj("L2")),
		"```json\n" + answer(okObj("L1")) + "\n```",
		`{"leads":[{"key":"L1","positive_scores":{"A":11}}]}`,
		`{"leads":[{"key":"L1","positive_scores":{"A":"7"},"negative_scores":{"N1":-5}}]}`,
		`{"leads":[{"key":"L2","positive_scores":{"A":-0.0,"B":5e0}}]}`,
		`{"leads":[{"key":"L1","positive_scores":{"A":`,
		`{"posts":[{"post_url":"u1","score":3,"rationale":"r"}]}`,
		`{"posts":[{"post_url":"u1","score":3.5}]}`,
		"", "null", "[]", `{"leads":null}`, "```", "\xff\xfe",
	} {
		f.Add(seed)
	}
	rubric := testRubric()
	idx := indexRubric(rubric)
	f.Fuzz(func(t *testing.T, content string) {
		p, err := parseLeadAnswer(content, idx, map[string]bool{"L1": true, "L2": true})
		if err == nil {
			for k, v := range p.byKey {
				if v.reason == "" && (v.val == nil || rubric.CheckAssessment(v.val) != nil) {
					t.Fatalf("%s: accepted an invalid assessment %+v", k, v.val)
				}
			}
		}
		pp, err := parsePostAnswer(content, 20, map[string]bool{"u1": true})
		if err == nil {
			for _, v := range pp.byKey {
				if v.reason == "" && (v.val.score < 0 || v.val.score > 20) {
					t.Fatalf("accepted score %d", v.val.score)
				}
			}
		}
		_, _, _ = readReply(chatReply{content: content, finish: "stop"}, nil, func(c string) (parsed[postVerdict], error) {
			return parsePostAnswer(c, 20, map[string]bool{"u1": true})
		})
	})
}

package openai

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update to accept):\n%s", name, got)
	}
}

func TestPromptGolden(t *testing.T) {
	rubric := testRubric()
	noPreamble := testRubric()
	noPreamble.Preamble = ""
	schema, _ := json.MarshalIndent(leadSchema(rubric), "", "  ")
	postSchemaJSON, _ := json.MarshalIndent(postSchema(testPostRubric()), "", "  ")
	cases := map[string]string{
		"lead_system.golden":             leadSystemPrompt(rubric),
		"lead_system_no_preamble.golden": leadSystemPrompt(noPreamble),
		"lead_user.golden":               leadUserPrompt(testLeads(1, 2)),
		"lead_schema.golden":             string(schema),
		"post_system.golden":             postSystemPrompt(testPostRubric()),
		"post_user.golden":               postUserPrompt(testPosts()),
		"post_schema.golden":             string(postSchemaJSON),
	}
	for name, got := range cases {
		checkGolden(t, name, got)
	}
}

func TestPromptIsFaithful(t *testing.T) {
	t.Parallel()
	rubric := testRubric()
	sys := leadSystemPrompt(rubric)
	for _, a := range rubric.Attributes {
		enc, _ := json.Marshal(a.Instructions)
		enc = []byte(strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(enc)))
		if a.IsActive() != strings.Contains(sys, string(enc)) {
			t.Errorf("attribute %s (active %v): instructions verbatim in prompt = %v", a.ID, a.IsActive(), !a.IsActive())
		}
	}
	for _, want := range []string{rubric.Preamble, "POSITIVE ATTRIBUTES\n[", "NEGATIVE ATTRIBUTES\n[", `"max_points": 10`,
		`"penalty": -5`, `"disqualifying": true`, `"bonus": true`, "0–3 pts = employee mindset", "unscored_attributes", "no markdown"} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q", want)
		}
	}
	user := leadUserPrompt(testLeads(7))
	var msg struct {
		Leads []struct {
			Key        string        `json:"key"`
			Headline   string        `json:"headline"`
			Experience []leadrun.Job `json:"experience"`
		} `json:"leads"`
	}
	if err := json.Unmarshal([]byte(user[strings.IndexByte(user, '\n')+1:]), &msg); err != nil {
		t.Fatal(err)
	}
	if len(msg.Leads) != 1 || msg.Leads[0].Key != "L7" || len(msg.Leads[0].Experience) != 5 || msg.Leads[0].Headline != "Founder 7" {
		t.Errorf("user message = %s", user)
	}
	fallback := leadUserPrompt([]*leadrun.Lead{{ID: 3, JobTitle: "CTO"}})
	if !strings.Contains(fallback, `"headline":"CTO"`) || !strings.Contains(fallback, `"experience":[]`) {
		t.Errorf("job title fallback: %s", fallback)
	}
}

func FuzzBuildPrompt(f *testing.F) {
	f.Add("preamble", "0–3 pts = none - weak\n8–10 = strong", "Founder <CEO>", "about \"me\"", int64(1))
	f.Add("", "", "", "", int64(-5))
	f.Add("\x00\xff", "```json", "\u2028", "{\"leads\":[]}", int64(1<<62))
	f.Fuzz(func(t *testing.T, preamble, instructions, headline, about string, id int64) {
		r := &leadrun.Rubric{Preamble: preamble, Attributes: []leadrun.Attribute{
			{ID: "A", Category: "positive", Heading: "h", Instructions: instructions, MaxPoints: 5},
			{ID: "N1", Category: "negative", Heading: "n", Instructions: instructions, Penalty: -2},
		}}
		sys := leadSystemPrompt(r)
		if !strings.Contains(sys, "POSITIVE ATTRIBUTES") || !strings.Contains(sys, "RULES") {
			t.Fatalf("system prompt lacks its sections")
		}
		_ = leadSchema(r)
		user := leadUserPrompt([]*leadrun.Lead{{ID: id, Headline: headline, About: about,
			Experience: []leadrun.Job{{Title: headline, Description: about}}}})
		var msg struct {
			Leads []struct {
				Key string `json:"key"`
			} `json:"leads"`
		}
		if err := json.Unmarshal([]byte(user[strings.IndexByte(user, '\n')+1:]), &msg); err != nil {
			t.Fatalf("user message is not JSON: %v", err)
		}
		if len(msg.Leads) != 1 || msg.Leads[0].Key != leadKey(id) {
			t.Fatalf("keys = %+v", msg.Leads)
		}
		pr := &leadrun.PostRubric{Preamble: preamble, Criteria: []leadrun.PostCriterion{
			{ID: "P", Category: "positive", Name: "p", Instructions: instructions, MaxScore: 10}}}
		_ = postSystemPrompt(pr)
		pu := postUserPrompt([]*leadrun.Post{{PostURL: headline, Content: about}})
		if !json.Valid([]byte(pu[strings.IndexByte(pu, '\n')+1:])) {
			t.Fatalf("post user message is not JSON")
		}
	})
}

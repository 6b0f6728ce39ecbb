package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
)

// defaultLeadPreamble stands in for a rubric without a preamble (the original's line).
const defaultLeadPreamble = "You are an expert AI lead-scoring engine. You score LinkedIn profiles against a client's rubric, fairly and consistently, and answer in strict JSON."

// defaultPostPreamble stands in for a post rubric without a preamble.
const defaultPostPreamble = "You are an expert at judging LinkedIn posts for a client. You score each post against the client's criteria and answer in strict JSON."

// leadRules is the response section of the lead system prompt (the original's eight
// rules, with the key echo replacing "in the same order").
const leadRules = `RESPONSE FORMAT
Answer with one JSON object and nothing else:
{"leads":[{"key":"<the lead's key>","positive_scores":{"<attribute id>":<integer>},"negative_scores":{"<attribute id>":<integer>},"attribute_reasoning":{"<attribute id>":"<reason>"},"contact_readiness":<true or false>,"unscored_attributes":["<attribute id>"],"assessment":"<50 to 150 words on the lead>","ai_excluded":<true or false>,"exclude_details":"<why excluded, or empty>"}]}

RULES
1. Return exactly one object per lead in "leads" and copy each lead's "key" exactly as given; the order does not matter.
2. positive_scores: for each positive attribute you can score, an integer from 0 to its max_points.
3. negative_scores: for each negative attribute you can score, an integer from its penalty (a negative number) to 0; 0 means it does not apply.
4. If the profile gives no evidence to score an attribute, leave it out of the scores (or set it to null) and list its id in unscored_attributes.
5. Give a short reason in attribute_reasoning for every attribute you scored.
6. Use only the attribute ids listed above and only the keys of the leads given; never invent ids or keys.
7. contact_readiness: true when, taken as a whole, the person looks ready and worth contacting now.
8. ai_excluded: true only when a hard disqualifier applies (such as a disqualifying negative attribute); say why in exclude_details.
9. Plain JSON only: no markdown, no code fences, no text before or after the object.`

// promptAttribute is how an attribute appears in the system prompt: every field verbatim.
type promptAttribute struct {
	ID            string   `json:"id"`
	Heading       string   `json:"heading"`
	Instructions  string   `json:"instructions"`
	MaxPoints     int      `json:"max_points,omitempty"`
	Bonus         bool     `json:"bonus,omitempty"`
	MinToQualify  int      `json:"min_to_qualify,omitempty"`
	Penalty       int      `json:"penalty,omitempty"`
	Disqualifying bool     `json:"disqualifying,omitempty"`
	Signals       []string `json:"signals,omitempty"`
	Examples      string   `json:"examples,omitempty"`
}

// leadSystemPrompt builds the system prompt of a lead chunk from the rubric's preamble and
// active attributes. Instructions go out verbatim, score bands and dashes included.
func leadSystemPrompt(r *leadrun.Rubric) string {
	var pos, neg []promptAttribute
	for _, a := range r.ActiveAttributes() {
		p := promptAttribute{ID: a.ID, Heading: a.Heading, Instructions: a.Instructions,
			Signals: a.Signals, Examples: a.Examples}
		if a.Category == leadrun.CategoryNegative {
			p.Penalty, p.Disqualifying = a.Penalty, a.Disqualifying
			neg = append(neg, p)
			continue
		}
		p.MaxPoints, p.Bonus, p.MinToQualify = a.MaxPoints, a.Bonus, a.MinToQualify
		pos = append(pos, p)
	}
	var b strings.Builder
	b.WriteString(preambleOr(r.Preamble, defaultLeadPreamble))
	b.WriteString("\n\nPOSITIVE ATTRIBUTES\n")
	b.WriteString(prettyJSON(nonNil(pos)))
	b.WriteString("\n\nNEGATIVE ATTRIBUTES\n")
	b.WriteString(prettyJSON(nonNil(neg)))
	b.WriteString("\n\n")
	b.WriteString(leadRules)
	return b.String()
}

// slimLead is the part of a lead the model sees, with the key it must echo.
type slimLead struct {
	Key        string        `json:"key"`
	Headline   string        `json:"headline"`
	About      string        `json:"about"`
	Experience []leadrun.Job `json:"experience"`
}

// leadKey is the key a lead carries in a prompt and its answer.
func leadKey(id int64) string { return "L" + strconv.FormatInt(id, 10) }

// leadUserPrompt builds the user message of a lead chunk.
func leadUserPrompt(leads []*leadrun.Lead) string {
	slim := make([]slimLead, 0, len(leads))
	for _, l := range leads {
		headline := l.Headline
		if strings.TrimSpace(headline) == "" {
			headline = l.JobTitle
		}
		slim = append(slim, slimLead{Key: leadKey(l.ID), Headline: headline, About: l.About,
			Experience: nonNil(l.ScorerExperience())})
	}
	return fmt.Sprintf("Score the following %d leads. Answer for every key.\n%s",
		len(leads), compactJSON(map[string]any{"leads": slim}))
}

// leadSchema is the structured-output schema of a lead answer. Strict mode wants every
// property required and no open maps, so the score maps list the rubric's IDs with
// nullable values (null = unscored).
func leadSchema(r *leadrun.Rubric) map[string]any {
	pos, neg, reasons := object(), object(), object()
	var ids []any
	for _, a := range r.ActiveAttributes() {
		ids = append(ids, a.ID)
		reasons.add(a.ID, map[string]any{"type": []string{"string", "null"}})
		if a.Category == leadrun.CategoryNegative {
			neg.add(a.ID, map[string]any{"type": []string{"integer", "null"}, "minimum": a.Penalty, "maximum": 0})
			continue
		}
		pos.add(a.ID, map[string]any{"type": []string{"integer", "null"}, "minimum": 0, "maximum": a.MaxPoints})
	}
	unscored := map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
	if len(ids) > 0 {
		unscored["items"] = map[string]any{"type": "string", "enum": ids}
	}
	lead := object()
	lead.add("key", map[string]any{"type": "string"})
	lead.add("positive_scores", pos.schema())
	lead.add("negative_scores", neg.schema())
	lead.add("attribute_reasoning", reasons.schema())
	lead.add("contact_readiness", map[string]any{"type": "boolean"})
	lead.add("unscored_attributes", unscored)
	lead.add("assessment", map[string]any{"type": "string"})
	lead.add("ai_excluded", map[string]any{"type": "boolean"})
	lead.add("exclude_details", map[string]any{"type": "string"})
	root := object()
	root.add("leads", map[string]any{"type": "array", "items": lead.schema()})
	return root.schema()
}

// postSystemPrompt builds the system prompt of a lead's posts from the post rubric.
func postSystemPrompt(r *leadrun.PostRubric) string {
	type criterion struct {
		ID               string   `json:"id"`
		Category         string   `json:"category"`
		Name             string   `json:"name"`
		Instructions     string   `json:"instructions"`
		MaxScore         int      `json:"max_score,omitempty"`
		Penalty          int      `json:"penalty,omitempty"`
		PositiveKeywords []string `json:"positive_keywords,omitempty"`
		NegativeKeywords []string `json:"negative_keywords,omitempty"`
		Examples         string   `json:"examples,omitempty"`
	}
	crit := []criterion{}
	for _, c := range r.Criteria {
		if c.IsActive() {
			crit = append(crit, criterion{c.ID, c.Category, c.Name, c.Instructions, c.MaxScore, c.Penalty,
				c.PositiveKeywords, c.NegativeKeywords, c.Examples})
		}
	}
	var b strings.Builder
	b.WriteString(preambleOr(r.Preamble, defaultPostPreamble))
	b.WriteString("\n\nPOST SCORING CRITERIA\n")
	b.WriteString(prettyJSON(crit))
	fmt.Fprintf(&b, `

RESPONSE FORMAT
Answer with one JSON object and nothing else:
{"posts":[{"post_url":"<the post's post_url>","score":<integer>,"rationale":"<why>"}]}

RULES
1. Return exactly one object per post in "posts" and copy each post's "post_url" exactly as given; the order does not matter.
2. score: the points of the positive criteria the post earns plus the penalties that apply, as an integer from 0 to %d (a total below 0 counts as 0).
3. rationale: one to three sentences naming the criteria that decided the score.
4. Never invent posts or URLs.
5. Plain JSON only: no markdown, no code fences, no text before or after the object.`, r.MaxPostScore())
	return b.String()
}

// promptPost is how a post appears in the user message.
type promptPost struct {
	PostURL  string `json:"post_url"`
	Content  string `json:"content"`
	PostedAt string `json:"posted_at,omitempty"`
	IsRepost bool   `json:"is_repost"`
}

// postUserPrompt builds the user message of a lead's posts.
func postUserPrompt(posts []*leadrun.Post) string {
	out := make([]promptPost, 0, len(posts))
	for _, p := range posts {
		pp := promptPost{PostURL: p.PostURL, Content: p.Content, IsRepost: p.IsRepost}
		if p.PostedAt != nil {
			pp.PostedAt = p.PostedAt.UTC().Format(time.RFC3339)
		}
		out = append(out, pp)
	}
	return fmt.Sprintf("Score the following %d posts. Answer for every post_url.\n%s",
		len(posts), compactJSON(map[string]any{"posts": out}))
}

// postSchema is the structured-output schema of a posts answer.
func postSchema(r *leadrun.PostRubric) map[string]any {
	post := object()
	post.add("post_url", map[string]any{"type": "string"})
	post.add("score", map[string]any{"type": "integer", "minimum": 0, "maximum": r.MaxPostScore()})
	post.add("rationale", map[string]any{"type": "string"})
	root := object()
	root.add("posts", map[string]any{"type": "array", "items": post.schema()})
	return root.schema()
}

// schemaObject builds a strict JSON-schema object: all properties required, no others.
type schemaObject struct {
	props    map[string]any
	required []string
}

func object() *schemaObject { return &schemaObject{props: map[string]any{}, required: []string{}} }

func (o *schemaObject) add(name string, schema map[string]any) {
	o.props[name] = schema
	o.required = append(o.required, name)
}

func (o *schemaObject) schema() map[string]any {
	return map[string]any{"type": "object", "properties": o.props, "required": o.required,
		"additionalProperties": false}
}

func preambleOr(preamble, fallback string) string {
	if p := strings.TrimSpace(preamble); p != "" {
		return p
	}
	return fallback
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// prettyJSON encodes v indented, without HTML escaping, so text stays as written.
func prettyJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return "[]" // unreachable for the types used here
	}
	return strings.TrimRight(buf.String(), "\n")
}

// compactJSON encodes v on one line, without HTML escaping.
func compactJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "{}"
	}
	return strings.TrimRight(buf.String(), "\n")
}

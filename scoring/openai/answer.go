package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/leadrun/leadrun"
)

// verdict is what an answer says about one item (lead or post): a value, or a failure
// reason with its detail.
type verdict[V any] struct {
	val    V
	reason leadrun.Reason // "" when val is valid
	detail string
}

func failed[V any](reason leadrun.Reason, format string, args ...any) verdict[V] {
	return verdict[V]{reason: reason, detail: fmt.Sprintf(format, args...)}
}

// parsed is the result of reading one answer: verdicts by key for the keys it answered,
// and how many objects carried a key that was not asked for.
type parsed[V any] struct {
	byKey   map[string]verdict[V]
	unknown int
}

// answerError is an answer that cannot be read at all.
type answerError struct {
	reason leadrun.Reason
	msg    string
}

func (e *answerError) Error() string { return e.msg }

// stripFences removes a markdown code fence around an answer, if there is one.
func stripFences(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") {
		return s
	}
	s = strings.TrimPrefix(s, "```")
	if nl := strings.IndexByte(s, '\n'); nl >= 0 {
		s = s[nl+1:] // drop the info string, e.g. "json"
	} else {
		s = strings.TrimLeft(s, "jsonJSON")
	}
	s = strings.TrimSpace(s)
	return strings.TrimSpace(strings.TrimSuffix(s, "```"))
}

// decodeStrict decodes exactly one JSON value from s (after fences), with numbers kept
// as json.Number; trailing text is an error.
func decodeStrict(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(stripFences(s)))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("text after the JSON value")
	}
	return nil
}

// readItems reads the answer's array under field as raw objects.
func readItems(content, field string) ([]json.RawMessage, error) {
	var root map[string]json.RawMessage
	if err := decodeStrict(content, &root); err != nil {
		return nil, &answerError{leadrun.ReasonParseError, "the answer is not a JSON object: " + err.Error()}
	}
	raw, ok := root[field]
	var items []json.RawMessage
	if !ok || json.Unmarshal(raw, &items) != nil {
		return nil, &answerError{leadrun.ReasonInvalidAIResponse, fmt.Sprintf("the answer has no %q array", field)}
	}
	return items, nil
}

// collect reads each item's key and verdict, keeping only keys in want. A key answered
// twice is a failure for that key: the model contradicted itself.
func collect[V any](items []json.RawMessage, keyField string, want map[string]bool,
	judge func(map[string]json.RawMessage) verdict[V]) parsed[V] {
	p := parsed[V]{byKey: map[string]verdict[V]{}}
	for _, raw := range items {
		var obj map[string]json.RawMessage
		var key string
		if json.Unmarshal(raw, &obj) != nil || json.Unmarshal(obj[keyField], &key) != nil || !want[key] {
			p.unknown++
			continue
		}
		if _, dup := p.byKey[key]; dup {
			p.byKey[key] = failed[V](leadrun.ReasonInvalidAIResponse, "the answer holds %s twice", key)
			continue
		}
		p.byKey[key] = judge(obj)
	}
	return p
}

// rubricIndex is the rubric's active attributes by ID.
type rubricIndex map[string]leadrun.Attribute

func indexRubric(r *leadrun.Rubric) rubricIndex {
	idx := rubricIndex{}
	for _, a := range r.ActiveAttributes() {
		idx[a.ID] = a
	}
	return idx
}

// parseLeadAnswer reads a lead answer and validates every lead in it against the rubric.
func parseLeadAnswer(content string, idx rubricIndex, want map[string]bool) (parsed[*leadrun.Assessment], error) {
	items, err := readItems(content, "leads")
	if err != nil {
		return parsed[*leadrun.Assessment]{}, err
	}
	return collect(items, "key", want, func(obj map[string]json.RawMessage) verdict[*leadrun.Assessment] {
		a, err := idx.assessment(obj)
		if err != nil {
			return failed[*leadrun.Assessment](leadrun.ReasonInvalidAIResponse, "%s", err.Error())
		}
		return verdict[*leadrun.Assessment]{val: a}
	}), nil
}

// leadFields are the typed fields of one lead object; the score maps are read separately.
type leadFields struct {
	Reasoning        map[string]*string `json:"attribute_reasoning"`
	ContactReadiness *bool              `json:"contact_readiness"`
	Unscored         []string           `json:"unscored_attributes"`
	Assessment       *string            `json:"assessment"`
	Excluded         *bool              `json:"ai_excluded"`
	ExcludeDetails   *string            `json:"exclude_details"`
}

// assessment turns one lead object into a checked Assessment.
func (idx rubricIndex) assessment(obj map[string]json.RawMessage) (*leadrun.Assessment, error) {
	var f leadFields
	typed, _ := json.Marshal(obj) // re-encoded to read the typed fields; extra keys are ignored
	if err := json.Unmarshal(typed, &f); err != nil {
		return nil, fmt.Errorf("wrong field type: %v", err)
	}
	a := &leadrun.Assessment{Points: map[string]int{}, Reasons: map[string]string{}}
	if err := idx.scores(obj["positive_scores"], leadrun.CategoryPositive, a.Points); err != nil {
		return nil, err
	}
	if err := idx.scores(obj["negative_scores"], leadrun.CategoryNegative, a.Points); err != nil {
		return nil, err
	}
	for id, reason := range f.Reasoning {
		if _, ok := idx[id]; !ok {
			return nil, fmt.Errorf("attribute_reasoning names unknown attribute %q", id)
		}
		if reason != nil {
			a.Reasons[id] = *reason
		}
	}
	unscored, err := idx.unscored(f.Unscored, a.Points)
	if err != nil {
		return nil, err
	}
	a.Unscored = unscored
	a.ContactReadiness = f.ContactReadiness != nil && *f.ContactReadiness
	a.Excluded = f.Excluded != nil && *f.Excluded
	a.Summary, a.ExcludeDetails = deref(f.Assessment), deref(f.ExcludeDetails)
	return a, nil
}

// scores reads one score map into points: known IDs of the right category, integers in
// range; null means unscored.
func (idx rubricIndex) scores(raw json.RawMessage, category string, points map[string]int) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s scores are not an object", category)
	}
	for id, v := range m {
		attr, ok := idx[id]
		if !ok || attr.Category != category {
			return fmt.Errorf("%s scores name unknown attribute %q", category, id)
		}
		if string(v) == "null" {
			continue
		}
		n, err := integer(v)
		if err != nil {
			return fmt.Errorf("attribute %s: %v", id, err)
		}
		lo, hi := 0, attr.MaxPoints
		if category == leadrun.CategoryNegative {
			lo, hi = attr.Penalty, 0
		}
		if n < lo || n > hi {
			return fmt.Errorf("attribute %s: %d points outside %d…%d", id, n, lo, hi)
		}
		points[id] = n
	}
	return nil
}

// unscored checks the listed IDs and returns them sorted, without the ones that were
// scored after all.
func (idx rubricIndex) unscored(ids []string, points map[string]int) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if _, ok := idx[id]; !ok {
			return nil, fmt.Errorf("unscored_attributes names unknown attribute %q", id)
		}
		if _, scored := points[id]; !scored && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out, nil
}

// integer reads a JSON number that is a whole number (3 or 3.0), nothing else.
func integer(raw json.RawMessage) (int, error) {
	raw = bytes.TrimSpace(raw)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var n json.Number
	// json.Number also accepts a quoted number: "7" is a string, not a score.
	if len(raw) == 0 || raw[0] == '"' || dec.Decode(&n) != nil {
		return 0, fmt.Errorf("%s is not a number", truncate(string(raw), 20))
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
		return 0, fmt.Errorf("%s is not an integer", n)
	}
	return int(f), nil
}

// postVerdict is a post's score and rationale.
type postVerdict struct {
	score     int
	rationale string
}

// parsePostAnswer reads a posts answer, matching posts by URL and checking each score
// lies within 0…max.
func parsePostAnswer(content string, max int, want map[string]bool) (parsed[postVerdict], error) {
	items, err := readItems(content, "posts")
	if err != nil {
		return parsed[postVerdict]{}, err
	}
	return collect(items, "post_url", want, func(obj map[string]json.RawMessage) verdict[postVerdict] {
		n, err := integer(obj["score"])
		if err != nil {
			return failed[postVerdict](leadrun.ReasonInvalidAIResponse, "score: %v", err)
		}
		if n < 0 || n > max {
			return failed[postVerdict](leadrun.ReasonInvalidAIResponse, "score %d outside 0…%d", n, max)
		}
		var rationale *string
		if raw, ok := obj["rationale"]; ok && json.Unmarshal(raw, &rationale) != nil {
			return failed[postVerdict](leadrun.ReasonInvalidAIResponse, "rationale is not a string")
		}
		return verdict[postVerdict]{val: postVerdict{score: n, rationale: deref(rationale)}}
	}), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

package leadrun_test

import (
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
)

// The original's post criterion IDs are long; IDs up to 64 characters are accepted.
func TestRubricLongIDs(t *testing.T) {
	long := "A" + strings.Repeat("x", 63)
	r := &leadrun.Rubric{Attributes: []leadrun.Attribute{
		{ID: long, Category: "positive", Heading: "H", MaxPoints: 5},
	}, Post: &leadrun.PostRubric{Criteria: []leadrun.PostCriterion{
		{ID: "POST_AI_SENTIMENT", Category: "positive", Name: "AI sentiment", MaxScore: 20},
		{ID: "POST_PROMOTIONAL_PENALTY", Category: "negative", Name: "Promo", Penalty: -20},
	}}}
	if err := r.Validate(); err != nil {
		t.Fatalf("valid rubric refused: %v", err)
	}
	r.Attributes[0].ID = long + "x"
	if err := r.Validate(); err == nil || !strings.Contains(err.Error(), "at most 64") {
		t.Errorf("65-character ID: %v, want refused saying at most 64", err)
	}
}

func TestRubricHasKeywordSignals(t *testing.T) {
	r := &leadrun.Rubric{Attributes: []leadrun.Attribute{
		{ID: "A", Category: "positive", Heading: "H", MaxPoints: 5, Signals: []string{"Looks for founders who write about their business."}},
		{ID: "N1", Category: "negative", Heading: "R", Penalty: -5, Signals: []string{"recruiter"}},
	}}
	if r.HasKeywordSignals() {
		t.Error("prose positives and a keyword negative: want no keyword signals (no lead can score above 0)")
	}
	r.Attributes[0].Signals = append(r.Attributes[0].Signals, "founder")
	if !r.HasKeywordSignals() {
		t.Error("a keyword positive: want keyword signals")
	}
}

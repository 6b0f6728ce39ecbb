package leadrun_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
)

func boolPtr(b bool) *bool { return &b }

func pos(id string, maxPts int) leadrun.Attribute {
	return leadrun.Attribute{ID: id, Category: leadrun.CategoryPositive, Heading: "heading " + id, MaxPoints: maxPts}
}

func neg(id string, penalty int) leadrun.Attribute {
	return leadrun.Attribute{ID: id, Category: leadrun.CategoryNegative, Heading: "heading " + id, Penalty: penalty}
}

func TestRubricScore(t *testing.T) {
	t.Parallel()
	bonus := pos("G", 20)
	bonus.Bonus = true
	inactive := pos("X", 50)
	inactive.Active = boolPtr(false)
	disq := neg("N9", -5)
	disq.Disqualifying = true
	tests := []struct {
		name     string
		attrs    []leadrun.Attribute
		points   map[string]int
		score    float64
		raw      int
		denom    float64
		unscored []string
	}{
		{"simple ratio", []leadrun.Attribute{pos("A", 10), pos("B", 10)}, map[string]int{"A": 10, "B": 5}, 75, 15, 20, nil},
		{"bonus counts 25 % in the denominator", []leadrun.Attribute{pos("A", 10), bonus}, map[string]int{"A": 10, "G": 5}, 100, 15, 15, nil},
		{"bonus below the cap", []leadrun.Attribute{pos("A", 20), bonus}, map[string]int{"A": 10, "G": 4}, 56, 14, 25, nil},
		{"penalty subtracts", []leadrun.Attribute{pos("A", 10), neg("N1", -5)}, map[string]int{"A": 8, "N1": -5}, 30, 3, 10, nil},
		{"clamped at 0", []leadrun.Attribute{pos("A", 10), neg("N1", -10)}, map[string]int{"A": 2, "N1": -10}, 0, -8, 10, nil},
		{"clamped at 100", []leadrun.Attribute{pos("A", 10), bonus}, map[string]int{"A": 10, "G": 20}, 100, 30, 15, nil},
		{"empty rubric", nil, map[string]int{}, 0, 0, 0, nil},
		{"inactive attribute ignored", []leadrun.Attribute{pos("A", 10), inactive}, map[string]int{"A": 5, "X": 50}, 50, 5, 10, nil},
		{"unscored stays in the denominator", []leadrun.Attribute{pos("B", 10), pos("A", 10)}, map[string]int{"B": 10}, 50, 10, 20, []string{"A"}},
		{"rounded to 2 dp", []leadrun.Attribute{pos("A", 3)}, map[string]int{"A": 1}, 33.33, 1, 3, nil},
		{"rounded to 2 dp with bonus weights", []leadrun.Attribute{pos("A", 7), bonus}, map[string]int{"A": 1}, 8.33, 1, 12, []string{"G"}},
		{"two thirds", []leadrun.Attribute{pos("A", 3)}, map[string]int{"A": 2}, 66.67, 2, 3, nil},
		{"disqualifying forces 0", []leadrun.Attribute{pos("A", 10), disq}, map[string]int{"A": 10, "N9": -5}, 0, 5, 10, nil},
		{"disqualifying at 0 does not apply", []leadrun.Attribute{pos("A", 10), disq}, map[string]int{"A": 10, "N9": 0}, 100, 10, 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &leadrun.Rubric{Attributes: tt.attrs}
			b := r.Score(&leadrun.Assessment{Points: tt.points})
			if b.Score != tt.score || b.Raw != tt.raw || b.Denominator != tt.denom {
				t.Errorf("score %v raw %d denominator %v, want %v %d %v", b.Score, b.Raw, b.Denominator, tt.score, tt.raw, tt.denom)
			}
			if !reflect.DeepEqual(b.Unscored, tt.unscored) {
				t.Errorf("unscored %v, want %v", b.Unscored, tt.unscored)
			}
		})
	}
}

func TestRubricScoreBreakdown(t *testing.T) {
	t.Parallel()
	disq := neg("N1", -10)
	disq.Disqualifying = true
	r := &leadrun.Rubric{Attributes: []leadrun.Attribute{pos("B", 10), pos("A", 5), disq, pos("C", 5)}}
	b := r.Score(&leadrun.Assessment{
		Points:  map[string]int{"A": 5, "N1": -10},
		Reasons: map[string]string{"A": "matched founder", "N1": "recruiter"},
	})
	want := []leadrun.BreakdownItem{
		{ID: "A", Heading: "heading A", Category: "positive", Points: 5, Max: 5, Reason: "matched founder"},
		{ID: "N1", Heading: "heading N1", Category: "negative", Points: -10, Max: -10, Reason: "recruiter"},
	}
	if !reflect.DeepEqual(b.Items, want) {
		t.Errorf("items = %+v, want %+v", b.Items, want)
	}
	if !reflect.DeepEqual(b.Unscored, []string{"B", "C"}) || !reflect.DeepEqual(b.DisqualifiedBy, []string{"N1"}) {
		t.Errorf("unscored %v disqualified %v, want [B C] [N1]", b.Unscored, b.DisqualifiedBy)
	}
}

func TestRubricValidate(t *testing.T) {
	t.Parallel()
	withBonus := neg("N1", -5)
	withBonus.Bonus = true
	posWithPenalty := pos("A", 10)
	posWithPenalty.Penalty = -3
	posDisq := pos("A", 10)
	posDisq.Disqualifying = true
	minTooHigh := pos("A", 10)
	minTooHigh.MinToQualify = 11
	noHeading := pos("A", 10)
	noHeading.Heading = "  "
	badCat := pos("A", 10)
	badCat.Category = "neutral"
	tests := []struct {
		name   string
		rubric leadrun.Rubric
		want   string // "" = valid
	}{
		{"valid", leadrun.Rubric{Attributes: []leadrun.Attribute{pos("A", 10), neg("N1", -5)}}, ""},
		{"empty is valid", leadrun.Rubric{}, ""},
		{"bad id", leadrun.Rubric{Attributes: []leadrun.Attribute{pos("1A", 10)}}, "id must start with a letter"},
		{"empty id", leadrun.Rubric{Attributes: []leadrun.Attribute{pos("", 10)}}, "attribute #1: id must start"},
		{"duplicate id", leadrun.Rubric{Attributes: []leadrun.Attribute{pos("A", 10), pos("A", 5)}}, "id is used twice"},
		{"no heading", leadrun.Rubric{Attributes: []leadrun.Attribute{noHeading}}, "heading is required"},
		{"positive without max", leadrun.Rubric{Attributes: []leadrun.Attribute{pos("A", 0)}}, "needs max_points > 0"},
		{"positive with penalty", leadrun.Rubric{Attributes: []leadrun.Attribute{posWithPenalty}}, "penalty and disqualifying apply to negative"},
		{"positive disqualifying", leadrun.Rubric{Attributes: []leadrun.Attribute{posDisq}}, "penalty and disqualifying apply to negative"},
		{"min to qualify above max", leadrun.Rubric{Attributes: []leadrun.Attribute{minTooHigh}}, "min_to_qualify must be within"},
		{"negative without penalty", leadrun.Rubric{Attributes: []leadrun.Attribute{neg("N1", 0)}}, "needs a penalty < 0"},
		{"negative with max points", leadrun.Rubric{Attributes: []leadrun.Attribute{{ID: "N1", Category: "negative", Heading: "h", Penalty: -1, MaxPoints: 3}}}, "max_points and bonus apply to positive"},
		{"negative with bonus", leadrun.Rubric{Attributes: []leadrun.Attribute{withBonus}}, "max_points and bonus apply to positive"},
		{"unknown category", leadrun.Rubric{Attributes: []leadrun.Attribute{badCat}}, `category must be "positive" or "negative"`},
		{"post criterion without max", leadrun.Rubric{Post: &leadrun.PostRubric{Criteria: []leadrun.PostCriterion{{ID: "P1", Category: "positive"}}}}, "post criterion P1: a positive criterion needs max_score > 0"},
		{"post criterion without penalty", leadrun.Rubric{Post: &leadrun.PostRubric{Criteria: []leadrun.PostCriterion{{ID: "P1", Category: "negative"}}}}, "needs a penalty < 0"},
		{"post criterion bad category", leadrun.Rubric{Post: &leadrun.PostRubric{Criteria: []leadrun.PostCriterion{{ID: "P1", Category: "x", MaxScore: 1}}}}, "post criterion P1: category"},
		{"post criterion duplicate", leadrun.Rubric{Post: &leadrun.PostRubric{Criteria: []leadrun.PostCriterion{
			{ID: "P1", Category: "positive", MaxScore: 1}, {ID: "P1", Category: "positive", MaxScore: 1}}}}, "id is used twice"},
		{"post criterion no id", leadrun.Rubric{Post: &leadrun.PostRubric{Criteria: []leadrun.PostCriterion{{Category: "positive", MaxScore: 1}}}}, "post criterion #1: id must start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.rubric.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if leadrun.ErrorCode(err) != leadrun.EINVALID || !strings.Contains(leadrun.ErrorMessage(err), tt.want) {
				t.Errorf("Validate() = %v, want EINVALID containing %q", err, tt.want)
			}
		})
	}
}

func TestRubricValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	r := leadrun.Rubric{Attributes: []leadrun.Attribute{pos("A", 0), neg("N1", 0)}}
	msg := leadrun.ErrorMessage(r.Validate())
	for _, want := range []string{"attribute A: a positive attribute needs max_points", "attribute N1: a negative attribute needs a penalty"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestCheckAssessment(t *testing.T) {
	t.Parallel()
	inactive := pos("X", 10)
	inactive.Active = boolPtr(false)
	r := &leadrun.Rubric{Attributes: []leadrun.Attribute{pos("A", 10), neg("N1", -5), inactive}}
	tests := []struct {
		name   string
		points map[string]int
		want   string // "" = valid
	}{
		{"valid bounds", map[string]int{"A": 10, "N1": -5}, ""},
		{"zeros", map[string]int{"A": 0, "N1": 0}, ""},
		{"nothing scored", nil, ""},
		{"unknown id", map[string]int{"Z": 1}, `unknown attribute "Z"`},
		{"inactive id", map[string]int{"X": 1}, `unknown attribute "X"`},
		{"positive above max", map[string]int{"A": 11}, "attribute A: 11 points outside 0…10"},
		{"positive below 0", map[string]int{"A": -1}, "outside 0…10"},
		{"negative below penalty", map[string]int{"N1": -6}, "attribute N1: -6 points outside -5…0"},
		{"negative above 0", map[string]int{"N1": 1}, "outside -5…0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := r.CheckAssessment(&leadrun.Assessment{Points: tt.points})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckAssessment() = %v, want nil", err)
				}
				return
			}
			if leadrun.ErrorCode(err) != leadrun.EINVALID || !strings.Contains(leadrun.ErrorMessage(err), tt.want) {
				t.Errorf("CheckAssessment() = %v, want EINVALID containing %q", err, tt.want)
			}
		})
	}
}

func TestRubricHelpers(t *testing.T) {
	t.Parallel()
	inactive := pos("X", 10)
	inactive.Active = boolPtr(false)
	r := &leadrun.Rubric{Attributes: []leadrun.Attribute{pos("A", 10), inactive, neg("N1", -5)}}
	if got := r.ActiveAttributes(); len(got) != 2 || got[0].ID != "A" || got[1].ID != "N1" {
		t.Errorf("ActiveAttributes() = %+v, want A, N1", got)
	}
	if a, ok := r.Attribute("X"); !ok || a.IsActive() {
		t.Errorf("Attribute(X) = %+v, %v; want found and inactive", a, ok)
	}
	if _, ok := r.Attribute("nope"); ok {
		t.Error("Attribute(nope) found")
	}
	p := &leadrun.PostRubric{Criteria: []leadrun.PostCriterion{
		{ID: "P1", Category: "positive", MaxScore: 10},
		{ID: "P2", Category: "positive", MaxScore: 5},
		{ID: "P3", Category: "positive", MaxScore: 50, Active: boolPtr(false)},
		{ID: "N1", Category: "negative", Penalty: -20},
	}}
	if got := p.MaxPostScore(); got != 15 {
		t.Errorf("MaxPostScore() = %d, want 15", got)
	}
}

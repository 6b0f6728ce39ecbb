package migrate

import (
	"math"

	"github.com/leadrun/leadrun"
)

// LeadrunScore is what leadrun's formula (SPEC §3.6) gives for the attribute points of a
// breakdown the original wrote: attribute I's automatic award is not given, points are
// held within each attribute's range, attributes the rubric does not have (or that are
// inactive) count nothing, an applying disqualifying negative gives 0, and the result is
// clamped to 0–100. The original summed whatever the model returned, unclamped.
func LeadrunScore(r *leadrun.Rubric, b *leadrun.Breakdown) float64 {
	a := &leadrun.Assessment{Points: map[string]int{}}
	for _, it := range b.Items {
		attr, ok := r.Attribute(it.ID)
		if !ok || !attr.IsActive() || autoAwarded(it) {
			continue
		}
		lo, hi := 0, attr.MaxPoints
		if attr.Category == leadrun.CategoryNegative {
			lo, hi = attr.Penalty, 0
		}
		a.Points[it.ID] = min(max(it.Points, lo), hi)
	}
	return r.Score(a).Score
}

// FormulaSummary counts how imported scores would move under leadrun's formula.
type FormulaSummary struct {
	Compared  int `json:"compared"`          // scored leads with a readable breakdown
	Changed   int `json:"would_change"`      // whose score would differ
	CrossUp   int `json:"would_cross_up"`    // below the threshold now, at or above it under leadrun
	CrossDown int `json:"would_cross_down"`  // at or above now, below under leadrun
	Clamped   int `json:"clamped_on_import"` // original scores outside 0–100, stored clamped
}

// Add counts one lead whose score is old and would be new, against the threshold.
func (s *FormulaSummary) Add(old, new, threshold float64) {
	s.Compared++
	if math.Abs(new-old) >= 0.005 {
		s.Changed++
	}
	switch {
	case old < threshold && new >= threshold:
		s.CrossUp++
	case old >= threshold && new < threshold:
		s.CrossDown++
	}
}

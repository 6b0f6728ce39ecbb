package web

import (
	"math"
	"testing"
)

func TestCharts(t *testing.T) {
	legend := []chartLegend{{"ok", "scored"}, {"bad", "failed"}}
	c := stackedBars("t", 246, 130, legend, []chartSlot{{Label: "a", Values: []float64{10, 5}}, {Label: "b", Values: []float64{20, 0}}}, "none")
	if c.Empty != "" || len(c.Bars) != 3 || len(c.Grid) != 5 || c.Grid[4].Text != "20" {
		t.Fatalf("bars: %+v", c)
	}
	// Plot height 84 (130 − 16 − 30): 10 of 20 is 42 high, stacked under 5 (21 high); 20 fills it.
	if c.Bars[0].H != 42 || c.Bars[1].H != 21 || c.Bars[1].Y != c.Bars[0].Y-21 || c.Bars[2].H != 84 || c.Bars[2].Y != 16 {
		t.Fatalf("bar geometry: %+v", c.Bars)
	}
	if c.Bars[0].X >= c.Bars[2].X || len(c.XLabels) != 2 {
		t.Fatalf("slots out of order or labels missing: %+v", c)
	}
	if e := stackedBars("t", 246, 130, legend, []chartSlot{{Values: []float64{0, 0}}}, "none"); e.Empty != "none" || len(e.Bars) != 0 {
		t.Fatalf("all-zero chart is not empty: %+v", e)
	}
	l := line("d", 246, 130, []chartSlot{{Values: []float64{30}}, {Values: []float64{60}}}, secondsUnit, "none")
	// 60 s rounds up to a 100 s axis: 60 is 50.4 high (y 49.6), 30 is 25.2 high (y 74.8).
	if len(l.Points) != 2 || math.Abs(l.Points[1].Y-49.6) > 1e-9 || math.Abs(l.Points[0].Y-74.8) > 1e-9 || l.Grid[2].Text != "50s" {
		t.Fatalf("line: %+v", l)
	}
	if niceMax(0) != 1 || niceMax(7) != 10 || niceMax(130) != 200 || niceMax(4000) != 5000 {
		t.Fatal("niceMax")
	}
}

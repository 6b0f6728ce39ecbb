package web

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Charts are drawn on the server as SVG: the geometry is computed here and the "chart"
// template draws it, so the dashboard needs no chart library and works without scripts.
// Each bar and point carries a <title>, which browsers show on hover.

type chart struct {
	Title   string
	W, H    int
	Bars    []chartBar
	Line    string // polyline points, "x,y x,y …"
	Points  []chartPoint
	Grid    []chartLabel // horizontal grid lines with their value labels (Y of the line)
	XLabels []chartLabel
	Legend  []chartLegend
	Empty   string // shown instead of the chart when there is nothing to draw
}

type chartBar struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type chartPoint struct {
	X, Y  float64
	Title string
}

type chartLabel struct {
	X, Y float64
	Text string
}

type chartLegend struct{ Class, Name string }

// chartSlot is one x position: a stack of values (one per series) with a label and a
// hover text.
type chartSlot struct {
	Label  string
	Title  string
	Values []float64
	At     time.Time // when the slot is (optional): axis labels are then made distinct from it
}

const (
	chartLeft   = 60.0 // room for the y labels
	chartBottom = 30.0 // room for the x labels
	chartTop    = 16.0 // room for the top y label above its grid line
	chartRight  = 8.0
)

// niceMax rounds a maximum up to 1, 2 or 5 × a power of ten, for readable grid lines.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func shortNum(v float64) string {
	switch {
	case v >= 1e6:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", v/1e6), ".0") + "M"
	case v >= 1e3:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", v/1e3), ".0") + "k"
	case v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// plot is the layout of a chart's plot area: the rounded maximum, the area's height and
// top, the width of a slot, and the x of slot i's centre.
type plot struct {
	max, h, top, step float64
	x                 func(i int) float64
}

// newPlot lays out the plot area and the grid for values up to max, or marks the chart
// empty (ok false) when there is nothing to draw.
func newPlot(c *chart, slots []chartSlot, max float64, unit func(float64) string, empty string) (p plot, ok bool) {
	if len(slots) == 0 || max == 0 {
		c.Empty = empty
		return p, false
	}
	p.max = niceMax(max)
	w := float64(c.W) - chartLeft - chartRight
	p.h, p.top = float64(c.H)-chartTop-chartBottom, chartTop
	for i := 0; i <= 4; i++ {
		c.Grid = append(c.Grid, chartLabel{X: chartLeft - 6, Y: p.top + p.h - p.h*float64(i)/4, Text: unit(p.max * float64(i) / 4)})
	}
	p.step = w / float64(len(slots))
	p.x = func(i int) float64 { return chartLeft + p.step*float64(i) + p.step/2 }
	return p, true
}

// xLabels labels the first, middle and last slot, never twice with the same text: slots
// with a time are labelled by it as finely as needed to tell them apart ("Nov 30" across
// days, "14:05" within one day, "Nov 30 14:05" when both are needed); a label that would
// repeat one already shown is left out.
func xLabels(c *chart, slots []chartSlot, x func(i int) float64) {
	var picks []int
	seen := map[int]bool{}
	for _, i := range []int{0, len(slots) / 2, len(slots) - 1} {
		if i >= 0 && !seen[i] {
			seen[i] = true
			picks = append(picks, i)
		}
	}
	texts := axisTexts(slots, picks)
	shown := map[string]bool{}
	for k, i := range picks {
		if texts[k] == "" || shown[texts[k]] {
			continue
		}
		shown[texts[k]] = true
		c.XLabels = append(c.XLabels, chartLabel{X: x(i), Y: float64(c.H) - 8, Text: texts[k]})
	}
}

// axisTexts returns the labels of the picked slots: from their times when every slot has
// one, else their Label.
func axisTexts(slots []chartSlot, picks []int) []string {
	out := make([]string, len(picks))
	timed := len(picks) > 0
	for _, i := range picks {
		timed = timed && !slots[i].At.IsZero()
	}
	if !timed {
		for k, i := range picks {
			out[k] = slots[i].Label
		}
		return out
	}
	for _, layout := range []string{"Jan 2", "15:04", "Jan 2 15:04"} {
		distinct := map[string]bool{}
		for k, i := range picks {
			out[k] = slots[i].At.UTC().Format(layout)
			distinct[out[k]] = true
		}
		sameDay := slots[picks[0]].At.UTC().Format("Jan 2") == slots[picks[len(picks)-1]].At.UTC().Format("Jan 2")
		if len(distinct) == len(picks) && (layout != "15:04" || sameDay) {
			return out
		}
	}
	return out
}

// stackedBars draws one bar per slot, its values stacked bottom-up in the classes' order.
func stackedBars(title string, w, h int, legend []chartLegend, slots []chartSlot, empty string) chart {
	c := chart{Title: title, W: w, H: h, Legend: legend}
	var max float64
	for _, s := range slots {
		var sum float64
		for _, v := range s.Values {
			sum += v
		}
		max = math.Max(max, sum)
	}
	pl, ok := newPlot(&c, slots, max, shortNum, empty)
	if !ok {
		return c
	}
	max, plotH, top, x := pl.max, pl.h, pl.top, pl.x
	barW := math.Max(1, math.Min(pl.step*0.75, 36))
	for i, s := range slots {
		base := top + plotH
		for k, v := range s.Values {
			if v <= 0 || k >= len(legend) {
				continue
			}
			bh := plotH * v / max
			base -= bh
			c.Bars = append(c.Bars, chartBar{X: x(i) - barW/2, Y: base, W: barW, H: bh, Class: legend[k].Class, Title: s.Title})
		}
	}
	xLabels(&c, slots, x)
	return c
}

// line draws one value per slot as a line with points.
func line(title string, w, h int, slots []chartSlot, unit func(float64) string, empty string) chart {
	c := chart{Title: title, W: w, H: h}
	var max float64
	for _, s := range slots {
		max = math.Max(max, s.Values[0])
	}
	pl, ok := newPlot(&c, slots, max, unit, empty)
	if !ok {
		return c
	}
	max, plotH, top, x := pl.max, pl.h, pl.top, pl.x
	var pts []string
	for i, s := range slots {
		y := top + plotH - plotH*s.Values[0]/max
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y))
		c.Points = append(c.Points, chartPoint{X: x(i), Y: y, Title: s.Title})
	}
	c.Line = strings.Join(pts, " ")
	xLabels(&c, slots, x)
	return c
}

// secondsUnit labels a duration axis.
func secondsUnit(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 3600:
		return shortNum(v/3600) + "h"
	case v >= 60:
		return shortNum(v/60) + "m"
	case v < 1:
		return fmt.Sprintf("%.0fms", v*1000) // 0.025 s is "25ms", not a third "0.0s"
	}
	return shortNum(v) + "s"
}

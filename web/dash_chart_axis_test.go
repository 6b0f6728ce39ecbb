package web

import (
	"reflect"
	"testing"
	"time"
)

// Date axes never repeat a label: times are shown as finely as needed to tell the picked
// slots apart, and untimed labels that repeat are shown once.
func TestChartAxisLabelsDistinct(t *testing.T) {
	day := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	at := func(ts ...time.Time) []chartSlot {
		var out []chartSlot
		for _, x := range ts {
			out = append(out, chartSlot{Label: x.Format("Jan 2"), At: x, Values: []float64{1}})
		}
		return out
	}
	tests := []struct {
		name  string
		slots []chartSlot
		want  []string
	}{
		{"days apart", at(day, day.AddDate(0, 0, 1), day.AddDate(0, 0, 2)), []string{"Nov 30", "Dec 1", "Dec 2"}},
		{"one day", at(day, day.Add(time.Hour), day.Add(2*time.Hour+5*time.Minute)), []string{"09:00", "10:00", "11:05"}},
		{"same time two days", at(day, day.Add(time.Hour), day.AddDate(0, 0, 1)), []string{"Nov 30 09:00", "Nov 30 10:00", "Dec 1 09:00"}},
		{"untimed repeats", []chartSlot{{Label: "Nov 30"}, {Label: "Nov 30"}, {Label: "Nov 30"}}, []string{"Nov 30"}},
	}
	for _, tt := range tests {
		c := chart{H: 180}
		xLabels(&c, tt.slots, func(i int) float64 { return float64(i) })
		var got []string
		for _, l := range c.XLabels {
			got = append(got, l.Text)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: labels %q, want %q", tt.name, got, tt.want)
		}
	}
}

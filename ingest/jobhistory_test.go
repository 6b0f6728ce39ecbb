package ingest

import (
	"reflect"
	"testing"

	"github.com/leadrun/leadrun"
)

func TestParseJobHistory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []leadrun.Job
	}{
		{"Director at Acme (2021 – Present)", []leadrun.Job{{Title: "Director", Company: "Acme", Start: "2021", End: "Present"}}},
		{"Current: Founder at Bright Co (Jan 2020 - Present)\nPrevious: Head of Sales at Big Bank (2015 — 2019)",
			[]leadrun.Job{{Title: "Founder", Company: "Bright Co", Start: "Jan 2020", End: "Present"},
				{Title: "Head of Sales", Company: "Big Bank", Start: "2015", End: "2019"}}},
		{"Coach; Partner at Smith at Co", []leadrun.Job{{Title: "Coach"}, {Title: "Partner at Smith", Company: "Co"}}},
		{"Owner @ Cafe Luna", []leadrun.Job{{Title: "Owner", Company: "Cafe Luna"}}},
		{`[{"title":"CEO","company":"X"}]`, []leadrun.Job{{Title: "CEO", Company: "X"}}},
		{`[{"title": broken json`, []leadrun.Job{{Title: `[{"title": broken json`}}},
		{"(2019 – 2020)", []leadrun.Job{{Start: "2019", End: "2020"}}},
		{"  \n ", nil},
		{"Owner (Part-time)", []leadrun.Job{{Title: "Owner (Part-time)"}}},
		{"Consultant (2019 to 2021)", []leadrun.Job{{Title: "Consultant", Start: "2019", End: "2021"}}},
	}
	for _, tt := range tests {
		if got := ParseJobHistory(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseJobHistory(%q) =\n %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
}

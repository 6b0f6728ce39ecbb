package mirror

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/airtable"
)

// fit writes only fields the base has, never computed ones, in the shape of each type.
func TestFitToTheBase(t *testing.T) {
	table := &airtable.Table{Fields: []airtable.Field{{Name: "Run ID", Type: "singleLineText"}, {Name: "Stream", Type: "number"},
		{Name: "Success Rate", Type: "percent"}, {Name: "Total Tokens Used", Type: "singleLineText"}, {Name: "Duration", Type: "formula"},
		{Name: "Runs", Type: "multipleRecordLinks"}}}
	link, _ := table.Field("Runs")
	got := fit(map[string]any{"Run ID": "SR-1", "Stream": 2, "Success Rate": percent(97.5), "Total Tokens Used": int64(5),
		"Duration": "1h", "Missing": "x", linkValue: []string{"rec1"}}, table, link)
	want := map[string]any{"Run ID": "SR-1", "Stream": 2.0, "Success Rate": 0.975, "Runs": []string{"rec1"}}
	if len(got) != len(want) {
		t.Fatalf("fit = %v, want %v", got, want)
	}
	for k, v := range want {
		if k == "Runs" {
			if ids, _ := got[k].([]string); len(ids) != 1 || ids[0] != "rec1" {
				t.Errorf("link = %v", got[k])
			}
			continue
		}
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	number := &airtable.Table{Fields: []airtable.Field{{Name: "Success Rate", Type: "number"}}}
	if v := fit(map[string]any{"Success Rate": percent(97.5)}, number, nil)["Success Rate"]; v != 97.5 {
		t.Errorf("a number field takes the rate in 0…100, got %v", v)
	}
}

func TestStatusOptions(t *testing.T) {
	runs := map[leadrun.RunStatus]string{leadrun.RunQueued: "Running", leadrun.RunRunning: "Running", leadrun.RunCompleted: "Completed",
		leadrun.RunCompletedWithErrors: "Completed with Errors", leadrun.RunFailed: "Failed", leadrun.RunCancelled: "Cancelled",
		leadrun.RunAbandoned: "Abandoned"}
	for s, want := range runs {
		if got := runStatus(s); got != want {
			t.Errorf("runStatus(%s) = %s, want %s", s, got, want)
		}
	}
	ops := map[leadrun.OpStatus]string{leadrun.OpQueued: "Running", leadrun.OpSkipped: "Skipped", leadrun.OpSucceededWithErrors: "Completed with Errors"}
	for s, want := range ops {
		if got := clientStatus(s); got != want {
			t.Errorf("clientStatus(%s) = %s, want %s", s, got, want)
		}
	}
}

// Text from outside (names, errors, event messages) is repaired, and long logs keep their
// newest lines within Airtable's limit without splitting a character.
func TestLongTextCleanAndBounded(t *testing.T) {
	var events []*leadrun.RunEvent
	for i := range 3000 {
		events = append(events, &leadrun.RunEvent{At: time.Unix(int64(i), 0), Level: leadrun.LevelInfo,
			Message: strings.Repeat("é", 20) + "\x00bad\xff" + string(rune('a'+i%26))})
	}
	log := progressLog(events)
	if len(log) > maxLongText+10 || !utf8.ValidString(log) || strings.Contains(log, "\x00") {
		t.Errorf("progress log: %d bytes, valid UTF-8 %v", len(log), utf8.ValidString(log))
	}
	if !strings.HasSuffix(log, events[len(events)-1].Message[len(events[len(events)-1].Message)-1:]) {
		t.Error("the newest event was cut")
	}
	cr := &leadrun.ClientResult{ClientName: "Guy\x00 Wilson", Operations: []*leadrun.Operation{{Kind: leadrun.OpLeadScoring,
		Status: leadrun.OpSucceededWithErrors, FailedBy: map[string]int64{"timeout": 3}, LastError: "HTTP 500\xff"}}}
	details := errorDetails(cr)
	if details != "lead_scoring: 3 failed — timeout\nlead_scoring: last error: HTTP 500\uFFFD" {
		t.Errorf("error details %q", details)
	}
	if name := clientFields(cr, nil, "")["Client Name"]; name != "Guy Wilson" {
		t.Errorf("client name %q", name)
	}
}

package airtable_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun/airtable"
	"github.com/leadrun/leadrun/airtable/airtabletest"
)

const token, base = "patTEST.secret", "appBASE"

func newClient(t *testing.T, perSecond int) (*airtabletest.Server, *airtable.Client) {
	t.Helper()
	fake := airtabletest.New(airtabletest.Options{Token: token, Penalty: 200 * time.Millisecond, RateLimit: perSecond})
	t.Cleanup(fake.Close)
	fake.AddBase(base)
	fake.AddTable(base, airtable.Table{Name: "Leads", Fields: []airtable.Field{{Name: "Name", Type: "singleLineText"},
		{Name: "Score", Type: "number"}, {Name: "Tier", Type: "singleSelect", Options: map[string]any{"choices": []any{map[string]any{"name": "A"}}}},
		{Name: "Total", Type: "formula"}}})
	return fake, airtable.NewClient(fake.URL, token, base)
}

// Listing follows 100-record pages; upserts match on the merge field, never duplicating.
func TestListPagesAndUpsertIsIdempotent(t *testing.T) {
	ctx := context.Background()
	_, c := newClient(t, 1000)
	for round := range 2 {
		for i := 0; i < 250; i += 10 {
			var recs []airtable.Record
			for j := i; j < i+10; j++ {
				recs = append(recs, airtable.Record{Fields: map[string]any{"Name": fmt.Sprintf("lead %d", j), "Score": float64(j + round)}})
			}
			if _, err := c.Upsert(ctx, "Leads", []string{"Name"}, recs); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, err := c.ListRecords(ctx, "Leads", airtable.ListOptions{Fields: []string{"Name", "Score"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 250 || all[249].Fields["Score"] != float64(250) {
		t.Fatalf("%d records (last %v), want 250 updated once", len(all), all[len(all)-1].Fields)
	}
	var pages []int
	if err := c.EachPage(ctx, "Leads", airtable.ListOptions{}, func(p []airtable.Record) error {
		pages = append(pages, len(p))
		return nil
	}); err != nil || fmt.Sprint(pages) != "[100 100 50]" {
		t.Errorf("pages %v, %v", pages, err)
	}
	one, err := c.ListRecords(ctx, "Leads", airtable.ListOptions{Formula: "{Name} = " + airtable.FormulaString("lead 7")})
	if err != nil || len(one) != 1 {
		t.Fatalf("formula lookup: %v, %v", one, err)
	}
}

// Airtable's refusals map to kinds: what needs a fix is KindFailing with Airtable's message.
func TestErrorsMapToKinds(t *testing.T) {
	ctx := context.Background()
	fake, c := newClient(t, 1000)
	eleven := make([]airtable.Record, 11)
	for i := range eleven {
		eleven[i] = airtable.Record{Fields: map[string]any{"Name": fmt.Sprint(i)}}
	}
	cases := []struct {
		name    string
		records []airtable.Record
		want    string
	}{
		{"unknown field", []airtable.Record{{Fields: map[string]any{"Name": "x", "Nmae": "y"}}}, `UNKNOWN_FIELD_NAME: Unknown field name: "Nmae"`},
		{"bad option", []airtable.Record{{Fields: map[string]any{"Name": "x", "Tier": "B"}}}, `INVALID_MULTIPLE_CHOICE_OPTIONS`},
		{"computed", []airtable.Record{{Fields: map[string]any{"Name": "x", "Total": 3.0}}}, `computed`},
	}
	for _, tc := range cases {
		_, err := c.Upsert(ctx, "Leads", []string{"Name"}, tc.records)
		if airtable.KindOf(err) != airtable.KindFailing || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a failing error with %q", tc.name, err, tc.want)
		}
	}
	if _, err := c.Upsert(ctx, "Leads", []string{"Name"}, eleven); err == nil {
		t.Error("11 records in one write accepted")
	}
	bad := airtable.NewClient(fake.URL, "patWRONG", base)
	_, err := bad.Schema(ctx)
	var ae *airtable.Error
	if !errors.As(err, &ae) || ae.Status != 401 || strings.Contains(err.Error(), "patWRONG") {
		t.Errorf("wrong token: %v", err)
	}
	if _, err := airtable.NewClient(fake.URL, token, "appNOPE").Schema(ctx); airtable.KindOf(err) != airtable.KindFailing {
		t.Errorf("unknown base: %v", err)
	}
	fake.SetFaults(airtabletest.Faults{ServerError: 1})
	if _, err := c.Schema(ctx); airtable.KindOf(err) != airtable.KindTransient {
		t.Errorf("500: %v", err)
	}
}

// More than 5 requests in a second to a base: 429, then every request waits the penalty.
func TestFakeRateLimitAndPenalty(t *testing.T) {
	ctx := context.Background()
	fake, c := newClient(t, 5)
	var limited error
	for range 6 {
		if _, err := c.Schema(ctx); err != nil {
			limited = err
		}
	}
	if airtable.KindOf(limited) != airtable.KindRateLimited {
		t.Fatalf("6 requests at once: %v, want a 429", limited)
	}
	if _, err := c.Schema(ctx); airtable.KindOf(err) != airtable.KindRateLimited {
		t.Errorf("during the penalty: %v, want a 429", err)
	}
	if st := fake.Stats(base); st.MaxPerSecond < 6 || st.RateLimited != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestFormulaString(t *testing.T) {
	for in, want := range map[string]string{`plain`: `"plain"`, `say "hi"`: `"say \"hi\""`, `a\b`: `"a\\b"`, "two\nlines": `"two\nlines"`} {
		if got := airtable.FormulaString(in); got != want {
			t.Errorf("FormulaString(%q) = %s, want %s", in, got, want)
		}
	}
}

// Check names what is missing, of the wrong type, computed, or lacks a select option.
func TestCheckReport(t *testing.T) {
	s := &airtable.Schema{Tables: []airtable.Table{{ID: "tbl1", Name: "Job Tracking", Fields: []airtable.Field{
		{Name: "Run ID", Type: "singleLineText"}, {Name: "Stream", Type: "singleLineText"}, {Name: "Duration", Type: "formula"},
		{Name: "Status", Type: "singleSelect", Options: map[string]any{"choices": []any{map[string]any{"name": "Running"}}}}}}}}
	reps := airtable.Check(s, airtable.DefaultTables)
	out := reps[0].String() + "\n" + reps[1].String()
	for _, want := range []string{"Job Tracking: PROBLEMS", "Stream: is singleLineText, expected number", "Duration (formula)",
		`Status lacks "Completed"`, "Start Time", "Clients Processed (optional)", "Client Run Results: table missing"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if reps[0].OK() || reps[1].OK() {
		t.Error("reports say OK")
	}
}

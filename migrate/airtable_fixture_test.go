package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/leadrun/leadrun/airtable"
	"github.com/leadrun/leadrun/airtable/airtabletest"
	"github.com/leadrun/leadrun/migrate"
)

const (
	fakeToken  = "patFAKE.agency-secret"
	masterBase = "appMaster0000001"
)

// airtableAgency is the fake agency of mustAgency (the same rows, the same cases) living in
// a fake Airtable: a master base with Clients, and one base per client — the Airtable Base
// ID of its Clients row — holding Leads, Scoring Attributes and Post Scoring Attributes.
type airtableAgency struct {
	*agency
	fake  *airtabletest.Server
	bases map[string]string // client ID → base
}

// Field types of the original's tables, as Airtable's API returns their values: numbers
// as JSON numbers, a ticked checkbox as true (an unticked one is left out of the record),
// a multiple select as a list.
var (
	numberFields   = []string{"AI Score", "Max Points", "Min To Qualify", "Penalty", "Max Score / Point Value", "Processing Stream", "Profile Scoring Token Limit", "Post Scoring Token Limit", "Primary Floor"}
	checkboxFields = []string{"Active", "Disqualifying", "Bonus Points", "AI_Excluded"}
	listFields     = []string{"Signals"}
)

// mustAirtableAgency builds the agency with n generated leads per client and loads it into
// a fake Airtable started with opts (the token is fakeToken). Every lead also carries what
// the API adds and the mapping must pass over: a linked record, an attachment, a formula
// error.
func mustAirtableAgency(t testing.TB, n int, opts airtabletest.Options) *airtableAgency {
	t.Helper()
	ctx := context.Background()
	a := &airtableAgency{agency: mustAgency(t, n), bases: map[string]string{}}
	opts.Token = fakeToken
	a.fake = airtabletest.New(opts)
	t.Cleanup(a.fake.Close)
	src := mustSource(t, a.dir)
	clients, err := src.Clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.fake.AddBase(masterBase)
	mustTable(t, a.fake, masterBase, migrate.TableClients, clients)
	for _, c := range clients {
		id, base := c["Client ID"].(string), c["Airtable Base ID"].(string)
		a.bases[id] = base
		a.fake.AddBase(base)
		for _, table := range []string{migrate.TableLeads, migrate.TableAttributes, migrate.TablePostAttributes} {
			var recs []migrate.Record
			err := src.Table(ctx, id, table, func(r migrate.Record) error { recs = append(recs, r); return nil })
			if errors.Is(err, migrate.ErrNoTable) {
				continue // Sarah-Chen has no rubric tables; the bad client none at all
			} else if err != nil {
				t.Fatal(err)
			}
			if table == migrate.TableLeads {
				for i, r := range recs {
					r["Client"] = []any{fmt.Sprintf("rec%014d", i%3)}
					r["Profile Photo"] = []any{map[string]any{"id": "att1", "url": "https://dl.airtable.com/x.jpg", "filename": "x.jpg", "size": 1234.0, "type": "image/jpeg"}}
					r["Score Ratio"] = map[string]any{"specialValue": "NaN"}
				}
			}
			mustTable(t, a.fake, base, table, recs)
		}
	}
	a.fake.ResetCounts()
	return a
}

// mustTable creates a table with the records' fields, typed, and stores the records.
func mustTable(t testing.TB, fake *airtabletest.Server, base, name string, recs []migrate.Record) {
	t.Helper()
	var fields []airtable.Field
	seen := map[string]bool{}
	typed := make([]map[string]any, len(recs))
	for i, r := range recs {
		typed[i] = map[string]any{}
		for k, v := range r {
			if !seen[k] {
				seen[k] = true
				fields = append(fields, airtable.Field{Name: k, Type: fieldType(k)})
			}
			if tv, ok := typedValue(t, k, v); ok {
				typed[i][k] = tv
			}
		}
	}
	slices.SortFunc(fields, func(x, y airtable.Field) int { return strings.Compare(x.Name, y.Name) })
	fake.AddTable(base, airtable.Table{Name: name, Fields: fields})
	fake.AddRecords(base, name, typed...)
}

func fieldType(name string) string {
	switch {
	case slices.Contains(numberFields, name):
		return "number"
	case slices.Contains(checkboxFields, name):
		return "checkbox"
	case slices.Contains(listFields, name):
		return "multipleSelects"
	case name == "Client":
		return "multipleRecordLinks"
	case name == "Profile Photo":
		return "multipleAttachments"
	case name == "Score Ratio":
		return "formula"
	}
	return "multilineText"
}

// typedValue turns a CSV cell into the value Airtable's API returns; ok is false for a
// value the API leaves out (an unticked checkbox).
func typedValue(t testing.TB, name string, v any) (any, bool) {
	s, isText := v.(string)
	if !isText {
		return v, true
	}
	switch fieldType(name) {
	case "number":
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("field %s: %q is not a number", name, s)
		}
		return n, true
	case "checkbox":
		return true, s != "" // "checked" in the exports
	case "multipleSelects":
		var out []any
		for _, p := range strings.Split(s, ", ") {
			out = append(out, p)
		}
		return out, true
	}
	return s, true
}

// airtableSource reads the fake agency; notices collects what it said it waited for.
func (a *airtableAgency) source(t testing.TB, cfg migrate.AirtableConfig) (*migrate.AirtableSource, *notices) {
	t.Helper()
	n := &notices{}
	cfg.APIURL, cfg.MasterBase, cfg.NoticeFunc = a.fake.URL, masterBase, n.add
	if cfg.Token == "" {
		cfg.Token = fakeToken
	}
	src, err := migrate.NewAirtableSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return src, n
}

type notices struct {
	mu    sync.Mutex
	lines []string
}

func (n *notices) add(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lines = append(n.lines, s)
}

func (n *notices) String() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.lines, "\n")
}

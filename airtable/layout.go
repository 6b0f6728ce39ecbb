package airtable

import (
	"fmt"
	"slices"
	"strings"
)

// Tables names the two mirrored tables of the base.
type Tables struct {
	Runs    string // one row per run (default "Job Tracking")
	Clients string // one row per client result (default "Client Run Results")
}

// DefaultTables are the original platform's table names.
var DefaultTables = Tables{Runs: "Job Tracking", Clients: "Client Run Results"}

// KeyField is the field both tables are upserted on: leadrun's run ID, or the client run ID.
const KeyField = "Run ID"

// LinkField is the name init gives the Client Run Results link to Job Tracking; the mirror
// writes any link field of that table that points to the runs table, whatever its name.
const LinkField = "Job Tracking"

// Status options of the runs table (the original's names where it had them).
var runStatusChoices = []string{"Running", "Completed", "Completed with Errors", "Failed", "Cancelled", "Abandoned"}

// Status options of the client results table.
var clientStatusChoices = []string{"Running", "Completed", "Completed with Errors", "Skipped", "Failed", "Cancelled", "Abandoned"}

// expected are the fields the mirror writes, per table kind; the first one is the key.
// Fields marked optional may be absent (they are then not written); others are reported
// missing by check. A base may also have computed fields (e.g. Duration): never written.
var expectedRuns = []expectedField{
	{Field{Name: KeyField, Type: "singleLineText"}, false},
	{selectField("Status", runStatusChoices), false},
	{Field{Name: "Stream", Type: "number", Options: map[string]any{"precision": 0}}, false},
	{dateField("Start Time"), false},
	{dateField("End Time"), false},
	{Field{Name: "System Notes", Type: "multilineText"}, false},
	{numberField("Clients Processed"), true},
	{numberField("Clients Succeeded"), true},
	{numberField("Clients With Errors"), true},
	{numberField("Clients Failed"), true},
	{numberField("Total Profiles Examined"), true},
	{numberField("Total Profiles Scored"), true},
	{numberField("Total Posts Scored"), true},
	{numberField("Total Tokens Used"), true},
	{currencyField("Total API Cost"), true},
	{Field{Name: "Success Rate", Type: "percent", Options: map[string]any{"precision": 1}}, true},
}

var expectedClients = []expectedField{
	{Field{Name: KeyField, Type: "singleLineText"}, false},
	{Field{Name: "Client ID", Type: "singleLineText"}, false},
	{Field{Name: "Client Name", Type: "singleLineText"}, false},
	{Field{Name: LinkField, Type: "multipleRecordLinks"}, true},
	{selectField("Status", clientStatusChoices), false},
	{dateField("Start Time"), false},
	{dateField("End Time"), false},
	{numberField("Profiles Examined for Scoring"), false},
	{numberField("Profiles Successfully Scored"), false},
	{numberField("Profile Scoring Tokens"), false},
	{numberField("Posts Examined for Scoring"), false},
	{numberField("Posts Successfully Scored"), false},
	{numberField("Post Scoring Tokens"), false},
	{currencyField("Total API Cost"), true},
	{Field{Name: "Progress Log", Type: "multilineText"}, false},
	{Field{Name: "Error Details", Type: "multilineText"}, false},
}

type expectedField struct {
	Field
	optional bool
}

func selectField(name string, choices []string) Field {
	var cs []any
	for _, c := range choices {
		cs = append(cs, map[string]any{"name": c})
	}
	return Field{Name: name, Type: "singleSelect", Options: map[string]any{"choices": cs}}
}

func dateField(name string) Field {
	return Field{Name: name, Type: "dateTime", Options: map[string]any{
		"dateFormat": map[string]any{"name": "iso"}, "timeFormat": map[string]any{"name": "24hour"}, "timeZone": "utc"}}
}

func numberField(name string) Field {
	return Field{Name: name, Type: "number", Options: map[string]any{"precision": 0}}
}

func currencyField(name string) Field {
	return Field{Name: name, Type: "currency", Options: map[string]any{"precision": 2, "symbol": "$"}}
}

// TableReport is what check found in one table.
type TableReport struct {
	Table     string
	Missing   bool     // the table itself is not in the base
	Present   []string // fields the mirror writes
	Absent    []string // expected fields not in the base (optional ones are noted)
	WrongType []string // "Field: is X, expected Y"
	Computed  []string // fields Airtable computes: never written
	Options   []string // select options the mirror writes that the field lacks
}

// OK reports whether the mirror can write every required field of the table.
func (r TableReport) OK() bool {
	if r.Missing || len(r.WrongType) > 0 || len(r.Options) > 0 {
		return false
	}
	for _, a := range r.Absent {
		if !strings.HasSuffix(a, "(optional)") {
			return false
		}
	}
	return true
}

// String is the report in a few lines.
func (r TableReport) String() string {
	if r.Missing {
		return fmt.Sprintf("%s: table missing (run `leadrun airtable init`, or check the table name)", r.Table)
	}
	var b strings.Builder
	state := "ok"
	if !r.OK() {
		state = "PROBLEMS"
	}
	fmt.Fprintf(&b, "%s: %s\n  present:    %s\n", r.Table, state, list(r.Present))
	for _, l := range []struct {
		label string
		v     []string
	}{{"missing", r.Absent}, {"wrong type", r.WrongType}, {"options", r.Options}, {"computed", r.Computed}} {
		if len(l.v) > 0 {
			fmt.Fprintf(&b, "  %-11s %s\n", l.label+":", list(l.v))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func list(v []string) string {
	if len(v) == 0 {
		return "—"
	}
	return strings.Join(v, ", ")
}

// Check compares the base's schema with the fields the mirror writes.
func Check(s *Schema, names Tables) []TableReport {
	return []TableReport{
		checkTable(s, names.Runs, expectedRuns, ""),
		checkTable(s, names.Clients, expectedClients, names.Runs),
	}
}

func checkTable(s *Schema, name string, want []expectedField, linkTo string) TableReport {
	rep := TableReport{Table: name}
	t, ok := s.Table(name)
	if !ok {
		rep.Missing = true
		return rep
	}
	for _, w := range want {
		f, ok := t.Field(w.Name)
		if w.Type == "multipleRecordLinks" {
			f, ok = s.LinkField(name, linkTo)
		}
		switch {
		case !ok && w.optional:
			rep.Absent = append(rep.Absent, w.Name+" (optional)")
		case !ok:
			rep.Absent = append(rep.Absent, w.Name)
		case f.Computed():
			rep.Computed = append(rep.Computed, f.Name+" ("+f.Type+")")
		case !compatible(w.Type, f.Type):
			rep.WrongType = append(rep.WrongType, fmt.Sprintf("%s: is %s, expected %s", f.Name, describeType(f), w.Type))
		default:
			rep.Present = append(rep.Present, f.Name)
			if w.Type == "singleSelect" {
				for _, c := range (&w.Field).Choices() {
					if !slices.Contains(f.Choices(), c) {
						rep.Options = append(rep.Options, fmt.Sprintf("%s lacks %q", f.Name, c))
					}
				}
			}
		}
	}
	for _, f := range t.Fields {
		if f.Computed() && !slices.ContainsFunc(want, func(w expectedField) bool { return w.Name == f.Name }) {
			rep.Computed = append(rep.Computed, f.Name+" ("+f.Type+")")
		}
	}
	return rep
}

// LinkField finds a link field of the table named from that points to the table named to.
func (s *Schema) LinkField(from, to string) (*Field, bool) {
	t, ok := s.Table(from)
	target, ok2 := s.Table(to)
	if !ok || !ok2 {
		return nil, false
	}
	for i := range t.Fields {
		if t.Fields[i].Type == "multipleRecordLinks" && t.Fields[i].LinkedTableID() == target.ID {
			return &t.Fields[i], true
		}
	}
	return nil, false
}

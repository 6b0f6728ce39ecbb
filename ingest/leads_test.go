package ingest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
)

func TestDecodeLeadsJSON(t *testing.T) {
	t.Parallel()
	in := `[
	  {"profile_url": "https://www.linkedin.com/in/ann/", "first_name": "Ann", "last_name": "Lee, GAICD",
	   "headline": "Founder", "job_title": "Founder", "company": "Acme", "about": "Coach.",
	   "location": "Sydney", "email": "ann@example.com", "phone": "0400",
	   "experience": [{"title": "Founder", "company": "Acme", "start": "2020", "end": "", "description": "Runs it."}],
	   "connection_status": "Connected"},
	  {"profileUrl": "https://linkedin.com/in/bob", "firstName": "Bob", "lastName": "Ray",
	   "headline": "Consultant", "organization_1": "Ray Co", "organization_title_1": "Owner", "degree": 1},
	  {"profile_url": "https://www.linkedin.com/in/carol/", "job_title": "Coach", "company": "Self"},
	  {"profile_url": "", "first_name": "NoURL"},
	  {"profile_url": "https://www.linkedin.com/in/dan/", "first_name": 7},
	  {"profile_url": "https://www.linkedin.com/in/dan/", "experience": [{"title": "x", "salary": 1}]},
	  {"profile_url": "https://www.linkedin.com/in/eve/", "connection_status": "blocked"},
	  "not an object",
	  null,
	  {"firstName": "LH without URL"}
	]`
	b, err := ReadLeads(strings.NewReader(in), "json", "Guy-Wilson")
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(b.Leads); !reflect.DeepEqual(got, []string{"linkedin.com/in/ann", "linkedin.com/in/bob", "linkedin.com/in/carol"}) {
		t.Errorf("keys = %q", got)
	}
	wantErrs := map[int]string{3: "profile_url is required", 4: `field "first_name" must be text, not number`,
		5: `unknown field "salary"`, 6: "connection_status", 7: "item is text", 8: "item is null", 9: "no profile URL"}
	checkItemErrors(t, b.Errors, wantErrs)
	if b.Items != 10 || b.Merged != 0 {
		t.Errorf("items, merged = %d, %d; want 10, 0", b.Items, b.Merged)
	}
	ann := b.Leads[0]
	wantAnn := leadrun.Lead{ClientID: "Guy-Wilson", ProfileKey: "linkedin.com/in/ann", ProfileURL: "https://www.linkedin.com/in/ann/",
		FirstName: "Ann", LastName: "Lee", Headline: "Founder", JobTitle: "Founder", Company: "Acme", About: "Coach.",
		Location: "Sydney", Email: "ann@example.com", Phone: "0400", ConnectionStatus: "connected",
		Experience: []leadrun.Job{{Title: "Founder", Company: "Acme", Start: "2020", Description: "Runs it."}}}
	if !reflect.DeepEqual(*ann, wantAnn) {
		t.Errorf("ann = %+v\nwant %+v", *ann, wantAnn)
	}
	bob := b.Leads[1]
	if bob.ConnectionStatus != "connected" || bob.JobTitle != "Owner" || len(bob.Experience) != 1 ||
		!strings.HasPrefix(string(bob.Raw), `{"profileUrl":"https://linkedin.com/in/bob","firstName":"Bob"`) {
		t.Errorf("bob (Linked Helper) = %+v raw %s", bob, bob.Raw)
	}
	carol := b.Leads[2]
	if carol.Raw != nil || len(carol.Experience) != 1 || carol.Experience[0] != (leadrun.Job{Title: "Coach", Company: "Self"}) {
		t.Errorf("carol = %+v, want one job from job_title+company and no raw", carol)
	}
}

func TestDecodeLeadsJSONSingleObjectAndDedupe(t *testing.T) {
	t.Parallel()
	leads, errs, err := DecodeLeads(strings.NewReader(` {"publicId": "solo", "headline": "Coach"} `), "json", "Guy-Wilson")
	if err != nil || len(errs) != 0 || len(leads) != 1 || leads[0].ProfileKey != "linkedin.com/in/solo" {
		t.Fatalf("single object: %v %v %v", leads, errs, err)
	}
	in := `[{"profile_url": "https://www.linkedin.com/in/Ann/", "headline": "old"},
	        {"profile_url": "https://linkedin.com/in/bob", "headline": "bob"},
	        {"profile_url": "http://linkedin.com/in/ann?x=1", "headline": "new"}]`
	b, err := ReadLeads(strings.NewReader(in), "json", "Guy-Wilson")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Leads) != 2 || b.Merged != 1 || b.Items != 3 || b.Leads[0].Headline != "new" || b.Leads[1].Headline != "bob" {
		t.Errorf("dedupe: leads %v merged %d items %d", b.Leads, b.Merged, b.Items)
	}
}

func TestDecodeLeadsBrokenInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, format, clientID, in string
		want                       []string
	}{
		{"unknown format", "xml", "Guy-Wilson", "<a/>", []string{`"xml"`, "csv or json"}},
		{"bad client", "json", "no such client!", "[]", []string{"client_id"}},
		{"empty json", "json", "Guy-Wilson", " \n ", []string{"empty"}},
		{"json scalar", "json", "Guy-Wilson", `"hello"`, []string{"array of objects", "text"}},
		{"json syntax", "json", "Guy-Wilson", "[\n{\"profile_url\": \"x\"},\n{\"a\" 1}]", []string{"line 3", "invalid character"}},
		{"json syntax after leading space", "json", "Guy-Wilson", "        [\nx]", []string{"line 2"}},
		{"json truncated", "json", "Guy-Wilson", `[{"profile_url": "x"}`, []string{"ends too early"}},
		{"json trailing", "json", "Guy-Wilson", "[]\n[]", []string{"line 2", "after the end"}},
		{"csv empty", "csv", "Guy-Wilson", "", []string{"empty", "header"}},
		{"csv without header", "csv", "Guy-Wilson", "https://linkedin.com/in/a,Ann\n", []string{"no profile_url", "header"}},
		{"csv duplicate column", "csv", "Guy-Wilson", "profile_url,LinkedIn Profile URL\n", []string{"columns 1 and 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			leads, errs, err := DecodeLeads(strings.NewReader(tt.in), tt.format, tt.clientID)
			mustInvalid(t, err, tt.want...)
			if leads != nil || errs != nil {
				t.Errorf("leads, errs = %v, %v; want nil on a broken input", leads, errs)
			}
		})
	}
}

func TestDecodeLeadsCap(t *testing.T) {
	t.Parallel()
	var js, cs strings.Builder
	js.WriteString("[")
	cs.WriteString("profile_url\n")
	for i := range MaxItems + 1 {
		if i > 0 {
			js.WriteString(",")
		}
		fmt.Fprintf(&js, `{"profile_url":"linkedin.com/in/p%d"}`, i)
		fmt.Fprintf(&cs, "linkedin.com/in/p%d\n", i)
	}
	js.WriteString("]")
	_, _, err := DecodeLeads(strings.NewReader(js.String()), "json", "Guy-Wilson")
	mustInvalid(t, err, "more than 100000")
	_, _, err = DecodeLeads(strings.NewReader(cs.String()), "csv", "Guy-Wilson")
	mustInvalid(t, err, "more than 100000")
}

func TestDecodeLeadsCSV(t *testing.T) {
	t.Parallel()
	in := "\ufeffLinkedIn Profile URL,First Name,Last Name,Headline,Job Title,Company Name,About,Location,Email,Phone,Notes\n" +
		"https://www.linkedin.com/in/ann/,Ann,\"Lee, GAICD\",Founder,Founder,Acme,\"Coach,\nmentor\",Sydney,ann@x.io,0400,vip\n" +
		"\n" +
		",No,URL,,,,,,,,\n" +
		"https://www.linkedin.com/in/bob/,Bob,Ray CFO,CFO,CFO,Bank,,,,,\n" +
		"https://www.linkedin.com/in/cat/,Cat,,,,,,,,,,,extra\n" +
		",,,,,,,,,,\n" +
		"https://www.linkedin.com/in/ANN,Ann,Lee,Founder & Coach,,,,,,,\n"
	b, err := ReadLeads(strings.NewReader(in), "csv", "Guy-Wilson")
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(b.Leads); !reflect.DeepEqual(got, []string{"linkedin.com/in/ann", "linkedin.com/in/bob"}) {
		t.Errorf("keys = %q", got)
	}
	checkItemErrors(t, b.Errors, map[int]string{5: "profile_url is required", 7: "13 fields but the header has 11"})
	if b.Merged != 1 || b.Items != 5 {
		t.Errorf("merged, items = %d, %d; want 1, 5", b.Merged, b.Items)
	}
	ann := b.Leads[0]
	if ann.Headline != "Founder & Coach" || ann.LastName != "Lee" || ann.About != "" {
		t.Errorf("ann = %+v, want the later row", ann)
	}
	bob := b.Leads[1]
	want := []leadrun.Job{{Title: "CFO", Company: "Bank"}}
	if bob.LastName != "Ray" || !reflect.DeepEqual(bob.Experience, want) || bob.ConnectionStatus != "candidate" {
		t.Errorf("bob = %+v", bob)
	}
}

func TestDecodeLeadsCSVExperienceColumn(t *testing.T) {
	t.Parallel()
	in := "profile_url,headline,experience,connection_status\n" +
		`linkedin.com/in/a,Coach,"[{""title"":""Coach"",""company"":""Self"",""start"":""2021""},{""position"":""Teacher"",""companyName"":""School""}]",Pending` + "\n" +
		`linkedin.com/in/b,Coach,"{""title"":""Coach""}",` + "\n" +
		`linkedin.com/in/c,Coach,not json,` + "\n"
	b, err := ReadLeads(strings.NewReader(in), "csv", "Guy-Wilson")
	if err != nil {
		t.Fatal(err)
	}
	// The original's exports hold plain-text Job History: never a reason to reject a row.
	checkItemErrors(t, b.Errors, map[int]string{})
	if len(b.Leads) != 3 || !reflect.DeepEqual(b.Leads[2].Experience, []leadrun.Job{{Title: "not json"}}) {
		t.Errorf("row c: %+v, want kept with its text as a job", b.Leads)
	}
	if len(b.Leads) < 2 {
		t.Fatalf("leads = %v", b.Leads)
	}
	want := []leadrun.Job{{Title: "Coach", Company: "Self", Start: "2021"}, {Title: "Teacher", Company: "School"}}
	if a := b.Leads[0]; !reflect.DeepEqual(a.Experience, want) || a.ConnectionStatus != "pending" || a.JobTitle != "Coach" {
		t.Errorf("a = %+v", a)
	}
	if len(b.Leads[1].Experience) != 1 {
		t.Errorf("b = %+v", b.Leads[1])
	}
}

func keys(leads []*leadrun.Lead) []string {
	out := make([]string, len(leads))
	for i, l := range leads {
		out[i] = l.ProfileKey
	}
	return out
}

// checkItemErrors checks that errs holds exactly the wanted indexes, with reasons that
// contain the wanted text.
func checkItemErrors(t *testing.T, errs []leadrun.ItemError, want map[int]string) {
	t.Helper()
	if len(errs) != len(want) {
		t.Errorf("item errors = %+v, want %d", errs, len(want))
	}
	for _, e := range errs {
		w, ok := want[e.Index]
		if !ok || !strings.Contains(e.Reason, w) {
			t.Errorf("item error %d: %q, want %q", e.Index, e.Reason, w)
		}
	}
}

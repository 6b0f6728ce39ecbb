package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/leadrun/leadrun/airtable"
	"github.com/leadrun/leadrun/airtable/airtabletest"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

const cliAirtableToken = "patCLI.import-secret-42"

// fakeAgencyBases starts a fake Airtable with a master base (two clients) and one client
// base holding 150 leads (two pages) and a rubric, values typed as the API returns them.
func fakeAgencyBases(t *testing.T) *airtabletest.Server {
	t.Helper()
	fake := airtabletest.New(airtabletest.Options{Token: cliAirtableToken})
	t.Cleanup(fake.Close)
	text := func(names ...string) []airtable.Field {
		var out []airtable.Field
		for _, n := range names {
			out = append(out, airtable.Field{Name: n, Type: "singleLineText"})
		}
		return out
	}
	fake.AddBase("appMasterCLI0001")
	fake.AddTable("appMasterCLI0001", airtable.Table{Name: "Clients", Fields: text("Client ID", "Client Name", "Status", "Airtable Base ID", "Service Level", "Processing Stream")})
	fake.AddRecords("appMasterCLI0001", "Clients",
		map[string]any{"Client ID": "Guy-Wilson", "Client Name": "Guy Wilson", "Status": "Active", "Airtable Base ID": "appGuyCLI0000001", "Service Level": "1-Lead Scoring", "Processing Stream": 1.0},
		map[string]any{"Client ID": "Dean-Hobin", "Client Name": "Dean Hobin", "Status": "Paused", "Processing Stream": 2.0})
	fake.AddBase("appGuyCLI0000001")
	fake.AddTable("appGuyCLI0000001", airtable.Table{Name: "Leads", Fields: text("LinkedIn Profile URL", "First Name", "Scoring Status", "AI Score")})
	fake.AddTable("appGuyCLI0000001", airtable.Table{Name: "Scoring Attributes", Fields: text("Attribute Id", "Category", "Heading", "Max Points", "Active")})
	var leads []map[string]any
	for i := range 150 {
		l := map[string]any{"LinkedIn Profile URL": fmt.Sprintf("https://www.linkedin.com/in/cli-lead-%d", i), "First Name": "Lead", "Headline": "Founder", "Scoring Status": "To Be Scored"}
		if i%2 == 0 {
			l["Scoring Status"], l["AI Score"], l["AI Profile Assessment"] = "Scored", float64(40+i%50), "Kept from the original."
		}
		leads = append(leads, l)
	}
	fake.AddRecords("appGuyCLI0000001", "Leads", leads...)
	fake.AddRecords("appGuyCLI0000001", "Scoring Attributes",
		map[string]any{"Attribute Id": "A", "Category": "Positive", "Heading": "Founder", "Instructions": "Runs a business.", "Max Points": 10.0, "Signals": []any{"founder", "owner"}, "Active": true})
	return fake
}

// `leadrun import airtable` reads the bases with the token from the environment, prints
// the report and progress, keeps scores, and a second run changes nothing; without a token
// it says which variable to set; the token never shows.
func TestImportAirtableCLI(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			fake := fakeAgencyBases(t)
			dbURL := migratedURL(t, kind)
			args := []string{"import", "airtable", "--master-base", "appMasterCLI0001", "--api-url", fake.URL, "--db", dbURL}

			t.Setenv("LEADRUN_AIRTABLE_TOKEN", "")
			if code, _, errOut := cli(t, args...); code == 0 || !strings.Contains(errOut, "LEADRUN_AIRTABLE_TOKEN") {
				t.Errorf("no token: exit %d %q", code, errOut)
			}

			t.Setenv("LEADRUN_AIRTABLE_TOKEN", cliAirtableToken)
			code, out, errOut := cli(t, args...)
			if code != 0 || !strings.Contains(out, "2 clients, 150 leads read: 150 created, 0 updated, 0 unchanged, 75 scores kept, 0 rejected; 0 tokens spent") {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			if !strings.Contains(errOut, "import: done: 150 leads read") || !strings.Contains(out, "no rubric imported: client Dean-Hobin has no Airtable Base ID") {
				t.Errorf("progress or notes missing:\n%s\n%s", errOut, out)
			}
			var rep struct {
				Clients []struct {
					ClientID  string `json:"client_id"`
					Created   int    `json:"created"`
					Unchanged int    `json:"unchanged"`
					Rubric    string `json:"rubric"`
				} `json:"clients"`
			}
			again := mustCLI(t, append(args, "--json", "--client", "Guy-Wilson")...)
			if err := json.Unmarshal([]byte(again), &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Clients) != 1 || rep.Clients[0].Created != 0 || rep.Clients[0].Unchanged != 150 || rep.Clients[0].Rubric != "unchanged" {
				t.Errorf("second import: %+v, want 150 unchanged", rep.Clients)
			}
			if show := mustCLI(t, "clients", "show", "Guy-Wilson", "--db", dbURL); !strings.Contains(show, "75 to be scored") {
				t.Errorf("clients show:\n%s", show)
			}

			t.Setenv("LEADRUN_AIRTABLE_TOKEN", "patREVOKED.x")
			code, out, errOut = cli(t, args...)
			if code == 0 || !strings.Contains(errOut, "airtable 401 AUTHENTICATION_REQUIRED: Authentication required") {
				t.Errorf("wrong token: exit %d %q", code, errOut)
			}
			if strings.Contains(out+errOut, "patREVOKED") {
				t.Error("a token was printed")
			}
			if code, _, errOut := cli(t, "import", "airtable", "--master-base", "tblNotABase", "--db", dbURL); code == 0 || !strings.Contains(errOut, `starts with "app"`) {
				t.Errorf("bad base ID: exit %d %q", code, errOut)
			}
		})
	}
}

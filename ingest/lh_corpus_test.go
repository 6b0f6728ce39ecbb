package ingest

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
)

// The Linked Helper cases the original platform accepted, read as it read them.
func TestLinkedHelperCorpus(t *testing.T) {
	t.Parallel()
	type want struct {
		first, last, company, phone, key, nav, connected string
		jobs                                             int
		messages                                         []string
	}
	tests := []struct {
		name, in string
		want     want
	}{
		{"credential as last name", `{"profileUrl":"https://www.linkedin.com/in/bree","firstName":"Bree","lastName":"CFO","original_full_name":"Bree Taylor CFO"}`,
			want{first: "Bree", last: "Taylor", key: "linkedin.com/in/bree"}},
		{"both names in the first name", `{"profileUrl":"https://www.linkedin.com/in/bree","firstName":"Bree Taylor","lastName":"CFO"}`,
			want{first: "Bree", last: "Taylor", key: "linkedin.com/in/bree"}},
		{"decoration as last name", `{"profileUrl":"https://www.linkedin.com/in/allan","firstName":"Allan","lastName":"-Δ","original_full_name":"Allan Ryan -Δ"}`,
			want{first: "Allan", last: "Ryan", key: "linkedin.com/in/allan"}},
		{"decoration after the last name", `{"profileUrl":"https://www.linkedin.com/in/allan","firstName":"Allan","lastName":"Ryan -Δ"}`,
			want{first: "Allan", last: "Ryan", key: "linkedin.com/in/allan"}},
		{"title and credentials", `{"profileUrl":"https://www.linkedin.com/in/anand","firstName":"Anand","lastName":"GAICD, FCPHR","original_full_name":"Dr. Anand Shankaran GAICD, FCPHR"}`,
			want{first: "Anand", last: "Shankaran", key: "linkedin.com/in/anand"}},
		{"title in the first name", `{"profileUrl":"https://www.linkedin.com/in/anand","firstName":"Dr. Anand","lastName":"Shankaran GAICD, FCPHR"}`,
			want{first: "Anand", last: "Shankaran", key: "linkedin.com/in/anand"}},
		{"full name only", `{"profileUrl":"https://www.linkedin.com/in/anand","original_full_name":"Dr. Anand Shankaran GAICD, FCPHR"}`,
			want{first: "Anand", last: "Shankaran", key: "linkedin.com/in/anand"}},
		{"company and phone as JSON strings", `{"profileUrl":"https://www.linkedin.com/in/c","company":"{\"name\":\"Acme Pty Ltd\"}","phoneNumbers":"[{\"type\":\"mobile\",\"value\":\"+61 400 000 000\"}]"}`,
			want{company: "Acme Pty Ltd", phone: "+61 400 000 000", key: "linkedin.com/in/c", jobs: 1}},
		{"minimal: public ID only", `{"publicId":"min-1"}`, want{key: "linkedin.com/in/min-1"}},
		{"minimal: own fields with text experience", `{"profile_url":"linkedin.com/in/min-2","experience":"Director at Acme (2021 – Present)"}`,
			want{key: "linkedin.com/in/min-2", company: "Acme", jobs: 1}},
		{"minimal: own fields with company object", `{"profile_url":"linkedin.com/in/min-3","company":{"name":"Acme"}}`,
			want{key: "linkedin.com/in/min-3", company: "Acme", jobs: 1}},
		{"messages, date connected, Sales Navigator", `{"profileUrl":"https://au.linkedin.com/in/m/","message":"Thanks for connecting!","messages":[{"text":"Hi Bree"},"Thanks for connecting!"],
			"connected_at":"2026-03-04T05:06:07Z","sn_hash_id":"ACwAAB123,NAME_SEARCH","degree":1}`,
			want{key: "linkedin.com/in/m", nav: salesNavigatorBase + "ACwAAB123", connected: "2026-03-04T05:06:07Z",
				messages: []string{"Thanks for connecting!", "Hi Bree"}}},
		{"bulk-imported connection: invite date", `{"profileUrl":"https://www.linkedin.com/in/JOSÉ-x","distance":"DISTANCE_1","invited_date_iso":"2025-11-02"}`,
			want{key: "linkedin.com/in/jos%c3%a9-x", connected: "2025-11-02T00:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := FromLinkedHelper(mustObject(t, tt.in), "Guy-Wilson")
			if err != nil {
				t.Fatal(err)
			}
			got := want{first: l.FirstName, last: l.LastName, company: l.Company, phone: l.Phone, key: l.ProfileKey,
				nav: l.SalesNavigatorURL, jobs: len(l.Experience), messages: l.Messages}
			if l.ConnectedAt != nil {
				got.connected = l.ConnectedAt.Format(time.RFC3339)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// Items that differ only by country subdomain, www or letter case are one lead.
func TestLinkedHelperSameProfile(t *testing.T) {
	t.Parallel()
	in := `[{"profileUrl":"https://au.linkedin.com/in/x"},{"profileUrl":"https://www.linkedin.com/in/x/"},
		{"profileUrl":"https://www.linkedin.com/in/JOSÉ-x"},{"profileUrl":"https://linkedin.com/in/josé-x"}]`
	b, err := ReadLinkedHelper(strings.NewReader(in), "Guy-Wilson", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Leads) != 2 || b.Merged != 2 || len(b.Errors) != 0 {
		t.Errorf("leads %d merged %d errors %v; want 2 leads, 2 merged", len(b.Leads), b.Merged, b.Errors)
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"2025-09-23": "2025-09-23", "2025-09-23T10:00:00.000Z": "2025-09-23", "9/23/2025": "2025-09-23",
		"23/9/2025 10:00am": "2025-09-23", "1758585600000": "2025-09-23", "soon": "", "": "", "13/13/2025": "",
	} {
		got := ""
		if d := ParseDate(in); d != nil {
			got = d.Format("2006-01-02")
		}
		if got != want {
			t.Errorf("ParseDate(%q) = %q, want %q", in, got, want)
		}
	}
}

var _ = leadrun.ConnectionConnected

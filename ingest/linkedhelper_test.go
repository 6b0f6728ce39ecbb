package ingest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
)

// mustObject decodes a JSON object the way the webhook will (UseNumber).
func mustObject(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return m
}

func TestFromLinkedHelperURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, wantURL, wantKey string }{
		{"profileUrl first", `{"profileUrl": "https://www.linkedin.com/in/Jane-Doe/", "linkedinProfileUrl": "https://linkedin.com/in/other", "publicId": "x"}`,
			"https://www.linkedin.com/in/Jane-Doe/", "linkedin.com/in/jane-doe"},
		{"linkedinProfileUrl", `{"linkedinProfileUrl": "https://linkedin.com/in/bob?trk=1", "profile_url": "https://linkedin.com/in/other"}`,
			"https://linkedin.com/in/bob?trk=1", "linkedin.com/in/bob"},
		{"profile_url", `{"profile_url": " linkedin.com/in/carol ", "publicId": "x"}`, "linkedin.com/in/carol", "linkedin.com/in/carol"},
		{"publicId", `{"publicId": "dave-lee-123", "memberId": 42}`,
			"https://www.linkedin.com/in/dave-lee-123/", "linkedin.com/in/dave-lee-123"},
		{"memberId number", `{"memberId": 123456789}`,
			"https://www.linkedin.com/profile/view?id=123456789", "linkedin.com/profile/view?id=123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := FromLinkedHelper(mustObject(t, tt.in), "Guy-Wilson")
			if err != nil {
				t.Fatal(err)
			}
			if l.ProfileURL != tt.wantURL || l.ProfileKey != tt.wantKey {
				t.Errorf("url, key = %q, %q; want %q, %q", l.ProfileURL, l.ProfileKey, tt.wantURL, tt.wantKey)
			}
			if l.ClientID != "Guy-Wilson" || l.ConnectionStatus != leadrun.ConnectionCandidate {
				t.Errorf("client, connection = %q, %q", l.ClientID, l.ConnectionStatus)
			}
		})
	}
}

func TestFromLinkedHelperErrors(t *testing.T) {
	t.Parallel()
	_, err := FromLinkedHelper(mustObject(t, `{"firstName": "Ann", "headline": "Coach"}`), "Guy-Wilson")
	mustInvalid(t, err, "no profile URL", "publicId")
	_, err = FromLinkedHelper(mustObject(t, `{"profileUrl": "https://"}`), "Guy-Wilson")
	mustInvalid(t, err, "not a URL")
	_, err = FromLinkedHelper(nil, "Guy-Wilson")
	mustInvalid(t, err, "empty")
	_, err = FromLinkedHelper(mustObject(t, `{"publicId": "ann"}`), "bad client!")
	mustInvalid(t, err, "client_id")
}

func TestFromLinkedHelperOrganizations(t *testing.T) {
	t.Parallel()
	in := `{
		"publicId": "ann-smith", "firstName": "Ann", "lastName": "Smith, GAICD",
		"occupation": "Founder | Business Coach", "summary": "I help founders.",
		"location_name": "Sydney, Australia", "email_1": "", "email_2": "ann@example.com",
		"phone_1": "+61 400 000 000",
		"organization_1": "Acme Coaching", "organization_title_1": "Founder",
		"organization_start_1": "2019-01", "organization_end_1": "",
		"position_description_1": "Coaching founders.",
		"organization_2": "BigCorp", "organization_title_2": "Marketing Manager",
		"organization_start_2": "2012", "organization_end_2": "2018",
		"organization_3": "", "organization_title_3": "",
		"member_distance": "DISTANCE_1"
	}`
	l, err := FromLinkedHelper(mustObject(t, in), "Guy-Wilson")
	if err != nil {
		t.Fatal(err)
	}
	want := []leadrun.Job{
		{Title: "Founder", Company: "Acme Coaching", Start: "2019-01", Description: "Coaching founders."},
		{Title: "Marketing Manager", Company: "BigCorp", Start: "2012", End: "2018"},
	}
	if !reflect.DeepEqual(l.Experience, want) {
		t.Errorf("experience = %+v, want %+v", l.Experience, want)
	}
	got := []string{l.FirstName, l.LastName, l.Headline, l.About, l.Location, l.Email, l.Phone,
		l.JobTitle, l.Company, l.ConnectionStatus}
	wantFields := []string{"Ann", "Smith", "Founder | Business Coach", "I help founders.", "Sydney, Australia",
		"ann@example.com", "+61 400 000 000", "Founder", "Acme Coaching", "connected"}
	if !reflect.DeepEqual(got, wantFields) {
		t.Errorf("fields = %q, want %q", got, wantFields)
	}
	var raw map[string]any
	if err := json.Unmarshal(l.Raw, &raw); err != nil || raw["member_distance"] != "DISTANCE_1" {
		t.Errorf("raw = %s (%v), want the whole object", l.Raw, err)
	}
	if l.MissingCriticalData() != "" {
		t.Errorf("MissingCriticalData = %q, want scorable", l.MissingCriticalData())
	}
}

func TestFromLinkedHelperExperienceList(t *testing.T) {
	t.Parallel()
	in := `{
		"profileUrl": "https://www.linkedin.com/in/bo/", "headline": "Consultant",
		"companyName": "Bo Consulting", "position": "Principal",
		"experience": [
			{"title": "Principal", "company": {"name": "Bo Consulting"}, "startDate": {"year": 2020, "month": 3}, "description": "Strategy."},
			{"position": "Analyst", "companyName": "Bank", "start": "2015", "end": "2019"},
			{}
		],
		"organization_1": "Ignored when experience[] is present"
	}`
	l, err := FromLinkedHelper(mustObject(t, in), "Guy-Wilson")
	if err != nil {
		t.Fatal(err)
	}
	want := []leadrun.Job{
		{Title: "Principal", Company: "Bo Consulting", Start: "2020-03", Description: "Strategy."},
		{Title: "Analyst", Company: "Bank", Start: "2015", End: "2019"},
	}
	if !reflect.DeepEqual(l.Experience, want) {
		t.Errorf("experience = %+v, want %+v", l.Experience, want)
	}
	if l.JobTitle != "Principal" || l.Company != "Bo Consulting" {
		t.Errorf("job title, company = %q, %q", l.JobTitle, l.Company)
	}
}

func TestFromLinkedHelperFallbacks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		check    func(l *leadrun.Lead) bool
	}{
		{"company.name and position form one job", `{"publicId": "a", "position": "CEO", "company": {"name": "Acme"}}`,
			func(l *leadrun.Lead) bool {
				return l.Company == "Acme" && len(l.Experience) == 1 && l.Experience[0] == leadrun.Job{Title: "CEO", Company: "Acme"}
			}},
		{"experience as JSON text", `{"publicId": "a", "experience": "[{\"title\": \"Coach\", \"company\": \"Self\"}]"}`,
			func(l *leadrun.Lead) bool { return len(l.Experience) == 1 && l.Experience[0].Title == "Coach" }},
		{"bio and locationName", `{"publicId": "a", "bio": "Hi.", "locationName": "Perth", "location": "ignored"}`,
			func(l *leadrun.Lead) bool { return l.About == "Hi." && l.Location == "Perth" }},
		{"phoneNumbers wins", `{"publicId": "a", "phoneNumbers": [{"type": "mobile", "value": "0400"}], "phone_1": "0500"}`,
			func(l *leadrun.Lead) bool { return l.Phone == "0400" }},
		{"workEmail", `{"publicId": "a", "workEmail": "w@x.io", "email_1": "e@x.io"}`,
			func(l *leadrun.Lead) bool { return l.Email == "w@x.io" }},
		{"last name from full name", `{"publicId": "a", "firstName": "Mary", "original_full_name": "Mary Jane Watson MBA"}`,
			func(l *leadrun.Lead) bool { return l.FirstName == "Mary" && l.LastName == "Jane Watson" }},
		{"both names from full name", `{"publicId": "a", "fullName": "Tom Lee, CFO"}`,
			func(l *leadrun.Lead) bool { return l.FirstName == "Tom" && l.LastName == "Lee" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := FromLinkedHelper(mustObject(t, tt.in), "Guy-Wilson")
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(l) {
				t.Errorf("unexpected lead %+v", l)
			}
		})
	}
}

func TestFromLinkedHelperConnection(t *testing.T) {
	t.Parallel()
	tests := []struct{ hint, want string }{
		{`"connectionDegree": "1st"`, "connected"},
		{`"connectionDegree": "2nd"`, "candidate"},
		{`"distance": "DISTANCE_1"`, "connected"},
		{`"distance": "DISTANCE_2"`, "candidate"},
		{`"member_distance": "MEMBER_DISTANCE_1"`, "connected"},
		{`"degree": 1`, "connected"},
		{`"degree": 2`, "candidate"},
		{`"degree": "1"`, "connected"},
		{`"connectionStatus": "Connected"`, "connected"},
		{`"connectionStatus": "Pending"`, "pending"},
		{`"connection_status": "pending"`, "pending"},
		{`"connectionStatus": "Unknown"`, "candidate"},
		{`"other": 1`, "candidate"},
	}
	for _, tt := range tests {
		l, err := FromLinkedHelper(mustObject(t, `{"publicId": "a", `+tt.hint+`}`), "Guy-Wilson")
		if err != nil {
			t.Fatalf("%s: %v", tt.hint, err)
		}
		if l.ConnectionStatus != tt.want {
			t.Errorf("%s: connection = %q, want %q", tt.hint, l.ConnectionStatus, tt.want)
		}
	}
}

func TestCleanName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Smith", "Smith"},
		{"  Smith  ", "Smith"},
		{"Smith, GAICD", "Smith"},
		{"Smith, MBA, CPA", "Smith"},
		{"Lee CFO", "Lee"},
		{"Brown MBA PhD", "Brown"},
		{"Brown M.B.A.", "Brown"},
		{"Nguyen | CPA", "Nguyen"},
		{"Taylor - Executive", "Taylor - Executive"},
		{"Jones (she/her)", "Jones"},
		{"Van der Berg", "Van der Berg"},
		{"MBA", "MBA"}, // never removes the only word
		{"Ca", "Ca"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := CleanName(tt.in); got != tt.want {
			t.Errorf("CleanName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The sender check sees each object's my_email (trimmed) before the item is mapped; a
// rejected item is reported and not merged into an accepted item of the same profile.
func TestReadLinkedHelperSenderCheck(t *testing.T) {
	t.Parallel()
	body := `[
		{"profileUrl": "https://www.linkedin.com/in/ann/", "headline": "Coach", "my_email": " Guy@Example.com "},
		{"profileUrl": "https://www.linkedin.com/in/bob/", "headline": "Founder"},
		{"profileUrl": "https://www.linkedin.com/in/ann/", "headline": "Misfiled", "my_email": "dean@example.com"},
		{"headline": "no url", "my_email": "dean@example.com"}
	]`
	var seen []string
	check := func(sender string) error {
		seen = append(seen, sender)
		if sender == "dean@example.com" {
			return leadrun.Errorf(leadrun.EFORBIDDEN, "sender_mismatch: not this client's sender")
		}
		return nil
	}
	b, err := ReadLinkedHelper(strings.NewReader(body), "Guy-Wilson", check)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Guy@Example.com", "", "dean@example.com", "dean@example.com"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("check saw %q, want %q", seen, want)
	}
	if len(b.Leads) != 2 || b.Leads[0].Headline != "Coach" || b.Leads[1].Headline != "Founder" || b.Merged != 0 {
		t.Errorf("leads %+v, merged %d: want Ann (not overwritten by the rejected item) and Bob", b.Leads, b.Merged)
	}
	want := []leadrun.ItemError{{Index: 2, Reason: "sender_mismatch: not this client's sender"}, {Index: 3, Reason: "sender_mismatch: not this client's sender"}}
	if !reflect.DeepEqual(b.Errors, want) || b.Items != 4 {
		t.Errorf("errors %+v (items %d), want %+v", b.Errors, b.Items, want)
	}
	if !strings.Contains(string(b.Leads[0].Raw), `"my_email"`) {
		t.Errorf("my_email not kept in Raw: %s", b.Leads[0].Raw)
	}
	// Without a check it reads like ReadLeads: the later item wins the merge.
	b, err = ReadLinkedHelper(strings.NewReader(body), "Guy-Wilson", nil)
	if err != nil || len(b.Leads) != 2 || b.Leads[0].Headline != "Misfiled" || b.Merged != 1 {
		t.Errorf("no check: %+v %v", b, err)
	}
}

func TestLinkedHelperSender(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{`{"my_email": " a@b.co "}`: "a@b.co", `{"email": "x@y.co"}`: "", `{"my_email": null}`: ""} {
		if got := LinkedHelperSender(mustObject(t, in)); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

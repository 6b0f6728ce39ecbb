package ingest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/leadrun/leadrun"
)

// maxOrganizations is how many organization_N slots Linked Helper exports.
const maxOrganizations = 5

// FromLinkedHelper maps one Linked Helper person object (the body of its "send person to
// webhook" step, decoded with UseNumber or not) to a validated lead of the client. It also
// understands leadrun's own snake_case lead fields. The whole object is kept as Lead.Raw.
//
// The profile URL is the first of profileUrl, linkedinProfileUrl and profile_url, else
// built from publicId (/in/<id>/), else from memberId (/profile/view?id=<id>). An object
// without any of them, or whose URL has no host or path, is an EINVALID error.
func FromLinkedHelper(obj map[string]any, clientID string) (*leadrun.Lead, error) {
	if obj == nil {
		return nil, invalidf("person object is empty")
	}
	original := obj
	obj = expandJSONStrings(obj)
	l := &leadrun.Lead{
		ClientID:   clientID,
		ProfileURL: lhProfileURL(obj),
		Headline:   first(obj, "headline", "occupation"),
		About:      first(obj, "about", "summary", "bio", "linkedinDescription"),
		Location:   first(obj, "locationName", "location_name", "location"),
		Email:      first(obj, "email", "workEmail", "email_1", "email_2"),
		Phone:      lhPhone(obj),
	}
	if l.ProfileURL == "" {
		return nil, invalidf("no profile URL: set profileUrl, linkedinProfileUrl, profile_url, publicId or memberId")
	}
	l.FirstName, l.LastName = lhNames(obj)
	l.Experience = lhExperience(obj)
	l.JobTitle = first(obj, "job_title", "position", "jobTitle", "organization_title_1")
	l.Company = first(obj, "companyName", "company", "company.name", "organization_1")
	if len(l.Experience) > 0 {
		l.JobTitle = cmp.Or(l.JobTitle, l.Experience[0].Title)
		l.Company = cmp.Or(l.Company, l.Experience[0].Company)
	} else if l.JobTitle != "" || l.Company != "" {
		l.Experience = []leadrun.Job{{Title: l.JobTitle, Company: l.Company}}
	}
	l.ConnectionStatus = lhConnection(obj)
	l.SalesNavigatorURL, l.ConnectedAt = lhSalesNavigator(obj), lhConnectedAt(obj, l.ConnectionStatus)
	l.Messages = lhMessages(obj)
	if raw, err := json.Marshal(original); err == nil {
		l.Raw = raw
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return l, nil
}

// LinkedHelperSender returns the Linked Helper account that sent a person object: its
// my_email, trimmed, without NUL or invalid UTF-8 ("" when the object has none). The
// field is also kept in Lead.Raw.
func LinkedHelperSender(obj map[string]any) string {
	s, _ := leadrun.CleanText(first(obj, "my_email"))
	return s
}

// SenderCheck decides whether an item from a sender (LinkedHelperSender; "" when the item
// names none) is taken. A non-nil error rejects the item, with the error's message as its
// ItemError reason.
type SenderCheck func(sender string) error

// ReadLinkedHelper reads the body of Linked Helper's "send person to webhook" step (one
// person object or an array of them) like ReadLeads with format json, except that check
// (when not nil) sees every object's sender before it is mapped: a rejected item becomes
// an ItemError and is never merged with another item of the same profile.
func ReadLinkedHelper(r io.Reader, clientID string, check SenderCheck) (*LeadBatch, error) {
	return readLeads(r, FormatJSON, clientID, check)
}

func lhProfileURL(obj map[string]any) string {
	if u := first(obj, "profileUrl", "linkedinProfileUrl", "profile_url"); u != "" {
		return u
	}
	if id := first(obj, "publicId", "public_id"); id != "" {
		return "https://www.linkedin.com/in/" + id + "/"
	}
	if id := first(obj, "memberId", "member_id"); id != "" {
		return "https://www.linkedin.com/profile/view?id=" + id
	}
	return ""
}

// lhNames returns the cleaned first and last name (RepairNames). A missing or broken
// last name is recovered from the full display name (original_full_name, fullName or name).
func lhNames(obj map[string]any) (firstName, lastName string) {
	return RepairNames(first(obj, "firstName", "first_name"), first(obj, "lastName", "last_name"),
		first(obj, "original_full_name", "fullName", "full_name", "name"))
}

func lhPhone(obj map[string]any) string {
	if list, ok := obj["phoneNumbers"].([]any); ok && len(list) > 0 {
		switch p := list[0].(type) {
		case map[string]any:
			if v := first(p, "value", "number"); v != "" {
				return v
			}
		default:
			if v := scalar(p); v != "" {
				return v
			}
		}
	}
	return first(obj, "phone", "phone_1", "phone_2")
}

// lhConnection reads leadrun's connection_status or Linked Helper's degree hints.
func lhConnection(obj map[string]any) string {
	switch s := strings.ToLower(first(obj, "connection_status", "connectionStatus")); s {
	case leadrun.ConnectionConnected, leadrun.ConnectionPending, leadrun.ConnectionCandidate:
		return s
	}
	switch {
	case strings.EqualFold(first(obj, "connectionDegree", "connection_degree"), "1st"),
		strings.HasSuffix(first(obj, "distance"), "_1"),
		strings.HasSuffix(first(obj, "member_distance"), "_1"),
		first(obj, "degree") == "1":
		return leadrun.ConnectionConnected
	}
	return leadrun.ConnectionCandidate
}

// lhExperience reads experience[] (leadrun's or Linked Helper's shape, or a JSON string
// holding the list), else the organization_1..5 slots.
func lhExperience(obj map[string]any) []leadrun.Job {
	v := obj["experience"]
	if s, ok := v.(string); ok {
		return ParseJobHistory(s) // a JSON string of jobs, or the original's plain text
	}
	var jobs []leadrun.Job
	if list, ok := v.([]any); ok {
		for _, item := range list {
			if m, ok := item.(map[string]any); ok {
				if j := lhJob(m); j != (leadrun.Job{}) {
					jobs = append(jobs, j)
				}
			}
		}
	}
	if len(jobs) > 0 {
		return jobs
	}
	for n := 1; n <= maxOrganizations; n++ {
		j := leadrun.Job{
			Title:       first(obj, fmt.Sprintf("organization_title_%d", n)),
			Company:     first(obj, fmt.Sprintf("organization_%d", n)),
			Start:       first(obj, fmt.Sprintf("organization_start_%d", n)),
			End:         first(obj, fmt.Sprintf("organization_end_%d", n)),
			Description: first(obj, fmt.Sprintf("position_description_%d", n)),
		}
		if j.Title != "" || j.Company != "" {
			jobs = append(jobs, j)
		}
	}
	return jobs
}

func lhJob(m map[string]any) leadrun.Job {
	return leadrun.Job{
		Title:       first(m, "title", "position", "jobTitle", "job_title"),
		Company:     first(m, "company", "companyName", "company_name", "company.name", "organization"),
		Start:       lhDate(m, "start", "startDate", "start_date", "dateStart"),
		End:         lhDate(m, "end", "endDate", "end_date", "dateEnd"),
		Description: first(m, "description", "summary"),
	}
}

// lhDate reads a date that is text ("2021-03") or an object {year, month}.
func lhDate(m map[string]any, keys ...string) string {
	for _, k := range keys {
		switch v := m[k].(type) {
		case map[string]any:
			year, month := scalar(v["year"]), scalar(v["month"])
			if year == "" {
				continue
			}
			if len(month) == 1 {
				month = "0" + month
			}
			if month != "" {
				return year + "-" + month
			}
			return year
		default:
			if s := scalar(v); s != "" {
				return s
			}
		}
	}
	return ""
}

// first returns the first non-empty text among keys. A key "a.b" reads field b of object a;
// a key whose value is an object with a "name" reads that name.
func first(m map[string]any, keys ...string) string {
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			if outer, inner, dotted := strings.Cut(k, "."); dotted {
				if sub, isObj := m[outer].(map[string]any); isObj {
					v = sub[inner]
				}
			}
		}
		if sub, isObj := v.(map[string]any); isObj {
			v = sub["name"]
		}
		if s := scalar(v); s != "" {
			return s
		}
	}
	return ""
}

// scalar renders a JSON scalar as trimmed text; objects, lists and null give "".
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

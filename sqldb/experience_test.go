package sqldb

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/leadrun/leadrun"
)

// decodeExperience must give what encoding/json gives, whichever path it takes.
func TestDecodeExperience(t *testing.T) {
	for _, tc := range []struct {
		in   string
		fast bool // the direct parser handles it
	}{
		{`[]`, true},
		{` [ ] `, true},
		{`[{}]`, true},
		{`[{"title":"Founder","company":"Acme","start":"2019","end":"","description":"Builds things"}]`, true},
		{`[{"title":"CEO"},{"company":"B"}]`, true},
		{`[{"title": "CEO", "company": "B"}, {"end": "2020"}]`, true}, // PostgreSQL-style spacing
		{`[{"title":"Héad of Ünits 🚀"}]`, true},
		{`[{"title":"Sales \u0026 Marketing"}]`, true}, // json.Marshal escapes '&'
		{`[{"title":"say \"hi\"","end":"a\\b\/c\b\f\n\r\t"}]`, true},
		{`[{"title":"\ud83d\ude80 pair, \ud83d lone, \ude80 lone, \ud83d\u0041 bad pair, \u00e9"}]`, true},
		{`[{"title":"\u12"}]`, false},
		{`[{"title":"\x"}]`, false},
		{"[{\"title\":\"tab\tinside\"}]", false}, // a raw control character
		{`[{"Title":"case-insensitive key"}]`, false},
		{`[{"title":"x","extra":1}]`, false},
		{`[{"title":null}]`, false},
		{`null`, false},
		{`[{"title":"x"},]`, false},
		{`[{"title":"x"}] x`, false},
		{"[{\"title\":\"bad \xff utf8\"}]", false},
		{`[{"title":"unterminated}]`, false},
	} {
		var want []leadrun.Job
		wantErr := json.Unmarshal([]byte(tc.in), &want)
		got, err := decodeExperience(tc.in)
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeExperience(%s) = %#v, %v; encoding/json: %#v, %v", tc.in, got, err, want, wantErr)
		}
		if _, ok := parseJobs(tc.in); ok != tc.fast {
			t.Errorf("parseJobs(%s): direct = %v, want %v", tc.in, ok, tc.fast)
		}
	}
}

// Whatever the direct parser accepts, it decodes as encoding/json does.
func FuzzDecodeExperience(f *testing.F) {
	f.Add(`[{"title":"Founder","company":"Acme"}]`)
	f.Add(`[{"title":"a\"b"}, {}]`)
	f.Add(`[{"company":"\ud83d\ude80\u0026"}]`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, in string) {
		var want []leadrun.Job
		wantErr := json.Unmarshal([]byte(in), &want)
		got, ok := parseJobs(in)
		if !ok {
			return
		}
		if wantErr != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("parseJobs(%q) = %#v; encoding/json: %#v, %v", in, got, want, wantErr)
		}
	})
}

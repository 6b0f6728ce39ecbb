package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/leadrun/leadrun"
)

// aliasBomb is a small YAML rubric whose aliases expand to about copies × 10 KB: an
// attribute with 50 signals of 200 bytes (aliases of the preamble), listed copies more
// times through an alias.
func aliasBomb(copies int) string {
	var b strings.Builder
	b.WriteString("preamble: &w " + strings.Repeat("x", 200) + "\nattributes:\n")
	b.WriteString("  - &a {id: A, category: positive, heading: H, instructions: I, max_points: 10, signals: [" +
		strings.Repeat("*w, ", 49) + "*w]}\n")
	for range copies {
		b.WriteString("  - *a\n")
	}
	return b.String()
}

// A YAML rubric whose aliases expand beyond the size limit is refused before it is
// expanded (ETOOLARGE, HTTP 413), and refusing it allocates a bounded amount of memory.
func TestRubricAliasBomb(t *testing.T) {
	bomb := aliasBomb(20_000) // ≈ 200 MB expanded, 150 KB on disk
	if len(bomb) > 200<<10 {
		t.Fatalf("the bomb is %d bytes; it should be small", len(bomb))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := DecodeRubric(strings.NewReader(bomb), FormatYAML)
	runtime.ReadMemStats(&after)
	if leadrun.ErrorCode(err) != leadrun.ETOOLARGE || !strings.Contains(leadrun.ErrorMessage(err), "aliases") {
		t.Fatalf("alias bomb: %v, want too_large naming aliases", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("refusing the bomb allocated %d MB; want the decoded size bounded (< 32 MB)", alloc>>20)
	}
	// A few aliases within the limit still work (they are ordinary YAML).
	small := aliasBomb(0)
	if _, err := DecodeRubric(strings.NewReader(small), FormatYAML); err != nil {
		t.Errorf("a rubric with a few aliases: %v", err)
	}
}

// Rubric points are whole numbers within ±1,000, in YAML and JSON alike; text is bounded.
func TestRubricNumbersBounded(t *testing.T) {
	t.Parallel()
	attr := func(points string) string {
		return "preamble: p\nattributes:\n  - {id: A, category: positive, heading: H, instructions: I, max_points: " + points + "}\n"
	}
	cases := []struct {
		name, format, in, says string
		code                   string
	}{
		{"yaml 5.5", FormatYAML, attr("5.5"), `max_points must be a whole number of points, not "5.5"`, leadrun.EINVALID},
		{"yaml 5.0", FormatYAML, attr("5.0"), "whole number", leadrun.EINVALID},
		{"yaml 1e3", FormatYAML, attr("1e3"), "whole number", leadrun.EINVALID},
		{"json 5.5", FormatJSON, `{"preamble":"p","attributes":[{"id":"A","category":"positive","heading":"H","instructions":"I","max_points":5.5}]}`, "whole number", leadrun.EINVALID},
		{"yaml 2^63-1", FormatYAML, attr("9223372036854775807"), "out of bounds", leadrun.EINVALID},
		{"yaml 1001", FormatYAML, attr("1001"), "within -1000…1000", leadrun.EINVALID},
		{"json 2^62", FormatJSON, `{"preamble":"p","attributes":[{"id":"A","category":"positive","heading":"H","instructions":"I","max_points":4611686018427387904}]}`, "out of bounds", leadrun.EINVALID},
		{"penalty -1001", FormatYAML, "preamble: p\nattributes:\n  - {id: N, category: negative, heading: H, instructions: I, penalty: -1001}\n", "penalty -1001 is out of bounds", leadrun.EINVALID},
		{"NUL in heading", FormatJSON, `{"preamble":"p","attributes":[{"id":"A","category":"positive","heading":"a\u0000b","instructions":"I","max_points":5}]}`, "without NUL", leadrun.EINVALID},
		{"long preamble", FormatYAML, "preamble: " + strings.Repeat("p", leadrun.MaxRubricTextLen+1) + "\nattributes:\n  - {id: A, category: positive, heading: H, instructions: I, max_points: 5}\n", "preamble is 20,481 bytes long", leadrun.EINVALID},
		{"over 1 MiB", FormatJSON, `{"preamble":"` + strings.Repeat("p", 1<<20) + `"}`, "larger than 1048576 bytes", leadrun.ETOOLARGE},
	}
	for _, tc := range cases {
		_, err := DecodeRubric(strings.NewReader(tc.in), tc.format)
		if leadrun.ErrorCode(err) != tc.code || !strings.Contains(leadrun.ErrorMessage(err), tc.says) {
			t.Errorf("%s: %v; want %s saying %q", tc.name, err, tc.code, tc.says)
		}
	}
	if _, err := DecodeRubric(strings.NewReader(attr("1000")), FormatYAML); err != nil {
		t.Errorf("max_points 1000 is allowed: %v", err)
	}
}

// The Linked Helper mapper repairs NUL and invalid UTF-8 with a note, and refuses per item
// what is over a limit, not a LinkedIn URL, or nested too deep.
func TestLinkedHelperHostileItems(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)
	body := `[{"profileUrl":"https://linkedin.com/in/a","firstName":"a\u0000b"},` +
		`{"profileUrl":"https://linkedin.com/in/b","firstName":"ok"},` +
		`{"profileUrl":"https://linkedin.com/in/c","firstName":"Ren` + "\xe9" + `"},` +
		`{"profileUrl":"javascript:alert(1)//linkedin.com/in/x"},` +
		`{"profileUrl":"javascript://linkedin.com/in/x%0aalert(1)"},` +
		`{"profileUrl":"https://evil.example/in/x"},` +
		`{"profileUrl":"https://linkedin.com/in/d","about":"` + strings.Repeat("a", leadrun.MaxAboutLen+1) + `"},` +
		`{"profileUrl":"https://linkedin.com/in/e","my_email":"` + strings.Repeat("m", 200<<10) + `@x.com"},` +
		`{"profileUrl":"https://linkedin.com/in/f","deep":` + deep + `}]`
	b, err := ReadLinkedHelper(strings.NewReader(body), "c1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Leads) != 3 || b.Items != 9 {
		t.Fatalf("%d leads of %d items, want 3 of 9; errors %+v", len(b.Leads), b.Items, b.Errors)
	}
	if b.Leads[0].FirstName != "ab" || b.Leads[2].FirstName != "Ren\uFFFD" {
		t.Errorf("repaired names: %q %q", b.Leads[0].FirstName, b.Leads[2].FirstName)
	}
	for _, l := range b.Leads {
		if !utf8.Valid(l.Raw) || bytes.IndexByte(l.Raw, 0) >= 0 {
			t.Errorf("lead %s: raw is not clean UTF-8: %q", l.ProfileKey, l.Raw)
		}
	}
	wantNotes := map[int]string{0: "first_name: NUL", 2: "raw: invalid UTF-8"}
	if len(b.Repaired) != len(wantNotes) {
		t.Errorf("notes %+v, want items 0 and 2", b.Repaired)
	}
	for _, n := range b.Repaired {
		if !strings.Contains(n.Note, wantNotes[n.Index]) || wantNotes[n.Index] == "" {
			t.Errorf("note %+v", n)
		}
	}
	wantErrs := map[int]string{3: "not a URL", 4: "must start with https://", 5: "not on linkedin.com",
		6: "about is 20,481 bytes long, over the limit of 20,480", 7: "my_email is", 8: "deeper than 32"}
	if len(b.Errors) != len(wantErrs) {
		t.Errorf("errors %+v", b.Errors)
	}
	for _, e := range b.Errors {
		if !strings.Contains(e.Reason, wantErrs[e.Index]) || wantErrs[e.Index] == "" {
			t.Errorf("item %d: %q, want %q", e.Index, e.Reason, wantErrs[e.Index])
		}
	}
}

// FuzzFromLinkedHelper: whatever the object, the mapper either refuses it or returns a
// lead whose every text field is valid UTF-8, NUL-free and within its limit.
func FuzzFromLinkedHelper(f *testing.F) {
	f.Add(`{"profileUrl":"https://linkedin.com/in/a","firstName":"a\u0000b","experience":[{"title":"CEO","company":"X"}]}`)
	f.Add(`{"publicId":"jane","organization_1":"Acme","organization_title_1":"Boss","about":"` + "\xff\xfe" + `"}`)
	f.Add(`{"memberId":"123","phoneNumbers":[{"value":"+1"}],"my_email":"x@y.z"}`)
	f.Add(`{"profileUrl":"javascript://linkedin.com/in/x"}`)
	f.Fuzz(func(t *testing.T, in string) {
		b, err := ReadLinkedHelper(strings.NewReader(in), "c1", nil)
		if err != nil {
			return
		}
		for _, l := range b.Leads {
			checkLeadText(t, l)
		}
	})
}

func checkLeadText(t *testing.T, l *leadrun.Lead) {
	t.Helper()
	fields := map[string]string{"profile_url": l.ProfileURL, "first_name": l.FirstName, "last_name": l.LastName,
		"headline": l.Headline, "job_title": l.JobTitle, "company": l.Company, "about": l.About,
		"location": l.Location, "email": l.Email, "phone": l.Phone, "raw": string(l.Raw)}
	for _, j := range l.Experience {
		fields["job"] += j.Title + j.Company + j.Start + j.End + j.Description
	}
	for name, v := range fields {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			t.Fatalf("%s is not clean text: %q", name, v)
		}
	}
	if len(l.About) > leadrun.MaxAboutLen || len(l.FirstName) > leadrun.MaxNameLen || len(l.Raw) > leadrun.MaxRawLen {
		t.Fatalf("a field is over its limit")
	}
	if _, err := leadrun.ProfileKey(l.ProfileURL); err != nil || !strings.HasPrefix(l.ExportURL(), "http") {
		t.Fatalf("profile URL %q accepted but not exportable (%v)", l.ProfileURL, err)
	}
}

// FuzzDecodeRubric: whatever the input, decoding either refuses it or returns a rubric
// that passes Validate, with bounded points and a bounded encoded size.
func FuzzDecodeRubric(f *testing.F) {
	f.Add("preamble: p\nattributes:\n  - {id: A, category: positive, heading: H, instructions: I, max_points: 5}\n", true)
	f.Add(aliasBomb(3), true)
	f.Add(`{"preamble":"p","attributes":[{"id":"A","category":"positive","heading":"H","instructions":"I","max_points":5.5}]}`, false)
	f.Add("a: &a [*a]\n", true)
	f.Fuzz(func(t *testing.T, in string, yamlFormat bool) {
		format := FormatJSON
		if yamlFormat {
			format = FormatYAML
		}
		rub, err := DecodeRubric(strings.NewReader(in), format)
		if err != nil {
			return
		}
		if err := rub.Validate(); err != nil {
			t.Fatalf("decoded rubric does not validate: %v", err)
		}
		out, _ := json.Marshal(rub)
		if len(out) > 4*MaxRubricBytes {
			t.Fatalf("decoded rubric is %d bytes", len(out))
		}
		for _, a := range rub.Attributes {
			if a.MaxPoints > leadrun.MaxPoints || a.Penalty < -leadrun.MaxPoints {
				t.Fatalf("points out of bounds: %+v", a)
			}
		}
	})
}

// BenchmarkRubricAliasBomb measures what refusing a 150 KB rubric whose aliases expand to
// about 200 MB costs (docs/BENCHMARKS.md, "Hostile input").
func BenchmarkRubricAliasBomb(b *testing.B) {
	bomb := aliasBomb(20_000)
	b.ReportAllocs()
	b.SetBytes(int64(len(bomb)))
	for b.Loop() {
		if _, err := DecodeRubric(strings.NewReader(bomb), FormatYAML); leadrun.ErrorCode(err) != leadrun.ETOOLARGE {
			b.Fatal(err)
		}
	}
}

// stringBomb is the shape: a 100 KB string used copies times through an alias, in
// a rubric that is otherwise valid. yaml.v3's own alias-ratio guard counts aliases, not
// bytes, so it lets this one through: before the decoded size was bounded, 231 KB sent
// stored a 164 MB rubric.
func stringBomb(copies int) string {
	var b strings.Builder
	b.WriteString("preamble: &s " + strings.Repeat("s", 100<<10) + "\nattributes:\n")
	for i := range copies {
		fmt.Fprintf(&b, "  - {id: A%d, category: positive, heading: *s, instructions: I, max_points: 1}\n", i)
	}
	return b.String()
}

// The 208 KB rubric that stored 205 MB is refused with a bounded allocation.
func TestRubricStringBomb(t *testing.T) {
	bomb := stringBomb(1_600) // ≈ 220 KB sent, ≈ 160 MB decoded
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := DecodeRubric(strings.NewReader(bomb), FormatYAML)
	runtime.ReadMemStats(&after)
	if leadrun.ErrorCode(err) != leadrun.ETOOLARGE {
		t.Fatalf("string bomb: %v, want too_large", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("refusing the bomb allocated %d MB; want < 32 MB", alloc>>20)
	}
}

// BenchmarkRubricStringBomb: the cost of refusing the kind of bomb.
func BenchmarkRubricStringBomb(b *testing.B) {
	bomb := stringBomb(1_600)
	b.ReportAllocs()
	b.SetBytes(int64(len(bomb)))
	for b.Loop() {
		if _, err := DecodeRubric(strings.NewReader(bomb), FormatYAML); leadrun.ErrorCode(err) != leadrun.ETOOLARGE {
			b.Fatal(err)
		}
	}
}

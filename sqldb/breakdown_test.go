package sqldb

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/leadrun/leadrun"
)

// A breakdown reads back as it was scored, headings and categories aside (the rubric's);
// breakdowns stored as JSON objects before the compact form still read.
func TestBreakdownRoundTrip(t *testing.T) {
	for name, b := range map[string]leadrun.Breakdown{
		"typical": {Items: []leadrun.BreakdownItem{
			{ID: "A", Heading: "Founder", Category: leadrun.CategoryPositive, Points: 15, Max: 15,
				Reason: `matched "founder" in about, "owner" in headline`},
			{ID: "N1", Heading: "Public servant", Category: leadrun.CategoryNegative, Points: -5, Max: -5,
				Reason: `matched "government" in experience 2`},
			{ID: "G", Points: 0, Max: 3, Reason: "no signal found"},
		}, Unscored: []string{"H", "K"}, Raw: 10, Denominator: 74.25, Score: 13.47},
		"disqualified": {Items: []leadrun.BreakdownItem{{ID: "N2", Points: -10, Max: -10, Reason: "x"}},
			Raw: -10, Denominator: 50, Score: 0, DisqualifiedBy: []string{"N2"}},
		"disqualified, none unscored": {Items: []leadrun.BreakdownItem{}, DisqualifiedBy: []string{"N"}},
		"empty":                       {Items: []leadrun.BreakdownItem{}},
		"awkward text": {Items: []leadrun.BreakdownItem{
			{ID: "A", Points: 1, Max: 2, Reason: "back\\slash, \"quotes\", tab\t, newline\n, <b>&amp;</b>, é 🚀, \u2028"},
			{ID: "B", Points: 1, Max: 2, Reason: "invalid \xff utf-8"},
			{ID: "C", Points: 1, Max: 2},
		}, Raw: 2, Denominator: 1e6, Score: 0.000123},
	} {
		t.Run(name, func(t *testing.T) {
			enc, err := EncodeBreakdown(&b)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(enc) {
				t.Fatalf("not JSON: %s", enc)
			}
			got, err := decodeBreakdown(string(enc))
			if err != nil {
				t.Fatalf("decode %s: %v", enc, err)
			}
			want := stripped(b)
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("decoded %s\n got %#v\nwant %#v", enc, *got, want)
			}
			// The object form stored before reads the same.
			old, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			got, err = decodeBreakdown(string(old))
			if err != nil || !reflect.DeepEqual(*got, want) {
				t.Errorf("object form %s: got %#v, %v", old, got, err)
			}
			if len(enc) >= len(old) && len(b.Items) > 0 {
				t.Errorf("compact form is %d bytes, the object form %d", len(enc), len(old))
			}
		})
	}
}

// stripped is a breakdown as stored: no headings or categories; invalid UTF-8 replaced,
// as encoding/json does.
func stripped(b leadrun.Breakdown) leadrun.Breakdown {
	var out leadrun.Breakdown
	raw, _ := json.Marshal(b)
	_ = json.Unmarshal(raw, &out)
	for i := range out.Items {
		out.Items[i].Heading, out.Items[i].Category = "", ""
	}
	return out
}

func TestBreakdownGolden(t *testing.T) {
	b := leadrun.Breakdown{Items: []leadrun.BreakdownItem{{ID: "A", Heading: "Founder", Points: 15, Max: 15,
		Reason: `matched "founder" in about`}, {ID: "N1", Points: 0, Max: -10, Reason: "no signal found"}},
		Unscored: []string{"C"}, Raw: 15, Denominator: 74.25, Score: 20.2}
	enc, err := EncodeBreakdown(&b)
	if err != nil {
		t.Fatal(err)
	}
	want := `[20.2,15,74.25,[["A",15,15,"matched \"founder\" in about"],["N1",0,-10,"no signal found"]],["C"]]`
	if string(enc) != want {
		t.Errorf("EncodeBreakdown = %s, want %s", enc, want)
	}
	if _, err := EncodeBreakdown(&leadrun.Breakdown{Score: math.NaN()}); err == nil {
		t.Error("a NaN score encoded without error")
	}
	if enc, err := EncodeBreakdown(nil); enc != nil || err != nil {
		t.Errorf("EncodeBreakdown(nil) = %q, %v", enc, err)
	}
}

func BenchmarkEncodeBreakdown(b *testing.B) {
	bd := leadrun.Breakdown{Raw: 73, Denominator: 74.25, Score: 98.32}
	for _, id := range []string{"A", "B", "C", "D", "E", "F", "G", "H", "N1", "N2"} {
		bd.Items = append(bd.Items, leadrun.BreakdownItem{ID: id, Heading: "Heading " + id, Points: 10, Max: 15,
			Reason: `matched "founder" in about, "business owner" in about, "owner" in headline and more`})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeBreakdown(&bd); err != nil {
			b.Fatal(err)
		}
	}
}

package ingest

import (
	"os"
	"strings"
	"testing"
)

func TestZZDebug(t *testing.T) {
	const goodYAML = "attributes:\n  - id: A\n    category: positive\n    heading: Founder\n    max_points: 10\n"
	for _, c := range []struct{ f, in string }{
		{"yaml", goodYAML + "    maxpoints: 3\n"},
		{"yaml", strings.Replace(goodYAML, "10", "ten", 1)},
		{"yaml", "attributes: [\n"},
		{"yaml", goodYAML + "---\npreamble: x\n"},
		{"json", "{\"attributes\": [{\"id\": \"A\",\n\"max_points\": \"5\"}]}"},
		{"json", "{\"attributes\": [\n{\"id\": \"A\",}]}"},
		{"json", "{\n\"attributes\": [\n{\"id\": \"A\", \"category\": \"positive\",\n\"heading\": \"H\", \"max_points\": 5, \"colour\": 1}]}"},
	} {
		_, err := DecodeRubric(strings.NewReader(c.in), c.f)
		t.Log(err)
	}
	EncodeRubric(os.Stdout, testRubric(), "yaml")
}

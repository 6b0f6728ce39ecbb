package leadrun

import "testing"

func TestCleanText(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		changed  bool
	}{
		{"plain", "plain", false},
		{"a\x00b", "ab", true},
		{"caf\xe9", "caf\uFFFD", true},
		{"ok é", "ok é", false},
		{"\xff\x00\xfe", "\uFFFD\uFFFD", true},
	} {
		got, changed := CleanText(tc.in)
		if got != tc.want || changed != tc.changed {
			t.Errorf("CleanText(%q) = %q, %v; want %q, %v", tc.in, got, changed, tc.want, tc.changed)
		}
	}
}

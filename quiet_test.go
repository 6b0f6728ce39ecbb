package leadrun_test

import (
	"testing"
	"time"

	"github.com/leadrun/leadrun"
)

func TestClientQuietSince(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	since := now.Add(-leadrun.QuietAfter)
	at := func(d time.Duration) *time.Time { v := since.Add(d); return &v }
	for _, tc := range []struct {
		name    string
		status  leadrun.ClientStatus
		created time.Time
		last    *time.Time
		want    bool
	}{
		{"active, old, never scored", leadrun.ClientActive, since.Add(-time.Hour), nil, true},
		{"active, old, scored before the period", leadrun.ClientActive, since.Add(-time.Hour), at(-time.Second), true},
		{"active, old, scored exactly at its start", leadrun.ClientActive, since.Add(-time.Hour), at(0), false},
		{"active, old, scored within the period", leadrun.ClientActive, since.Add(-time.Hour), at(time.Hour), false},
		{"active, created exactly at its start", leadrun.ClientActive, since, nil, false},
		{"active, too new to be quiet", leadrun.ClientActive, since.Add(time.Hour), nil, false},
		{"paused", leadrun.ClientPaused, since.Add(-time.Hour), nil, false},
		{"inactive", leadrun.ClientInactive, since.Add(-time.Hour), nil, false},
	} {
		c := &leadrun.Client{ID: "A", Status: tc.status, CreatedAt: tc.created}
		if got := c.QuietSince(since, tc.last); got != tc.want {
			t.Errorf("%s: quiet = %t, want %t", tc.name, got, tc.want)
		}
	}
}

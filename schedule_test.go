package leadrun

import (
	"testing"
	"time"
)

func TestCronWords(t *testing.T) {
	for expr, want := range map[string]string{
		"0 2 * * *":                          "every day at 02:00 UTC",
		"30 14 * * 1-5":                      "every weekday (Monday to Friday) at 14:30 UTC",
		"0 6 * * 1":                          "every Monday at 06:00 UTC",
		"0 6 * * 7":                          "every Sunday at 06:00 UTC",
		"15 * * * *":                         "every hour at minute 15",
		"*/10 * * * *":                       "every 10 minutes",
		"* * * * *":                          "every minute",
		"0 */4 * * *":                        "every 4 hours at minute 0 (UTC)",
		"0 3 1 * *":                          "on day 1 of every month at 03:00 UTC",
		"CRON_TZ=Australia/Sydney 0 2 * * *": "every day at 02:00 Australia/Sydney",
		"0 2 * 6 *":                          `cron "0 2 * 6 *" (UTC)`,
		"@daily":                             `cron "@daily" (UTC)`,
	} {
		if got := CronWords(expr); got != want {
			t.Errorf("CronWords(%q) = %q, want %q", expr, got, want)
		}
	}
}

func TestParseCron(t *testing.T) {
	if _, _, err := ParseCron("every day"); ErrorCode(err) != EINVALID {
		t.Errorf("bad cron: %v", err)
	}
	sched, tz, err := ParseCron("0 2 * * *")
	at := time.Date(2026, 11, 30, 1, 0, 0, 0, time.FixedZone("X", 5*3600))
	if err != nil || tz != "UTC" || !sched.Next(at).Equal(time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("UTC cron: %v %q %v", sched.Next(at), tz, err)
	}
	sched, tz, err = ParseCron("CRON_TZ=Australia/Sydney 0 2 * * *")
	// 02:00 in Sydney (UTC+11 in summer) is 15:00 UTC the day before.
	if err != nil || tz != "Australia/Sydney" || !sched.Next(at).UTC().Equal(time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("Sydney cron: %v %q %v", sched.Next(at).UTC(), tz, err)
	}
}

func TestMissedSlots(t *testing.T) {
	last := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		now    time.Time
		missed int
	}{
		{last.Add(23 * time.Hour), 0},
		{last.Add(24*time.Hour + ScheduleGrace - time.Second), 0}, // within the grace period
		{last.Add(24*time.Hour + ScheduleGrace), 1},
		{last.Add(72*time.Hour + time.Hour), 3},
	} {
		missed, first, next, err := MissedSlots("0 2 * * *", last, c.now)
		if err != nil || missed != c.missed || !next.Equal(last.Add(24*time.Hour)) || (missed > 0 && !first.Equal(next)) {
			t.Errorf("at %v: missed %d first %v next %v %v, want %d", c.now, missed, first, next, err, c.missed)
		}
	}
	if missed, _, _, _ := MissedSlots("* * * * *", last, last.AddDate(1, 0, 0)); missed != maxMissedCounted {
		t.Errorf("every minute for a year: %d counted, want the cap %d", missed, maxMissedCounted)
	}
}

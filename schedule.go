package leadrun

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// ScheduleGrace is how long after a schedule slot a run may still start before the slot
// counts as missed: many ticks of the schedule loop (15 s each by default).
const ScheduleGrace = 10 * time.Minute

// ProcessLiveWithin is how recent a process's heartbeat must be for it to count as running
// (the runner's default stale limit): a schedule declared only by processes quiet for
// longer is run by no one.
const ProcessLiveWithin = 2 * time.Minute

// maxMissedCounted bounds the slots counted as missed (an every-minute schedule down for
// weeks): the count says "at least" beyond it.
const maxMissedCounted = 10000

// Outcomes of a claimed schedule slot.
const (
	SlotClaimed = "claimed" // claimed; the run is being created (or the process died before it was)
	SlotStarted = "started" // a run was started for it
	SlotBusy    = "busy"    // skipped: the stream had an active run (one run per stream)
	SlotFailed  = "failed"  // the run could not be created
)

// ScheduleDeclaration is one process's schedule of one stream, recorded in the database
// when the process starts, so any process can show it.
type ScheduleDeclaration struct {
	Stream     int       `json:"stream"`
	Cron       string    `json:"cron"`
	Timezone   string    `json:"timezone"`
	WorkerID   string    `json:"worker_id"`
	Host       string    `json:"host"`
	PID        int       `json:"pid"`
	DeclaredAt time.Time `json:"declared_at"`
	Live       bool      `json:"live"` // the declaring process still heartbeats
}

// StreamSchedule is what is known of one stream's schedule: the cron expression in force,
// its next and last slot, the run the last slot started, conflicts and missed slots.
type StreamSchedule struct {
	Stream       int                   `json:"stream"`
	Cron         string                `json:"cron"`
	Timezone     string                `json:"timezone"`
	Words        string                `json:"in_words"`
	DeclaredBy   string                `json:"declared_by"` // host, pid and worker of the declaring process
	DeclaredAt   time.Time             `json:"declared_at"`
	Live         bool                  `json:"live"` // a live process runs this schedule
	NextSlot     *time.Time            `json:"next_slot,omitempty"`
	LastSlot     *time.Time            `json:"last_slot,omitempty"`
	LastOutcome  string                `json:"last_outcome,omitempty"` // claimed, started, busy, failed
	LastRunID    string                `json:"last_run_id,omitempty"`  // the run the last slot started (or the busy run)
	LastDetail   string                `json:"last_detail,omitempty"`  // why a slot started no run
	BusySkips    int                   `json:"busy_skips,omitempty"`   // consecutive slots skipped because the stream was busy
	Missed       int                   `json:"missed"`                 // slots past the grace period that no process claimed
	MissedSince  *time.Time            `json:"missed_since,omitempty"`
	Conflicts    []ScheduleDeclaration `json:"conflicts,omitempty"` // live processes declaring another schedule
	Declarations []ScheduleDeclaration `json:"declarations"`
}

// ParseCron parses a five-field cron expression, optionally prefixed with
// "CRON_TZ=Area/City " (UTC otherwise), and returns the schedule and its time zone.
func ParseCron(expr string) (cron.Schedule, string, error) {
	expr = strings.TrimSpace(expr)
	sched, err := cron.ParseStandard(expr)
	if err != nil {
		return nil, "", Errorf(EINVALID, "cron %q: %v", expr, err)
	}
	tz := "UTC"
	if spec, ok := sched.(*cron.SpecSchedule); ok && spec.Location != nil && spec.Location.String() != "Local" {
		tz = spec.Location.String()
	}
	if strings.HasPrefix(expr, "CRON_TZ=") || strings.HasPrefix(expr, "TZ=") {
		return sched, tz, nil
	}
	// Without a prefix robfig/cron uses the process's local zone; schedules are UTC.
	sched, err = cron.ParseStandard("CRON_TZ=UTC " + expr)
	return sched, "UTC", err
}

// MissedSlots counts the slots of expr after last that are due more than ScheduleGrace
// before now, and returns the first of them; next is the first slot after last.
func MissedSlots(expr string, last, now time.Time) (missed int, first, next time.Time, err error) {
	sched, _, err := ParseCron(expr)
	if err != nil {
		return 0, time.Time{}, time.Time{}, err
	}
	next = sched.Next(last)
	for s := next; !s.After(now.Add(-ScheduleGrace)) && missed < maxMissedCounted; s = sched.Next(s) {
		if missed == 0 {
			first = s
		}
		missed++
	}
	return missed, first, next, nil
}

var weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// CronWords says a cron expression in words for the common shapes ("every day at 02:00
// UTC"); other shapes are quoted as they are.
func CronWords(expr string) string {
	expr = strings.TrimSpace(expr)
	tz := "UTC"
	if rest, ok := strings.CutPrefix(expr, "CRON_TZ="); ok {
		tz, expr, _ = strings.Cut(rest, " ")
	} else if rest, ok := strings.CutPrefix(expr, "TZ="); ok {
		tz, expr, _ = strings.Cut(rest, " ")
	}
	f := strings.Fields(expr)
	if len(f) != 5 {
		return fmt.Sprintf("cron %q (%s)", expr, tz)
	}
	min, hour, dom, mon, dow := f[0], f[1], f[2], f[3], f[4]
	m, errM := strconv.Atoi(min)
	h, errH := strconv.Atoi(hour)
	at := fmt.Sprintf("%02d:%02d %s", h, m, tz)
	switch {
	case expr == "* * * * *":
		return "every minute"
	case strings.HasPrefix(min, "*/") && hour == "*" && dom == "*" && mon == "*" && dow == "*":
		return "every " + strings.TrimPrefix(min, "*/") + " minutes"
	case errM == nil && hour == "*" && dom == "*" && mon == "*" && dow == "*":
		return fmt.Sprintf("every hour at minute %d", m)
	case errM == nil && strings.HasPrefix(hour, "*/") && dom == "*" && mon == "*" && dow == "*":
		return fmt.Sprintf("every %s hours at minute %d (%s)", strings.TrimPrefix(hour, "*/"), m, tz)
	case errM != nil || errH != nil || mon != "*":
	case dom == "*" && dow == "*":
		return "every day at " + at
	case dom == "*" && (dow == "1-5" || dow == "MON-FRI"):
		return "every weekday (Monday to Friday) at " + at
	case dom == "*":
		if d, err := strconv.Atoi(dow); err == nil && d >= 0 && d <= 7 {
			return "every " + weekdays[d%7] + " at " + at
		}
	case dow == "*":
		if d, err := strconv.Atoi(dom); err == nil {
			return fmt.Sprintf("on day %d of every month at %s", d, at)
		}
	}
	return fmt.Sprintf("cron %q (%s)", expr, tz)
}

package leadrun_test

import (
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
)

func validClient() leadrun.Client {
	c := leadrun.Client{ID: "Guy-Wilson"}
	c.SetDefaults()
	return c
}

func TestClientSetDefaults(t *testing.T) {
	t.Parallel()
	c := validClient()
	if c.Status != leadrun.ClientActive || c.ServiceLevel != 1 || c.Stream != 1 ||
		c.ScoreThreshold != leadrun.DefaultScoreThreshold || c.Timezone != "UTC" || c.Name != "Guy-Wilson" {
		t.Errorf("SetDefaults() = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

func TestClientValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*leadrun.Client)
		want   string
	}{
		{"empty id", func(c *leadrun.Client) { c.ID = "" }, "client_id"},
		{"id with space", func(c *leadrun.Client) { c.ID = "Guy Wilson" }, "client_id"},
		{"id too long", func(c *leadrun.Client) { c.ID = strings.Repeat("a", 65) }, "client_id"},
		{"no name", func(c *leadrun.Client) { c.Name = "" }, "name is required"},
		{"bad status", func(c *leadrun.Client) { c.Status = "deleted" }, "status"},
		{"bad service level", func(c *leadrun.Client) { c.ServiceLevel = 3 }, "service_level"},
		{"stream 0", func(c *leadrun.Client) { c.Stream = 0 }, "stream"},
		{"threshold above 100", func(c *leadrun.Client) { c.ScoreThreshold = 101 }, "score_threshold"},
		{"negative threshold", func(c *leadrun.Client) { c.ScoreThreshold = -1 }, "score_threshold"},
		{"negative limit", func(c *leadrun.Client) { c.PostScoringLimit = -1 }, "scoring limits"},
		{"negative budget", func(c *leadrun.Client) { c.MonthlyTokenBudget = -1 }, "token budgets"},
		{"unknown time zone", func(c *leadrun.Client) { c.Timezone = "Mars/Olympus" }, "unknown timezone"},
		{"sender without @", func(c *leadrun.Client) { c.LHSenderEmail = "guy.example.com" }, "lh_sender_email"},
		{"sender with a name", func(c *leadrun.Client) { c.LHSenderEmail = "Guy <guy@example.com>" }, "lh_sender_email"},
		{"sender with spaces", func(c *leadrun.Client) { c.LHSenderEmail = " guy@example.com" }, "lh_sender_email"},
		{"sender domain without dot", func(c *leadrun.Client) { c.LHSenderEmail = "guy@gmailcom" }, "lh_sender_email"},
		{"two senders", func(c *leadrun.Client) { c.LHSenderEmail = "a@example.com,b@example.com" }, "lh_sender_email"},
	}
	for _, tt := range tests {
		c := validClient()
		tt.change(&c)
		err := c.Validate()
		if leadrun.ErrorCode(err) != leadrun.EINVALID || !strings.Contains(leadrun.ErrorMessage(err), tt.want) {
			t.Errorf("%s: Validate() = %v, want EINVALID containing %q", tt.name, err, tt.want)
		}
	}
	ok := validClient()
	ok.ID, ok.ServiceLevel, ok.Status, ok.Timezone = strings.Repeat("a", 64), 2, leadrun.ClientPaused, "Europe/London"
	ok.LHSenderEmail = "Guy.Wilson+lh@Example.co.uk"
	if err := ok.Validate(); err != nil {
		t.Errorf("valid client: Validate() = %v", err)
	}
}

func TestClientUpdateApply(t *testing.T) {
	t.Parallel()
	c := validClient()
	name, stream := "Guy", 3
	sender := "guy@example.com"
	leadrun.ClientUpdate{Name: &name, Stream: &stream, LHSenderEmail: &sender}.Apply(&c)
	if c.Name != "Guy" || c.Stream != 3 || c.ServiceLevel != 1 || c.Status != leadrun.ClientActive || c.LHSenderEmail != sender {
		t.Errorf("after Apply: %+v", c)
	}
}

func TestClientWrongSender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expected, sender string
		want             bool
	}{
		{"guy@example.com", "guy@example.com", false},
		{"guy@example.com", " GUY@Example.com ", false}, // case and spaces do not matter
		{"Guy@Example.com", "guy@example.com", false},
		{"guy@example.com", "dean@example.com", true},
		{"guy@example.com", "", false},  // an item without my_email is not checked
		{"", "dean@example.com", false}, // no expected sender: no guard
	}
	for _, tt := range tests {
		c := validClient()
		c.LHSenderEmail = tt.expected
		if got := c.WrongSender(tt.sender); got != tt.want {
			t.Errorf("expected %q, sender %q: WrongSender = %v, want %v", tt.expected, tt.sender, got, tt.want)
		}
	}
}

func TestErrorCodeAndMessage(t *testing.T) {
	t.Parallel()
	if leadrun.ErrorCode(nil) != "" || leadrun.ErrorMessage(nil) != "" {
		t.Error("nil error has a code or message")
	}
	err := leadrun.Errorf(leadrun.ENOTFOUND, "run %s not found", "SR-1")
	if leadrun.ErrorCode(err) != leadrun.ENOTFOUND || leadrun.ErrorMessage(err) != "run SR-1 not found" {
		t.Errorf("domain error: %q %q", leadrun.ErrorCode(err), leadrun.ErrorMessage(err))
	}
	busy := &leadrun.StreamBusyError{Stream: 1, RunID: "SR-250923-001-S1", Status: leadrun.RunRunning}
	if leadrun.ErrorCode(busy) != leadrun.ECONFLICT || !strings.Contains(leadrun.ErrorMessage(busy), "SR-250923-001-S1") {
		t.Errorf("busy error: %q %q", leadrun.ErrorCode(busy), leadrun.ErrorMessage(busy))
	}
	internal := strings.NewReader("").UnreadByte() // any non-domain error
	if leadrun.ErrorCode(internal) != leadrun.EINTERNAL || leadrun.ErrorMessage(internal) != "Internal error." {
		t.Errorf("internal error: %q %q", leadrun.ErrorCode(internal), leadrun.ErrorMessage(internal))
	}
}

// A client's budget day and month begin at its own midnight: Sydney's 1 December starts
// at 13:00 UTC on 30 November (daylight time), UTC's at midnight.
func TestClientBudgetWindows(t *testing.T) {
	sydney := &leadrun.Client{ID: "S", Timezone: "Australia/Sydney"}
	utc := &leadrun.Client{ID: "U", Timezone: "UTC"}
	unset := &leadrun.Client{ID: "X"}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		c               *leadrun.Client
		now, day, month string
	}{
		{sydney, "2026-11-30T12:59:00Z", "2026-11-29T13:00:00Z", "2026-10-31T13:00:00Z"}, // 23:59 on 30 Nov in Sydney
		{sydney, "2026-11-30T13:00:00Z", "2026-11-30T13:00:00Z", "2026-11-30T13:00:00Z"}, // midnight, 1 Dec: a new day and month
		{utc, "2026-11-30T13:00:00Z", "2026-11-30T00:00:00Z", "2026-11-01T00:00:00Z"},
		{utc, "2026-12-01T00:30:00Z", "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z"},
		{unset, "2026-12-01T00:30:00Z", "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z"},
		{sydney, "2026-06-15T14:30:00Z", "2026-06-15T14:00:00Z", "2026-05-31T14:00:00Z"}, // standard time: UTC+10
	} {
		day, month := c.c.BudgetWindows(at(c.now))
		if !day.Equal(at(c.day)) || !month.Equal(at(c.month)) || day.Location() != time.UTC {
			t.Errorf("%s at %s: day %v month %v, want %s %s", c.c.Timezone, c.now, day, month, c.day, c.month)
		}
	}
}

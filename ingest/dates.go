package ingest

import (
	"strconv"
	"strings"
	"time"
)

// dateLayouts are the forms dates take in Linked Helper payloads and Airtable exports.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04",
	"2006-01-02", "2006/01/02", "January 2, 2006", "Jan 2, 2006", "2 January 2006", "2 Jan 2006"}

// ParseDate reads a date or time as Linked Helper and Airtable write them (ISO 8601,
// "2025-09-23", "9/23/2025 10:00am", Unix milliseconds). Slashed dates are month first, as
// Airtable's default export writes them, unless the first number cannot be a month
// ("23/9/2025"). It returns nil for empty or unreadable text.
func ParseDate(s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms > 1e11 {
		t := time.UnixMilli(ms).UTC()
		return &t
	}
	return slashedDate(s)
}

func slashedDate(s string) *time.Time {
	datePart, _, _ := strings.Cut(s, " ")
	parts := strings.Split(datePart, "/")
	if len(parts) != 3 {
		return nil
	}
	a, err1 := strconv.Atoi(parts[0])
	b, err2 := strconv.Atoi(parts[1])
	y, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || y < 1900 {
		return nil
	}
	month, day := a, b
	if a > 12 {
		month, day = b, a
	}
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return nil
	}
	t := time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	return &t
}

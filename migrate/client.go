package migrate

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
)

// MappedClient is a client of the original platform read as a leadrun client.
type MappedClient struct {
	Client *leadrun.Client
	// BaseID is the client's Airtable base (for an Airtable source).
	BaseID string
	// Notes say what was read differently from the original, for the report.
	Notes []string
}

// MapClient reads one record of the master base's Clients table. Status Active is
// active, Paused and Suspended are paused, anything else inactive; Service Level's
// leading number is the level ("2-Lead Scoring + Post Scoring"); the expected Linked
// Helper sender is LH Account Email, else Client Email Address. The original's "token
// limits" budget the size of the rubric, not spending, so they do not become leadrun's
// token budgets.
func MapClient(r Record) (*MappedClient, error) {
	f := newFields(r)
	id := f.text("Client ID")
	if !leadrun.ValidClientID(id) {
		return nil, leadrun.Errorf(leadrun.EINVALID, "Client ID %q must be 1-64 letters, digits, '-' or '_'", id)
	}
	c := &leadrun.Client{ID: id, Name: f.text("Client Name", "Name")}
	m := &MappedClient{Client: c, BaseID: f.text("Airtable Base ID")}
	switch s := strings.ToLower(f.text("Status")); s {
	case "active":
		c.Status = leadrun.ClientActive
	case "paused", "suspended":
		c.Status = leadrun.ClientPaused
	default:
		c.Status = leadrun.ClientInactive
		if s != "inactive" {
			m.Notes = append(m.Notes, fmt.Sprintf("status %q read as inactive", f.text("Status")))
		}
	}
	if n, ok := f.number("Service Level"); ok && n >= 2 {
		c.ServiceLevel = leadrun.ServicePostScoring
	} else {
		c.ServiceLevel = leadrun.ServiceLeadScoring
	}
	if n, ok := f.number("Processing Stream", "Stream"); ok && n >= 1 && n == math.Trunc(n) {
		c.Stream = int(n)
	}
	if n, ok := f.number("AI Score Threshold Input", "Score Threshold"); ok && n > 0 && n <= 100 {
		c.ScoreThreshold = n
	}
	if tz := f.text("Timezone", "Time Zone"); tz != "" {
		if _, err := time.LoadLocation(tz); err == nil && tz != "Local" {
			c.Timezone = tz
		} else {
			m.Notes = append(m.Notes, fmt.Sprintf("unknown timezone %q: UTC used", tz))
		}
	}
	if email := f.text("LH Account Email", "Client Email Address"); email != "" {
		c.LHSenderEmail = strings.ToLower(email)
	}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		if c.LHSenderEmail == "" {
			return nil, err
		}
		m.Notes = append(m.Notes, fmt.Sprintf("sender email %q is not an address: no sender guard", c.LHSenderEmail))
		c.LHSenderEmail = ""
		if err := c.Validate(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

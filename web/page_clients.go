package web

// The clients page: each client's health, budgets and tokens per day.

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// clientHealthRow is a client's line on the clients page.
type clientHealthRow struct {
	*sqldb.ClientHealth
	Quiet      bool // active, older than 72 h, nothing scored for 72 h
	LastStatus leadrun.OpStatus
	DayPct     int // share of the daily token budget spent (0 when unlimited)
	MonthPct   int
	TotalLeads int64
	Tokens     chart // tokens per day, last 14 days
}

func healthRow(h *sqldb.ClientHealth, now time.Time, days []sqldb.DayTokens, since time.Time, n int) clientHealthRow {
	row := clientHealthRow{ClientHealth: h}
	c := h.Client
	row.Quiet = c.QuietSince(now.Add(-leadrun.QuietAfter), h.LastScoredAt)
	if h.LastResult != nil {
		row.LastStatus = h.LastResult.Status()
	}
	row.DayPct = int(percentOf(h.TokensToday, c.DailyTokenBudget))
	row.MonthPct = int(percentOf(h.TokensMonth, c.MonthlyTokenBudget))
	row.TotalLeads = h.LeadsTotal
	row.Tokens = tokenChart(c.ID, days, since, n, 140, 36)
	return row
}

// tokenChart draws a client's tokens per UTC day for n days from since.
func tokenChart(clientID string, days []sqldb.DayTokens, since time.Time, n, w, h int) chart {
	byDay := map[string]int64{}
	for _, d := range days {
		if d.ClientID == clientID {
			byDay[d.Day.Format(time.DateOnly)] += d.Tokens
		}
	}
	var slots []chartSlot
	for i := 0; i < n; i++ {
		day := since.AddDate(0, 0, i)
		v := byDay[day.Format(time.DateOnly)]
		slots = append(slots, chartSlot{Label: day.Format("Jan 2"), At: day, Values: []float64{float64(v)},
			Title: fmt.Sprintf("%s: %s tokens", day.Format("Mon Jan 2"), fmtInt(v))})
	}
	return stackedBars("Tokens per day", w, h, []chartLegend{{"tokens", "tokens"}}, slots, "No AI tokens spent in this period.")
}

// clientsPageSize is how many clients a page of the clients page shows.
const clientsPageSize = 50

// clientsPageData is the clients page: one page of clients by ID, with its search.
type clientsPageData struct {
	Rows      []clientHealthRow
	Q         string       // part of a client's ID or name
	NextQuery template.URL // the query of the next page (encoded by url.Values); empty on the last
	PrevQuery template.URL // the query of the previous page; empty on the first
}

// clientsPage reads the page the query asks for (q, after or before a client ID), with
// one client more than shown to tell whether a next page exists.
func (s *Server) clientsPage(r *http.Request, now time.Time) (*clientsPageData, []*sqldb.ClientHealth, error) {
	q := r.URL.Query()
	d := &clientsPageData{Q: strings.TrimSpace(q.Get("q"))}
	f := leadrun.ClientFilter{Limit: clientsPageSize + 1}
	if d.Q != "" {
		f.Search = &d.Q
	}
	after, before := q.Get("after"), q.Get("before")
	if after != "" {
		f.AfterID = &after
	} else if before != "" {
		f.BeforeID = &before
	}
	health, err := s.db.FindClientHealthPage(r.Context(), f, now)
	if err != nil {
		return nil, nil, err
	}
	more := len(health) > clientsPageSize
	if more && before != "" {
		health = health[1:] // read backwards: the extra one is the oldest
	} else if more {
		health = health[:clientsPageSize]
	}
	page := url.Values{}
	if d.Q != "" {
		page.Set("q", d.Q)
	}
	if len(health) > 0 && (more || before != "") {
		page.Set("after", health[len(health)-1].Client.ID)
		d.NextQuery = template.URL(page.Encode())
		page.Del("after")
	}
	if len(health) > 0 && (after != "" || (before != "" && more)) {
		page.Set("before", health[0].Client.ID)
		d.PrevQuery = template.URL(page.Encode())
	}
	return d, health, nil
}

func (s *Server) handleClientsPage(w http.ResponseWriter, r *http.Request, p *dashPage) {
	ctx := r.Context()
	now := s.now()
	data, health, err := s.clientsPage(r, now)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	since := now.Truncate(24*time.Hour).AddDate(0, 0, -13)
	days, err := s.db.TokensPerDay(ctx, "", since)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	for _, h := range health {
		data.Rows = append(data.Rows, healthRow(h, now, days, since, 14))
	}
	p.Title, p.Nav, p.Data = "Clients", "clients", data
	s.render(w, r, "clients", p)
}

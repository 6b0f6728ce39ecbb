package web

// The clients page: each client's health, budgets and tokens per day.

import (
	"fmt"
	"net/http"
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

func (s *Server) handleClientsPage(w http.ResponseWriter, r *http.Request, p *dashPage) {
	ctx := r.Context()
	now := s.now()
	health, err := s.db.FindClientHealth(ctx, "", now)
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
	var rows []clientHealthRow
	for _, h := range health {
		rows = append(rows, healthRow(h, now, days, since, 14))
	}
	p.Title, p.Nav, p.Data = "Clients", "clients", rows
	s.render(w, r, "clients", p)
}

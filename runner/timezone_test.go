package runner_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// The daily token budget's day follows the client's timezone. Tokens spent at 14:00 UTC on
// 30 November are "today" for a Sydney client until its midnight (13:00 UTC on 1 December)
// but yesterday for a UTC client after 00:00 UTC: at 00:30 UTC the UTC client scores
// again, the Sydney client is skipped for its budget.
func TestBudgetDayInClientTimezone(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		clock := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
		mustFixture(t, db, 20,
			&leadrun.Client{ID: "U", Stream: 1, DailyTokenBudget: 1, Timezone: "UTC"},
			&leadrun.Client{ID: "S", Stream: 1, DailyTokenBudget: 1, Timezone: "Australia/Sydney"})
		r := newRunner(t, db, &keywordScorer{}, runner.Config{ChunkSize: 10})
		mustStart(t, r)
		first := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{LeadLimit: 5}).ID)
		if first.Totals.LeadsExamined != 10 || first.Totals.Tokens() == 0 {
			t.Fatalf("first run: %+v", first.Totals)
		}

		mu.Lock()
		clock = time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC) // 11:30 on 1 December in Sydney
		mu.Unlock()
		second := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{LeadLimit: 5}).ID)
		ops := map[string]*leadrun.Operation{"U": mustOp(t, db, second.ID, "U"), "S": mustOp(t, db, second.ID, "S")}
		if op := ops["U"]; op.Status == leadrun.OpSkipped || op.Examined != 5 {
			t.Errorf("UTC client after its midnight: %s/%s, examined %d; want it scored", op.Status, op.SkipReason, op.Examined)
		}
		if op := ops["S"]; op.Status != leadrun.OpSkipped || op.SkipReason != leadrun.SkipBudgetExceeded || op.Examined != 0 {
			t.Errorf("Sydney client before its midnight: %s/%s, examined %d; want skipped for the budget", op.Status, op.SkipReason, op.Examined)
		}

		// The dashboard's tokens today count the same days.
		health, err := db.FindClientHealth(ctx, "", db.Now())
		must(t, err)
		tokens := map[string][2]int64{}
		for _, h := range health {
			tokens[h.Client.ID] = [2]int64{h.TokensToday, h.TokensMonth}
		}
		firstS := mustOp(t, db, first.ID, "S")
		secondU := ops["U"]
		if got := tokens["S"]; got[0] != firstS.PromptTokens+firstS.CompTokens || got[1] != got[0] {
			t.Errorf("Sydney tokens today and this month: %v, want %d for both (1 December in Sydney)", got, firstS.PromptTokens+firstS.CompTokens)
		}
		if got := tokens["U"]; got[0] != secondU.PromptTokens+secondU.CompTokens || got[1] != got[0] {
			t.Errorf("UTC tokens today and this month: %v, want %d for both (the first run was in November)", got, secondU.PromptTokens+secondU.CompTokens)
		}

		// At 13:00 UTC it is 2 December in Sydney: a new budget day.
		mu.Lock()
		clock = time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC)
		mu.Unlock()
		third := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{LeadLimit: 5, ClientFilter: []string{"S"}}).ID)
		if op := mustOp(t, db, third.ID, "S"); op.Status == leadrun.OpSkipped || op.Examined != 5 {
			t.Errorf("Sydney client after its midnight: %s/%s", op.Status, op.SkipReason)
		}
		sydney := &leadrun.Client{DailyTokenBudget: 1, Timezone: "Australia/Sydney"}
		if why, over := sydney.BudgetExceeded(5, 5); !over || !strings.Contains(why, "Australia/Sydney") {
			t.Errorf("the budget message does not name the zone: %q", why)
		}
	})
}

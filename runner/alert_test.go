package runner_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// A wrong Linked Helper sender is alerted once per client and sender every 6 hours.
func TestSenderMismatchAlert(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		hook, got := newAlertHook(t)
		ctx := context.Background()
		clock := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		db.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
		client := &leadrun.Client{ID: "Guarded", Stream: 1, LHSenderEmail: "owner@example.com"}
		if err := db.CreateClient(ctx, client); err != nil {
			t.Fatal(err)
		}
		r := newRunner(t, db, &keywordScorer{}, runner.Config{AlertWebhookURL: hook.URL})
		mustStart(t, r)
		alert := func(sender string) {
			t.Helper()
			if err := r.AlertSenderMismatch(ctx, client, leadrun.SenderMismatch{Sender: sender, Items: 3, Blocked: 3}, "block"); err != nil {
				t.Fatal(err)
			}
		}
		expect := func(sender string) {
			t.Helper()
			select {
			case body := <-got:
				text := fmt.Sprint(body["text"])
				if body["client_id"] != "Guarded" || !strings.Contains(text, sender) || !strings.Contains(text, "owner@example.com") {
					t.Fatalf("alert: %v", body)
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("no alert for %s", sender)
			}
		}
		none := func(what string) {
			t.Helper()
			select {
			case body := <-got:
				t.Fatalf("%s: alerted again: %v", what, body)
			case <-time.After(700 * time.Millisecond):
			}
		}
		alert("intruder@example.com")
		expect("intruder@example.com")
		alert("intruder@example.com")
		none("same sender at once")
		alert("other@example.com")
		expect("other@example.com")
		mu.Lock()
		clock = clock.Add(5 * time.Hour)
		mu.Unlock()
		alert("intruder@example.com")
		none("same sender 5 hours later")
		mu.Lock()
		clock = clock.Add(2 * time.Hour)
		mu.Unlock()
		alert("intruder@example.com")
		expect("intruder@example.com") // 7 hours after the first
	})
}

package runner_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// A failing alert webhook leaves no trace of its URL (a secret: Slack puts the token in the
// path) anywhere in the database, River's job errors included (defect 5), on both
// databases.
func TestAlertWebhookSecretNeverStored(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		gone := httptest.NewServer(nil)
		gone.Close() // nothing listens there any more: every delivery fails
		hookURL := gone.URL + "/services/T0SECRET1/B0SECRET2/xoxSECRET3?token=qSECRET4"
		ctx := context.Background()
		client := &leadrun.Client{ID: "Guarded", Stream: 1, LHSenderEmail: "owner@example.com"}
		if err := db.CreateClient(ctx, client); err != nil {
			t.Fatal(err)
		}
		r := newRunner(t, db, &keywordScorer{}, runner.Config{AlertWebhookURL: hookURL})
		mustStart(t, r)
		if err := r.AlertSenderMismatch(ctx, client, leadrun.SenderMismatch{Sender: "intruder@example.com", Items: 1}, "warn"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			dump := dumpDatabase(t, db)
			if strings.Contains(dump, "alert webhook") && strings.Contains(dump, "refused") {
				for _, secret := range []string{"SECRET1", "SECRET2", "SECRET3", "SECRET4", "/services/"} {
					if strings.Contains(dump, secret) {
						t.Fatalf("the webhook URL's %s is stored in the database:\n%.2000s", secret, dump)
					}
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no delivery error was recorded:\n%.3000s", dump)
			}
			time.Sleep(50 * time.Millisecond) // polling the database, with a deadline
		}
	})
}

// dumpDatabase renders every row of every table as text, for searching.
func dumpDatabase(t *testing.T, db *sqldb.DB) string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	if db.Kind() == sqldb.SQLite {
		q = `SELECT name FROM sqlite_master WHERE type = 'table'`
	}
	tables := queryStrings(t, db.SQL(), q)
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.SQL().QueryContext(ctx, `SELECT * FROM `+table)
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%s: %v\n", table, v)
			}
		}
		rows.Close()
	}
	return b.String()
}

func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// User-controlled values in an alert are escaped for Slack and cut short (defect 7).
func TestAlertEscapesUserValues(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		hook, got := newAlertHook(t)
		ctx := context.Background()
		client := &leadrun.Client{ID: "Guarded", Stream: 1, LHSenderEmail: "owner@example.com"}
		if err := db.CreateClient(ctx, client); err != nil {
			t.Fatal(err)
		}
		r := newRunner(t, db, &keywordScorer{}, runner.Config{AlertWebhookURL: hook.URL})
		mustStart(t, r)
		sender := "<!channel> & <https://evil.example|click>" + strings.Repeat("x", 10_000)
		if err := r.AlertSenderMismatch(ctx, client, leadrun.SenderMismatch{Sender: sender, Items: 1}, "warn"); err != nil {
			t.Fatal(err)
		}
		select {
		case body := <-got:
			text := fmt.Sprint(body["text"])
			if strings.ContainsAny(text, "<>") || !strings.Contains(text, "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;") {
				t.Errorf("alert text not escaped: %.300s", text)
			}
			if len(text) > 2000 {
				t.Errorf("alert text is %d bytes: the sender was not cut short", len(text))
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no alert")
		}
	})
}

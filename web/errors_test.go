package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// An unexpected database failure (the runs table gone) answers 500 "Internal error." on
// the API and the dashboard, logs the driver's error, and shows none of it.
func TestInternalErrorIs500AndLogged(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{AdminToken: token}, false)
		b := newBrowser(t, e.srv.URL)
		b.login(token)
		ctx := context.Background()
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			err := tx.ExecRaw(ctx, `ALTER TABLE runs RENAME TO runs_gone`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		status, body := e.do(t, "GET", "/api/v1/runs", bearer, "")
		apiErr, _ := body["error"].(map[string]any)
		if status != http.StatusInternalServerError || apiErr["code"] != leadrun.EINTERNAL || apiErr["message"] != "Internal error." {
			t.Errorf("API: %d %v, want 500 Internal error.", status, body)
		}
		status, page, _ := b.get("/runs")
		if status != http.StatusInternalServerError || !strings.Contains(page, "Internal error.") {
			t.Errorf("dashboard: %d, want 500 Internal error.:\n%s", status, page)
		}
		for _, leak := range []string{"no such table", "does not exist", "SQLSTATE"} {
			if strings.Contains(page, leak) || strings.Contains(fmt.Sprint(body), leak) {
				t.Errorf("an answer shows the database's error (%q)", leak)
			}
		}
		logs := e.logs.String()
		for _, path := range []string{"/api/v1/runs", "/runs"} {
			if !strings.Contains(logs, `"msg":"internal error","method":"GET","path":"`+path+`"`) {
				t.Errorf("the internal error of %s is not logged:\n%s", path, logs)
			}
		}
	})
}

// The dashboard reads the one injected clock: the same client is not quiet now and is
// quiet (nothing scored for 72 h) when the clock says three days and an hour later.
func TestDashboardReadsTheInjectedClock(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		var clock syncClock
		clock.set(time.Now())
		e := mustServe(t, db, web.Config{AdminToken: token, Now: clock.now}, false)
		b := newBrowser(t, e.srv.URL)
		b.login(token)
		const quiet = "nothing scored for 72 h"
		if status, page, _ := b.get("/clients/Guy-Wilson"); status != http.StatusOK || strings.Contains(page, quiet) {
			t.Fatalf("a new client: %d, quiet shown = %t", status, strings.Contains(page, quiet))
		}
		clock.set(time.Now().Add(leadrun.QuietAfter + time.Hour))
		if status, page, _ := b.get("/clients/Guy-Wilson"); status != http.StatusOK || !strings.Contains(page, quiet) {
			t.Fatalf("three days later by the server's clock: %d, quiet shown = %t", status, strings.Contains(page, quiet))
		}
	})
}

// syncClock is a settable clock safe to read from the server's goroutines.
type syncClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *syncClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func (c *syncClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

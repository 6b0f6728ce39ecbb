package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// A client's token-less window lets the original platform's Linked Helper URL work for a
// limited time, only for items from the client's expected sender, counting every
// request; other clients stay token-only, and the window ends by itself.
func TestLegacyIngestWindow(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		var clock atomic.Pointer[time.Time]
		setNow := func(t time.Time) { clock.Store(&t) }
		day0 := time.Now().UTC().Truncate(24 * time.Hour).Add(12 * time.Hour)
		setNow(day0)
		db.Now = func() time.Time { return *clock.Load() }
		e := mustServeGuard(t, db, "warn") // Guy-Wilson expects guy@example.com; warn mode
		tokenless := func(client string) (int, map[string]any) {
			return e.do(t, "POST", "/lh-webhook/upsertLeadOnly?client="+client, nil, senderBatch)
		}
		if status, _ := tokenless("Guy-Wilson"); status != 401 {
			t.Fatalf("token-less before any window: %d, want 401 (off by default)", status)
		}
		until := day0.AddDate(0, 0, 10).Format("2006-01-02")
		refusals := []struct{ client, body, says string }{
			{"Dean-Hobin", `{"until":"` + until + `"}`, "no expected Linked Helper sender"},
			{"Guy-Wilson", `{"until":"` + day0.AddDate(0, 0, 91).Format("2006-01-02") + `"}`, "at most 90 days"},
			{"Guy-Wilson", `{"until":"` + day0.AddDate(0, 0, -1).Format("2006-01-02") + `"}`, "in the future"},
			{"Guy-Wilson", `{"until":"next week"}`, "must be a date"},
		}
		for _, rf := range refusals {
			if status, body := e.do(t, "PUT", "/api/v1/clients/"+rf.client+"/legacy-ingest", bearer, rf.body); status != 400 ||
				!strings.Contains(fmt.Sprint(body), rf.says) {
				t.Errorf("PUT %s %s: %d %v; want 400 saying %q", rf.client, rf.body, status, body, rf.says)
			}
		}
		if status, body := e.do(t, "PUT", "/api/v1/clients/Guy-Wilson/legacy-ingest", bearer, `{"until":"`+until+`"}`); status != 200 ||
			body["open"] != true || body["days_left"] != 11.0 {
			t.Fatalf("open window: %d %v; want open with 11 days left (10.5 days, rounded up)", status, body)
		}
		// In warn mode, a token-less request still takes only the expected sender's items.
		status, body := tokenless("Guy-Wilson")
		if status != 200 || body["created"] != 1.0 || len(body["failed"].([]any)) != 3 || !strings.Contains(fmt.Sprint(body["failed"]), "sender_missing") {
			t.Fatalf("token-less in the window: %d %v; want Ann created, the other three refused", status, body)
		}
		if got := e.profiles(t, "Guy-Wilson"); got != "ann" {
			t.Errorf("Guy-Wilson has %q, want only ann", got)
		}
		if status, _ := tokenless("Dean-Hobin"); status != 401 {
			t.Errorf("another client token-less: %d, want 401", status)
		}
		setNow(day0.Add(time.Minute)) // upserts tell created from updated by the clock
		if got := e.post(t, "Guy-Wilson", e.guyToken); got["created"] != 3.0 || len(got["failed"].([]any)) != 0 {
			t.Errorf("with the token: %v; want warn mode to store the other three", got)
		}
		_, view := e.do(t, "GET", "/api/v1/clients/Guy-Wilson/legacy-ingest", bearer, "")
		if view["requests"] != 1.0 || view["items"] != 4.0 || view["blocked"] != 3.0 {
			t.Errorf("counts %v; want 1 request, 4 items, 3 blocked", view)
		}
		b := newBrowser(t, e.srv.URL)
		b.login(token)
		if _, page, _ := b.get("/clients/Guy-Wilson"); !strings.Contains(page, `id="legacy-warning"`) || !strings.Contains(page, "11 days left") {
			t.Errorf("dashboard does not warn with days left")
		}
		setNow(day0.AddDate(0, 0, 11)) // the window has ended by itself
		b = newBrowser(t, e.srv.URL)
		b.login(token) // the first session has expired on the new clock too
		if status, _ := tokenless("Guy-Wilson"); status != 401 {
			t.Errorf("token-less after the window: %d, want 401", status)
		}
		if _, view := e.do(t, "GET", "/api/v1/clients/Guy-Wilson/legacy-ingest", bearer, ""); view["open"] != false || view["days_left"] != 0.0 {
			t.Errorf("after the end: %v", view)
		}
		if _, page, _ := b.get("/clients/Guy-Wilson"); strings.Contains(page, `id="legacy-warning"`) || !strings.Contains(page, "window ended") {
			t.Error("dashboard still warns after the end")
		}
		// A refused date shows the page again with the reason; nothing changes.
		far := day0.AddDate(0, 0, 120).Format("2006-01-02")
		if status, page, _ := b.post("/clients/Guy-Wilson/legacy-ingest", url.Values{"csrf_token": {b.csrf}, "until": {far}}); status != 422 ||
			!strings.Contains(page, "at most 90 days") {
			t.Errorf("dashboard form, 120 days: %d; want 422 saying at most 90 days", status)
		}
		// The dashboard form opens it again; clearing the sender closes it at once.
		next := day0.AddDate(0, 0, 20).Format("2006-01-02")
		if status, _, h := b.post("/clients/Guy-Wilson/legacy-ingest", url.Values{"csrf_token": {b.csrf}, "until": {next}}); status != 303 ||
			!strings.Contains(h.Get("Location"), "notice=legacy") {
			t.Fatalf("dashboard form: %d %v", status, h)
		}
		if status, _ := tokenless("Guy-Wilson"); status != 200 {
			t.Errorf("reopened window: %d, want 200", status)
		}
		e.do(t, "PATCH", "/api/v1/clients/Guy-Wilson", bearer, `{"lh_sender_email":""}`)
		if status, _ := tokenless("Guy-Wilson"); status != 401 {
			t.Errorf("window without an expected sender: %d, want 401", status)
		}
	})
}

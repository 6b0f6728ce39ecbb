package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// loginWith posts the login form with a token and a next target, from a fresh form.
func (b *browser) loginWith(adminToken, next string) (int, http.Header) {
	b.t.Helper()
	_, page, _ := b.get("/login")
	m := loginCSRF.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("login form without a CSRF field:\n%s", page)
	}
	status, _, h := b.post("/login", url.Values{"csrf_token": {m[1]}, "token": {adminToken}, "next": {next}})
	return status, h
}

// After login, only same-origin paths are followed; every trick that browsers read as
// another host goes to "/" (defect 3), on both databases.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{AdminToken: token}, false)
		cases := map[string]string{
			"/\t/host/pwned":          "/", // the issue's /login?next=%2F%09%2Fhost%2Fpwned
			"/\n/host":                "/",
			"/\r\n/host":              "/",
			"//host":                  "/",
			"/\\host":                 "/",
			"\\\\host":                "/",
			"/%2F/host":               "/",
			"/%2f%2fhost":             "/",
			"/%5Chost":                "/",
			"/%09/host":               "/",
			"https://host/":           "/",
			"javascript:alert(1)":     "/",
			" /runs":                  "/",
			"/%zz":                    "/",
			"":                        "/",
			"/clients/Guy-Wilson?x=1": "/clients/Guy-Wilson?x=1",
			"/runs":                   "/runs",
		}
		for next, want := range cases {
			b := newBrowser(t, e.srv.URL)
			status, h := b.loginWith(token, next)
			if status != http.StatusSeeOther || h.Get("Location") != want {
				t.Errorf("next=%q: %d → %q, want %q", next, status, h.Get("Location"), want)
			}
			// Already logged in, GET /login?next=… redirects through the same check.
			if _, _, h := b.get("/login?next=" + url.QueryEscape(next)); h.Get("Location") != want {
				t.Errorf("GET /login?next=%q → %q, want %q", next, h.Get("Location"), want)
			}
		}
	})
}

// Failed logins from one address back off exponentially after 5 failures: 429 with
// Retry-After, even for the right token, until the wait is over (defect 4).
func TestLoginThrottle(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		var mu sync.Mutex
		clock := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
		advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
		e := mustServe(t, db, web.Config{AdminToken: token, Now: now}, false)
		b := newBrowser(t, e.srv.URL)
		for i := 1; i <= web.LoginFreeFailures; i++ {
			if status, _ := b.loginWith("wrong-token-guess", "/runs"); status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d, want 401", i, status)
			}
		}
		// The 6th failure is counted and starts the back-off: 1 s, then 2 s, 4 s…
		if status, _ := b.loginWith("wrong-token-guess", "/runs"); status != http.StatusUnauthorized {
			t.Fatalf("6th failure: %d, want 401", status)
		}
		status, h := b.loginWith(token, "/runs")
		if status != http.StatusTooManyRequests || h.Get("Retry-After") != "1" {
			t.Fatalf("during the back-off: %d Retry-After %q, want 429 and 1", status, h.Get("Retry-After"))
		}
		advance(1100 * time.Millisecond)
		if status, _ := b.loginWith("wrong-token-guess", "/runs"); status != http.StatusUnauthorized {
			t.Fatalf("after the wait: %d, want the guess looked at (401)", status)
		}
		if status, h := b.loginWith("wrong-token-guess", "/runs"); status != http.StatusTooManyRequests || h.Get("Retry-After") != "2" {
			t.Fatalf("second back-off: %d Retry-After %q, want 429 and 2 (doubled)", status, h.Get("Retry-After"))
		}
		if n := strings.Count(e.logs.String(), "dashboard login refused"); n != 7 {
			t.Errorf("%d refused logins logged, want 7 (throttled answers are not counted)", n)
		}
		advance(3 * time.Second)
		if status, _ := b.loginWith(token, "/runs"); status != http.StatusSeeOther {
			t.Fatalf("right token after the wait: %d, want 303", status)
		}
		// A success clears the count: the next failure is a plain 401 again.
		other := newBrowser(t, e.srv.URL)
		if status, _ := other.loginWith("wrong-token-guess", "/runs"); status != http.StatusUnauthorized {
			t.Fatalf("after a success: %d, want 401", status)
		}
		if strings.Contains(e.logs.String(), token) || strings.Contains(e.logs.String(), "wrong-token-guess") {
			t.Error("a token reached the logs")
		}
	})
}

// The CSV export neutralises formula cells (OWASP) and exports only http(s) LinkedIn
// URLs, whatever was stored (defect 10), on both databases.
func TestExportNeutralisesFormulas(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{AdminToken: token}, false)
		ctx := context.Background()
		if err := db.CreateClient(ctx, &leadrun.Client{ID: "Export", Name: "Export"}); err != nil {
			t.Fatal(err)
		}
		names := []string{`=HYPERLINK("http://evil.example","click")`, "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "Plain"}
		var leads []*leadrun.Lead
		for i, n := range names {
			leads = append(leads, &leadrun.Lead{ClientID: "Export", ProfileURL: "https://linkedin.com/in/x" + strconv.Itoa(i), FirstName: n, Company: n})
		}
		if _, err := db.UpsertLeads(ctx, "Export", leads); err != nil {
			t.Fatal(err)
		}
		// Rows stored before ingest refused such URLs.
		mustExec(t, db, `UPDATE leads SET scoring_status = 'scored', score = 90 WHERE client_id = 'Export'`)
		mustExec(t, db, `UPDATE leads SET profile_url = 'javascript:alert(1)' WHERE client_id = 'Export' AND profile_key = 'linkedin.com/in/x0'`)
		status, raw := send(t, e, "GET", "/api/v1/clients/Export/top-leads?format=csv", bearer, "")
		if status != http.StatusOK {
			t.Fatalf("export: %d %s", status, raw)
		}
		rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
		if err != nil || len(rows) != len(names)+1 {
			t.Fatalf("export: %d rows, %v", len(rows), err)
		}
		for _, row := range rows[1:] {
			url, first, company := row[0], row[1], row[4]
			if !strings.HasPrefix(url, "https://linkedin.com/in/x") {
				t.Errorf("exported profile URL %q", url)
			}
			for _, cell := range []string{first, company} {
				if strings.ContainsAny(cell[:1], "=+-@\t\r") {
					t.Errorf("formula cell exported as is: %q", cell)
				}
				if cell != "Plain" && !strings.HasPrefix(cell, "'") {
					t.Errorf("cell %q not neutralised", cell)
				}
			}
		}
	})
}

func mustExec(t *testing.T, db *sqldb.DB, q string) {
	t.Helper()
	if _, err := db.SQL().ExecContext(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

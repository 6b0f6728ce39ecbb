package web_test

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// browser is a cookie-keeping HTTP client that does not follow redirects, so tests see
// each answer as the dashboard gives it.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(path string) (int, string, http.Header) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfAttr.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return resp.StatusCode, string(body), resp.Header
}

func (b *browser) post(path string, form url.Values) (int, string, http.Header) {
	b.t.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

var (
	csrfAttr  = regexp.MustCompile(`data-csrf="([^"]+)"`)
	loginCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// login logs in through the form, as a person would.
func (b *browser) login(adminToken string) int {
	b.t.Helper()
	_, page, _ := b.get("/login")
	m := loginCSRF.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("login form without a CSRF field:\n%s", page)
	}
	status, _, _ := b.post("/login", url.Values{"csrf_token": {m[1]}, "token": {adminToken}, "next": {"/runs"}})
	if status == http.StatusSeeOther {
		b.get("/runs") // picks up the session's CSRF token
	}
	return status
}

func TestDashboardLoginAndSessions(t *testing.T) {
	e := mustServe(t, sqldbtest.MustOpen(t, sqldb.SQLite), web.Config{AdminToken: token}, false)
	b := newBrowser(t, e.srv.URL)

	status, _, h := b.get("/runs")
	if status != http.StatusSeeOther || h.Get("Location") != "/login?next=%2Fruns" {
		t.Fatalf("page without a session: %d → %q, want 303 to the login form", status, h.Get("Location"))
	}
	if status, _, _ := b.post("/runs", url.Values{"stream": {"1"}}); status != http.StatusUnauthorized {
		t.Fatalf("action without a session: %d, want 401", status)
	}
	if status, _, _ := b.get("/runs/x/live"); status != http.StatusSeeOther {
		t.Fatalf("fragment without a session: %d", status)
	}

	// Wrong token, and a login form without its CSRF cookie, make no session.
	if got := b.login("wrong-token"); got != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d, want 401", got)
	}
	stranger := newBrowser(t, e.srv.URL)
	if status, _, _ := stranger.post("/login", url.Values{"csrf_token": {"forged"}, "token": {token}}); status != http.StatusForbidden {
		t.Fatalf("login without the form's CSRF cookie: %d, want 403", status)
	}
	if status, _, _ := b.get("/runs"); status != http.StatusSeeOther {
		t.Fatal("a failed login gave a session")
	}

	if got := b.login(token); got != http.StatusSeeOther {
		t.Fatalf("login: %d, want 303", got)
	}
	for _, path := range []string{"/runs", "/clients", "/clients/Guy-Wilson"} {
		status, body, h := b.get(path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, status, body)
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || h.Get("X-Frame-Options") != "DENY" {
			t.Fatalf("GET %s: security headers missing: %v", path, h)
		}
	}
	cookie := sessionCookieOf(t, b, e.srv.URL)

	// Logout needs the CSRF token; with it the session is gone, also for a copied cookie.
	if status, _, _ := b.post("/logout", url.Values{"csrf_token": {"wrong"}}); status != http.StatusForbidden {
		t.Fatalf("logout with a wrong CSRF token: %d, want 403", status)
	}
	if status, _, _ := b.post("/logout", url.Values{"csrf_token": {b.csrf}}); status != http.StatusSeeOther {
		t.Fatalf("logout: %d", status)
	}
	if status, _, _ := b.get("/runs"); status != http.StatusSeeOther {
		t.Fatalf("after logout: %d, want the login redirect", status)
	}
	replay := newBrowser(t, e.srv.URL)
	u, _ := url.Parse(e.srv.URL)
	replay.c.Jar.SetCookies(u, []*http.Cookie{cookie})
	if status, _, _ := replay.get("/runs"); status != http.StatusSeeOther {
		t.Fatalf("a logged-out cookie still works: %d", status)
	}

	// The login form never sends anyone off-site.
	other := newBrowser(t, e.srv.URL)
	_, page, _ := other.get("/login")
	m := loginCSRF.FindStringSubmatch(page)
	_, _, h = other.post("/login", url.Values{"csrf_token": {m[1]}, "token": {token}, "next": {"//evil.example/x"}})
	if h.Get("Location") != "/" {
		t.Fatalf("next=//evil.example redirected to %q", h.Get("Location"))
	}
}

func sessionCookieOf(t *testing.T, b *browser, base string) *http.Cookie {
	u, _ := url.Parse(base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "leadrun_session" {
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	t.Fatal("no session cookie after login")
	return nil
}

func TestDashboardDisabledWithoutAdminToken(t *testing.T) {
	e := mustServe(t, sqldbtest.MustOpen(t, sqldb.SQLite), web.Config{}, false)
	b := newBrowser(t, e.srv.URL)
	for _, path := range []string{"/login", "/runs"} {
		status, body, _ := b.get(path)
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "LEADRUN_ADMIN_TOKEN") {
			t.Fatalf("GET %s without an admin token: %d, want 503 naming LEADRUN_ADMIN_TOKEN", path, status)
		}
	}
	status, _, _ := b.post("/login", url.Values{"token": {""}})
	if status != http.StatusServiceUnavailable {
		t.Fatalf("POST /login without an admin token: %d", status)
	}
}

// Actions refuse a missing or wrong CSRF token and change nothing.
func TestDashboardCSRF(t *testing.T) {
	ctx := context.Background()
	e := mustServe(t, sqldbtest.MustOpen(t, sqldb.SQLite), web.Config{AdminToken: token}, false)
	b := newBrowser(t, e.srv.URL)
	b.login(token)
	before, err := e.db.FindRubric(ctx, "Guy-Wilson")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/runs", url.Values{"stream": {"1"}}},
		{"/runs", url.Values{"stream": {"1"}, "csrf_token": {"not-the-token"}}},
		{"/clients/Guy-Wilson/rubric", url.Values{"rubric": {"attributes: []"}}},
		{"/clients/Guy-Wilson/export", url.Values{"csrf_token": {""}}},
		{"/logout", url.Values{}},
	} {
		if status, _, _ := b.post(tc.path, tc.form); status != http.StatusForbidden {
			t.Errorf("POST %s %v: %d, want 403", tc.path, tc.form, status)
		}
	}
	runs, err := e.db.FindRuns(ctx, leadrun.RunFilter{})
	if err != nil || len(runs) != 0 {
		t.Fatalf("refused triggers made runs: %d, %v", len(runs), err)
	}
	after, err := e.db.FindRubric(ctx, "Guy-Wilson")
	if err != nil || len(after.Attributes) != len(before.Attributes) {
		t.Fatalf("refused rubric form changed the rubric")
	}
	top, err := e.db.TopLeads(ctx, "Guy-Wilson", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	_ = top // nothing is scored yet; the export was refused before reading
}

// Nothing user-supplied is rendered unescaped: a lead named <script> shows as text.
func TestDashboardEscapes(t *testing.T) {
	ctx := context.Background()
	e := mustServe(t, sqldbtest.MustOpen(t, sqldb.SQLite), web.Config{AdminToken: token}, false)
	evil := `<script>alert("x")</script>`
	res, err := e.db.UpsertLeads(ctx, "Guy-Wilson", []*leadrun.Lead{{ClientID: "Guy-Wilson",
		ProfileURL: "https://www.linkedin.com/in/evil-lead", FirstName: evil, LastName: `"><img src=x onerror=alert(1)>`,
		Headline: evil, JobTitle: "CTO", Company: evil, Experience: []leadrun.Job{{Title: "CTO", Company: "X"}}}})
	if err != nil || res.Created != 1 {
		t.Fatalf("upsert: %+v %v", res, err)
	}
	leads, err := e.db.FindLeads(ctx, leadrun.LeadFilter{ClientID: "Guy-Wilson"})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	for _, l := range leads {
		if l.FirstName == evil {
			id = l.ID
		}
	}
	b := newBrowser(t, e.srv.URL)
	b.login(token)
	for _, path := range []string{"/clients/Guy-Wilson/leads/" + strconv.FormatInt(id, 10), "/clients/Guy-Wilson?status=to_be_scored&after=" + strconv.FormatInt(id-1, 10)} {
		status, body, _ := b.get(path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, status)
		}
		if strings.Contains(body, evil) || strings.Contains(body, "<img src=x") {
			t.Fatalf("GET %s renders user input unescaped", path)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Fatalf("GET %s does not show the name as text", path)
		}
	}
}

// A trigger on a busy stream answers 409 and names the active run; an unknown page is 404.
func TestDashboardTriggerConflictAndNotFound(t *testing.T) {
	e := mustServe(t, sqldbtest.MustOpen(t, sqldb.SQLite), web.Config{AdminToken: token}, false) // runs stay queued
	b := newBrowser(t, e.srv.URL)
	b.login(token)
	status, _, h := b.post("/runs", url.Values{"stream": {"1"}, "csrf_token": {b.csrf}})
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/runs/SR-") {
		t.Fatalf("trigger: %d → %q", status, h.Get("Location"))
	}
	runID := strings.TrimPrefix(strings.Split(h.Get("Location"), "?")[0], "/runs/")
	status, body, _ := b.post("/runs", url.Values{"stream": {"1"}, "csrf_token": {b.csrf}})
	if status != http.StatusConflict || !strings.Contains(body, "Stream 1 is busy") || !strings.Contains(body, runID) {
		t.Fatalf("second trigger: %d, want 409 naming %s", status, runID)
	}
	if status, _, _ := b.post("/runs", url.Values{"stream": {"x"}, "csrf_token": {b.csrf}}); status != http.StatusBadRequest {
		t.Fatalf("bad stream: %d", status)
	}
	status, body, _ = b.get("/runs/active")
	if status != http.StatusOK || !strings.Contains(body, runID) || strings.Contains(body, "<html") {
		t.Fatalf("active runs fragment: %d\n%s", status, body)
	}
	status, body, _ = b.get("/runs/" + runID)
	if status != http.StatusOK || !strings.Contains(body, `hx-trigger="every 2s"`) {
		t.Fatalf("active run page: %d, want live polling", status)
	}
	for _, path := range []string{"/runs/SR-000101-001-S1", "/clients/Nobody", "/clients/Guy-Wilson/leads/999999", "/clients/Guy-Wilson/leads/x"} {
		if status, _, _ := b.get(path); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
	}
	if status, body, _ := b.get("/runs?status=nope"); status != http.StatusBadRequest || !strings.Contains(body, "unknown status") {
		t.Errorf("bad filter: %d", status)
	}
	// Cancelling from the dashboard ends the run.
	if status, _, _ := b.post("/runs/"+runID+"/cancel", url.Values{"csrf_token": {b.csrf}}); status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", status)
	}
	run, err := e.db.FindRunByID(context.Background(), runID)
	if err != nil || run.Status != leadrun.RunCancelled {
		t.Fatalf("after cancel: %v %v", run, err)
	}
	if status, body, _ := b.post("/runs/"+runID+"/cancel", url.Values{"csrf_token": {b.csrf}}); status != http.StatusConflict {
		t.Fatalf("cancel of a finished run: %d\n%s", status, body)
	}
}

// An invalid rubric is refused with its error and nothing is saved; a valid one is saved.
// The CSV export lists the top leads once.
func TestDashboardRubricAndExport(t *testing.T) {
	ctx := context.Background()
	e := mustServe(t, sqldbtest.MustOpen(t, sqldb.SQLite), web.Config{AdminToken: token}, true)
	run, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Wait(ctx, run.ID, 50*time.Millisecond, nil); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e.srv.URL)
	b.login(token)
	before, _ := e.db.FindRubric(ctx, "Guy-Wilson")
	bad := "attributes:\n  - id: A\n    category: positive\n    heading: Role\n    instructions: x\n    max_points: -5\n"
	status, body, _ := b.post("/clients/Guy-Wilson/rubric", url.Values{"csrf_token": {b.csrf}, "rubric": {bad}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="rubric-error"`) || !strings.Contains(body, "max_points") {
		t.Fatalf("invalid rubric: %d, want 422 with the error", status)
	}
	after, _ := e.db.FindRubric(ctx, "Guy-Wilson")
	if len(after.Attributes) != len(before.Attributes) {
		t.Fatal("an invalid rubric was saved")
	}
	good := "attributes:\n  - id: A\n    category: positive\n    heading: Role\n    instructions: Senior role\n    max_points: 10\n"
	status, _, h := b.post("/clients/Guy-Wilson/rubric", url.Values{"csrf_token": {b.csrf}, "rubric": {good}})
	if status != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "notice=rubric") {
		t.Fatalf("valid rubric: %d %q", status, h.Get("Location"))
	}
	if got, _ := e.db.FindRubric(ctx, "Guy-Wilson"); len(got.Attributes) != 1 {
		t.Fatalf("valid rubric not saved: %+v", got)
	}

	want, err := e.db.TopLeads(ctx, "Dean-Hobin", 0, false)
	if err != nil || len(want) == 0 {
		t.Fatalf("no top leads to export: %v", err)
	}
	status, body, h = b.post("/clients/Dean-Hobin/export", url.Values{"csrf_token": {b.csrf}})
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", status, h.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != len(want)+1 || rows[1][0] != want[0].ProfileURL {
		t.Fatalf("export rows: %d (want %d), %v", len(rows), len(want)+1, err)
	}
	_, body, _ = b.post("/clients/Dean-Hobin/export", url.Values{"csrf_token": {b.csrf}})
	if rows, _ := csv.NewReader(strings.NewReader(body)).ReadAll(); len(rows) != 1 {
		t.Fatalf("second export repeated %d leads", len(rows)-1)
	}

	// A scored lead's page shows its attempt and the run that scored it.
	scoredLead := want[0]
	status, body, _ = b.get("/clients/Dean-Hobin/leads/" + strconv.FormatInt(scoredLead.ID, 10))
	if status != http.StatusOK || !strings.Contains(body, `id="attempts"`) || !strings.Contains(body, "/runs/"+run.ID) {
		t.Fatalf("lead page: %d, want its attempt in %s", status, run.ID)
	}

	// A client result has its own page; an unknown one is 404.
	status, body, _ = b.get("/runs/" + run.ID + "/clients/Guy-Wilson")
	if status != http.StatusOK || !strings.Contains(body, run.ID+"-CGuy-Wilson") || !strings.Contains(body, `id="operations"`) {
		t.Fatalf("client result page: %d", status)
	}
	if status, _, _ = b.get("/runs/" + run.ID + "/clients/Sarah-Chen"); status != http.StatusNotFound {
		t.Fatalf("result of a client not in the run: %d, want 404", status)
	}

	// The finished run's page shows its clients and no longer polls.
	status, body, _ = b.get("/runs/" + run.ID)
	if status != http.StatusOK || strings.Contains(body, "hx-trigger") || !strings.Contains(body, run.ID+"-CGuy-Wilson") {
		t.Fatalf("finished run page: %d", status)
	}
	if status, body, _ = b.get("/runs"); status != http.StatusOK || !strings.Contains(body, run.ID) || !strings.Contains(body, "<svg") {
		t.Fatalf("runs page: %d, want the run and its charts", status)
	}
}

package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// The dashboard (SPEC §3.11): server-rendered pages behind an admin login. Logging in
// with the admin token makes a session (a random cookie, stored hashed, with its own CSRF
// token); every form and htmx request carries that CSRF token. Pages read the same store
// the API reads; nothing here keeps state in process memory, so any number of `leadrun
// serve` processes can serve it.

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

const (
	sessionCookie    = "leadrun_session"
	loginCSRFCookie  = "leadrun_login_csrf"
	sessionTTL       = 12 * time.Hour
	csrfField        = "csrf_token"
	csrfHeader       = "X-CSRF-Token"
	dashboardNoToken = "The dashboard is disabled: set LEADRUN_ADMIN_TOKEN (or LEADRUN_ADMIN_TOKEN_FILE) and restart leadrun serve."
)

// notices are the one-line messages a redirect may ask a page to show (by code, so no
// user-supplied text is ever echoed).
var notices = map[string]string{
	"started":   "Run started. This page follows it live.",
	"cancelled": "Run cancelled. Finished chunks stay committed; the next run resumes the rest.",
	"rubric":    "Rubric saved. The next run scores with it.",
	"legacy":    "Token-less Linked Helper window saved.",
	"requeued":  "Failed leads requeued: their attempts are reset and the next run scores them again.",
	"excluded":  "Lead excluded: runs no longer score it.",
	"included":  "Lead included again: the next run scores it.",
	"changed":   "Client saved.",
	"unchanged": "Nothing changed: the client already had these settings.",
	"rerun":     "Rerun started for the failed clients of the earlier run. This page follows it live.",
}

// errDashboardOff is the answer of every dashboard page while no admin token is set.
func errDashboardOff() error { return leadrun.Errorf(codeUnavailable, dashboardNoToken) }

var pageTemplates = template.Must(template.New("").Funcs(templateFuncs).ParseFS(templateFS, "templates/*.html"))

// dashPage is what every page template receives.
type dashPage struct {
	Title  string
	Nav    string // "runs" or "clients": the highlighted menu entry
	CSRF   string // empty when logged out
	Flash  string // a one-line notice (e.g. "Run … started")
	Error  string // a one-line error shown above the page
	Now    time.Time
	Data   any
	Status int // HTTP status to answer with (200 when 0)
}

// dashRoutes adds the dashboard to the mux.
func (s *Server) dashRoutes(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(static)
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(files, time.Hour)))
	mux.HandleFunc("GET /login", s.handleLoginPage)
	mux.HandleFunc("POST /login", s.handleLogin)
	mux.Handle("POST /logout", s.page(s.handleLogout))
	mux.Handle("GET /{$}", s.page(func(w http.ResponseWriter, r *http.Request, p *dashPage) {
		s.handleAttentionPage(w, r, p)
	}))
	mux.Handle("GET /attention", s.page(s.handleAttentionPage))
	mux.Handle("GET /runs", s.page(s.handleRunsPage))
	mux.Handle("POST /runs", s.page(s.handleRunsTrigger))
	mux.Handle("GET /runs/active", s.page(s.handleActiveRuns))
	mux.Handle("GET /runs/{id}", s.page(s.handleRunPage))
	mux.Handle("GET /runs/{id}/live", s.page(s.handleRunLive))
	mux.Handle("GET /runs/{id}/report", s.page(s.handleRunReportDownload))
	mux.Handle("GET /runs/{id}/clients/{client}", s.page(s.handleClientResultPage))
	mux.Handle("POST /runs/{id}/cancel", s.page(s.handleRunCancelForm))
	mux.Handle("POST /runs/{id}/rerun", s.page(s.handleRunRerunForm))
	mux.Handle("GET /clients", s.page(s.handleClientsPage))
	mux.Handle("GET /clients/{id}", s.page(s.handleClientPage))
	mux.Handle("POST /clients/{id}/rubric", s.page(s.handleRubricForm))
	mux.Handle("POST /clients/{id}/export", s.page(s.handleExportForm))
	mux.Handle("POST /clients/{id}/legacy-ingest", s.page(s.handleLegacyIngestForm))
	mux.Handle("GET /clients/{id}/leads/{lead_id}", s.page(s.handleLeadPage))
	mux.Handle("POST /clients/{id}/leads/requeue", s.page(s.handleRequeueForm))
	mux.Handle("POST /clients/{id}/settings", s.page(s.handleClientSettingsForm))
	mux.Handle("POST /clients/{id}/leads/{lead_id}/exclude", s.page(s.handleLeadExcludeForm))
	mux.Handle("POST /clients/{id}/leads/{lead_id}/include", s.page(s.handleLeadIncludeForm))
	mux.Handle("GET /provider-status", s.page(s.handleProviderFragment))
}

func cacheFor(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(d.Seconds())))
		h.ServeHTTP(w, r)
	})
}

// securityHeaders are sent with every dashboard page: no inline script or style may run,
// the page may not be framed, and nothing leaks through the Referer header.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// page guards a dashboard handler: it needs a live session, and a request that changes
// anything (any method but GET) needs the session's CSRF token in the form or header.
func (s *Server) page(fn func(w http.ResponseWriter, r *http.Request, p *dashPage)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header())
		if s.cfg.AdminToken == "" {
			p := &dashPage{Title: "Log in"}
			s.failPage(r, p, errDashboardOff())
			s.render(w, r, "login", p)
			return
		}
		sess, err := s.session(r)
		if leadrun.ErrorCode(err) == leadrun.ENOTFOUND {
			s.refuse(w, r)
			return
		}
		if err != nil {
			s.dashError(w, r, &dashPage{}, err)
			return
		}
		p := &dashPage{CSRF: sess.CSRFToken, Now: s.now()}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
			got := r.Header.Get(csrfHeader)
			if got == "" {
				got = r.PostFormValue(csrfField)
			}
			if !secretMatches(got, sess.CSRFToken) {
				p.Title = "Refused"
				s.failPage(r, p, leadrun.Errorf(leadrun.EFORBIDDEN, "This form is out of date or did not come from this dashboard "+
					"(missing or wrong CSRF token). Reload the page and try again."))
				s.render(w, r, "error", p)
				return
			}
		}
		fn(w, r, p)
	})
}

// refuse answers a request without a session: pages go to the login form (and come back
// after it); htmx requests and actions get 401.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.Header.Get("HX-Request") == "" {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	w.Header().Set("HX-Redirect", "/login")
	p := &dashPage{Title: "Log in"}
	s.failPage(r, p, leadrun.Errorf(leadrun.EUNAUTHORIZED, "Your session has ended: log in again."))
	s.render(w, r, "login", p)
}

// session finds the request's live session; ENOTFOUND when it has none (no cookie, or
// an unknown, logged-out or expired one).
func (s *Server) session(r *http.Request) (*sqldb.Session, error) {
	var cookie string
	if c, err := r.Cookie(sessionCookie); err == nil {
		cookie = c.Value
	}
	return s.db.FindSession(r.Context(), cookie)
}

// render executes a page template into a buffer first, so a template error never sends
// half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p *dashPage) {
	if p.Now.IsZero() {
		p.Now = s.now()
	}
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, p); err != nil {
		s.internalError(w, r, "dashboard template "+name, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	status := p.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

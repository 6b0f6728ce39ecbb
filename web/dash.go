package web

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

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
		http.Redirect(w, r, "/runs", http.StatusSeeOther)
	}))
	mux.Handle("GET /runs", s.page(s.handleRunsPage))
	mux.Handle("POST /runs", s.page(s.handleRunsTrigger))
	mux.Handle("GET /runs/active", s.page(s.handleActiveRuns))
	mux.Handle("GET /runs/{id}", s.page(s.handleRunPage))
	mux.Handle("GET /runs/{id}/live", s.page(s.handleRunLive))
	mux.Handle("GET /runs/{id}/clients/{client}", s.page(s.handleClientResultPage))
	mux.Handle("POST /runs/{id}/cancel", s.page(s.handleRunCancelForm))
	mux.Handle("GET /clients", s.page(s.handleClientsPage))
	mux.Handle("GET /clients/{id}", s.page(s.handleClientPage))
	mux.Handle("POST /clients/{id}/rubric", s.page(s.handleRubricForm))
	mux.Handle("POST /clients/{id}/export", s.page(s.handleExportForm))
	mux.Handle("POST /clients/{id}/legacy-ingest", s.page(s.handleLegacyIngestForm))
	mux.Handle("GET /clients/{id}/leads/{lead_id}", s.page(s.handleLeadPage))
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
			s.render(w, r, "login", &dashPage{Title: "Log in", Error: dashboardNoToken, Status: http.StatusServiceUnavailable})
			return
		}
		sess, err := s.session(r)
		if err != nil {
			s.dashError(w, r, &dashPage{}, err)
			return
		}
		if sess == nil {
			s.refuse(w, r)
			return
		}
		p := &dashPage{CSRF: sess.CSRFToken, Now: time.Now().UTC()}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
			got := r.Header.Get(csrfHeader)
			if got == "" {
				got = r.PostFormValue(csrfField)
			}
			if !secretMatches(got, sess.CSRFToken) {
				p.Title, p.Status = "Refused", http.StatusForbidden
				p.Error = "This form is out of date or did not come from this dashboard (missing or wrong CSRF token). Reload the page and try again."
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
	s.render(w, r, "login", &dashPage{Title: "Log in", Error: "Your session has ended: log in again.", Status: http.StatusUnauthorized})
}

func (s *Server) session(r *http.Request) (*sqldb.Session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, nil
	}
	return s.db.FindSession(r.Context(), c.Value)
}

// loginData is the login form's state.
type loginData struct {
	Next      string
	LoginCSRF string
}

// loginPage starts a login answer; without an admin token it answers 503 itself and
// returns nil.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) *dashPage {
	securityHeaders(w.Header())
	p := &dashPage{Title: "Log in"}
	if s.cfg.AdminToken == "" {
		p.Error, p.Status = dashboardNoToken, http.StatusServiceUnavailable
		s.render(w, r, "login", p)
		return nil
	}
	return p
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	p := s.loginPage(w, r)
	if p == nil {
		return
	}
	if sess, _ := s.session(r); sess != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, p, r.URL.Query().Get("next"))
}

// renderLogin shows the login form with a fresh login CSRF token (a double-submit cookie:
// the form's hidden field must equal the cookie, which another site cannot read or set).
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, p *dashPage, next string) {
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	token := base64.RawURLEncoding.EncodeToString(raw)
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: token, Path: "/login", HttpOnly: true,
		Secure: isHTTPS(r), SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	p.Data = loginData{Next: safeNext(next), LoginCSRF: token}
	s.render(w, r, "login", p)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	p := s.loginPage(w, r)
	if p == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	next := r.PostFormValue("next")
	cookie, err := r.Cookie(loginCSRFCookie)
	if err != nil || !secretMatches(r.PostFormValue(csrfField), cookie.Value) {
		p.Error, p.Status = "The login form expired. Please try again.", http.StatusForbidden
		s.renderLogin(w, r, p, next)
		return
	}
	if !secretMatches(r.PostFormValue("token"), s.cfg.AdminToken) {
		s.log.Warn("dashboard login refused", "remote", r.RemoteAddr)
		time.Sleep(250 * time.Millisecond) // slows guessing; the token's entropy does the rest
		p.Error, p.Status = "Wrong admin token.", http.StatusUnauthorized
		s.renderLogin(w, r, p, next)
		return
	}
	sess, err := s.db.CreateSession(r.Context(), sessionTTL)
	if err != nil {
		s.dashError(w, r, p, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Cookie, Path: "/", HttpOnly: true,
		Secure: isHTTPS(r), SameSite: http.SameSiteLaxMode, Expires: sess.ExpiresAt})
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: "", Path: "/login", MaxAge: -1})
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, p *dashPage) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.db.DeleteSession(r.Context(), c.Value); err != nil {
			s.dashError(w, r, p, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: isHTTPS(r), MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this site: a local path, never "//host".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/runs"
	}
	return next
}

func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// render executes a page template into a buffer first, so a template error never sends
// half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p *dashPage) {
	if p.Now.IsZero() {
		p.Now = time.Now().UTC()
	}
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, p); err != nil {
		s.log.Error("dashboard template", "template", name, "path", r.URL.Path, "error", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
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

// dashError shows an error page: not found and invalid input say what was wrong;
// internal errors are logged and shown as "Internal error.".
func (s *Server) dashError(w http.ResponseWriter, r *http.Request, p *dashPage, err error) {
	var tooLarge *http.MaxBytesError
	status, _, msg := s.describe(r, err)
	if errors.As(err, &tooLarge) {
		status, msg = http.StatusRequestEntityTooLarge, "The form was too large."
	}
	p.Title, p.Status, p.Error, p.Data = http.StatusText(status), status, msg, nil
	s.render(w, r, "error", p)
}

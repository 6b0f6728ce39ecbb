package web

// The login form, logging in and out.

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
)

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
		s.failPage(r, p, errDashboardOff())
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
		s.failPage(r, p, leadrun.Errorf(leadrun.EFORBIDDEN, "The login form expired. Please try again."))
		s.renderLogin(w, r, p, next)
		return
	}
	ip := clientIP(r)
	if wait := s.logins.wait(ip); wait > 0 {
		s.refuseThrottled(w, r, p, next, wait)
		return
	}
	if !secretMatches(r.PostFormValue("token"), s.cfg.AdminToken) {
		wait := s.logins.fail(ip)
		s.log.Warn("dashboard login refused", "remote", ip, "retry_after_seconds", int(wait.Seconds()))
		s.failPage(r, p, leadrun.Errorf(leadrun.EUNAUTHORIZED, "Wrong admin token."))
		s.renderLogin(w, r, p, next)
		return
	}
	s.logins.succeed(ip)
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

// refuseThrottled answers 429 with Retry-After while a login back-off lasts.
func (s *Server) refuseThrottled(w http.ResponseWriter, r *http.Request, p *dashPage, next string, wait time.Duration) {
	w.Header().Set("Retry-After", retryAfter(wait))
	s.failPage(r, p, leadrun.Errorf(codeTooManyRequests, "Too many failed logins: wait %s seconds before trying again.",
		retryAfter(wait)))
	s.renderLogin(w, r, p, next)
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

func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

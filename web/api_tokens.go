package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/leadrun/leadrun"
)

// Who calls the JSON API: LEADRUN_ADMIN_TOKEN acts as "api:admin", a named API token
// (leadrun tokens add NAME) as "api:NAME". The name rides in the request's context to the
// handlers, which record it with what they do (runs started and cancelled, client
// changes, lead exclusions, requeues), and to the request log.

type actorKey struct{}

// whoHolder lets the request log, which wraps the route, learn who the route found.
type whoHolder struct{ who string }

type whoKey struct{}

// apiCaller authenticates the bearer token of an API request and returns who it is.
func (s *Server) apiCaller(r *http.Request) (string, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ok && token != "" {
		if s.cfg.AdminToken != "" && hashesMatch(token, s.cfg.AdminToken) {
			return leadrun.APIActor(leadrun.AdminTokenName), nil
		}
		name, err := s.db.AuthenticateAPIToken(r.Context(), token)
		if err == nil {
			return leadrun.APIActor(name), nil
		}
		if leadrun.ErrorCode(err) != leadrun.EUNAUTHORIZED {
			return "", err
		}
	}
	if s.cfg.AdminToken == "" {
		named, err := s.db.FindAPITokens(r.Context())
		if err != nil {
			return "", err
		}
		if len(named) == 0 {
			return "", leadrun.Errorf(codeUnavailable, "the admin API is disabled: set LEADRUN_ADMIN_TOKEN (or LEADRUN_ADMIN_TOKEN_FILE), or make a named token with `leadrun tokens add NAME`")
		}
	}
	return "", leadrun.Errorf(leadrun.EUNAUTHORIZED, "missing, wrong or revoked API token (Authorization: Bearer …): use LEADRUN_ADMIN_TOKEN or a token from `leadrun tokens add NAME`")
}

// hashesMatch compares the SHA-256 of two secrets in constant time, so neither their
// contents nor their lengths show in the time it takes.
func hashesMatch(got, want string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// withActor records who makes a request.
func withActor(r *http.Request, who string) *http.Request {
	if h, ok := r.Context().Value(whoKey{}).(*whoHolder); ok {
		h.who = who
	}
	return r.WithContext(context.WithValue(r.Context(), actorKey{}, who))
}

// actorOf is who an API request acts as: "api:NAME" ("api" if unknown, which only a route
// outside the admin guard could see).
func actorOf(r *http.Request) string {
	if who, ok := r.Context().Value(actorKey{}).(string); ok && who != "" {
		return who
	}
	return "api"
}

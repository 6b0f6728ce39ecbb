package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/leadrun/leadrun"
)

// strictQuery refuses a request whose query string does not parse: Go's URL parser drops
// a pair it cannot read (a ";" in "?status=failed;", a bad "%" escape) and the handler
// would then answer as if the filter had not been given. 400 names the parameter.
// It also refuses a path or query value that is not valid UTF-8, holds a NUL byte or is
// over maxQueryValue bytes: such text would reach the stores (PostgreSQL refuses it with
// an error that would become a 500).
func (s *Server) strictQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			s.Error(w, r, leadrun.Errorf(leadrun.EINVALID, "malformed query parameter %s: use name=value pairs separated by '&', with '%%' escapes (%%3B for ';')",
				badQueryPair(r.URL.RawQuery)))
			return
		}
		if !cleanText(r.URL.Path, maxQueryValue) {
			s.Error(w, r, leadrun.Errorf(leadrun.EINVALID, "the path must be valid UTF-8 without NUL bytes, at most %d bytes", maxQueryValue))
			return
		}
		for name, values := range q {
			for _, v := range values {
				if !cleanText(name, 100) || !cleanText(v, maxQueryValue) {
					s.Error(w, r, leadrun.Errorf(leadrun.EINVALID, "query parameter %s must be valid UTF-8 without NUL bytes, at most %d bytes",
						strconv.Quote(leadrun.Truncate(strings.ToValidUTF8(name, "?"), 100)), maxQueryValue))
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// maxQueryValue bounds a path and each query value.
const maxQueryValue = 4096

// cleanText reports whether s is valid UTF-8 without NUL and at most max bytes.
func cleanText(s string, max int) bool {
	return len(s) <= max && utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// badQueryPair returns the first pair of a raw query that does not parse, quoted and cut short.
func badQueryPair(raw string) string {
	for _, pair := range strings.Split(raw, "&") {
		if _, err := url.ParseQuery(pair); err != nil {
			return strconv.Quote(leadrun.Truncate(pair, 100))
		}
	}
	return strconv.Quote(leadrun.Truncate(raw, 100))
}

// queryInt reads an optional whole-number parameter within lo…hi (def when absent);
// anything else is an EINVALID error naming the parameter and the range.
func queryInt(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		if _, given := q[name]; !given {
			return def, nil
		}
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, leadrun.Errorf(leadrun.EINVALID, "%s must be a whole number from %d to %d, got %q", name, lo, hi, leadrun.Truncate(v, 40))
	}
	return n, nil
}

// queryBool reads an optional true/false parameter (false when absent).
func queryBool(q url.Values, name string) (bool, error) {
	switch v := q.Get(name); v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, leadrun.Errorf(leadrun.EINVALID, "%s must be true or false, got %q", name, leadrun.Truncate(v, 40))
	}
}

// queryParams lists the query parameters each GET route of the API reads; any other name
// is refused with 400 naming it, so a misspelt filter (?stauts=failed) is not silently
// ignored. Routes not listed read none.
var queryParams = map[string][]string{
	"/api/v1/runs":                         {"limit", "stream", "status", "since", "until", "client", "before", "q"},
	"/api/v1/runs/{id}/events":             {"after"},
	"/api/v1/runs/{id}/report":             {"format"},
	"/api/v1/clients":                      {"stream", "status", "q", "after", "limit"},
	"/api/v1/clients/{id}/leads":           {"limit", "after", "status", "min_score"},
	"/api/v1/clients/{id}/top-leads":       {"limit", "format", "mark"},
	"/api/v1/runs/{id}":                    {"limit", "after"},
	"/api/v1/clients/{id}":                 nil,
	"/api/v1/clients/{id}/rubric":          nil,
	"/api/v1/clients/{id}/leads/{lead_id}": nil,
	"/api/v1/clients/{id}/history":         {"lead_id"},
	"/api/v1/needs-attention":              {"limit", "start"},
	"/api/v1/schedules":                    nil,
}

// knownParams refuses a GET request to an API route that names a query parameter the
// route does not read.
func knownParams(pattern string, next http.Handler) http.Handler {
	allowed, listed := queryParams[pattern]
	if !listed {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name := range r.URL.Query() {
			if !slices.Contains(allowed, name) {
				msg := "takes no query parameters"
				if len(allowed) > 0 {
					msg = "takes " + strings.Join(allowed, ", ")
				}
				writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{"code": leadrun.EINVALID,
					"message": fmt.Sprintf("unknown query parameter %s: %s %s", strconv.Quote(leadrun.Truncate(name, 100)), pattern, msg)}})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

package web

// Every error leaves through here: one table maps error codes to HTTP statuses, for the
// API (Error, plainError) and the dashboard (dashError, failPage) alike. A code the table
// does not know, like any error that is not a domain error, is internal: it is logged and
// shown as "Internal error.", so internal details never reach a user.

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/leadrun/leadrun"
)

// Codes only the web layer answers with, beside the domain's leadrun.E… codes.
const (
	codeUnavailable     = "unavailable"       // a route whose secret is not configured
	codeUnprocessable   = "unprocessable"     // a dashboard form that was read but not accepted
	codeTooLarge        = "too_large"         // a request body over the limit
	codeTooManyRequests = "too_many_requests" // login attempts while a back-off lasts
)

// internalMessage is all a user is told of an internal error.
const internalMessage = "Internal error."

// statusOf maps error codes to HTTP statuses, in one place.
var statusOf = map[string]int{
	leadrun.EINVALID:      http.StatusBadRequest,
	leadrun.EUNAUTHORIZED: http.StatusUnauthorized,
	leadrun.EFORBIDDEN:    http.StatusForbidden,
	leadrun.ENOTFOUND:     http.StatusNotFound,
	leadrun.ECONFLICT:     http.StatusConflict,
	leadrun.EINTERNAL:     http.StatusInternalServerError,
	codeUnavailable:       http.StatusServiceUnavailable,
	codeUnprocessable:     http.StatusUnprocessableEntity,
	codeTooLarge:          http.StatusRequestEntityTooLarge,
	codeTooManyRequests:   http.StatusTooManyRequests,
}

// Error writes err as {"error": {"code", "message"}} with its status. Internal errors are
// logged and shown as "Internal error.".
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := s.describe(r, err)
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// plainError writes err in the cron webhook's plain shape, {"error": message}.
func (s *Server) plainError(w http.ResponseWriter, r *http.Request, err error) {
	status, _, msg := s.describe(r, err)
	writeJSON(w, status, map[string]string{"error": msg})
}

// describe gives err's status, code and the message a user may see; an internal error
// (or one whose code has no status) is logged here, once.
func (s *Server) describe(r *http.Request, err error) (int, string, string) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return statusOf[codeTooLarge], codeTooLarge, fmt.Sprintf("request body over %d bytes", tooLarge.Limit)
	}
	code := leadrun.ErrorCode(err)
	status, known := statusOf[code]
	if !known || code == leadrun.EINTERNAL {
		s.log.Error("internal error", "method", r.Method, "path", leadrun.Truncate(r.URL.Path, 512), "code", code, "error", err)
		return statusOf[leadrun.EINTERNAL], leadrun.EINTERNAL, internalMessage
	}
	return status, code, leadrun.ErrorMessage(err)
}

// dashError shows the dashboard's error page: not found and invalid input say what was
// wrong; internal errors are logged and shown as "Internal error.".
func (s *Server) dashError(w http.ResponseWriter, r *http.Request, p *dashPage, err error) {
	var tooLarge *http.MaxBytesError
	status, _, msg := s.describe(r, err)
	if errors.As(err, &tooLarge) {
		msg = "The form was too large."
	}
	p.Title, p.Status, p.Error, p.Data = http.StatusText(status), status, msg, nil
	s.render(w, r, "error", p)
}

// failPage sets the error line and status of a page that is shown again with the error
// (a form to correct, a busy stream), from the same table.
func (s *Server) failPage(r *http.Request, p *dashPage, err error) {
	p.Status, _, p.Error = s.describe(r, err)
}

// internalError is the last resort, when not even the error page renders: it logs err
// and answers a plain "Internal error.".
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.Error(what, "method", r.Method, "path", leadrun.Truncate(r.URL.Path, 512), "error", err)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(statusOf[leadrun.EINTERNAL])
	_, _ = io.WriteString(w, internalMessage+"\n")
}

// Package leadrun holds the domain of leadrun: clients, rubrics, leads, posts, runs and the
// rules that relate them. It imports nothing from the rest of the project; storage, the job
// engine, scorers and the web layer live in their own packages and are wired in cmd/leadrun.
package leadrun

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps to one HTTP status and one CLI exit path.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ETOOLARGE     = "too_large" // an input over a documented size limit (HTTP 413)
)

// Error is a domain error whose message is safe to show to the person who caused it.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of a domain error, ECONFLICT for a busy stream, and EINTERNAL
// for anything else (including nil-safe behaviour: nil gives "").
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var busy *StreamBusyError
	if errors.As(err, &busy) {
		return ECONFLICT
	}
	return EINTERNAL
}

// ErrorMessage returns the human-readable message of a domain error, or "Internal error."
// for anything else, so internal details never reach users.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	var busy *StreamBusyError
	if errors.As(err, &busy) {
		return busy.Error()
	}
	return "Internal error."
}

// StreamBusyError is returned when a run is requested for a stream that already has an
// active run. It names that run so callers can report it.
type StreamBusyError struct {
	Stream    int
	RunID     string
	Status    RunStatus
	StartedAt time.Time // when the active run was created
}

func (e *StreamBusyError) Error() string {
	return fmt.Sprintf("stream %d already has an active run %s (%s since %s)",
		e.Stream, e.RunID, e.Status, e.StartedAt.UTC().Format(time.RFC3339))
}

package airtable

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ErrorKind says how the mirror reacts to a failed request.
type ErrorKind int

// Error kinds.
const (
	// KindRateLimited: 429; every request to the base waits RateLimitPenalty.
	KindRateLimited ErrorKind = iota + 1
	// KindTransient: 5xx, timeouts, network errors; retried with back-off.
	KindTransient
	// KindFailing: the request can never succeed as it is (bad token, missing base or
	// table, unknown field, bad select option): the mirror is marked failing with
	// Airtable's message and retries slowly until someone fixes the base or the config.
	KindFailing
)

// RateLimitPenalty is how long Airtable refuses a base's requests after a 429.
const RateLimitPenalty = 30 * time.Second

// Error is a failed Airtable request.
type Error struct {
	Kind    ErrorKind
	Status  int    // HTTP status, 0 for network errors
	Type    string // Airtable's error type, e.g. UNKNOWN_FIELD_NAME
	Message string // Airtable's own message
	// Hint, if set, replaces the default advice in Error() (which speaks of the mirror's
	// settings): a caller that knows which setting named the base says which to check.
	Hint string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("airtable")
	if e.Status != 0 {
		fmt.Fprintf(&b, " %d", e.Status)
	}
	if e.Type != "" {
		b.WriteString(" " + e.Type)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if hint := cmp.Or(e.Hint, e.hint()); hint != "" {
		b.WriteString(" (" + hint + ")")
	}
	return b.String()
}

// hint says what to check, in the operator's terms.
func (e *Error) hint() string {
	switch e.Status {
	case http.StatusUnauthorized:
		return "check LEADRUN_AIRTABLE_TOKEN"
	case http.StatusForbidden:
		return "check LEADRUN_AIRTABLE_BASE, the table names, and that the token may use that base with the scopes data.records:read, data.records:write and schema.bases:read"
	case http.StatusNotFound:
		return "check LEADRUN_AIRTABLE_BASE and the table names"
	}
	return ""
}

// KindOf is the kind of err: an *Error's kind, else transient.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindTransient
}

// decodeError reads Airtable's error body, {"error": {"type": …, "message": …}} or
// {"error": "NOT_FOUND"}, and classifies the status.
func decodeError(status int, body []byte) *Error {
	e := &Error{Status: status}
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && len(env.Error) > 0 {
		var obj struct{ Type, Message string }
		if json.Unmarshal(env.Error, &obj) == nil {
			e.Type, e.Message = obj.Type, obj.Message
		} else {
			_ = json.Unmarshal(env.Error, &e.Type)
		}
	}
	if e.Message == "" && e.Type == "" {
		e.Message = strings.TrimSpace(http.StatusText(status))
	}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = KindRateLimited
	case status >= 500, status == http.StatusRequestTimeout:
		e.Kind = KindTransient
	default:
		e.Kind = KindFailing
	}
	return e
}

// FormulaString quotes s as an Airtable formula string literal, for the rare lookup by
// value: backslashes and double quotes are escaped, newlines written as \n.
func FormulaString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)
	return `"` + r.Replace(s) + `"`
}

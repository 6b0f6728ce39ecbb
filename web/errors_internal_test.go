package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
)

// mustBareServer is a Server with no database, for the error paths that need none.
func mustBareServer(t *testing.T) (*Server, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	return &Server{cfg: Config{Now: time.Now}, log: slog.New(slog.NewJSONHandler(logs, nil))}, logs
}

// An error whose code the status table does not know, and a plain Go error, are both
// internal: 500, "Internal error.", the detail logged and never shown.
func TestUnknownErrorsAre500AndLogged(t *testing.T) {
	for _, err := range []error{leadrun.Errorf("made_up", "secret detail one"), errors.New("secret detail two"),
		leadrun.Errorf(leadrun.EINTERNAL, "secret detail three")} {
		s, logs := mustBareServer(t)
		rec := httptest.NewRecorder()
		s.Error(rec, httptest.NewRequest("GET", "/api/v1/runs", nil), err)
		var body struct {
			Error struct{ Code, Message string }
		}
		if jerr := json.Unmarshal(rec.Body.Bytes(), &body); jerr != nil || rec.Code != http.StatusInternalServerError ||
			body.Error.Code != leadrun.EINTERNAL || body.Error.Message != "Internal error." {
			t.Errorf("API, %v: %d %s (%v)", err, rec.Code, rec.Body, jerr)
		}
		if !strings.Contains(logs.String(), `"msg":"internal error"`) || !strings.Contains(logs.String(), err.Error()) {
			t.Errorf("API, %v: not logged: %s", err, logs)
		}

		s, logs = mustBareServer(t)
		rec = httptest.NewRecorder()
		s.dashError(rec, httptest.NewRequest("GET", "/runs", nil), &dashPage{}, err)
		if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "Internal error.") ||
			strings.Contains(rec.Body.String(), "secret detail") {
			t.Errorf("dashboard, %v: %d %s", err, rec.Code, rec.Body)
		}
		if !strings.Contains(logs.String(), err.Error()) {
			t.Errorf("dashboard, %v: not logged: %s", err, logs)
		}
	}
}

// Every code in the table keeps its status, and its message is shown as it is.
func TestStatusTable(t *testing.T) {
	s, logs := mustBareServer(t)
	for code, want := range statusOf {
		if code == leadrun.EINTERNAL {
			continue
		}
		status, got, msg := s.describe(httptest.NewRequest("GET", "/", nil), leadrun.Errorf(code, "said %s", code))
		if status != want || got != code || msg != "said "+code {
			t.Errorf("%s: %d %s %q, want %d", code, status, got, msg, want)
		}
	}
	if logs.Len() != 0 {
		t.Errorf("errors with a status were logged as internal: %s", logs)
	}
}

// A page whose template fails answers a plain 500 "Internal error." and logs why, and
// never half a page.
func TestTemplateFailureIs500AndLogged(t *testing.T) {
	s, logs := mustBareServer(t)
	rec := httptest.NewRecorder()
	s.render(rec, httptest.NewRequest("GET", "/runs", nil), "no_such_template", &dashPage{})
	if rec.Code != http.StatusInternalServerError || rec.Body.String() != "Internal error.\n" {
		t.Fatalf("template failure: %d %q", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "no_such_template") {
		t.Fatalf("template failure not logged: %s", logs)
	}
}

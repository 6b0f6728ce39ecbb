package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// senderBatch is one Linked Helper call: item 0 from the expected sender (other case and
// spaces), items 1 and 3 from another account, item 2 naming no sender.
const senderBatch = `[
	{"profileUrl": "https://www.linkedin.com/in/sg-ann/", "firstName": "Ann", "headline": "Coach", "my_email": " GUY@Example.com "},
	{"profileUrl": "https://www.linkedin.com/in/sg-bob/", "firstName": "Bob", "headline": "Founder", "my_email": "dean@example.com"},
	{"profileUrl": "https://www.linkedin.com/in/sg-cat/", "firstName": "Cat", "headline": "CFO"},
	{"profileUrl": "https://www.linkedin.com/in/sg-dan/", "firstName": "Dan", "headline": "CEO", "my_email": "Dean@example.com"}
]`

// sgEnv is a server in one guard mode with Guy-Wilson expecting guy@example.com.
type sgEnv struct {
	*env
	guyToken, deanToken string
}

func mustServeGuard(t *testing.T, db *sqldb.DB, mode string) *sgEnv {
	t.Helper()
	e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token, SenderGuard: mode}, false)
	if status, body := e.do(t, "PATCH", "/api/v1/clients/Guy-Wilson", bearer, `{"lh_sender_email":"guy@example.com"}`); status != 200 ||
		body["lh_sender_email"] != "guy@example.com" {
		t.Fatalf("set sender: %d %v", status, body)
	}
	_, guy := e.do(t, "POST", "/api/v1/clients/Guy-Wilson/ingest-token", bearer, "")
	_, dean := e.do(t, "POST", "/api/v1/clients/Dean-Hobin/ingest-token", bearer, "")
	return &sgEnv{env: e, guyToken: fmt.Sprint(guy["ingest_token"]), deanToken: fmt.Sprint(dean["ingest_token"])}
}

func (e *sgEnv) post(t *testing.T, client, tok string) map[string]any {
	t.Helper()
	status, body := e.do(t, "POST", "/lh-webhook/upsertLeadOnly?client="+client+"&token="+tok, nil, senderBatch)
	if status != 200 {
		t.Fatalf("webhook: %d %v", status, body)
	}
	return body
}

// profiles returns which of the batch's people a client has.
func (e *sgEnv) profiles(t *testing.T, client string) string {
	t.Helper()
	_, body := e.do(t, "GET", "/api/v1/clients/"+client+"/leads?limit=500", bearer, "")
	var got []string
	for _, l := range body["leads"].([]any) {
		if u := fmt.Sprint(l.(map[string]any)["profile_url"]); strings.Contains(u, "/sg-") {
			got = append(got, strings.TrimSuffix(strings.TrimPrefix(u, "https://www.linkedin.com/in/sg-"), "/"))
		}
	}
	return strings.Join(got, ",")
}

// mismatches returns the sender_mismatches of the client API as "sender items/blocked".
func (e *sgEnv) mismatches(t *testing.T, client string) string {
	t.Helper()
	status, body := e.do(t, "GET", "/api/v1/clients/"+client, bearer, "")
	list, ok := body["sender_mismatches"].([]any)
	if status != 200 || !ok {
		t.Fatalf("client view: %d %v", status, body)
	}
	var out []string
	for _, m := range list {
		m := m.(map[string]any)
		if m["first_seen_at"] == nil || m["last_seen_at"] == nil {
			t.Errorf("mismatch without times: %v", m)
		}
		out = append(out, fmt.Sprintf("%s %v/%v", m["sender"], m["items"], m["blocked"]))
	}
	return strings.Join(out, ";")
}

func (e *sgEnv) metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(e.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return string(raw)
}

// warn (also the default): every item is stored; the two from dean@ are counted, in the
// client API and /metrics, and logged with the client and sender but never the token.
func TestSenderGuardWarn(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServeGuard(t, db, "")
		body := e.post(t, "Guy-Wilson", e.guyToken)
		if body["created"].(float64) != 4 || len(body["failed"].([]any)) != 0 {
			t.Errorf("answer: %v", body)
		}
		if got := e.profiles(t, "Guy-Wilson"); got != "ann,bob,cat,dan" {
			t.Errorf("stored %q, want all four", got)
		}
		if got := e.mismatches(t, "Guy-Wilson"); got != "dean@example.com 2/0" {
			t.Errorf("mismatches %q", got)
		}
		e.post(t, "Guy-Wilson", e.guyToken) // counts add up over calls
		if got := e.mismatches(t, "Guy-Wilson"); got != "dean@example.com 4/0" {
			t.Errorf("after a second call: %q", got)
		}
		m := e.metrics(t)
		for _, want := range []string{`leadrun_lh_sender_mismatches_total{action="stored",client_id="Guy-Wilson"} 4`,
			`leadrun_lh_sender_mismatches_total{action="blocked",client_id="Guy-Wilson"} 0`} {
			if !strings.Contains(m, want) {
				t.Errorf("/metrics lacks %q:\n%s", want, m)
			}
		}
		logs := e.logs.String()
		if !strings.Contains(logs, `"msg":"linked helper sender mismatch"`) || !strings.Contains(logs, `"client_id":"Guy-Wilson"`) ||
			!strings.Contains(logs, `"sender":"dean@example.com"`) || !strings.Contains(logs, `"mode":"warn"`) {
			t.Errorf("no mismatch warning in the logs:\n%s", logs)
		}
		if strings.Contains(logs, e.guyToken) {
			t.Error("the ingest token reached the logs")
		}
	})
}

// block: the two items from dean@ are dropped, counted and reported in failed; the rest
// of the batch is stored. A client without an expected sender is not checked.
func TestSenderGuardBlock(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServeGuard(t, db, web.SenderGuardBlock)
		body := e.post(t, "Guy-Wilson", e.guyToken)
		failed := body["failed"].([]any)
		if body["created"].(float64) != 2 || len(failed) != 2 {
			t.Fatalf("answer: %v", body)
		}
		for i, want := range []float64{1, 3} {
			f := failed[i].(map[string]any)
			if f["index"] != want || !strings.HasPrefix(fmt.Sprint(f["reason"]), "sender_mismatch") {
				t.Errorf("failed[%d] = %v, want index %v with reason sender_mismatch…", i, f, want)
			}
		}
		if got := e.profiles(t, "Guy-Wilson"); got != "ann,cat" {
			t.Errorf("stored %q, want ann,cat", got)
		}
		if got := e.mismatches(t, "Guy-Wilson"); got != "dean@example.com 2/2" {
			t.Errorf("mismatches %q", got)
		}
		if m := e.metrics(t); !strings.Contains(m, `leadrun_lh_sender_mismatches_total{action="blocked",client_id="Guy-Wilson"} 2`) ||
			!strings.Contains(m, `leadrun_lh_sender_mismatches_total{action="stored",client_id="Guy-Wilson"} 0`) {
			t.Errorf("/metrics:\n%s", m)
		}
		// Dean-Hobin expects no sender: nothing is checked.
		body = e.post(t, "Dean-Hobin", e.deanToken)
		if body["created"].(float64) != 4 || len(body["failed"].([]any)) != 0 || e.mismatches(t, "Dean-Hobin") != "" {
			t.Errorf("client without a sender: %v, mismatches %q", body, e.mismatches(t, "Dean-Hobin"))
		}
		// Clearing the expected sender turns the guard off for the client.
		if status, body := e.do(t, "PATCH", "/api/v1/clients/Guy-Wilson", bearer, `{"lh_sender_email":""}`); status != 200 || body["lh_sender_email"] != "" {
			t.Fatalf("clear sender: %d %v", status, body)
		}
		if body := e.post(t, "Guy-Wilson", e.guyToken); len(body["failed"].([]any)) != 0 {
			t.Errorf("after clearing the sender: %v", body)
		}
	})
}

// off: nothing is checked or counted.
func TestSenderGuardOff(t *testing.T) {
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	e := mustServeGuard(t, db, web.SenderGuardOff)
	body := e.post(t, "Guy-Wilson", e.guyToken)
	if body["created"].(float64) != 4 || len(body["failed"].([]any)) != 0 {
		t.Errorf("answer: %v", body)
	}
	if got := e.mismatches(t, "Guy-Wilson"); got != "" {
		t.Errorf("mismatches %q, want none", got)
	}
	if m := e.metrics(t); strings.Contains(m, "leadrun_lh_sender_mismatches_total{") {
		t.Errorf("/metrics has mismatch series:\n%s", m)
	}
}

// The expected sender is validated at the edge: a malformed one is refused with 400, on
// update and on create, and the stored one is left as it was.
func TestSenderEmailValidated(t *testing.T) {
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	e := mustServeGuard(t, db, web.SenderGuardWarn)
	for _, bad := range []string{"guy", "guy@example", "Guy <guy@example.com>", " guy@example.com"} {
		status, body := e.do(t, "PATCH", "/api/v1/clients/Guy-Wilson", bearer, fmt.Sprintf(`{"lh_sender_email":%q}`, bad))
		if status != 400 || !strings.Contains(fmt.Sprint(body["error"]), "lh_sender_email") {
			t.Errorf("%q: %d %v, want 400 naming lh_sender_email", bad, status, body)
		}
	}
	if _, body := e.do(t, "GET", "/api/v1/clients/Guy-Wilson", bearer, ""); body["lh_sender_email"] != "guy@example.com" {
		t.Errorf("sender changed by refused updates: %v", body["lh_sender_email"])
	}
	status, body := e.do(t, "POST", "/api/v1/clients", bearer, `{"client_id":"New-Client","lh_sender_email":"new@example.com"}`)
	if status != 201 || body["lh_sender_email"] != "new@example.com" {
		t.Errorf("create with a sender: %d %v", status, body)
	}
	if status, _ := e.do(t, "POST", "/api/v1/clients", bearer, `{"client_id":"Bad-Client","lh_sender_email":"nope"}`); status != 400 {
		t.Errorf("create with a bad sender: %d, want 400", status)
	}
}

// A wrong sender reaches the alert webhook once (per client and sender every 6 hours), not
// once per request.
func TestSenderGuardAlerts(t *testing.T) {
	alerts := make(chan map[string]any, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		alerts <- body
	}))
	t.Cleanup(hook.Close)
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	e := &sgEnv{env: mustServeWith(t, db, web.Config{AdminToken: token}, rules.New(rules.Options{}),
		runner.Config{AlertWebhookURL: hook.URL}, true)}
	if status, body := e.do(t, "PATCH", "/api/v1/clients/Guy-Wilson", bearer, `{"lh_sender_email":"guy@example.com"}`); status != 200 {
		t.Fatalf("set sender: %d %v", status, body)
	}
	_, guy := e.do(t, "POST", "/api/v1/clients/Guy-Wilson/ingest-token", bearer, "")
	e.guyToken = fmt.Sprint(guy["ingest_token"])
	e.post(t, "Guy-Wilson", e.guyToken)
	select {
	case body := <-alerts:
		if text := fmt.Sprint(body["text"]); body["client_id"] != "Guy-Wilson" || !strings.Contains(text, "dean@example.com") ||
			!strings.Contains(text, "guy@example.com") || strings.Contains(text, e.guyToken) {
			t.Fatalf("alert: %v", body)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no alert for a wrong sender")
	}
	e.post(t, "Guy-Wilson", e.guyToken)
	select {
	case body := <-alerts:
		t.Fatalf("alerted again for the same sender: %v", body)
	case <-time.After(time.Second):
	}
}

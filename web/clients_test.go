package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// Clients, rubrics and leads through the API, with validation and tenant isolation.
func TestClientRubricLeadRoutes(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
		check := func(what string, status, want int, body map[string]any) {
			t.Helper()
			if status != want {
				t.Errorf("%s: %d %v, want %d", what, status, body, want)
			}
		}
		status, body := e.do(t, "POST", "/api/v1/clients", bearer, `{"client_id":"Amy-Lee","name":"Amy Lee","stream":3}`)
		check("create", status, 201, body)
		status, body = e.do(t, "POST", "/api/v1/clients", bearer, `{"client_id":"Amy-Lee"}`)
		check("duplicate", status, 409, body)
		status, body = e.do(t, "POST", "/api/v1/clients", bearer, `{"client_id":"bad id"}`)
		check("invalid id", status, 400, body)
		status, body = e.do(t, "PATCH", "/api/v1/clients/Amy-Lee", bearer, `{"status":"paused"}`)
		check("pause", status, 200, body)
		if body["status"] != "paused" || body["stream"].(float64) != 3 {
			t.Errorf("after pause: %v", body)
		}
		status, body = e.do(t, "GET", "/api/v1/clients/Nobody", bearer, "")
		check("unknown client", status, 404, body)
		status, body = e.do(t, "PUT", "/api/v1/clients/Amy-Lee/rubric", bearer, `{"attributes":[{"id":"A","category":"positive","heading":"x","max_points":-1}]}`)
		check("invalid rubric", status, 400, body)
		if !strings.Contains(fmt.Sprint(body["error"]), "max_points") {
			t.Errorf("invalid rubric message: %v", body)
		}
		status, body = e.do(t, "PUT", "/api/v1/clients/Amy-Lee/rubric", bearer, `{"attributes":[{"id":"A","category":"positive","heading":"Founder","instructions":"0-5","max_points":5}]}`)
		check("valid rubric", status, 200, body)
		// Leads go only to an active client; a bad item does not block the others.
		status, body = e.do(t, "POST", "/api/v1/clients/Guy-Wilson/leads", bearer,
			`[{"profile_url":"https://www.linkedin.com/in/zed-1/","first_name":"Zed","headline":"Coach"},{"first_name":"no url"}]`)
		check("import", status, 200, body)
		if body["created"].(float64) != 1 || len(body["failed"].([]any)) != 1 {
			t.Errorf("import: %v", body)
		}
		status, body = e.do(t, "POST", "/api/v1/clients/Amy-Lee/leads", bearer, `[{"profile_url":"https://www.linkedin.com/in/x/"}]`)
		check("import to a paused client", status, 403, body)
		status, list := e.do(t, "GET", "/api/v1/clients/Guy-Wilson/leads?limit=2&status=to_be_scored", bearer, "")
		check("list", status, 200, list)
		leads := list["leads"].([]any)
		if len(leads) != 2 || list["next_cursor"] == nil {
			t.Fatalf("list: %v", list)
		}
		id := fmt.Sprint(leads[0].(map[string]any)["id"])
		status, _ = e.do(t, "GET", "/api/v1/clients/Guy-Wilson/leads/"+id, bearer, "")
		check("lead of its client", status, 200, nil)
		status, body = e.do(t, "GET", "/api/v1/clients/Dean-Hobin/leads/"+id, bearer, "")
		check("another client's lead", status, 404, body)
		status, body = e.do(t, "GET", "/api/v1/clients/Guy-Wilson/leads?min_score=abc", bearer, "")
		check("bad filter", status, 400, body)
	})
}

// Posts go in deduplicated by URL; top leads come out as JSON and as a CSV that marks them
// exported, so a second export is empty.
func TestPostsAndTopLeads(t *testing.T) {
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, true)
	status, body := e.do(t, "POST", "/api/v1/clients/Guy-Wilson/leads", bearer,
		`[{"profile_url":"https://www.linkedin.com/in/zed/","first_name":"Zed","headline":"Founder and coach, AI speaker",
		  "experience":[{"title":"Founder","company":"Zed Co"}]}]`)
	if status != 200 {
		t.Fatalf("lead: %d %v", status, body)
	}
	status, body = e.do(t, "POST", "/api/v1/clients/Guy-Wilson/posts", bearer, `[
		{"profile_url":"https://www.linkedin.com/in/zed/","post_url":"https://www.linkedin.com/posts/zed-1","content":"How we use AI tools with clients every week"},
		{"profile_url":"https://www.linkedin.com/in/nobody/","post_url":"https://www.linkedin.com/posts/x","content":"Some content here"},
		{"post_url":"","content":"no url"},
		{"profile_url":"https://www.linkedin.com/in/zed/","post_url":"https://www.linkedin.com/posts/zed-1","content":"How we use AI tools with clients every week"}]`)
	failed, _ := body["failed"].([]any)
	if status != 200 || body["created"].(float64) != 1 || len(failed) != 2 {
		t.Fatalf("posts: %d %v", status, body)
	}
	if idx := failed[0].(map[string]any)["index"].(float64); idx != 1 {
		t.Errorf("the unknown profile is item 1, reported as %v", idx)
	}
	// Score everything, then export.
	status, created := e.do(t, "POST", "/api/v1/runs", bearer, `{"stream":1,"leadScoringLimit":1000}`)
	if status != 202 {
		t.Fatalf("run: %d %v", status, created)
	}
	id := fmt.Sprint(created["run_id"])
	for i := 0; ; i++ {
		_, d := e.do(t, "GET", "/api/v1/runs/"+id, bearer, "")
		if d["run"].(map[string]any)["status"] == "completed" {
			break
		}
		if i > 600 {
			t.Fatal("run did not complete")
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, top := e.do(t, "GET", "/api/v1/clients/Guy-Wilson/top-leads", bearer, "")
	n := len(top["leads"].([]any))
	if n == 0 {
		t.Fatal("no top leads")
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/clients/Guy-Wilson/top-leads?format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || len(rows) != n+1 || rows[0][0] != "profile_url" {
		t.Fatalf("csv: %d rows (want %d + header), %v", len(rows), n, err)
	}
	for _, row := range rows[1:] {
		if score, _ := strconv.ParseFloat(row[5], 64); score < 50 {
			t.Errorf("exported a lead under the threshold: %v", row)
		}
	}
	if _, again := e.do(t, "GET", "/api/v1/clients/Guy-Wilson/top-leads", bearer, ""); len(again["leads"].([]any)) != 0 {
		t.Errorf("after the CSV export, %d leads are still offered", len(again["leads"].([]any)))
	}
}

// The Linked Helper webhook takes leads only with the client's own ingest token; tokens
// are per client, revocable, and never open the admin API.
func TestLinkedHelperWebhook(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
		_, guy := e.do(t, "POST", "/api/v1/clients/Guy-Wilson/ingest-token", bearer, "")
		_, dean := e.do(t, "POST", "/api/v1/clients/Dean-Hobin/ingest-token", bearer, "")
		guyToken, deanToken := fmt.Sprint(guy["ingest_token"]), fmt.Sprint(dean["ingest_token"])
		person := `[{"profileUrl":"https://www.linkedin.com/in/lh-person/","firstName":"Lee","lastName":"Hart, MBA",
			"headline":"Founder","organization_1":"Hart Co","organization_title_1":"Founder"},{"firstName":"no url"}]`
		lh := func(client, tok string) (int, map[string]any) {
			return e.do(t, "POST", "/lh-webhook/upsertLeadOnly?client="+client+"&token="+tok, nil, person)
		}
		status, body := lh("Guy-Wilson", guyToken)
		if status != 200 || body["created"].(float64) != 1 || len(body["failed"].([]any)) != 1 {
			t.Fatalf("own token: %d %v", status, body)
		}
		for name, tc := range map[string][2]string{
			"wrong token": {"Guy-Wilson", "lrit_wrong"}, "no token": {"Guy-Wilson", ""},
			"another client's token": {"Guy-Wilson", deanToken}, "unknown client": {"Nobody", guyToken}} {
			if status, body := lh(tc[0], tc[1]); status != 401 {
				t.Errorf("%s: %d %v", name, status, body)
			}
		}
		if status, _ := e.do(t, "GET", "/api/v1/runs", map[string]string{"Authorization": "Bearer " + guyToken}, ""); status != 401 {
			t.Errorf("an ingest token opened the admin API: %d", status)
		}
		e.do(t, "PATCH", "/api/v1/clients/Dean-Hobin", bearer, `{"status":"inactive"}`)
		if status, _ := lh("Dean-Hobin", deanToken); status != 403 {
			t.Errorf("inactive client: %d", status)
		}
		if status, _ := e.do(t, "DELETE", "/api/v1/clients/Guy-Wilson/ingest-token", bearer, ""); status != 204 {
			t.Errorf("revoke: %d", status)
		}
		if status, _ := lh("Guy-Wilson", guyToken); status != 401 {
			t.Errorf("revoked token still works: %d", status)
		}
		// Dean's leads are untouched by everything above.
		_, leads := e.do(t, "GET", "/api/v1/clients/Dean-Hobin/leads?limit=500", bearer, "")
		for _, l := range leads["leads"].([]any) {
			if strings.Contains(fmt.Sprint(l.(map[string]any)["profile_url"]), "lh-person") {
				t.Error("client B received client A's lead")
			}
		}
		if logs := e.logs.String(); strings.Contains(logs, guyToken) || strings.Contains(logs, deanToken) {
			t.Error("an ingest token reached the logs")
		}
	})
}

// Filters are checked, and bad ones get 400 instead of an empty answer; CSV leads and YAML
// rubrics are accepted; a client filter naming an unknown client writes nothing.
func TestAPIValidation(t *testing.T) {
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
	for _, path := range []string{"/api/v1/clients?status=zzz", "/api/v1/clients/Guy-Wilson/leads?status=bogus",
		"/api/v1/clients/Guy-Wilson/leads?after=-1", "/api/v1/runs?before=SR-000000-001-S1",
		"/api/v1/clients/Guy-Wilson/top-leads?format=xml"} {
		if status, body := e.do(t, "GET", path, bearer, ""); status != 400 {
			t.Errorf("%s: %d %v, want 400", path, status, body)
		}
	}
	if status, body := e.do(t, "POST", "/api/v1/runs", bearer, `{"clientFilter":["Nobody"]}`); status != 400 ||
		!strings.Contains(fmt.Sprint(body["error"]), "Nobody") {
		t.Errorf("unknown client in filter: %d %v", status, body)
	}
	if status, body := e.do(t, "POST", "/smart-resume-client-by-client", hook, `{"clientFilter":["Nobody"]}`); status != 400 {
		t.Errorf("webhook, unknown client in filter: %d %v", status, body)
	}
	if runs, _ := db.FindRuns(context.Background(), leadrun.RunFilter{}); len(runs) != 0 {
		t.Errorf("%d runs written", len(runs))
	}
	if status, body := e.do(t, "GET", "/api/v1/clients/Nobody/rubric", bearer, ""); status != 404 || !strings.Contains(fmt.Sprint(body["error"]), "client Nobody not found") {
		t.Errorf("rubric of an unknown client: %d %v", status, body)
	}
	status, body := e.do(t, "POST", "/api/v1/clients/Guy-Wilson/leads", map[string]string{"Authorization": "Bearer " + token,
		"Content-Type": "text/csv"}, "profile_url,first_name,headline\nhttps://www.linkedin.com/in/csv-person/,Cee,Founder\n")
	if status != 200 || body["created"].(float64) != 1 {
		t.Errorf("CSV import: %d %v", status, body)
	}
	status, body = e.do(t, "PUT", "/api/v1/clients/Guy-Wilson/rubric", map[string]string{"Authorization": "Bearer " + token,
		"Content-Type": "application/yaml"}, "attributes:\n  - id: A\n    category: positive\n    heading: Founder\n    instructions: x\n    max_points: 5\n")
	if status != 200 {
		t.Errorf("YAML rubric: %d %v", status, body)
	}
}

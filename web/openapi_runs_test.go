package web_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// The run routes of the OpenAPI document describe their query parameters (with the
// ranges and values the handler accepts) and the run request body in both spellings, the
// camelCase one marked deprecated. That real answers match the schemas is
// TestOpenAPIValidated's job.
func TestOpenAPIRunRoutes(t *testing.T) {
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
	_, _, raw := e.get(t, "/api/v1/openapi.json")
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi %v, want 3.1.0", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	op := func(method, path string) map[string]any { return paths[path].(map[string]any)[method].(map[string]any) }
	var names []string
	params := map[string]map[string]any{}
	for _, p := range op("get", "/api/v1/runs")["parameters"].([]any) {
		name := p.(map[string]any)["name"].(string)
		names = append(names, name)
		params[name] = p.(map[string]any)["schema"].(map[string]any)
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "before,client,limit,q,since,status,stream,until" {
		t.Errorf("GET /api/v1/runs parameters: %v", names)
	}
	if params["limit"]["minimum"] != 1.0 || params["limit"]["maximum"] != 200.0 || len(params["status"]["enum"].([]any)) != 7 {
		t.Errorf("GET /api/v1/runs limit %v, status %v", params["limit"], params["status"])
	}
	body := op("post", "/api/v1/runs")["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	props := body["properties"].(map[string]any)
	for _, name := range []string{"stream", "lead_scoring_limit", "post_scoring_limit", "client_filter", "leadScoringLimit", "clientFilter"} {
		if props[name] == nil {
			t.Errorf("POST /api/v1/runs body lacks %s", name)
		}
	}
	if props["leadScoringLimit"].(map[string]any)["deprecated"] != true {
		t.Errorf("camelCase names should be marked deprecated")
	}
	if props["lead_scoring_limit"].(map[string]any)["deprecated"] != nil {
		t.Errorf("snake_case names are not deprecated")
	}
}

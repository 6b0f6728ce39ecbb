package web_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// checkSchema validates a decoded JSON value against an OpenAPI 3.0 schema (type,
// nullable, required, properties, items, additionalProperties) and returns the problems.
func checkSchema(path string, schema map[string]any, v any) []string {
	if v == nil {
		if schema["nullable"] == true || len(schema) == 0 {
			return nil
		}
		return []string{path + ": null, not nullable"}
	}
	var errs []string
	switch schema["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want object", path, v)}
		}
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asStrings(schema["required"]) {
			if _, ok := obj[r]; !ok {
				errs = append(errs, path+"."+r+": required, missing")
			}
		}
		for k, val := range obj {
			sub, ok := props[k].(map[string]any)
			if !ok {
				sub, ok = schema["additionalProperties"].(map[string]any)
			}
			if !ok {
				errs = append(errs, path+"."+k+": not in the schema")
				continue
			}
			errs = append(errs, checkSchema(path+"."+k, sub, val)...)
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want array", path, v)}
		}
		for i, item := range arr {
			errs = append(errs, checkSchema(fmt.Sprintf("%s[%d]", path, i), schema["items"].(map[string]any), item)...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			errs = append(errs, fmt.Sprintf("%s: %T, want string", path, v))
		}
	case "integer", "number":
		n, ok := v.(float64)
		if !ok || (schema["type"] == "integer" && n != float64(int64(n))) {
			errs = append(errs, fmt.Sprintf("%s: %v, want %s", path, v, schema["type"]))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs = append(errs, fmt.Sprintf("%s: %T, want boolean", path, v))
		}
	}
	return errs
}

func asStrings(v any) []string {
	var out []string
	switch l := v.(type) {
	case []any:
		for _, s := range l {
			out = append(out, fmt.Sprint(s))
		}
	}
	return out
}

// The run routes of the OpenAPI document describe their query parameters, the run
// request body in both spellings, and response schemas that the real answers of a
// finished run match, field by field. Both databases.
func TestOpenAPIRunRoutes(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, true)
		_, _, raw := e.get(t, "/api/v1/openapi.json")
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		paths := doc["paths"].(map[string]any)
		op := func(method, path string) map[string]any { return paths[path].(map[string]any)[method].(map[string]any) }
		var names []string
		for _, p := range op("get", "/api/v1/runs")["parameters"].([]any) {
			names = append(names, p.(map[string]any)["name"].(string))
		}
		sort.Strings(names)
		if strings.Join(names, ",") != "before,client,limit,q,since,status,stream,until" {
			t.Errorf("GET /api/v1/runs parameters: %v", names)
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

		status, created := e.do(t, "POST", "/api/v1/runs", bearer, `{"stream":1,"lead_scoring_limit":20}`)
		if status != 202 {
			t.Fatalf("create: %d %v", status, created)
		}
		id := fmt.Sprint(created["run_id"])
		waitRun(t, db, id)
		for _, c := range []struct{ method, route, path string }{
			{"get", "/api/v1/runs", "/api/v1/runs?limit=5"},
			{"get", "/api/v1/runs/{id}", "/api/v1/runs/" + id},
			{"get", "/api/v1/runs/{id}/report", "/api/v1/runs/" + id + "/report"},
			{"get", "/api/v1/runs/{id}/events", "/api/v1/runs/" + id + "/events"},
		} {
			resp := op(c.method, c.route)["responses"].(map[string]any)["200"].(map[string]any)
			schema := resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
			status, _, raw := e.get(t, c.path)
			var v any
			if status != 200 || json.Unmarshal(raw, &v) != nil {
				t.Fatalf("%s: %d %s", c.path, status, raw)
			}
			if errs := checkSchema(c.route, schema, v); len(errs) > 0 {
				t.Errorf("%s does not match its schema:\n%s", c.path, strings.Join(errs, "\n"))
			}
		}
		queued := op("post", "/api/v1/runs")["responses"].(map[string]any)["202"].(map[string]any)
		schema := queued["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		var v any
		b, _ := json.Marshal(created)
		_ = json.Unmarshal(b, &v)
		if errs := checkSchema("POST /api/v1/runs", schema, v); len(errs) > 0 {
			t.Errorf("202 answer does not match its schema:\n%s", strings.Join(errs, "\n"))
		}
	})
}

package web

import (
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// OpenAPIVersion is the version of the OpenAPI specification the document follows.
const OpenAPIVersion = "3.1.0"

// OpenAPI returns the OpenAPI 3.1 document of the server, built from the route table so
// that no route can be missing from it, with schemas derived from the Go types.
func (s *Server) OpenAPI() map[string]any {
	paths, schemas := map[string]any{}, newComponents()
	for _, rt := range s.routeTable() {
		item, _ := paths[rt.pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.pattern] = item
		}
		op := map[string]any{"summary": rt.summary, "operationId": operationID(rt), "responses": responsesOf(rt, schemas)}
		if params := append(pathParams(rt.pattern), queryParamsOf(rt)...); len(params) > 0 {
			op["parameters"] = params
		}
		if body := requestBodyOf(rt); body != nil {
			op["requestBody"] = body
		}
		switch {
		case rt.admin:
			op["security"] = []any{map[string]any{"bearerToken": []any{}}}
		case rt.pattern == "/smart-resume-client-by-client":
			op["security"] = []any{map[string]any{"webhookSecret": []any{}}}
		case rt.pattern == "/lh-webhook/upsertLeadOnly":
			// No token only inside the client's token-less window.
			op["security"] = []any{map[string]any{"ingestToken": []any{}}, map[string]any{}}
		}
		item[strings.ToLower(rt.method)] = op
	}
	for name, schema := range errorSchemas() {
		schemas.defs[name] = schema
	}
	return map[string]any{
		"openapi":           OpenAPIVersion,
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"info": map[string]any{"title": "leadrun", "version": "1",
			"description": "Scores LinkedIn leads with AI for many clients in tracked batch runs. The /api/v1 routes take " +
				"`Authorization: Bearer TOKEN`: LEADRUN_ADMIN_TOKEN, or a named API token made with `leadrun tokens add NAME`; " +
				"what a token does is recorded as api:NAME (api:admin for LEADRUN_ADMIN_TOKEN)."},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearerToken": map[string]any{"type": "http", "scheme": "bearer",
					"description": "LEADRUN_ADMIN_TOKEN or a named API token (`leadrun tokens add NAME`)."},
				"webhookSecret": map[string]any{"type": "apiKey", "in": "header", "name": "x-webhook-secret",
					"description": "LEADRUN_WEBHOOK_SECRET, as the existing cron sends it."},
				"ingestToken": map[string]any{"type": "apiKey", "in": "query", "name": "token",
					"description": "The client's ingest token (POST /api/v1/clients/{id}/ingest-token); Linked Helper can only send it in the URL."},
			},
			"schemas": schemas.defs,
		},
	}
}

// operationID names an operation after its handler's route: "GET /api/v1/runs/{id}" is
// "get_runs_id".
func operationID(rt route) string {
	p := strings.TrimPrefix(rt.pattern, "/api/v1")
	p = strings.NewReplacer("{", "", "}", "", "-", "_", ".", "_").Replace(p)
	return strings.ToLower(rt.method) + strings.ReplaceAll(p, "/", "_")
}

func pathParams(pattern string) []any {
	var out []any
	for _, m := range pathParam.FindAllStringSubmatch(pattern, -1) {
		schema := map[string]any{"type": "string", "minLength": 1}
		desc := "An ID."
		switch {
		case m[1] == "lead_id":
			schema, desc = map[string]any{"type": "integer", "minimum": 1, "examples": []any{42}}, "A lead's ID."
		case strings.HasPrefix(pattern, "/api/v1/runs/"):
			schema["examples"], desc = []any{"SR-250923-001-S1"}, "A run ID."
		case strings.HasPrefix(pattern, "/api/v1/clients/"):
			schema["examples"], desc = []any{"Guy-Wilson"}, "A client ID."
		}
		out = append(out, map[string]any{"name": m[1], "in": "path", "required": true, "schema": schema, "description": desc})
	}
	return out
}

// errorSchemas are the error bodies: the API's {"error": {code, message}}, the cron
// webhook's plain {"error": message}, and the 409 of a busy stream in both shapes.
func errorSchemas() map[string]any {
	str := map[string]any{"type": "string"}
	obj := func(required []any, props map[string]any) map[string]any {
		return map[string]any{"type": "object", "required": required, "properties": props, "additionalProperties": false}
	}
	apiErr := obj([]any{"code", "message"}, map[string]any{"code": str, "message": str})
	apiErr["examples"] = []any{map[string]any{"code": "not_found", "message": "run SR-250923-001-S1 not found"}}
	busy := map[string]any{"running_run_id": str, "started_at": map[string]any{"type": "string", "format": "date-time"}}
	withBusy := func(errSchema map[string]any) map[string]any {
		props := map[string]any{"error": errSchema}
		for k, v := range busy {
			props[k] = v
		}
		return obj([]any{"error", "running_run_id", "started_at"}, props)
	}
	return map[string]any{
		"Error":      obj([]any{"error"}, map[string]any{"error": apiErr}),
		"PlainError": obj([]any{"error"}, map[string]any{"error": str}),
		"StreamBusy": withBusy(apiErr),
		"PlainBusy":  withBusy(str),
		"NotReady":   obj([]any{"status", "reason"}, map[string]any{"status": map[string]any{"const": "unavailable"}, "reason": str}),
	}
}

// responsesOf documents every status a route can answer.
func responsesOf(rt route, schemas *schemaGen) map[string]any {
	key := rt.method + " " + rt.pattern
	doc, ok := routeDocs[key]
	if !ok {
		doc = routeDoc{status: http.StatusOK} // undocumented: TestOpenAPIDocumentsEveryRoute fails
	}
	ok200 := map[string]any{"description": http.StatusText(doc.status)}
	content := specialBodies(key, schemas)
	if content == nil && doc.body != nil {
		content = jsonContent(schemas.of(typeOf(doc.body)))
	}
	if doc.csv {
		content["text/csv"] = map[string]any{"schema": map[string]any{"type": "string"}}
		ok200["headers"] = map[string]any{"Content-Disposition": map[string]any{"required": false,
			"description": "With format=csv: the attachment's file name.",
			"schema":      map[string]any{"type": "string", "pattern": `^attachment; filename=".+\.csv"$`}}}
	}
	if content != nil {
		ok200["content"] = content
	}
	resp := map[string]any{strconv.Itoa(doc.status): ok200}
	for _, status := range errorStatuses(rt, doc) {
		resp[strconv.Itoa(status)] = errorResponse(key, status, doc.plain)
	}
	return resp
}

// errorStatuses are the error statuses of a route: 400 (a malformed query) and 500
// everywhere, 401 and 503 behind the admin token, 404 with a path ID, and its own.
func errorStatuses(rt route, doc routeDoc) []int {
	set := map[int]bool{http.StatusBadRequest: true, http.StatusInternalServerError: true}
	if rt.admin {
		set[http.StatusUnauthorized], set[http.StatusServiceUnavailable] = true, true
	}
	if strings.Contains(rt.pattern, "{id}") {
		set[http.StatusNotFound] = true
	}
	for _, s := range doc.errors {
		set[s] = true
	}
	out := make([]int, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Ints(out)
	return out
}

// errorResponse is the answer of one error status of a route.
func errorResponse(key string, status int, plain bool) map[string]any {
	schema := ref("Error")
	switch {
	case key == "GET /readyz" && status == http.StatusServiceUnavailable:
		schema = ref("NotReady")
	case key == "POST /api/v1/runs" && status == http.StatusConflict:
		schema = ref("StreamBusy")
	case key == "POST /api/v1/runs/{id}/rerun" && status == http.StatusConflict:
		// The stream is busy (with the active run), or the run itself is still active.
		schema = map[string]any{"anyOf": []any{ref("StreamBusy"), ref("Error")}}
	case plain && status == http.StatusConflict:
		schema = ref("PlainBusy")
	case plain && status == http.StatusBadRequest:
		// A query the server cannot parse is refused before the handler, in the API's shape.
		schema = map[string]any{"anyOf": []any{ref("PlainError"), ref("Error")}}
	case plain:
		schema = ref("PlainError")
	}
	desc, ok := errorDescriptions[key+" "+strconv.Itoa(status)]
	if !ok {
		desc = errorDescriptions[strconv.Itoa(status)]
	}
	return map[string]any{"description": desc, "content": jsonContent(schema)}
}

// errorDescriptions say when a status is answered: "STATUS", or "METHOD /pattern STATUS".
var errorDescriptions = map[string]string{
	"400":                              "Invalid request: a malformed query, path or body, or a value out of range; the message names it.",
	"401":                              "Missing, wrong or revoked credentials.",
	"403":                              "Refused for this client (not active, or the item's sender).",
	"404":                              "No such run, client or lead.",
	"409":                              "Conflicts with the current state; the message says which.",
	"413":                              "The request body is over the limit (5 MB unless configured).",
	"500":                              "Internal error: logged; the answer says only \"Internal error.\".",
	"503":                              "Not configured: the secret or token the route needs is not set; the message names the variable.",
	"GET /readyz 503":                  "Not ready: the database does not answer, its schema is old, or the worker is not running.",
	"POST /api/v1/runs 409":            "The stream already has an active run, named in running_run_id.",
	"POST /api/v1/runs/{id}/rerun 409": "The run is still active, or its stream has an active run, named in running_run_id.",
	"POST /smart-resume-client-by-client 409":               "The stream already has an active run, named in running_run_id.",
	"POST /api/v1/runs/{id}/cancel 409":                     "The run has already ended.",
	"POST /api/v1/clients 409":                              "A client with this ID exists.",
	"POST /lh-webhook/upsertLeadOnly 401":                   "Unknown client, or wrong or missing ingest token (outside a token-less window).",
	"POST /lh-webhook/upsertLeadOnly 403":                   "The client is not active: it takes no leads.",
	"POST /api/v1/clients/{id}/leads 403":                   "The client is not active: it takes no leads.",
	"POST /api/v1/clients/{id}/leads/{lead_id}/exclude 409": "The lead is already excluded; nothing is written.",
	"POST /api/v1/clients/{id}/leads/{lead_id}/include 409": "The lead is not excluded; nothing is written.",
}

// typeOf is the type of a value, or the type itself when v is a reflect.Type.
func typeOf(v any) reflect.Type {
	if t, ok := v.(reflect.Type); ok {
		return t
	}
	return reflect.TypeOf(v)
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.OpenAPI())
}

package web

import (
	"net/http"
	"regexp"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// OpenAPI returns the OpenAPI 3 document of the server, built from the route table so
// that no route can be missing from it.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range s.routeTable() {
		item, _ := paths[rt.pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.pattern] = item
		}
		op := map[string]any{"summary": rt.summary, "responses": responsesOf(rt)}
		if params := append(pathParams(rt.pattern), queryParamsOf(rt)...); len(params) > 0 {
			op["parameters"] = params
		}
		if body := requestBodyOf(rt); body != nil {
			op["requestBody"] = body
		}
		if rt.admin {
			op["security"] = []any{map[string]any{"adminToken": []any{}}}
		}
		item[strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "leadrun", "version": "1"},
		"paths":   paths,
		"components": map[string]any{"securitySchemes": map[string]any{
			"adminToken":    map[string]any{"type": "http", "scheme": "bearer"},
			"webhookSecret": map[string]any{"type": "apiKey", "in": "header", "name": "x-webhook-secret"},
		}},
	}
}

func pathParams(pattern string) []any {
	var out []any
	for _, m := range pathParam.FindAllStringSubmatch(pattern, -1) {
		out = append(out, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	return out
}

func responsesOf(rt route) map[string]any {
	resp := map[string]any{"200": okResponse(rt)}
	switch rt.method + " " + rt.pattern {
	case "POST /api/v1/runs", "POST /smart-resume-client-by-client":
		queued := okResponse(rt)
		queued["description"] = "Run queued"
		resp = map[string]any{"202": queued, "409": map[string]any{"description": "The stream already has an active run"}}
	case "POST /api/v1/runs/{id}/cancel":
		resp["409"] = map[string]any{"description": "The run has already ended"}
	}
	if strings.Contains(rt.pattern, "{id}") && rt.admin {
		resp["404"] = map[string]any{"description": "No such run or client"}
	}
	if rt.admin || rt.pattern == "/smart-resume-client-by-client" {
		resp["400"] = map[string]any{"description": "Invalid request"}
		resp["401"] = map[string]any{"description": "Missing or wrong credentials"}
	}
	return resp
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.OpenAPI())
}

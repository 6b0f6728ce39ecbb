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
		if params := pathParams(rt.pattern); len(params) > 0 {
			op["parameters"] = params
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
	resp := map[string]any{"200": map[string]any{"description": "OK"}}
	if rt.method == "POST" && strings.Contains(rt.pattern, "runs") || rt.pattern == "/smart-resume-client-by-client" {
		resp = map[string]any{"202": map[string]any{"description": "Run queued"},
			"409": map[string]any{"description": "The stream already has an active run"}}
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

package web

import "strings"

// What the OpenAPI document says of query parameters and request bodies. The parameter
// names come from queryParams (what each route really reads); this adds their meaning.

// queryParamDocs describes a query parameter: "PATTERN NAME", or "NAME" for every route.
var queryParamDocs = map[string]struct {
	typ, desc string
	enum      []string
}{
	"/api/v1/runs limit":                    {"integer", "Runs per page, 1-200 (default 20).", nil},
	"/api/v1/runs stream":                   {"integer", "Only runs of this stream.", nil},
	"/api/v1/runs status":                   {"string", "Only runs with this status.", []string{"queued", "running", "completed", "completed_with_errors", "failed", "cancelled", "abandoned"}},
	"/api/v1/runs since":                    {"string", "Only runs created at or after this RFC 3339 time.", nil},
	"/api/v1/runs until":                    {"string", "Only runs created before this RFC 3339 time.", nil},
	"/api/v1/runs client":                   {"string", "Only runs that included this client ID.", nil},
	"/api/v1/runs before":                   {"string", "Cursor: runs older than this run ID (next_cursor of the previous page).", nil},
	"/api/v1/runs/{id}/events after":        {"integer", "Only events after this event ID (0 or absent: from the start).", nil},
	"/api/v1/runs/{id}/report format":       {"string", "json (default) or csv (one row per client × operation, as an attachment).", []string{"json", "csv"}},
	"/api/v1/clients/{id}/top-leads format": {"string", "json (default) or csv (marks the leads exported).", []string{"json", "csv"}},
	"limit":                                 {"integer", "Page size.", nil},
	"after":                                 {"string", "Cursor: items after this ID.", nil},
	"status":                                {"string", "Only items with this status.", nil},
	"stream":                                {"integer", "Only this stream.", nil},
	"min_score":                             {"number", "Only leads scored at least this.", nil},
	"mark":                                  {"boolean", "Mark the listed leads exported.", nil},
}

// queryParamsOf documents the query parameters a route reads.
func queryParamsOf(rt route) []any {
	var out []any
	for _, name := range queryParams[rt.pattern] {
		doc, ok := queryParamDocs[rt.pattern+" "+name]
		if !ok {
			doc = queryParamDocs[name]
		}
		if doc.typ == "" {
			doc.typ = "string"
		}
		schema := map[string]any{"type": doc.typ}
		if doc.enum != nil {
			schema["enum"] = doc.enum
		}
		p := map[string]any{"name": name, "in": "query", "required": false, "schema": schema}
		if doc.desc != "" {
			p["description"] = doc.desc
		}
		out = append(out, p)
	}
	return out
}

// triggerProperties are the fields of a trigger body in one naming convention.
func triggerProperties(lead, post, filter string, deprecated bool) map[string]any {
	field := func(schema map[string]any, desc string) map[string]any {
		schema["description"] = desc
		if deprecated {
			schema["deprecated"] = true
		}
		return schema
	}
	return map[string]any{
		lead:   field(wholeNumber(0), "Leads to examine per client in this run (0: each client's default)."),
		post:   field(wholeNumber(0), "Posts to examine per client in this run (0: each client's default)."),
		filter: field(map[string]any{"oneOf": []any{map[string]any{"type": "array", "items": map[string]any{"type": "string"}}, map[string]any{"type": "string"}}}, "Only these client IDs: an array, or one string (IDs separated by commas)."),
	}
}

// wholeNumber is a whole number sent as a JSON number or a numeric string.
func wholeNumber(minimum int) map[string]any {
	return map[string]any{"oneOf": []any{map[string]any{"type": "integer", "minimum": minimum},
		map[string]any{"type": "string", "pattern": "^ *[0-9]+ *$"}}}
}

// requestBodyOf documents the JSON body of the routes that take one we describe.
func requestBodyOf(rt route) map[string]any {
	var props map[string]any
	desc := ""
	switch rt.method + " " + rt.pattern {
	case "POST /api/v1/runs":
		props = triggerProperties("lead_scoring_limit", "post_scoring_limit", "client_filter", false)
		for k, v := range triggerProperties("leadScoringLimit", "postScoringLimit", "clientFilter", true) {
			props[k] = v
		}
		desc = "Every field is optional; stream defaults to 1. The camelCase names are the original API's and still accepted; " +
			"giving both spellings of a field with different values is refused (400)."
	case "POST /smart-resume-client-by-client":
		props = triggerProperties("leadScoringLimit", "postScoringLimit", "clientFilter", false)
		desc = "The cron's body, in its camelCase names. Every field is optional; stream defaults to 1."
	default:
		return nil
	}
	props["stream"] = wholeNumber(1)
	props["stream"].(map[string]any)["description"] = "Processing stream (default 1)."
	props["clientId"] = map[string]any{"type": "string", "description": "One client ID, added to the client filter (the original's name)."}
	return map[string]any{"required": false, "description": desc, "content": map[string]any{"application/json": map[string]any{
		"schema": map[string]any{"type": "object", "additionalProperties": false, "properties": props}}}}
}

// csvRoute says whether a route can answer CSV.
func csvRoute(rt route) bool {
	return strings.Contains(strings.Join(queryParams[rt.pattern], " "), "format")
}

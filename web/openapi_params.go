package web

import "github.com/leadrun/leadrun"

// What the OpenAPI document says of query parameters and request bodies. The parameter
// names come from queryParams (what each route really reads); this adds their meaning.

// queryParamDocs describes a query parameter: "PATTERN NAME", or "NAME" for every route.
// The schemas say what the handlers accept (ranges, enums); anything else is a 400.
var queryParamDocs = map[string]struct {
	schema map[string]any
	desc   string
}{
	"/api/v1/runs limit":                    {intRange(1, 200), "Runs per page, 1-200 (default 20)."},
	"/api/v1/runs stream":                   {intRange(1, 0), "Only runs of this stream."},
	"/api/v1/runs status":                   {enumSchema(enumOf[typeOf(leadrun.RunStatus(""))]), "Only runs with this status."},
	"/api/v1/runs since":                    {dateTime(), "Only runs created at or after this RFC 3339 time."},
	"/api/v1/runs until":                    {dateTime(), "Only runs created before this RFC 3339 time."},
	"/api/v1/runs client":                   {nil, "Only runs that included this client ID."},
	"/api/v1/runs before":                   {nil, "Cursor: runs older than this run ID (next_cursor of the previous page)."},
	"/api/v1/runs q":                        {nil, "Search: a run ID or its start (SR-261130, 261130-002), or a client's ID or name (runs that included it)."},
	"/api/v1/runs/{id} limit":               {intRange(1, 1000), "Client results per page, 1-1000 (default 500)."},
	"/api/v1/runs/{id} after":               {nil, "Cursor: client results after this client ID (next_cursor of the previous page)."},
	"/api/v1/clients q":                     {nil, "Search: clients whose ID or name contains this (case-insensitive)."},
	"/api/v1/clients after":                 {nil, "Cursor: clients after this client ID (next_cursor of the previous page)."},
	"/api/v1/clients limit":                 {intRange(1, 500), "Clients per page, 1-500 (default 100)."},
	"/api/v1/runs/{id}/events after":        {intRange(0, 0), "Only events after this event ID (0 or absent: from the start)."},
	"/api/v1/runs/{id}/report format":       {enumSchema([]string{"json", "csv"}), "json (default) or csv (one row per client × operation, as an attachment)."},
	"/api/v1/clients stream":                {intRange(1, 0), "Only clients of this stream."},
	"/api/v1/clients status":                {enumSchema(enumOf[typeOf(leadrun.ClientStatus(""))]), "Only clients with this status."},
	"/api/v1/clients/{id}/leads limit":      {intRange(1, 500), "Leads per page, 1-500 (default 100)."},
	"/api/v1/clients/{id}/leads after":      {intRange(0, 0), "Cursor: leads after this lead ID (next_cursor of the previous page)."},
	"/api/v1/clients/{id}/leads status":     {enumSchema(enumOf[typeOf(leadrun.ScoringStatus(""))]), "Only leads with this scoring status."},
	"/api/v1/clients/{id}/leads min_score":  {map[string]any{"type": "number"}, "Only leads scored at least this."},
	"/api/v1/clients/{id}/top-leads limit":  {intRange(1, 5000), "At most this many leads, 1-5000 (default 500)."},
	"/api/v1/clients/{id}/top-leads format": {enumSchema([]string{"json", "csv"}), "json (default) or csv (marks the leads exported)."},
	"/api/v1/clients/{id}/top-leads mark":   {map[string]any{"type": "boolean"}, "Mark the listed leads exported (JSON too)."},
	"/api/v1/clients/{id}/history lead_id":  {intRange(1, 0), "Only the history of this lead."},
	"/api/v1/needs-attention limit":         {intRange(1, 1000), "Items per page, 1-1000 (default 200), most urgent first."},
	"/api/v1/needs-attention start":         {intRange(0, 0), "Position of the first item (next_start of the previous page; default 0)."},
}

func intRange(lo, hi int) map[string]any {
	s := map[string]any{"type": "integer", "minimum": lo}
	if hi > 0 {
		s["maximum"] = hi
	}
	return s
}

func enumSchema(values []string) map[string]any {
	return map[string]any{"type": "string", "enum": values}
}

func dateTime() map[string]any { return map[string]any{"type": "string", "format": "date-time"} }

// queryParamsOf documents the query parameters a route reads.
func queryParamsOf(rt route) []any {
	var out []any
	if rt.pattern == "/lh-webhook/upsertLeadOnly" {
		// Its token is the ingestToken security scheme.
		out = append(out, map[string]any{"name": "client", "in": "query", "required": true, "schema": map[string]any{"type": "string"},
			"description": "The client ID the leads are for."})
	}
	for _, name := range queryParams[rt.pattern] {
		doc := queryParamDocs[rt.pattern+" "+name]
		schema := doc.schema
		if schema == nil {
			schema = map[string]any{"type": "string"}
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

// requestBodyOf documents the body of the routes that take one.
func requestBodyOf(rt route) map[string]any {
	key := rt.method + " " + rt.pattern
	switch key {
	case "POST /api/v1/runs", "POST /smart-resume-client-by-client":
		return triggerRequestBody(key)
	}
	oneOrMany := func(item map[string]any) map[string]any {
		return map[string]any{"anyOf": []any{item, map[string]any{"type": "array", "items": item}}}
	}
	var content map[string]any
	required, desc := true, ""
	switch key {
	case "POST /lh-webhook/upsertLeadOnly":
		content = jsonContent(oneOrMany(map[string]any{"type": "object"}))
		desc = "Linked Helper's person object, or an array of them."
	case "POST /api/v1/clients":
		schema := schemaOf(typeOf(clientInput{}), requestMode)
		schema["required"] = []any{"client_id", "name"}
		content = jsonContent(schema)
		desc = "A client; left-out fields take their defaults (stream 1, service level 1, threshold 50)."
	case "PATCH /api/v1/clients/{id}":
		content, desc = jsonContent(schemaOf(typeOf(clientPatch{}), requestMode)), "Only the fields to change; pause with {\"status\": \"paused\"}."
	case "PUT /api/v1/clients/{id}/rubric":
		content = jsonContent(schemaOf(typeOf(leadrun.Rubric{}), requestMode))
		content["application/yaml"] = map[string]any{"schema": map[string]any{"type": "string"}}
		desc = "The whole rubric, as JSON or YAML (a Content-Type naming yaml)."
	case "POST /api/v1/clients/{id}/leads":
		content = jsonContent(oneOrMany(map[string]any{"type": "object"}))
		content["text/csv"] = map[string]any{"schema": map[string]any{"type": "string"}}
		desc = "Leads as leadrun's lead objects or Linked Helper person objects (an array, or one), or a CSV with a header row."
	case "POST /api/v1/clients/{id}/posts":
		content = jsonContent(oneOrMany(postItemSchema()))
		desc = "Posts, deduplicated by post URL per lead; an item naming an unknown lead or field fails alone."
	case "POST /api/v1/clients/{id}/leads/requeue":
		content = jsonContent(schemaOf(typeOf(requeueRequest{}), requestMode))
		content["application/json"].(map[string]any)["schema"].(map[string]any)["properties"].(map[string]any)["reason"] =
			map[string]any{"type": "string", "description": "Only failed leads whose last reason is this, e.g. api_error."}
		desc = `Which failed leads to retry: {"reason": "api_error"} or {"all_failed": true}.`
	case "PUT /api/v1/clients/{id}/legacy-ingest":
		schema := schemaOf(typeOf(legacyIngestBody{}), requestMode)
		schema["required"] = []any{"until"}
		content, desc = jsonContent(schema), "until: an RFC 3339 time, or YYYY-MM-DD (the end of that day, UTC)."
	default:
		return nil
	}
	return map[string]any{"required": required, "description": desc, "content": content}
}

// postItemSchema is one post of POST /api/v1/clients/{id}/posts.
func postItemSchema() map[string]any {
	str := map[string]any{"type": "string"}
	return map[string]any{"type": "object", "required": []any{"profile_url", "post_url"}, "properties": map[string]any{
		"profile_url": str, "post_url": str, "content": str, "original_author": str,
		"posted_at": map[string]any{"type": "string", "description": "RFC 3339 time or a date"},
		"is_repost": map[string]any{"type": "boolean"}}}
}

// triggerRequestBody is the body of the two routes that start a run.
func triggerRequestBody(key string) map[string]any {
	var props map[string]any
	var desc string
	if key == "POST /api/v1/runs" {
		props = triggerProperties("lead_scoring_limit", "post_scoring_limit", "client_filter", false)
		for k, v := range triggerProperties("leadScoringLimit", "postScoringLimit", "clientFilter", true) {
			props[k] = v
		}
		desc = "Every field is optional; stream defaults to 1. The camelCase names are the original API's and still accepted; " +
			"giving both spellings of a field with different values is refused (400)."
	} else {
		props = triggerProperties("leadScoringLimit", "postScoringLimit", "clientFilter", false)
		desc = "The cron's body, in its camelCase names. Every field is optional; stream defaults to 1."
	}
	props["stream"] = wholeNumber(1)
	props["stream"].(map[string]any)["description"] = "Processing stream (default 1)."
	props["clientId"] = map[string]any{"type": "string", "description": "One client ID, added to the client filter (the original's name)."}
	return map[string]any{"required": false, "description": desc, "content": jsonContent(
		map[string]any{"type": "object", "additionalProperties": false, "properties": props})}
}

package web

import (
	"reflect"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/report"
)

// Response schemas of the OpenAPI document, derived from the Go types the handlers
// encode, so the document cannot drift from the answers.

var timeType = reflect.TypeOf(time.Time{})

// schemaOf is the JSON schema (OpenAPI 3.0 dialect) of what encoding/json makes of t.
func schemaOf(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Struct:
		s = structSchema(t)
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": schemaOf(t.Elem())}
		nullable = true // a nil slice encodes as null
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
		nullable = true
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s = map[string]any{"type": "number"}
	default:
		s = map[string]any{}
	}
	if nullable {
		s["nullable"] = true
	}
	return s
}

// structSchema lists a struct's JSON fields; fields without omitempty are required.
func structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			embedded := structSchema(f.Type)
			for k, v := range embedded["properties"].(map[string]any) {
				props[k] = v
			}
			if req, ok := embedded["required"].([]string); ok {
				required = append(required, req...)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type)
		if !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// responseTypes are the Go values the run routes answer 200 or 202 with.
var responseTypes = map[string]any{
	"GET /api/v1/runs": struct {
		Runs       []report.RunView `json:"runs"`
		NextCursor string           `json:"next_cursor,omitempty"`
	}{},
	"POST /api/v1/runs":             report.RunView{},
	"GET /api/v1/runs/{id}":         report.RunDetailView{},
	"GET /api/v1/runs/{id}/report":  report.RunReport{},
	"POST /api/v1/runs/{id}/cancel": report.RunView{},
	"GET /api/v1/runs/{id}/events": struct {
		Events []*leadrun.RunEvent `json:"events"`
	}{},
}

// okResponse is the success answer of a route, with its schema when it is known.
func okResponse(rt route) map[string]any {
	resp := map[string]any{"description": "OK"}
	v, ok := responseTypes[rt.method+" "+rt.pattern]
	if !ok {
		return resp
	}
	content := map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(v))}}
	if csvRoute(rt) {
		content["text/csv"] = map[string]any{"schema": map[string]any{"type": "string"}}
	}
	resp["content"] = content
	return resp
}

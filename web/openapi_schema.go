package web

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
)

// JSON Schemas (2020-12, the OpenAPI 3.1 dialect) of the request and response bodies,
// derived from the Go types the handlers decode and encode, so the document cannot drift
// from the answers: the OpenAPI test validates real answers against them.

var (
	timeType    = reflect.TypeOf(time.Time{})
	rawJSONType = reflect.TypeOf(json.RawMessage(nil))
)

// enumOf lists the values of the domain's named string types.
var enumOf = map[reflect.Type][]string{
	reflect.TypeOf(leadrun.RunStatus("")): {"queued", "running", "completed", "completed_with_errors", "failed", "cancelled", "abandoned"},
	reflect.TypeOf(leadrun.OpStatus("")):  {"queued", "running", "succeeded", "succeeded_with_errors", "skipped", "failed", "cancelled", "abandoned"},
	reflect.TypeOf(leadrun.Trigger("")):   {"webhook", "api", "cli", "schedule", "dashboard"},
	reflect.TypeOf(leadrun.ClientStatus("")): {string(leadrun.ClientActive), string(leadrun.ClientPaused),
		string(leadrun.ClientInactive)},
	reflect.TypeOf(leadrun.ScoringStatus("")): {string(leadrun.StatusToBeScored), string(leadrun.StatusScored),
		string(leadrun.StatusSkippedMissingData), string(leadrun.StatusFailed), string(leadrun.StatusExcluded)},
	reflect.TypeOf(leadrun.OperationKind("")): {string(leadrun.OpLeadScoring), string(leadrun.OpPostScoring)},
}

// schemaMode says which direction a schema describes: a response lists the fields that
// are always there as required; a request body requires nothing (every field optional).
type schemaMode int

const (
	responseMode schemaMode = iota
	requestMode
)

// schemaGen derives schemas in one mode; with defs set, named struct types become
// components (#/components/schemas/Name) that the schemas refer to.
type schemaGen struct {
	mode  schemaMode
	defs  map[string]any
	names map[reflect.Type]string
}

// newComponents is a schemaGen that collects named response types as components.
func newComponents() *schemaGen {
	return &schemaGen{mode: responseMode, defs: map[string]any{}, names: map[reflect.Type]string{}}
}

// schemaOf is the JSON schema of what encoding/json makes of t (or reads into it), inline.
func schemaOf(t reflect.Type, mode schemaMode) map[string]any { return (&schemaGen{mode: mode}).of(t) }

// of is the JSON schema of what encoding/json makes of t (or reads into it).
func (g *schemaGen) of(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t == rawJSONType:
		return map[string]any{} // any JSON value, as received
	case t.Kind() == reflect.Struct && g.defs != nil && t.Name() != "":
		r := g.ref(t)
		if nullable {
			return map[string]any{"anyOf": []any{r, map[string]any{"type": "null"}}}
		}
		return r
	case t.Kind() == reflect.Struct:
		s = g.structSchema(t)
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": g.of(t.Elem())}
		nullable = true // a nil slice encodes as null
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object", "additionalProperties": g.of(t.Elem())}
		nullable = true
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
		if enum, ok := enumOf[t]; ok {
			s["enum"] = enum
		}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s = map[string]any{"type": "number"}
	default:
		return map[string]any{}
	}
	if nullable {
		s["type"] = []any{s["type"], "null"}
		if enum, ok := s["enum"].([]string); ok {
			s["enum"] = append(toAny(enum), nil)
		}
	}
	return s
}

// ref registers a named struct type as a component (once) and refers to it. Its name is
// the Go type's, capitalised; the package's name is added when two packages share it.
func (g *schemaGen) ref(t reflect.Type) map[string]any {
	name, ok := g.names[t]
	if !ok {
		name = strings.ToUpper(t.Name()[:1]) + t.Name()[1:]
		if _, taken := g.defs[name]; taken {
			pkg := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]
			name = strings.ToUpper(pkg[:1]) + pkg[1:] + name
		}
		g.names[t] = name
		g.defs[name] = map[string]any{} // taken while its fields are derived
		g.defs[name] = g.structSchema(t)
	}
	return ref(name)
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// structSchema lists a struct's JSON fields (no others allowed); in a response the fields
// without omitempty are required.
func (g *schemaGen) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.addStruct(t, props, &required)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 && g.mode == responseMode {
		s["required"] = required
	}
	return s
}

func (g *schemaGen) addStruct(t reflect.Type, props map[string]any, required *[]string) {
	var embedded []reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft) // promoted fields, after the outer ones
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.of(f.Type)
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, name)
		}
	}
	for _, et := range embedded {
		inner := map[string]any{}
		var innerReq []string
		g.addStruct(et, inner, &innerReq)
		for k, v := range inner {
			if _, shadowed := props[k]; !shadowed { // an outer field wins, as in encoding/json
				props[k] = v
				if slices.Contains(innerReq, k) {
					*required = append(*required, k)
				}
			}
		}
	}
}

// jsonContent is an "application/json" content map with schema s.
func jsonContent(s map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": s}}
}

// ref points at a schema of the document's components.
func ref(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

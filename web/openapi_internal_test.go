package web

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Every route of the route table says what it answers (routeDocs): a route added without
// an entry fails here, and without cases in TestOpenAPIValidated there.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	s := &Server{metrics: http.NotFoundHandler()} // only the table is read
	seen := map[string]bool{}
	for _, rt := range s.routeTable() {
		key := rt.method + " " + rt.pattern
		seen[key] = true
		doc, ok := routeDocs[key]
		if !ok {
			t.Errorf("%s: no entry in routeDocs (web/openapi_routes.go): say its success status and body", key)
			continue
		}
		if doc.status < 200 || doc.status > 299 {
			t.Errorf("%s: success status %d", key, doc.status)
		}
		if (doc.body == nil) != (doc.status == http.StatusNoContent) && specialBodies(key, newComponents()) == nil {
			t.Errorf("%s: a body is documented if and only if the status is not 204", key)
		}
	}
	for key := range routeDocs {
		if !seen[key] {
			t.Errorf("routeDocs has %s, which is not a route", key)
		}
	}
}

// Every query parameter a route reads is described, with a schema saying what the handler
// accepts, so a new filter cannot reach the document as a bare string.
func TestOpenAPIDescribesEveryQueryParameter(t *testing.T) {
	for pattern, names := range queryParams {
		for _, name := range names {
			doc, ok := queryParamDocs[pattern+" "+name]
			if !ok || doc.desc == "" {
				t.Errorf("%s ?%s: no entry in queryParamDocs (web/openapi_params.go)", pattern, name)
			}
		}
	}
	for key := range queryParamDocs {
		pattern, name, _ := strings.Cut(key, " ")
		if !slices.Contains(queryParams[pattern], name) {
			t.Errorf("queryParamDocs has %q, which %s does not read", name, pattern)
		}
	}
}

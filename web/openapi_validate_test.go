package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	vErrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/leadrun/leadrun"
)

// The OpenAPI document is checked by a real OpenAPI validator (pb33f/libopenapi-validator),
// not by a hand-written check: the document itself validates as OpenAPI 3.1, and every
// documented operation has cases in apiCases that send a real request to a real server
// (SQLite and PostgreSQL, sample data) and validate the request and the real answer —
// status, headers, body — against the document, with at least one success and one error
// answer per operation. A route added without cases fails TestOpenAPIValidated.
// pb33f's strict mode is not used: it reports the keys of map-valued fields (skipped_by)
// and the ingest token of the apiKey scheme as undeclared; the schemas' own
// "additionalProperties": false already refuses an undocumented field in a body.

// apiCase is one real request to a documented operation.
type apiCase struct {
	op      string // the documented operation, "METHOD /pattern"
	path    string // the concrete path and query
	header  map[string]string
	ctype   string // Content-Type of the body ("application/json" when a body is given)
	body    string
	status  int  // the status the server must answer
	refused bool // the document itself refuses this request (a value out of range, no token)
}

// mustValidator parses the document and checks it against the OpenAPI 3.1 schema.
func mustValidator(t *testing.T, raw []byte) (validator.Validator, libopenapi.Document) {
	t.Helper()
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		t.Fatalf("the OpenAPI document does not parse: %v", err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Fatalf("OpenAPI version %q, want 3.1.0", v)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("the OpenAPI document does not build: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		t.Fatalf("the OpenAPI document is not valid OpenAPI 3.1:\n%s", describe(verrs))
	}
	return v, doc
}

func describe(errs []*vErrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  - %s: %s", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n      %s (at %s)", f.Reason, f.FieldPath)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// documentedOps lists the operations of the document, "METHOD /pattern".
func documentedOps(t *testing.T, doc libopenapi.Document) []string {
	t.Helper()
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			ops = append(ops, strings.ToUpper(method)+" "+path)
		}
	}
	if len(ops) < 30 {
		t.Fatalf("only %d operations documented", len(ops))
	}
	return ops
}

// checkCoverage fails for a documented operation without a success and an error case.
func checkCoverage(t *testing.T, ops []string, cases []apiCase) {
	t.Helper()
	ok, failed := map[string]bool{}, map[string]bool{}
	known := map[string]bool{}
	for _, op := range ops {
		known[op] = true
	}
	for _, c := range cases {
		if !known[c.op] {
			t.Errorf("case for %s: not a documented operation", c.op)
		}
		if c.status < 400 {
			ok[c.op] = true
		} else {
			failed[c.op] = true
		}
	}
	for _, op := range ops {
		if !ok[op] || !failed[op] {
			t.Errorf("%s has no case with a success answer and one with an error answer: add them to apiCases", op)
		}
	}
}

// runCase sends one request and validates it and the answer against the document.
func runCase(t *testing.T, v validator.Validator, base string, c apiCase) {
	t.Helper()
	name := fmt.Sprintf("%s %s → %d", strings.SplitN(c.op, " ", 2)[0], c.path, c.status)
	newReq := func() *http.Request {
		req, err := http.NewRequest(strings.SplitN(c.op, " ", 2)[0], base+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if c.body != "" {
			ct := c.ctype
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
		}
		for k, val := range c.header {
			req.Header.Set(k, val)
		}
		return req
	}
	resp, err := http.DefaultClient.Do(newReq())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != c.status {
		t.Errorf("%s: answered %d: %s", name, resp.StatusCode, leadrun.Truncate(string(raw), 400))
		return
	}
	reqOK, reqErrs := v.ValidateHttpRequestSync(newReq())
	switch {
	case c.refused && reqOK:
		t.Errorf("%s: the document accepts this request, but the case says it refuses it", name)
	case !c.refused && !reqOK:
		t.Errorf("%s: the request does not match the document:\n%s", name, describe(reqErrs))
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if ok, errs := v.ValidateHttpResponse(newReq(), resp); !ok {
		t.Errorf("%s: the answer does not match the document:\n%s\nbody: %s", name, describe(errs), leadrun.Truncate(string(raw), 600))
	}
}

// apiFixture holds what the cases refer to: a finished run, an active one, a lead.
type apiFixture struct {
	doneRun, activeRun, ingestToken, pausedToken, rubricJSON string
	namedToken, revokedToken                                 string
	failedRun                                                string // a finished run with a failed client
	leadID                                                   int64
	profileURL                                               string
	ctx                                                      context.Context
}

package web

import (
	"net/http"
	"reflect"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/ingest"
	"github.com/leadrun/leadrun/report"
	"github.com/leadrun/leadrun/sqldb"
)

// What each route answers, for the OpenAPI document: its success status and the Go value
// it encodes, and the error statuses its handler can reach beyond those every route of
// its kind has (400 and 500 everywhere; 401 and 503 behind the admin token; 404 with a
// path ID; 413 with a body). The OpenAPI test sends real requests to every route and
// validates the real answers against this, so an entry that lies fails it.

// routeDoc documents the answers of one route.
type routeDoc struct {
	status int   // the success status
	body   any   // a value of the Go type the success body encodes, or the reflect.Type; nil: no body
	errors []int // error statuses beyond the generic ones
	csv    bool  // can answer text/csv instead (format=csv), as an attachment
	plain  bool  // errors in the cron webhook's plain shape {"error": "message"}
}

// Response bodies that handlers build inline, as types.
type (
	webhookQueued struct {
		RunID     string `json:"run_id"`
		Status    string `json:"status"`
		StatusURL string `json:"status_url"`
	}
	runList struct {
		Runs       []report.RunView `json:"runs"`
		NextCursor string           `json:"next_cursor,omitempty"`
	}
	leadList struct {
		Leads      []*leadrun.Lead `json:"leads"`
		NextCursor int64           `json:"next_cursor,omitempty"`
	}
	ingestTokenView struct {
		ClientID    string `json:"client_id"`
		IngestToken string `json:"ingest_token"`
		WebhookPath string `json:"webhook_path"`
	}
	legacyClosed struct {
		ClientID string `json:"client_id"`
		Open     bool   `json:"open"`
	}
)

// Types read off the signatures of the store and the decoder the handlers call, so the
// document follows them wherever they are declared.
var (
	upsertResultType     = reflect.TypeOf((*sqldb.DB).UpsertPosts).Out(0)
	itemErrorsType       = reflect.TypeOf(ingest.DecodePosts).Out(1)
	providerStatusesType = reflect.TypeOf((*sqldb.DB).ProviderStatuses).Out(0)
)

// batchResult is what writeBatchResult and handlePostIngest answer: the store's counts,
// the items refused and the items repaired.
var batchResult = reflect.StructOf([]reflect.StructField{
	{Name: upsertResultType.Name(), Type: upsertResultType, Anonymous: true},
	{Name: "Failed", Type: itemErrorsType, Tag: `json:"failed"`},
	{Name: "Repaired", Type: reflect.TypeOf([]ingest.ItemNote{}), Tag: `json:"repaired"`},
})

// routeDocs is keyed "METHOD pattern", like the route table.
var routeDocs = map[string]routeDoc{
	"POST /smart-resume-client-by-client": {status: http.StatusAccepted, body: webhookQueued{}, errors: []int{401, 409, 413, 503}, plain: true},
	"POST /lh-webhook/upsertLeadOnly":     {status: 200, body: batchResult, errors: []int{401, 403, 413}},
	"GET /healthz":                        {status: 200},
	"GET /readyz":                         {status: 200, errors: []int{503}},
	"GET /metrics":                        {status: 200},
	"GET /api/v1/openapi.json":            {status: 200},
	"GET /api/v1/runs":                    {status: 200, body: runList{}},
	"POST /api/v1/runs":                   {status: http.StatusAccepted, body: report.RunView{}, errors: []int{409, 413}},
	"GET /api/v1/runs/{id}":               {status: 200, body: report.RunDetailView{}},
	"GET /api/v1/runs/{id}/report":        {status: 200, body: report.RunReport{}, csv: true},
	"GET /api/v1/runs/{id}/events": {status: 200, body: struct {
		Events []*leadrun.RunEvent `json:"events"`
	}{}},
	"POST /api/v1/runs/{id}/cancel":            {status: 200, body: report.RunView{}, errors: []int{409}},
	"GET /api/v1/clients":                      {status: 200, body: clientListResponse{}},
	"POST /api/v1/runs/{id}/rerun":             {status: http.StatusAccepted, body: runRerunResponse{}, errors: []int{409}},
	"GET /api/v1/schedules":                    {status: 200, body: scheduleListResponse{}},
	"POST /api/v1/clients":                     {status: http.StatusCreated, body: leadrun.Client{}, errors: []int{409, 413}},
	"GET /api/v1/clients/{id}":                 {status: 200, body: ClientView{}},
	"PATCH /api/v1/clients/{id}":               {status: 200, body: leadrun.Client{}, errors: []int{413}},
	"GET /api/v1/clients/{id}/rubric":          {status: 200, body: leadrun.Rubric{}},
	"PUT /api/v1/clients/{id}/rubric":          {status: 200, body: leadrun.Rubric{}, errors: []int{413}},
	"GET /api/v1/clients/{id}/leads":           {status: 200, body: leadList{}},
	"POST /api/v1/clients/{id}/leads":          {status: 200, body: batchResult, errors: []int{403, 413}},
	"GET /api/v1/clients/{id}/leads/{lead_id}": {status: 200, body: leadrun.Lead{}},
	"GET /api/v1/clients/{id}/top-leads": {status: 200, body: struct {
		Leads []*leadrun.Lead `json:"leads"`
	}{}, csv: true},
	"POST /api/v1/clients/{id}/posts":          {status: 200, body: batchResult, errors: []int{413}},
	"POST /api/v1/clients/{id}/ingest-token":   {status: http.StatusCreated, body: ingestTokenView{}},
	"DELETE /api/v1/clients/{id}/ingest-token": {status: http.StatusNoContent},
	"POST /api/v1/clients/{id}/leads/requeue": {status: 200, body: struct {
		ClientID string `json:"client_id"`
		Requeued int64  `json:"requeued"`
	}{}, errors: []int{413}},
	"POST /api/v1/clients/{id}/leads/{lead_id}/exclude": {status: 200, body: leadrun.Lead{}, errors: []int{409}},
	"POST /api/v1/clients/{id}/leads/{lead_id}/include": {status: 200, body: leadrun.Lead{}, errors: []int{409}},
	"GET /api/v1/clients/{id}/history": {status: 200, body: struct {
		ClientID string            `json:"client_id"`
		History  []*leadrun.Action `json:"history"`
	}{}},
	"GET /api/v1/needs-attention": {status: 200, body: attentionList{}},
	"GET /api/v1/provider-status": {status: 200, body: reflect.StructOf([]reflect.StructField{
		{Name: "Providers", Type: providerStatusesType, Tag: `json:"providers"`},
		{Name: "Scorer", Type: reflect.TypeOf(leadrun.ScorerInfo{}), Tag: `json:"scorer"`}})},
	"GET /api/v1/clients/{id}/legacy-ingest":    {status: 200, body: LegacyIngestView{}},
	"PUT /api/v1/clients/{id}/legacy-ingest":    {status: 200, body: LegacyIngestView{}, errors: []int{413}},
	"DELETE /api/v1/clients/{id}/legacy-ingest": {status: http.StatusNoContent},
}

// specialBodies are success bodies that are not one Go type (nil for the others).
func specialBodies(key string, schemas *schemaGen) map[string]any {
	status := func(value string) map[string]any {
		return jsonContent(map[string]any{"type": "object", "required": []any{"status"}, "additionalProperties": false,
			"properties": map[string]any{"status": map[string]any{"const": value}}})
	}
	switch key {
	case "GET /healthz":
		return status("ok")
	case "GET /readyz":
		return status("ready")
	case "GET /metrics":
		return map[string]any{"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}
	case "GET /api/v1/openapi.json":
		return jsonContent(map[string]any{"type": "object", "required": []any{"openapi", "info", "paths"},
			"properties": map[string]any{"openapi": map[string]any{"const": OpenAPIVersion}}})
	case "GET /api/v1/clients/{id}/legacy-ingest":
		// No window yet: only whether it is open.
		return jsonContent(map[string]any{"anyOf": []any{schemas.of(typeOf(LegacyIngestView{})), schemas.of(typeOf(legacyClosed{}))}})
	}
	return nil
}

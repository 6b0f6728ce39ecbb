// Package web is leadrun's HTTP face: the cron webhook that starts runs, the JSON API and
// the health checks. The whole route table is in routes.
package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
)

// DefaultMaxBody is the largest request body accepted (SPEC §3.9: 5 MB).
const DefaultMaxBody = 5 << 20

// Config configures a Server. Secrets have no defaults: a route whose secret is not set
// refuses every request with 503 and says which variable to set.
type Config struct {
	WebhookSecret string // x-webhook-secret of POST /smart-resume-client-by-client
	AdminToken    string // Authorization: Bearer token of /api/v1
	MaxBodyBytes  int64
	Logger        *slog.Logger
	AICalls       *AICalls // AI call latencies to serve on /metrics (optional)
	SenderGuard   string   // Linked Helper sender guard: SenderGuardWarn ("" too), SenderGuardBlock or SenderGuardOff
	// Now is the clock pages, views and the login throttle read (durations, "ago",
	// charts, back-off); the database's clock when nil, so a test that sets one clock sets both.
	Now func() time.Time
	// AirtableStatusFunc, if set, says where a run stands in the Airtable mirror (run page).
	AirtableStatusFunc func(ctx context.Context, runID string) (string, error)
	Collectors         []prometheus.Collector // more collectors to serve on /metrics (optional)
}

// Server answers HTTP requests.
type Server struct {
	db      *sqldb.DB
	runner  *runner.Runner
	cfg     Config
	log     *slog.Logger
	metrics http.Handler
	logins  *loginThrottle
}

// NewServer builds a Server on a database and a runner.
func NewServer(db *sqldb.DB, r *runner.Runner, cfg Config) (*Server, error) {
	if db == nil || r == nil {
		return nil, errors.New("web: a database and a runner are required")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBody
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	return &Server{db: db, runner: r, cfg: cfg, log: cfg.Logger, metrics: newMetricsHandler(db, cfg.AICalls, cfg.Collectors...),
		logins: newLoginThrottle(cfg.Now)}, nil
}

// now reads the server's one clock, in UTC.
func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now().UTC()
	}
	return s.db.Now().UTC()
}

// Handler is the server's full handler, with request logging.
func (s *Server) Handler() http.Handler { return s.logRequests(s.strictQuery(s.routes())) }

// route is one line of the route table.
type route struct {
	method, pattern string
	admin           bool // behind the admin bearer token
	summary         string
	handler         http.HandlerFunc
}

// routeTable is the whole route table; routes and the OpenAPI document both read it.
func (s *Server) routeTable() []route {
	return []route{
		{"POST", "/smart-resume-client-by-client", false, "Start a run (the cron webhook; x-webhook-secret header)", s.handleWebhookTrigger},
		{"POST", "/lh-webhook/upsertLeadOnly", false, "Linked Helper lead ingestion (?client=ID&token=INGEST_TOKEN)", s.handleLinkedHelper},
		{"GET", "/healthz", false, "The process is up", s.handleHealth},
		{"GET", "/readyz", false, "The database answers and its schema is current", s.handleReady},
		{"GET", "/metrics", false, "Prometheus metrics", s.metrics.ServeHTTP},
		{"GET", "/api/v1/openapi.json", false, "This document", s.handleOpenAPI},
		{"GET", "/api/v1/runs", true, "List runs, newest first", s.handleRunList},
		{"POST", "/api/v1/runs", true, "Start a run", s.handleRunCreate},
		{"GET", "/api/v1/runs/{id}", true, "A run with its client results and progress log", s.handleRunView},
		{"GET", "/api/v1/runs/{id}/report", true, "A run's report: per client, per operation, skips and failures by reason, tokens and cost (JSON, or CSV with format=csv)", s.handleRunReport},
		{"GET", "/api/v1/runs/{id}/events", true, "A run's progress log after an event ID", s.handleRunEvents},
		{"POST", "/api/v1/runs/{id}/cancel", true, "Cancel an active run", s.handleRunCancel},
		{"GET", "/api/v1/clients", true, "List clients", s.handleClientList},
		{"POST", "/api/v1/clients", true, "Add a client", s.handleClientCreate},
		{"GET", "/api/v1/clients/{id}", true, "A client", s.handleClientView},
		{"PATCH", "/api/v1/clients/{id}", true, "Change a client (pause with status)", s.handleClientUpdate},
		{"GET", "/api/v1/clients/{id}/rubric", true, "A client's rubric", s.handleRubricView},
		{"PUT", "/api/v1/clients/{id}/rubric", true, "Replace a client's rubric (validated)", s.handleRubricReplace},
		{"GET", "/api/v1/clients/{id}/leads", true, "List a client's leads", s.handleLeadList},
		{"POST", "/api/v1/clients/{id}/leads", true, "Import leads (ours or Linked Helper's)", s.handleLeadImport},
		{"GET", "/api/v1/clients/{id}/leads/{lead_id}", true, "One of a client's leads", s.handleLeadView},
		{"GET", "/api/v1/clients/{id}/top-leads", true, "Top leads not yet exported (JSON, or CSV with format=csv, which marks them exported)", s.handleTopLeads},
		{"POST", "/api/v1/clients/{id}/posts", true, "Ingest posts, deduplicated by post URL", s.handlePostIngest},
		{"POST", "/api/v1/clients/{id}/ingest-token", true, "Make (or rotate) the client's ingest token; shown once", s.handleIngestTokenRotate},
		{"DELETE", "/api/v1/clients/{id}/ingest-token", true, "Revoke the client's ingest token", s.handleIngestTokenRevoke},
		{"POST", "/api/v1/clients/{id}/leads/requeue", true, `Retry failed leads: reset their attempts ({"reason": "api_error"} or {"all_failed": true})`, s.handleLeadRequeue},
		{"POST", "/api/v1/clients/{id}/leads/{lead_id}/exclude", true, "Take a lead out of scoring (recorded in its history)", s.handleLeadExclude},
		{"POST", "/api/v1/clients/{id}/leads/{lead_id}/include", true, "Put an excluded lead back in scoring: the next run scores it", s.handleLeadInclude},
		{"GET", "/api/v1/clients/{id}/history", true, "What people did to the client and its leads, newest first (?lead_id=N for one lead)", s.handleClientHistory},
		{"GET", "/api/v1/needs-attention", true, "What needs a person across all clients and streams, with the action for each", s.handleNeedsAttention},
		{"GET", "/api/v1/provider-status", true, "Last known status of each AI provider (pre-flight checks, provider failures)", s.handleProviderStatus},
		{"GET", "/api/v1/clients/{id}/legacy-ingest", true, "The client's token-less Linked Helper window, with its counts", s.handleLegacyIngestView},
		{"PUT", "/api/v1/clients/{id}/legacy-ingest", true, "Allow token-less Linked Helper requests until a date (expected sender required)", s.handleLegacyIngestSet},
		{"DELETE", "/api/v1/clients/{id}/legacy-ingest", true, "End the token-less window now", s.handleLegacyIngestClose},
		{"POST", "/api/v1/runs/{id}/rerun", true, "Start a new run of a finished run's failed and abandoned clients (same stream, those clients only)", s.handleRunRerun},
		{"GET", "/api/v1/schedules", true, "Each stream's schedule as processes declared it: cron (in words too), next and last slot with its run, conflicts, missed slots", s.handleScheduleList},
	}
}

// routes builds the mux from the route table.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range s.routeTable() {
		var h http.Handler = rt.handler
		if rt.admin {
			h = s.admin(rt.handler)
		}
		if rt.method == http.MethodGet {
			h = knownParams(rt.pattern, h)
		}
		mux.Handle(rt.method+" "+rt.pattern, h)
	}
	s.dashRoutes(mux)
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeStrict reads one JSON value into v: unknown fields, wrong types and trailing data
// are EINVALID; an empty body leaves v as it is; a body over the limit is a MaxBytesError.
func (s *Server) decodeStrict(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return leadrun.Errorf(leadrun.EINVALID, "malformed JSON body: %s", err.Error())
	}
	if dec.More() {
		return leadrun.Errorf(leadrun.EINVALID, "malformed JSON body: more than one JSON value")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return leadrun.Errorf(leadrun.EINVALID, "malformed JSON body: data after the JSON value")
	}
	return nil
}

// secretMatches compares in constant time; an unset secret never matches.
func secretMatches(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// admin guards the JSON API with a bearer token: LEADRUN_ADMIN_TOKEN or a named API
// token (api_tokens.go); the handler learns who it is through actorOf.
func (s *Server) admin(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, err := s.apiCaller(r)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		next(w, withActor(r, who))
	})
}

// logRequests logs each request's method, path (never the query: it may carry an ingest
// token), status, duration and who made it (an API token's name, never the token) —
// never headers or bodies.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		who := &whoHolder{}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), whoKey{}, who)))
		attrs := []any{"method", r.Method, "path", leadrun.Truncate(r.URL.Path, 512), "status", rec.status,
			"duration_ms", time.Since(start).Milliseconds()}
		if who.who != "" {
			attrs = append(attrs, "who", who.who)
		}
		s.log.Info("request", attrs...)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReady is ready when the database answers, its schema is current and this
// process's worker is running.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if err := s.db.Ping(r.Context()); err != nil {
		notReady(w, "database unreachable")
		return
	}
	if err := s.db.CheckSchema(r.Context()); err != nil {
		notReady(w, leadrun.ErrorMessage(err))
		return
	}
	if !s.runner.Working() {
		notReady(w, "the worker is not running")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// notReady is the readiness probe's "not ready" answer, naming the reason.
func notReady(w http.ResponseWriter, reason string) {
	writeJSON(w, statusOf[codeUnavailable], map[string]string{"status": "unavailable", "reason": reason})
}

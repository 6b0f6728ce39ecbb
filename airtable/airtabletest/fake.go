// Package airtabletest is a fake Airtable for tests and the `fakes` benchmark: an httptest
// server speaking Airtable's REST and metadata API as documented — bearer auth, 100-record
// pages with offset, at most 10 records per write, performUpsert with fieldsToMergeOn, 422s
// for unknown fields, computed fields and bad select options, and 5 requests per second
// per base with a penalty after a 429 — plus injected failures. Production code never
// imports it.
package airtabletest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/leadrun/leadrun/airtable"
)

// Options tune the fake. Zero values take Airtable's documented behaviour.
type Options struct {
	Token     string        // the valid personal access token
	RateLimit int           // requests per second per base (default 5)
	Penalty   time.Duration // refusal after a 429 (default 30 s)
	// SchemaReadOnly makes the token lack schema.bases:write (init gets 403).
	SchemaReadOnly bool
}

// Faults inject failures into a share of requests (0…1 each). A timeout holds the request
// for Hold (default 2 s) and then answers 504. With ApplyThenFail, a write that draws a
// failure is applied first, so its answer is lost but the change is not.
type Faults struct {
	RateLimited, ServerError, Timeout float64
	Hold                              time.Duration
	ApplyThenFail                     bool
	Down                              bool // every request answers 503
	// DownAfter > 0: after that many requests (counted from SetFaults, all bases), every
	// request answers 503 — Airtable going down in the middle of a long read.
	DownAfter int
	// LockOutAfter > 0: the request after that many (counted from SetFaults, all bases)
	// is refused with a 429 and starts its base's penalty, as if the base had gone over
	// the limit; once.
	LockOutAfter int
	// ExpireOffsetAfter > 0: the list request after that many requests with an offset
	// (counted from SetFaults, all bases) answers 422 LIST_RECORDS_ITERATOR_NOT_AVAILABLE,
	// as Airtable does when a listing's offset has expired; once.
	ExpireOffsetAfter int
}

// Server is a running fake.
type Server struct {
	*httptest.Server
	opts Options

	mu     sync.Mutex
	bases  map[string]*base
	faults Faults
	rnd    *rand.Rand
	seq    int
	// requests since SetFaults, and whether LockOutAfter has fired
	arrived   int
	lockedOut bool
	offsets   int // list requests with an offset since SetFaults
	expired   bool
}

type base struct {
	tables   []*table
	arrivals []time.Time // every request to the base, for MaxPerSecond
	recent   []time.Time // requests of the last second, for the limit
	penalty  time.Time
	count429 int
	refused  int // 429s answered during a penalty
	writes   int
	faults   int
}

type table struct {
	airtable.Table
	records []*airtable.Record
}

// New starts a fake with the options; Close it when done.
func New(opts Options) *Server {
	if opts.RateLimit == 0 {
		opts.RateLimit = 5
	}
	if opts.Penalty == 0 {
		opts.Penalty = airtable.RateLimitPenalty
	}
	s := &Server{opts: opts, bases: map[string]*base{}, rnd: rand.New(rand.NewPCG(1, 2))}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// AddBase creates an empty base.
func (s *Server) AddBase(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bases[id] = &base{}
}

// AddTable creates a table in a base (fields get IDs; the first field is the primary one)
// and returns its ID.
func (s *Server) AddTable(baseID string, t airtable.Table) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addTable(s.bases[baseID], t).ID
}

func (s *Server) addTable(b *base, t airtable.Table) *table {
	t.ID = s.newID("tbl")
	for i := range t.Fields {
		t.Fields[i].ID = s.newID("fld")
	}
	if len(t.Fields) > 0 {
		t.PrimaryFieldID = t.Fields[0].ID
	}
	tb := &table{Table: t}
	b.tables = append(b.tables, tb)
	return tb
}

func (s *Server) newID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%014d", prefix, s.seq)
}

// SetFaults replaces the injected failures.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.arrived, s.lockedOut, s.offsets, s.expired = 0, false, 0, false
}

// Records returns a copy of a table's records (by table name), in creation order.
func (s *Server) Records(baseID, tableName string) []airtable.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(s.bases[baseID], tableName)
	if t == nil {
		return nil
	}
	out := make([]airtable.Record, len(t.records))
	for i, r := range t.records {
		out[i] = airtable.Record{ID: r.ID, CreatedTime: r.CreatedTime, Fields: copyFields(r.Fields)}
	}
	return out
}

// Stats are what the fake counted for a base.
type Stats struct {
	Requests     int
	Writes       int // accepted writes
	RateLimited  int // 429s answered for the limit (not injected)
	Refused      int // 429s answered because a penalty was running: requests that did not wait it out
	Faults       int // injected failures
	MaxPerSecond int // most requests that arrived in any one-second window
	// First and Last are when the first and the last counted request arrived.
	First, Last time.Time
}

// Stats counts a base's requests.
func (s *Server) Stats(baseID string) Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bases[baseID]
	st := Stats{Requests: len(b.arrivals), Writes: b.writes, RateLimited: b.count429, Refused: b.refused, Faults: b.faults}
	a := b.arrivals
	if len(a) > 0 {
		st.First, st.Last = a[0], a[len(a)-1]
	}
	j := 0
	for i := range a {
		for a[i].Sub(a[j]) >= time.Second {
			j++
		}
		st.MaxPerSecond = max(st.MaxPerSecond, i-j+1)
	}
	return st
}

func (s *Server) table(b *base, name string) *table {
	if b == nil {
		return nil
	}
	for _, t := range b.tables {
		if t.Name == name || t.ID == name {
			return t
		}
	}
	return nil
}

func copyFields(f map[string]any) map[string]any {
	out := make(map[string]any, len(f))
	for k, v := range f {
		out[k] = v
	}
	return out
}

// writeError answers Airtable's error envelope.
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"type": typ, "message": msg}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// serve authenticates, applies the rate limit and faults, then routes.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	token := s.opts.Token
	s.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+token || token == "" {
		writeError(w, http.StatusUnauthorized, "AUTHENTICATION_REQUIRED", "Authentication required")
		return
	}
	meta, baseID, parts := splitPath(r)
	s.mu.Lock()
	b := s.bases[baseID]
	if b == nil {
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
			"Invalid permissions, or the requested model was not found. Check that both your user and your token have the required permissions, and that the model names and/or ids are correct.")
		return
	}
	if !s.admit(w, b) {
		s.mu.Unlock()
		return
	}
	f := s.faults
	fault := s.drawFault(f)
	if fault != "" {
		b.faults++
	}
	s.mu.Unlock()
	if fault != "" && !(f.ApplyThenFail && r.Method != http.MethodGet) {
		s.fail(w, r, fault, f.Hold)
		return
	}
	rec := httptest.NewRecorder()
	if meta {
		s.serveMeta(rec, r, b, parts[3:])
	} else {
		s.serveRecords(rec, r, b, parts[1:])
	}
	if fault != "" {
		s.fail(w, r, fault, f.Hold)
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// splitPath reads /v0/{base}/… or /v0/meta/bases/{base}/…: whether it is the metadata
// API, the base, and the path's parts.
func splitPath(r *http.Request) (meta bool, baseID string, parts []string) {
	parts = strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/v0/"), "/")
	meta = len(parts) >= 3 && parts[0] == "meta" && parts[1] == "bases"
	baseID = parts[0]
	if meta {
		baseID = parts[2]
	}
	return meta, baseID, parts
}

// admit counts the request and enforces the per-base limit (s.mu held).
func (s *Server) admit(w http.ResponseWriter, b *base) bool {
	now := time.Now()
	b.arrivals = append(b.arrivals, now)
	s.arrived++
	if s.faults.Down || s.faults.DownAfter > 0 && s.arrived > s.faults.DownAfter {
		writeError(w, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", "Service temporarily unavailable")
		return false
	}
	if now.Before(b.penalty) {
		b.refused++
		writeError(w, http.StatusTooManyRequests, "RATE_LIMIT_REACHED", "Rate limit exceeded. Please try again later")
		return false
	}
	if s.faults.LockOutAfter > 0 && !s.lockedOut && s.arrived > s.faults.LockOutAfter {
		s.lockedOut = true
		b.penalty = now.Add(s.opts.Penalty)
		b.count429++
		writeError(w, http.StatusTooManyRequests, "RATE_LIMIT_REACHED", "Rate limit exceeded. Please try again later")
		return false
	}
	keep := b.recent[:0]
	for _, t := range b.recent {
		if now.Sub(t) < time.Second {
			keep = append(keep, t)
		}
	}
	b.recent = append(keep, now)
	if len(b.recent) > s.opts.RateLimit {
		b.penalty = now.Add(s.opts.Penalty)
		b.count429++
		writeError(w, http.StatusTooManyRequests, "RATE_LIMIT_REACHED", "Rate limit exceeded. Please try again later")
		return false
	}
	return true
}

func (s *Server) drawFault(f Faults) string {
	x := s.rnd.Float64()
	switch {
	case x < f.RateLimited:
		return "429"
	case x < f.RateLimited+f.ServerError:
		return "500"
	case x < f.RateLimited+f.ServerError+f.Timeout:
		return "timeout"
	}
	return ""
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, fault string, hold time.Duration) {
	switch fault {
	case "429":
		writeError(w, http.StatusTooManyRequests, "RATE_LIMIT_REACHED", "Rate limit exceeded. Please try again later")
	case "500":
		writeError(w, http.StatusInternalServerError, "SERVER_ERROR", "Server error")
	default:
		if hold == 0 {
			hold = 2 * time.Second
		}
		select {
		case <-r.Context().Done():
		case <-time.After(hold):
		}
		writeError(w, http.StatusGatewayTimeout, "GATEWAY_TIMEOUT", "Gateway timeout")
	}
}

// sortedNames lists map keys in order, for stable messages.
func sortedNames(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SetToken replaces the valid token (a revoked or rotated token).
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Token = token
}

// ResetCounts forgets every base's requests so far — for the limit and for Stats — so that
// a test's setup traffic (creating tables) is not counted against what it measures.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.bases {
		b.arrivals, b.recent, b.count429, b.refused, b.writes, b.faults = nil, nil, 0, 0, 0, 0
	}
}

// AddRecords stores records in a table (by name) directly, as a base's existing data,
// without requests: a fixture of thousands of records would take minutes through the API
// at 5 requests per second. Values are kept as given (use Airtable's JSON types: float64
// numbers, true for a ticked checkbox, []any for lists).
func (s *Server) AddRecords(baseID, tableName string, records ...map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(s.bases[baseID], tableName)
	if t == nil {
		panic(fmt.Sprintf("airtabletest: no table %q in base %s", tableName, baseID))
	}
	now := time.Now().UTC().Format(time.RFC3339)
	for _, f := range records {
		t.records = append(t.records, &airtable.Record{ID: s.newID("rec"), CreatedTime: now, Fields: copyFields(f)})
	}
}

// RemoveBase deletes a base: requests to it answer 403, as Airtable answers for a base
// that does not exist or that the token may not use.
func (s *Server) RemoveBase(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.bases, id)
}

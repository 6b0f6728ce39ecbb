package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// hostileCase is one request of the hostile corpus: what it must answer, and whether it
// is refused as a whole (then no row may change).
type hostileCase struct {
	name, method, path, body string
	header                   map[string]string
	status                   int
	says                     string // in the answer
	refused                  bool   // row counts must not change
	check                    func(t *testing.T, db *sqldb.DB, answer map[string]any)
}

// The permanent hostile corpus (issue 11), on SQLite and PostgreSQL: every request gets a
// precise 2xx or 4xx (never a 5xx), items are handled one by one, and refused requests
// leave every row count as it was.
func TestHostileCorpus(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
		ctx := context.Background()
		lhToken, err := db.RotateIngestToken(ctx, "Guy-Wilson")
		if err != nil {
			t.Fatal(err)
		}
		var known string // a stored lead's profile URL, for posts
		if err := db.SQL().QueryRowContext(ctx, `SELECT profile_url FROM leads WHERE client_id = 'Guy-Wilson' ORDER BY id LIMIT 1`).Scan(&known); err != nil {
			t.Fatal(err)
		}
		for _, tc := range hostileCases(lhToken, known) {
			before := rowCounts(t, db)
			header := tc.header
			if header == nil {
				header = bearer
			}
			status, raw := send(t, e, tc.method, tc.path, header, tc.body)
			if status >= 500 || status != tc.status || !strings.Contains(string(raw), tc.says) {
				t.Errorf("%s: %d %.300s; want %d saying %q", tc.name, status, raw, tc.status, tc.says)
				continue
			}
			if after := rowCounts(t, db); tc.refused && after != before {
				t.Errorf("%s: refused, but rows changed: %s → %s", tc.name, before, after)
			}
			if tc.check != nil {
				var answer map[string]any
				_ = json.Unmarshal(raw, &answer)
				tc.check(t, db, answer)
			}
		}
	})
}

func hostileCases(lhToken, knownURL string) []hostileCase {
	lh := "/lh-webhook/upsertLeadOnly?client=Guy-Wilson&token=" + lhToken
	rubric := "/api/v1/clients/Guy-Wilson/rubric"
	yamlType := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/yaml"}
	csvType := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "text/csv"}
	attr := func(points string) string {
		return `{"preamble":"p","attributes":[{"id":"A","category":"positive","heading":"H","instructions":"I","max_points":` + points + `}]}`
	}
	deep := strings.Repeat(`[`, 40) + strings.Repeat(`]`, 40)
	return []hostileCase{
		// Defect 1: one bad item never costs the batch, on either database.
		{name: "LH NUL and a good item", method: "POST", path: lh, header: map[string]string{},
			body:   `[{"profileUrl":"https://linkedin.com/in/a","firstName":"a\u0000b"},{"profileUrl":"https://linkedin.com/in/b","firstName":"ok"}]`,
			status: 200, says: `"created":2`, check: func(t *testing.T, db *sqldb.DB, a map[string]any) {
				expectItems(t, a, "failed", nil)
				expectItems(t, a, "repaired", map[int]string{0: "first_name: NUL"})
				expectColumn(t, db, "first_name", "linkedin.com/in/a", "ab")
			}},
		{name: "LH Latin-1 byte", method: "POST", path: lh, header: map[string]string{},
			body:   `[{"profileUrl":"https://linkedin.com/in/latin","firstName":"Ren` + "\xe9" + `"},{"profileUrl":"https://linkedin.com/in/b2"}]`,
			status: 200, says: `"created":2`, check: func(t *testing.T, db *sqldb.DB, a map[string]any) {
				expectItems(t, a, "repaired", map[int]string{0: "raw: invalid UTF-8 replaced"})
				expectColumn(t, db, "first_name", "linkedin.com/in/latin", "Ren\uFFFD")
			}},
		{name: "CSV with Latin-1 bytes", method: "POST", path: "/api/v1/clients/Guy-Wilson/leads", header: csvType,
			body:   "profile_url,first_name,about\nhttps://linkedin.com/in/c1,Ren\xe9,x\nhttps://linkedin.com/in/c2,Ok,y\nhttps://linkedin.com/in/c3,Zo\xe9,a\x00b\n",
			status: 200, says: `"created":3`},
		// Defect 8: lengths are bounded per field, per item.
		{name: "LH 25 KB about", method: "POST", path: lh, header: map[string]string{},
			body:   `[{"profileUrl":"https://linkedin.com/in/long","about":"` + strings.Repeat("a", 25<<10) + `"},{"profileUrl":"https://linkedin.com/in/short"}]`,
			status: 200, says: `"created":1`, check: func(t *testing.T, db *sqldb.DB, a map[string]any) {
				expectItems(t, a, "failed", map[int]string{0: "about is 25,600 bytes long, over the limit of 20,480"})
			}},
		{name: "LH 200 KB my_email", method: "POST", path: lh, header: map[string]string{},
			body:   `[{"profileUrl":"https://linkedin.com/in/m1","my_email":"` + strings.Repeat("m", 200<<10) + `@x.com"},{"profileUrl":"https://linkedin.com/in/m2","my_email":"ok@x.com"}]`,
			status: 200, says: `"created":1`, check: func(t *testing.T, db *sqldb.DB, a map[string]any) {
				expectItems(t, a, "failed", map[int]string{0: "my_email is 204,806 bytes long"})
			}},
		{name: "50 MB about", method: "POST", path: lh, header: map[string]string{},
			body: `[{"profileUrl":"https://linkedin.com/in/huge","about":"` + strings.Repeat("a", 6<<20) + `"}]`, status: 413, says: "over", refused: true},
		{name: "1 MB client name", method: "POST", path: "/api/v1/clients",
			body: `{"client_id":"Big","name":"` + strings.Repeat("n", 1<<20) + `"}`, status: 400, says: "name is 1,048,576 bytes long, over the limit of 200", refused: true},
		{name: "client name with NUL", method: "POST", path: "/api/v1/clients", body: `{"client_id":"Nul","name":"a\u0000b"}`,
			status: 400, says: "without NUL", refused: true},
		{name: "lead import repairs NUL", method: "POST", path: "/api/v1/clients/Guy-Wilson/leads",
			body: `[{"profile_url":"https://linkedin.com/in/own","about":"x\u0000y"}]`, status: 200, says: `"repaired":[{"index":0,"note":"about: NUL`},
		{name: "posts: NUL repaired, over-long refused", method: "POST", path: "/api/v1/clients/Guy-Wilson/posts",
			body: `[{"profile_url":"` + knownURL + `","post_url":"https://linkedin.com/feed/1","content":"a\u0000 long enough post"},` +
				`{"profile_url":"` + knownURL + `","post_url":"https://linkedin.com/feed/2","content":"` + strings.Repeat("p", 60<<10) + `"}]`,
			status: 200, says: "content is 61,440 bytes long", check: func(t *testing.T, db *sqldb.DB, a map[string]any) {
				expectItems(t, a, "failed", map[int]string{1: "content is 61,440 bytes long"})
				expectItems(t, a, "repaired", map[int]string{0: "content: NUL"})
			}},
		// Defect 10: only LinkedIn http(s) URLs.
		{name: "javascript: profile URL", method: "POST", path: lh, header: map[string]string{},
			body:   `[{"profileUrl":"javascript://linkedin.com/in/x%0aalert(1)"},{"profileUrl":"https://evil.example/in/x"},{"profileUrl":"https://linkedin.com/in/fine"}]`,
			status: 200, says: `"created":1`, check: func(t *testing.T, db *sqldb.DB, a map[string]any) {
				expectItems(t, a, "failed", map[int]string{0: "must start with https://", 1: "not on linkedin.com"})
			}},
		// Decoders: depth, numbers.
		{name: "LH item nested 40 deep", method: "POST", path: lh, header: map[string]string{},
			body: `[{"profileUrl":"https://linkedin.com/in/deep","x":` + deep + `}]`, status: 200, says: "deeper than 32"},
		{name: "client body nested deep", method: "POST", path: "/api/v1/clients", body: `{"client_id":"D","name":` + deep + `}`,
			status: 400, says: "malformed JSON", refused: true},
		{name: "stream 1e300", method: "POST", path: "/api/v1/runs", body: `{"stream":1e300}`, status: 400, says: "malformed JSON", refused: true},
		// Defect 2 and 6: rubric decoding is bounded, points are whole and within ±1,000.
		{name: "rubric alias bomb", method: "PUT", path: rubric, header: yamlType, body: rubricAliasBomb(20_000),
			status: 413, says: "aliases", refused: true},
		{name: "rubric string bomb (the issue's)", method: "PUT", path: rubric, header: yamlType, body: rubricStringBomb(1_600),
			status: 413, says: "aliases", refused: true},
		{name: "rubric over 1 MiB", method: "PUT", path: rubric, body: `{"preamble":"` + strings.Repeat("p", 3<<20) + `"}`,
			status: 413, says: "larger than 1048576 bytes", refused: true},
		{name: "max_points 5.5 (YAML)", method: "PUT", path: rubric, header: yamlType,
			body:   "preamble: p\nattributes:\n  - {id: A, category: positive, heading: H, instructions: I, max_points: 5.5}\n",
			status: 400, says: `max_points must be a whole number of points, not \"5.5\"`, refused: true},
		{name: "max_points 5.5 (JSON)", method: "PUT", path: rubric, body: attr("5.5"), status: 400, says: "whole number", refused: true},
		{name: "max_points 2^63-1", method: "PUT", path: rubric, body: attr("9223372036854775807"), status: 400, says: "out of bounds", refused: true},
		{name: "three attributes at 2^62", method: "PUT", path: rubric, status: 400, says: "out of bounds", refused: true,
			body: `{"preamble":"p","attributes":[` + strings.Repeat(`{"id":"A","category":"positive","heading":"H","instructions":"I","max_points":4611686018427387904},`, 2) +
				`{"id":"C","category":"positive","heading":"H","instructions":"I","max_points":4611686018427387904}]}`},
		// Defect 9: query parameters and numbers are validated strictly.
		{name: "status=failed;", method: "GET", path: "/api/v1/runs?status=failed;", status: 400, says: `status=failed;`},
		{name: "bad escape", method: "GET", path: "/api/v1/clients/Guy-Wilson/leads?status=%zz", status: 400, says: "malformed query parameter"},
		{name: "NUL in a query value", method: "GET", path: "/api/v1/runs?client=%00", status: 400, says: `query parameter \"client\"`},
		{name: "invalid UTF-8 in a query value", method: "GET", path: "/api/v1/runs?before=%ff", status: 400, says: "valid UTF-8"},
		{name: "invalid UTF-8 in the path", method: "GET", path: "/api/v1/clients/%ff", status: 400, says: "the path"},
		{name: "NUL in the LH client", method: "POST", path: "/lh-webhook/upsertLeadOnly?client=a%00&token=x", header: map[string]string{},
			body: `[]`, status: 400, says: "client", refused: true},
		{name: "over-long query value", method: "GET", path: "/api/v1/runs?client=" + strings.Repeat("c", 5000), status: 400, says: "at most 4096 bytes"},
		{name: "misspelt filter", method: "GET", path: "/api/v1/runs?stauts=failed", status: 400, says: `unknown query parameter \"stauts\"`},
		{name: "parameter on a route without any", method: "GET", path: "/api/v1/clients/Guy-Wilson?x=1", status: 400, says: "takes no query parameters"},
		{name: "dashboard status=failed;", method: "GET", path: "/runs?status=failed;", header: map[string]string{}, status: 400, says: "status=failed;"},
		{name: "top-leads limit=-1", method: "GET", path: "/api/v1/clients/Guy-Wilson/top-leads?limit=-1", status: 400, says: "limit must be a whole number from 1 to 5000"},
		{name: "top-leads limit=abc", method: "GET", path: "/api/v1/clients/Guy-Wilson/top-leads?limit=abc", status: 400, says: "limit"},
		{name: "top-leads mark=yes", method: "GET", path: "/api/v1/clients/Guy-Wilson/top-leads?mark=yes", status: 400, says: "mark must be true or false"},
		{name: "stream 0 at client creation", method: "POST", path: "/api/v1/clients", body: `{"client_id":"Zero","stream":0}`,
			status: 400, says: "stream 0 must be 1 or more", refused: true},
		{name: "service_level 0 at client creation", method: "POST", path: "/api/v1/clients", body: `{"client_id":"Zero","service_level":0}`,
			status: 400, says: "service_level 0", refused: true},
		{name: "client created with defaults", method: "POST", path: "/api/v1/clients", body: `{"client_id":"Fine"}`, status: 201, says: `"stream":1`},
	}
}

// rubricAliasBomb: an attribute of 50 × 200-byte signals, listed copies times by alias.
func rubricAliasBomb(copies int) string {
	return "preamble: &w " + strings.Repeat("x", 200) + "\nattributes:\n" +
		"  - &a {id: A, category: positive, heading: H, instructions: I, max_points: 10, signals: [" + strings.Repeat("*w, ", 49) + "*w]}\n" +
		strings.Repeat("  - *a\n", copies)
}

// rubricStringBomb: a valid rubric whose 1,600 headings alias one 100 KB string (231 KB
// sent; before the fix it was stored as 164 MB).
func rubricStringBomb(copies int) string {
	var b strings.Builder
	b.WriteString("preamble: &s " + strings.Repeat("s", 100<<10) + "\nattributes:\n")
	for i := range copies {
		fmt.Fprintf(&b, "  - {id: A%d, category: positive, heading: *s, instructions: I, max_points: 1}\n", i)
	}
	return b.String()
}

// send makes one request and reads the whole answer.
func send(t *testing.T, e *env, method, path string, header map[string]string, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %.80s: %v (the server must answer, not drop the connection)", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// rowCounts is the number of rows of the tables a request could write, and the rubric.
func rowCounts(t *testing.T, db *sqldb.DB) string {
	t.Helper()
	var out []string
	for _, q := range []string{"SELECT COUNT(*) FROM clients", "SELECT COUNT(*) FROM leads", "SELECT COUNT(*) FROM posts",
		"SELECT COUNT(*) FROM runs", "SELECT COUNT(*) FROM rubrics", "SELECT COALESCE(SUM(LENGTH(document)), 0) FROM rubrics"} {
		var n int64
		if err := db.SQL().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, fmt.Sprint(n))
	}
	return strings.Join(out, "/")
}

// expectItems checks a batch answer's list (failed or repaired) holds exactly the indexes
// given, each with its text.
func expectItems(t *testing.T, answer map[string]any, key string, want map[int]string) {
	t.Helper()
	list, _ := answer[key].([]any)
	if len(list) != len(want) {
		t.Errorf("%s: %v, want %d items", key, answer[key], len(want))
		return
	}
	for _, it := range list {
		m, _ := it.(map[string]any)
		idx := int(m["index"].(float64))
		text := fmt.Sprint(m["reason"], m["note"])
		if w, ok := want[idx]; !ok || !strings.Contains(text, w) {
			t.Errorf("%s item %d: %q, want %q", key, idx, text, w)
		}
	}
}

// expectColumn checks one stored column of a Guy-Wilson lead.
func expectColumn(t *testing.T, db *sqldb.DB, column, key, want string) {
	t.Helper()
	var got string
	err := db.SQL().QueryRowContext(context.Background(), `SELECT `+column+` FROM leads WHERE client_id = 'Guy-Wilson' AND profile_key = $1`, key).Scan(&got)
	if err != nil || got != want {
		t.Errorf("lead %s %s = %q (%v), want %q", key, column, got, err, want)
	}
}

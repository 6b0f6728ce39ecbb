package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// Runs are found by run ID prefix and by client (ID or name) on the runs page and in the
// API; clients by part of their ID or name, a page at a time with next and previous.
func TestSearchRunsAndClients(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := mustServe(t, db, web.Config{AdminToken: token}, true)
		r1, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI, Params: leadrun.RunParams{ClientFilter: []string{"Guy-Wilson"}}})
		must(t, err)
		r2, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 2, Trigger: leadrun.TriggerAPI})
		must(t, err)
		waitRun(t, db, r1.ID)
		waitRun(t, db, r2.ID)

		apiRuns := func(query string) []string {
			t.Helper()
			status, got := e.do(t, "GET", "/api/v1/runs?"+query, bearer, "")
			if status != 200 {
				t.Fatalf("GET /api/v1/runs?%s: %d %v", query, status, got)
			}
			var ids []string
			for _, r := range got["runs"].([]any) {
				ids = append(ids, r.(map[string]any)["run_id"].(string))
			}
			return ids
		}
		if got := apiRuns("q=" + strings.ToLower(r1.ID)); len(got) != 1 || got[0] != r1.ID {
			t.Errorf("by run ID: %v", got)
		}
		if got := apiRuns("q=" + r1.ID[3:9]); len(got) != 2 {
			t.Errorf("by day without SR-: %v", got)
		}
		if got := apiRuns("q=guy+wilson"); len(got) != 1 || got[0] != r1.ID {
			t.Errorf("by client name: %v, want only %s (%s did not include Guy-Wilson)", got, r1.ID, r2.ID)
		}
		if got := apiRuns("q=Nobody"); len(got) != 0 {
			t.Errorf("no such client: %v", got)
		}

		b := newBrowser(t, e.srv.URL)
		b.login(token)
		_, body, _ := b.get("/runs?q=Guy-Wilson")
		if !strings.Contains(body, `href="/runs/`+r1.ID+`" class="runid"`) || strings.Contains(body, `href="/runs/`+r2.ID+`" class="runid"`) ||
			!strings.Contains(body, `value="Guy-Wilson"`) {
			t.Errorf("runs page searched for Guy-Wilson:\n%s", body)
		}
		if _, body, _ := b.get("/runs?q=Nobody"); !strings.Contains(body, "No runs match this filter") {
			t.Errorf("runs page, no match:\n%s", body)
		}

		// 60 more clients: the clients list pages.
		for i := range 60 {
			must(t, db.CreateClient(ctx, &leadrun.Client{ID: fmt.Sprintf("Page-%02d", i), Name: fmt.Sprintf("Paged Client %02d", i), Stream: 3}))
		}
		status, got := e.do(t, "GET", "/api/v1/clients?q=paged&limit=25", bearer, "")
		if status != 200 || len(got["clients"].([]any)) != 25 || got["next_cursor"] != "Page-24" {
			t.Fatalf("clients page 1: %d %d %v", status, len(got["clients"].([]any)), got["next_cursor"])
		}
		status, got = e.do(t, "GET", "/api/v1/clients?q=paged&limit=25&after=Page-48", bearer, "")
		if status != 200 || len(got["clients"].([]any)) != 11 || got["next_cursor"] != nil {
			t.Fatalf("clients last page: %d %v", status, got)
		}
		if status, _ := e.do(t, "GET", "/api/v1/clients?limit=0", bearer, ""); status != 400 {
			t.Errorf("limit=0: %d", status)
		}

		_, body, _ = b.get("/clients?q=Paged")
		if strings.Count(body, `href="/clients/Page-`) != 50 || !strings.Contains(body, `id="clients-next"`) || strings.Contains(body, `id="clients-prev"`) ||
			strings.Contains(body, `href="/clients/Guy-Wilson"`) {
			t.Fatalf("clients page 1 of the search:\n%s", body)
		}
		_, body, _ = b.get("/clients?q=Paged&after=Page-49")
		if strings.Count(body, `href="/clients/Page-`) != 10 || strings.Contains(body, `id="clients-next"`) || !strings.Contains(body, `href="/clients?before=Page-50&amp;q=Paged"`) {
			t.Fatalf("clients page 2 of the search:\n%s", body)
		}
		_, body, _ = b.get("/clients?q=Paged&before=Page-50")
		if strings.Count(body, `href="/clients/Page-`) != 50 || !strings.Contains(body, `href="/clients/Page-00"`) || strings.Contains(body, `id="clients-prev"`) ||
			!strings.Contains(body, `id="clients-next"`) {
			t.Fatalf("back to page 1:\n%s", body)
		}
	})
}
